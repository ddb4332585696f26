"""Pacing of the outbox's Bot API calls: the flood limits, and a global pause for 429s.

Flood limits (Bot API FAQ, "How can I message all of my bot's subscribers at once?",
https://core.telegram.org/bots/faq#how-can-i-message-all-of-my-bot-39s-subscribers-at-once):
"the API will not allow bulk notifications to more than ~30 users per second" and no more
than one message per second to one chat. The sender therefore paces to ``rate`` = 25
messages/s: calls start on a grid ``1 / rate`` apart, and never more than ``rate`` calls
start in any window of one second (a sliding log of call starts; this holds in the first
second after a start too, because the new sender counts the calls of the previous one's
last second, stored in ``outbox.called_at``: :meth:`Pacer.seed`). It keeps
``per_chat_interval`` = 1 s between the end of one call and the start of the next to the
same chat (:class:`bot.outbox.sender.OutboxSender`). Several sends (``max_in_flight``,
default 8) may be in flight, so a 100 ms round trip to Telegram still allows 25 messages/s.
"""

from __future__ import annotations

import asyncio
import collections
import math
from collections.abc import Iterable

from bot.clock import SYSTEM_CLOCK, Clock

__all__ = ["CALL_STAMP_MARGIN", "PACING_GUARD", "Pacer"]

#: Seconds added to the one-second window before the next call may start: the time between
#: the pacer logging a start and the HTTP request leaving varies a little, and the limit
#: must hold for the real starts (costs 2 % of the rate).
PACING_GUARD = 0.02
#: Seconds added to a stored call time when a restarted sender counts it against its rate:
#: ``called_at`` is written when the row is marked ``sending``, just before the call (the
#: exact start replaces it once the call's outcome is recorded).
CALL_STAMP_MARGIN = 0.25


class Pacer:
    """Paces call starts: ``rate`` per second on a grid, never more than ``rate`` in any
    window of one second, and a global pause for 429s.

    A turn is taken with :meth:`wait_turn` (waits, then holds the pacer) and ended with
    :meth:`started` right before the call (the start is logged) or :meth:`release` (no
    call). Holding the pacer from the turn to the call start means the logged starts are
    the real ones even when marking the row ``sending`` takes a while. Turns are served
    first come, first served (an :class:`asyncio.Lock` is FIFO).

    Args:
        rate: Call starts per second.
        clock: Monotonic time and sleeps.
        window: Seconds of the sliding window that holds at most ``rate * window`` starts.
    """

    def __init__(self, rate: float, clock: Clock = SYSTEM_CLOCK, window: float = 1.0) -> None:
        self.clock = clock
        self.window = window
        self.limit = max(1, math.floor(rate * window + 1e-9))
        self.interval = 1.0 / rate
        self.slot = clock.monotonic()  # the next start on the grid
        self.starts: collections.deque[float] = collections.deque(maxlen=self.limit)
        self.paused_until = 0.0
        self._lock = asyncio.Lock()

    def seed(self, starts: Iterable[float]) -> None:
        """Count earlier call starts (monotonic seconds, e.g. of the previous sender)."""
        merged = sorted([*self.starts, *starts])[-self.limit:]
        self.starts = collections.deque(merged, maxlen=self.limit)
        if merged:
            self.slot = max(self.slot, merged[-1] + self.interval)

    def pause(self, seconds: float) -> None:
        """No call starts before ``seconds`` from now."""
        self.paused_until = max(self.paused_until, self.clock.monotonic() + seconds)
        self.slot = max(self.slot, self.paused_until)

    def paused(self) -> bool:
        """True while a pause (:meth:`pause`) lasts."""
        return self.clock.monotonic() < self.paused_until

    async def wait_turn(self) -> None:
        """Wait until a call may start, and hold the pacer (cancellable while waiting)."""
        await self._lock.acquire()
        try:
            while True:
                now = self.clock.monotonic()
                wait = max(self.paused_until, self.slot) - now
                if len(self.starts) == self.limit:
                    wait = max(wait, self.starts[0] + self.window + PACING_GUARD - now)
                if wait <= 0:
                    return
                await self.clock.sleep(wait)
        except BaseException:
            self._lock.release()
            raise

    def started(self) -> float:
        """Log a call start now and let the next turn begin; returns the start."""
        now = self.clock.monotonic()
        self.starts.append(now)
        # stay on the grid after a slightly late start, restart it after a long gap
        self.slot = (self.slot if now - self.slot < self.interval else now) + self.interval
        self._lock.release()
        return now

    def release(self) -> None:
        """End a turn without a call."""
        self._lock.release()
