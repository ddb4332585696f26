"""Time as a service: the outbox, the simulator's flood limits and the scheduler read it here.

Code that paces, retries or schedules asks a :class:`Clock` instead of :mod:`time`,
:mod:`datetime` and :func:`asyncio.sleep` directly, so tests and benchmarks can run the
same code on a faster clock (:class:`ScaledClock`) and assert on the same figures in clock
seconds. The product always uses :data:`SYSTEM_CLOCK`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

__all__ = ["SYSTEM_CLOCK", "Clock", "ScaledClock"]


class Clock:
    """Real time: :func:`time.monotonic`, :func:`datetime.now` (UTC), :func:`asyncio.sleep`."""

    __slots__ = ()

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences mean anything)."""
        return time.monotonic()

    def now(self) -> datetime:
        """The current time, time-zone aware (UTC)."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` clock seconds (nothing for ``seconds`` ≤ 0 but a yield)."""
        await asyncio.sleep(max(seconds, 0.0))

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for ``event`` at most ``seconds`` clock seconds.

        Returns:
            ``True`` if the event was set, ``False`` on time-out.
        """
        try:  # asyncio.timeout, not wait_for: no task of its own per wait
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()
        except TimeoutError:
            return False
        return True


class ScaledClock(Clock):
    """A clock that runs ``speed`` times faster than real time, for tests and benchmarks.

    One clock second lasts ``1 / speed`` real seconds; :meth:`now` starts at the real time
    of construction and runs ahead from there. Everything that paces against the clock
    (the outbox and the simulator's flood limits) must share one instance.

    Args:
        speed: How many clock seconds pass per real second (> 0).

    Raises:
        ValueError: ``speed`` is not positive.
    """

    __slots__ = ("_real0", "_speed", "_wall0")

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = speed
        self._real0 = time.monotonic()
        self._wall0 = datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds since construction times ``speed``, from the real monotonic start."""
        return self._real0 + (time.monotonic() - self._real0) * self._speed

    def now(self) -> datetime:
        """The real time at construction plus the clock seconds passed since (UTC)."""
        return self._wall0 + timedelta(seconds=self.monotonic() - self._real0)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` clock seconds: ``seconds / speed`` real seconds."""
        await asyncio.sleep(max(seconds, 0.0) / self._speed)

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait for ``event`` at most ``seconds`` clock seconds (True if it was set)."""
        return await super().wait(event, seconds / self._speed)


#: The clock of the running product.
SYSTEM_CLOCK = Clock()
