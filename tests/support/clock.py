"""A virtual clock for tests: time that passes only while the event loop has nothing to do.

:class:`bot.clock.ScaledClock` runs the outbox's pacing, flood waits and back-off faster
than real time, but still in real time: 200 invitations at 25/s take 2 s at 4x, and any
stall of the machine (a loaded CI box, a GC pause) stretches every gap by the speed factor.
:class:`VirtualClock` instead stands still while code runs and jumps to the next deadline
when every task is waiting: a broadcast costs its CPU and nothing more, and the figures the
tests assert on (rates per second, gaps, pauses) are exact, whatever the load.

How it knows the loop is waiting: :meth:`VirtualClock.attach` wraps the loop's selector.
When the loop is about to block (no callback ready, no real timer due), no work handed to
another thread is still running (aiosqlite's connection threads, ``run_in_executor``: the
storage's writer, name look-ups) and no socket is ready (after :data:`IDLE` real
seconds), the clock jumps to its earliest deadline and wakes the sleepers due then. So virtual time never passes while an SQLite call or a
request between the bot and the simulator is under way. Real-time waits
(``asyncio.sleep``, HTTP time-outs, the simulator's ``fail(delay=...)``) are untouched and
still take real time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiosqlite.core

from bot.clock import Clock

#: Real seconds the loop must have had nothing to do before the virtual clock jumps. Zero:
#: the threads the tests use are counted (see :meth:`VirtualClock.attach`), and a request
#: over the loopback is readable as soon as it is written; a wait here cost the pacing test
#: a third of its wall time (a jump per paced send).
IDLE = 0.0


class VirtualClock(Clock):
    """A :class:`~bot.clock.Clock` whose time moves only by jumps to its next deadline,
    taken when the event loop it is attached to would otherwise block.

    ``monotonic()`` starts at ``start``; ``now()`` at the real UTC time of construction,
    and both advance together. Share one instance between everything that paces against
    time in a test (the outbox, the simulator's flood limits, the test's spy).

    Args:
        start: The first value of :meth:`monotonic` (seconds).
    """

    __slots__ = ("_detach", "_now", "_seq", "_start", "_timers", "_wall0", "jumps")

    def __init__(self, start: float = 1000.0) -> None:
        self._start = self._now = start
        self._wall0 = datetime.now(UTC)
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._detach: Callable[[], None] | None = None
        #: How many times the clock jumped (for tests of the clock itself).
        self.jumps = 0

    # -- the Clock interface ------------------------------------------------------------
    def monotonic(self) -> float:
        """Virtual seconds; they do not pass while code runs."""
        return self._now

    def now(self) -> datetime:
        """The real time at construction plus the virtual seconds passed since (UTC)."""
        return self._wall0 + timedelta(seconds=self._now - self._start)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` virtual seconds (a yield for ``seconds`` <= 0)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        timer = self._timer(seconds)
        try:
            await timer
        finally:
            timer.cancel()  # a cancelled sleep leaves no live deadline behind

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for ``event`` at most ``seconds`` virtual seconds (True if it was set)."""
        if event.is_set():
            return True
        if seconds <= 0:
            await asyncio.sleep(0)
            return event.is_set()
        timer = self._timer(seconds)
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait((timer, waiter), return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            waiter.cancel()
        return event.is_set()

    # -- time passing -------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward now, waking the sleepers due by then."""
        self._wake(self._now + max(seconds, 0.0))

    def _timer(self, seconds: float) -> asyncio.Future[None]:
        timer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self._now + seconds, next(self._seq), timer))
        return timer

    def _next_deadline(self) -> float | None:
        while self._timers and self._timers[0][2].done():  # cancelled or already woken
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def _wake(self, until: float) -> None:
        self._now = max(self._now, until)
        while self._timers and self._timers[0][0] <= self._now:
            timer = heapq.heappop(self._timers)[2]
            if not timer.done():
                timer.set_result(None)

    def attach(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Let the clock jump whenever ``loop`` (default: the running one) would block.
        Several clocks may be attached to one loop; each idle moment jumps the one whose
        next deadline is nearest (in its own seconds).

        Raises:
            RuntimeError: Already attached, or ``loop`` is not a selector event loop.
        """
        if self._detach is not None:
            raise RuntimeError("VirtualClock is already attached")
        loop = loop or asyncio.get_running_loop()
        driver = _DRIVERS.get(loop)
        if driver is None:
            driver = _DRIVERS[loop] = _Driver(loop)
        driver.clocks.append(self)

        def detach() -> None:
            driver.clocks.remove(self)
            if not driver.clocks:
                driver.remove()
                del _DRIVERS[loop]

        self._detach = detach

    @property
    def attached(self) -> bool:
        """Whether the clock jumps with an event loop (:meth:`attach`, :meth:`detach`)."""
        return self._detach is not None

    def detach(self) -> None:
        """Stop jumping (idempotent); sleepers still waiting stay asleep."""
        if self._detach is not None:
            self._detach()
            self._detach = None


class _Driver:
    """The patches that let the virtual clocks of one event loop jump (see the module
    docstring): its selector, its ``run_in_executor`` and aiosqlite's calls to its
    connection threads, counted while they run."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        selector = getattr(loop, "_selector", None)
        if selector is None:
            raise RuntimeError("VirtualClock needs a selector event loop")
        self.clocks: list[VirtualClock] = []
        self.busy = 0  # calls handed to another thread and not answered yet
        real_select = selector.select
        real_executor = loop.run_in_executor
        real_execute = aiosqlite.core.Connection._execute

        def done(_: object) -> None:
            self.busy -= 1

        def run_in_executor(executor, func, *args):  # type: ignore[no-untyped-def]
            future = real_executor(executor, func, *args)
            self.busy += 1
            future.add_done_callback(done)
            return future

        async def execute(connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.busy += 1
            try:
                return await real_execute(connection, fn, *args, **kwargs)
            finally:
                self.busy -= 1

        def select(timeout: float | None = None):  # type: ignore[no-untyped-def]
            if (timeout is not None and timeout <= 0) or self.busy:
                return real_select(timeout)  # runnable work, or a thread will answer
            due = [(d - c.monotonic(), c) for c in self.clocks
                   if (d := c._next_deadline()) is not None]  # fmt: skip
            if not due:
                return real_select(timeout)
            blocking_for = IDLE if timeout is None else min(timeout, IDLE)
            events = real_select(blocking_for)
            if events or (timeout is not None and timeout <= IDLE):
                return events  # something to do, or a real timer is due: no jump
            _, clock = min(due, key=lambda pair: pair[0])
            deadline = clock._next_deadline()
            if deadline is not None:
                clock.jumps += 1
                clock._wake(deadline)
            return events

        selector.select = select
        loop.run_in_executor = run_in_executor  # type: ignore[method-assign]
        aiosqlite.core.Connection._execute = execute  # type: ignore[method-assign]

        def remove() -> None:
            del selector.select  # the class's method again
            del loop.run_in_executor  # type: ignore[method-assign]
            aiosqlite.core.Connection._execute = real_execute  # type: ignore[method-assign]

        self.remove = remove


#: The driver of each event loop that has a virtual clock attached.
_DRIVERS: dict[asyncio.AbstractEventLoop, _Driver] = {}
