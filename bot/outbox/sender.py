"""The sender: one background task that sends due outbox rows, paced and at most once.

It fetches due rows (:func:`bot.outbox.queue.fetch_due`), keeps ``per_chat_interval``
between the calls to one chat, lets ``max_in_flight`` sends run at once, takes a turn of
the :class:`bot.outbox.pacing.Pacer` for each call, and records every outcome through
:mod:`bot.outbox.queue` (what each error leads to: :mod:`bot.outbox.retry`).

Restarts: a row is marked ``sending`` (committed) right before its HTTP call and ``sent``
right after it. That pair runs in its own task behind :func:`asyncio.shield`, so cancelling
the sender does not interrupt it, and :meth:`OutboxSender.stop` waits for it. A row still
``sending`` at start-up was cut by the previous run (:func:`bot.outbox.queue.recover_cut_rows`).

Only one sender may run per database. Logs hold row ids, counts and error class names,
never chat ids next to a text and never a message text.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.clock import SYSTEM_CLOCK, Clock
from bot.outbox import queue
from bot.outbox.pacing import CALL_STAMP_MARGIN, Pacer
from bot.outbox.queue import OutboxRow, Render, now_text, stamp
from bot.outbox.reporting import ProgressCallback, Reports
from bot.outbox.retry import TIMED_OUT, at_least_once, backoff_delay, describe, retry_after_seconds
from bot.storage import Storage

__all__ = ["OutboxSender"]

# the outbox's one logger, as before it became a package (log lines keep their name)
logger = logging.getLogger("bot.outbox")


@dataclass(eq=False)
class _Dispatch:
    row: OutboxRow
    handed_over: bool = False
    released: bool = False


class OutboxSender:
    """Sends due outbox rows in the background, paced and at most once.

    Args:
        bot: An initialised :class:`telegram.Bot` (e.g. ``application.bot``); only
            ``send_message(chat_id=, text=, reply_markup=)`` is used. Its connection pool
            must allow ``max_in_flight`` concurrent requests (PTB's default is 256).
        storage: The open database.
        render: ``async (OutboxRow) -> (text, InlineKeyboardMarkup | None)``.
        rate: Messages per second overall (Bot API FAQ: about 30/s; default 25).
        per_chat_interval: Seconds between the end of one call and the next call to the
            same chat (Bot API FAQ: 1 message/s per chat).
        max_attempts: Attempts before a row becomes ``failed`` (429s do not count).
        poll_interval: Seconds between looks at the table when idle and not woken.
        on_progress: ``async (round_id, kind, BroadcastProgress)``, called at most every
            ``progress_every`` seconds per broadcast while it runs and once when it has no
            pending row left. Exceptions are logged and ignored.
        progress_every: Seconds.
        max_in_flight: Concurrent sends.
        backoff: First retry delay in seconds; doubles with each attempt.
        clock: Time for pacing, retries and progress reports (tests pass a faster one).

    Attributes:
        stats: Counters since construction: ``sent``, ``blocked``, ``failed``, ``retried``
            (transient errors scheduled for a retry), ``rate_limited`` (429s received),
            ``skipped``, ``recovered`` (reminders found ``sending`` at start-up, marked sent) and
            ``resent`` (other rows found ``sending`` at start-up, sent again).

    Raises:
        ValueError: A non-positive rate, max_attempts, max_in_flight or interval.
    """

    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        render: Render,
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        max_attempts: int = 3,
        poll_interval: float = 2.0,
        on_progress: ProgressCallback | None = None,
        progress_every: float = 2.0,
        max_in_flight: int = 8,
        backoff: float = 2.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if rate <= 0 or max_attempts < 1 or max_in_flight < 1:
            raise ValueError("rate, max_attempts and max_in_flight must be positive")
        if per_chat_interval < 0 or poll_interval <= 0 or progress_every < 0 or backoff < 0:
            raise ValueError("intervals must not be negative")
        self._bot = bot
        self._storage = storage
        self._render = render
        self._clock = clock
        self._pacer = Pacer(rate, clock)
        self._spacing = per_chat_interval + 0.02 if per_chat_interval > 0 else 0.0
        self._max_attempts = max_attempts
        self._poll_interval = poll_interval
        self._progress_every = progress_every
        self._backoff = backoff
        self.stats: dict[str, int] = dict.fromkeys(
            ("sent", "blocked", "failed", "retried", "rate_limited", "skipped", "recovered",
             "resent"), 0
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake_event = asyncio.Event()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._inflight: dict[int, _Dispatch] = {}  # row id -> dispatch
        self._busy_chats: set[int] = set()
        self._last_call: dict[int, float] = {}  # chat id -> monotonic end of the last call
        self._deliveries: set[asyncio.Task[None]] = set()
        self._critical: set[asyncio.Task[None]] = set()
        self._reports = Reports(storage, on_progress, progress_every, clock)
        self._idle_passes = 0
        self._changed = asyncio.Event()  # set (and replaced) after an idle pass or a send
        self._resting = False  # between passes, waiting for the next one (wake or timer)
    # -- control ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background task (it first recovers rows left ``sending``).

        Raises:
            RuntimeError: Already running, or no running event loop.
        """
        if self._task is not None and not self._task.done():
            raise RuntimeError("OutboxSender is already running")
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop sending: no new send starts; a send already in flight is finished and
        recorded first. Rows not yet started stay ``pending``. Idempotent."""
        self._stopping = True
        self._wake_event.set()
        waiting: list[asyncio.Task[Any]] = []
        if self._task is not None:
            self._task.cancel()
            waiting.append(self._task)
        for task in list(self._deliveries):
            task.cancel()  # before the critical part: harmless; inside it: shielded
            waiting.append(task)
        await asyncio.gather(*waiting, return_exceptions=True)
        while self._critical:
            await asyncio.gather(*list(self._critical), return_exceptions=True)
        self._task = None

    def wake(self) -> None:
        """Look for due rows now instead of after ``poll_interval`` (call after enqueue)."""
        self._wake_event.set()

    def watch(self, round_id: int, kind: str) -> None:
        """Report broadcast (``round_id``, ``kind``) again soon, even if it has finished
        (call after :func:`remember_progress_message`, so a message sent after the last
        report still gets the final count)."""
        self._reports.mark((round_id, kind))
        self._wake_event.set()

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until no row is due now: none ``sending``, none ``pending`` whose retry time
        has come, nothing in flight, and the sender has reported progress.

        Rows waiting for a later retry do not count. For tests and the benchmark.

        Raises:
            TimeoutError: Still rows due after ``timeout`` seconds (or the sender is not
                running and rows are due).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        due = await self._due_count()
        if due == 0 and self._rests():
            return  # a pass now would find nothing to send and nothing to report
        self.wake()
        while loop.time() < deadline:
            due = await self._due_count()
            if due == 0 and not self._inflight:
                if self._task is None or self._task.done():
                    return
                mark = self._idle_passes
                self.wake()
                while self._idle_passes == mark and loop.time() < deadline:
                    changed = self._changed  # the next idle pass, not a 10 ms poll
                    try:  # (asyncio.timeout: no task per wait, as wait_for makes)
                        async with asyncio.timeout(max(deadline - loop.time(), 0.001)):
                            await changed.wait()
                    except TimeoutError:
                        pass
                idle = self._idle_passes != mark and not self._inflight
                if idle and await self._due_count() == 0:
                    return
                continue
            changed = self._changed  # a send finished (or 20 ms: a retry may have come due)
            try:
                async with asyncio.timeout(0.02):
                    await changed.wait()
            except TimeoutError:
                pass
        raise TimeoutError(f"outbox not drained after {timeout}s: {due} row(s) due")

    # -- main loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            await self._recover()
        except Exception:
            logger.exception("outbox: recovery of rows left sending failed")
        while not self._stopping:
            self._wake_event.clear()
            try:
                delay = await self._pass()
                if delay > 0:
                    await self._report(final=True)
                    if not self._inflight:
                        self._idle_passes += 1
                        self._notify()
            except Exception:
                logger.exception("outbox: sending pass failed")
                delay = self._poll_interval
            if delay <= 0 or self._stopping:
                continue
            if self._reports.owed:
                delay = min(delay, max(self._progress_every, 0.05))
            self._resting = True
            try:
                await self._clock.wait(self._wake_event, delay)
            finally:
                self._resting = False

    def _rests(self) -> bool:
        """The sender waits between passes with nothing in flight, no report owed and no
        wake pending: its last pass found nothing to send now, and a pass would find the
        same unless a row has come due since (which :meth:`drain` counts first)."""
        return (self._resting and not self._wake_event.is_set() and not self._inflight
                and not self._reports.owed and self._task is not None
                and not self._task.done())

    async def _recover(self) -> None:
        pairs, again, recovered = await queue.recover_cut_rows(self._storage, self._clock)
        if again:
            self.stats["resent"] += again
            logger.warning("outbox: %d row(s) were being sent when the bot stopped; sent again"
                           " (at least once)", again)
        if recovered:
            self.stats["recovered"] += recovered
            logger.warning(
                "outbox: %d reminder(s) were being sent when the bot stopped; marked sent "
                "(unconfirmed), not sent again", recovered,
            )  # fmt: skip
        await self._restore_pacing()
        # every broadcast still going, or whose progress message is not final: report it
        pairs += await queue.unfinished_broadcasts(self._storage)
        now = self._clock.monotonic()
        for pair in pairs:
            self._reports.mark(pair, now)

    async def _restore_pacing(self) -> None:
        """Honour a stored 429 wait and count the calls of the last second (a restart)."""
        wall, mono = self._clock.now(), self._clock.monotonic()
        until = await queue.flood_wait_until(self._storage)
        if until is not None:
            remaining = (until - wall).total_seconds()
            if remaining > 0:
                self._pacer.pause(remaining)
                logger.warning("outbox: flood limit (429) from before the start: sending"
                               " waits %.0f s more", remaining)  # fmt: skip
        since = (wall - timedelta(seconds=self._pacer.window + CALL_STAMP_MARGIN)).isoformat(
            timespec="microseconds")
        stamps = await queue.call_stamps_since(self._storage, since)
        self._pacer.seed(mono - (wall - at).total_seconds() + CALL_STAMP_MARGIN for at in stamps)

    async def _pass(self) -> float:
        """Dispatch every due row once. Returns 0 to go again at once, else the delay in
        seconds until something may become due."""
        if len(self._last_call) > 1000:
            limit = self._clock.monotonic() - self._spacing
            self._last_call = {c: t for c, t in self._last_call.items() if t > limit}
        after = 0
        dispatched = 0
        next_at = math.inf
        while not self._stopping:
            rows, cursor = await self._fetch(after)
            if cursor is None:
                break
            after = cursor
            for row in rows:
                if row.id in self._inflight:
                    continue
                now = self._clock.monotonic()
                if row.chat_id in self._busy_chats:
                    next_at = min(next_at, now + max(self._spacing, 0.05))
                    continue
                ready = self._last_call.get(row.chat_id, -math.inf) + self._spacing
                if ready > now:
                    next_at = min(next_at, ready)
                    continue
                await self._slots.acquire()
                if self._stopping:
                    self._slots.release()
                    return 0.0
                self._dispatch(row)
                dispatched += 1
                await self._report(final=False)
        if dispatched:
            return 0.0
        retry_at = await queue.next_retry_at(self._storage, self._clock)
        if retry_at is not None:
            next_at = min(next_at, self._clock.monotonic() + retry_at)
        return max(min(self._poll_interval, next_at - self._clock.monotonic()), 0.005)

    async def _fetch(self, after: int) -> tuple[list[OutboxRow], int | None]:
        """Due rows after ``after`` (:func:`bot.outbox.queue.fetch_due`); the broadcasts of
        rows skipped on the way owe a report.

        Returns:
            The rows to send and the highest id seen (``None`` if there was none).
        """
        rows, skipped_in, skipped, last = await queue.fetch_due(self._storage, after, self._clock)
        if skipped_in:
            self.stats["skipped"] += skipped
            now = self._clock.monotonic()
            for pair in skipped_in:
                self._reports.mark(pair, now)
        return rows, last

    async def _due_count(self) -> int:
        return await queue.due_count(self._storage, self._clock)

    # -- one delivery -------------------------------------------------------------------
    def _dispatch(self, row: OutboxRow) -> None:
        dispatch = _Dispatch(row)
        self._inflight[row.id] = dispatch
        self._busy_chats.add(row.chat_id)
        task = asyncio.get_running_loop().create_task(self._deliver(dispatch))
        self._deliveries.add(task)
        task.add_done_callback(lambda t: self._delivery_done(dispatch, t))

    def _delivery_done(self, dispatch: _Dispatch, task: asyncio.Task[None]) -> None:
        self._deliveries.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "outbox: row %d: delivery crashed (%s)",
                dispatch.row.id, type(task.exception()).__name__,
            )  # fmt: skip
        if not dispatch.handed_over:
            self._release(dispatch)

    def _critical_done(self, dispatch: _Dispatch, task: asyncio.Task[None]) -> None:
        self._critical.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "outbox: row %d: recording the send failed (%s)",
                dispatch.row.id, type(task.exception()).__name__,
            )  # fmt: skip
        self._release(dispatch)

    def _release(self, dispatch: _Dispatch) -> None:
        if dispatch.released:
            return
        dispatch.released = True
        row = dispatch.row
        self._inflight.pop(row.id, None)
        self._busy_chats.discard(row.chat_id)
        self._slots.release()
        self._reports.mark((row.round_id, row.kind))
        self._wake_event.set()
        self._notify()

    def _notify(self) -> None:
        """Wake :meth:`drain`: an idle pass ended or a send finished."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _deliver(self, dispatch: _Dispatch) -> None:
        row = dispatch.row
        try:
            text, markup = await self._render(row)
        except Exception as error:  # noqa: BLE001 - a render bug must not stop the broadcast
            logger.warning("outbox: row %d: render failed (%s)", row.id, type(error).__name__)
            await self._render_failed(row, error)
            return
        await self._pacer.wait_turn()
        if self._stopping:
            self._pacer.release()
            return
        critical = asyncio.get_running_loop().create_task(self._send_and_record(row, text, markup))
        dispatch.handed_over = True
        self._critical.add(critical)
        critical.add_done_callback(lambda t: self._critical_done(dispatch, t))
        await asyncio.shield(critical)

    async def _send_and_record(
        self, row: OutboxRow, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Mark ``sending`` (committed), call the Bot API, record the outcome. Called
        holding a pacer turn (:meth:`bot.outbox.pacing.Pacer.wait_turn`), which it ends."""
        turn = True
        try:
            attempts = await queue.mark_sending(self._storage, row.id, self._clock)
            if attempts is None:
                return  # already handled, deleted, retry not due, or contact gone
            if self._pacer.paused():  # a 429 arrived after this row got its turn
                await queue.requeue(self._storage, row.id, "paused by 429")
                return
            self._pacer.started()
            turn = False
            called_at = stamp(clock=self._clock)
            await self._call(row, text, markup, attempts, called_at)
        finally:
            if turn:
                self._pacer.release()

    async def _call(
        self, row: OutboxRow, text: str, markup: InlineKeyboardMarkup | None, attempts: int,
        called_at: str,
    ) -> None:
        """The Bot API call of a row marked ``sending``, and its outcome."""
        try:
            await self._bot.send_message(chat_id=row.chat_id, text=text, reply_markup=markup)
        except RetryAfter as error:
            self._last_call[row.chat_id] = self._clock.monotonic()
            seconds = retry_after_seconds(error)
            self._pacer.pause(seconds)
            self.stats["rate_limited"] += 1
            logger.warning("outbox: flood limit (429): all sending paused for %.0f s", seconds)
            await queue.requeue(self._storage, row.id, f"429 retry after {seconds:g} s",
                                wait_until=stamp(seconds, self._clock))
        except Forbidden as error:
            self._last_call[row.chat_id] = self._clock.monotonic()
            await self._unreachable(row, error)
        except BadRequest as error:
            self._last_call[row.chat_id] = self._clock.monotonic()
            if "chat not found" in error.message.lower():
                await self._unreachable(row, error)
            else:
                await self._retry_or_fail(row.id, attempts, error)
        except TimedOut as error:
            self._last_call[row.chat_id] = self._clock.monotonic()
            if at_least_once(row.kind):
                await self._retry_or_fail(row.id, attempts, error)
            else:  # may have arrived: a reminder is not sent twice
                await queue.mark_sent(self._storage, row.id, now_text(self._clock), called_at,
                                      note=TIMED_OUT)
                self.stats["sent"] += 1
        except Exception as error:  # noqa: BLE001 - NetworkError, 5xx, ...
            self._last_call[row.chat_id] = self._clock.monotonic()
            await self._retry_or_fail(row.id, attempts, error)
        else:
            self._last_call[row.chat_id] = self._clock.monotonic()
            await queue.mark_sent(self._storage, row.id, now_text(self._clock), called_at)
            self.stats["sent"] += 1

    async def _unreachable(self, row: OutboxRow, error: Exception) -> None:
        await queue.mark_blocked(self._storage, row, describe(error))
        self.stats["blocked"] += 1
        logger.info("outbox: row %d: resident unreachable (%s)", row.id, type(error).__name__)

    async def _retry_or_fail(self, row_id: int, attempts: int, error: Exception) -> None:
        reason = describe(error)
        retry_at = self._retry_at(attempts)
        self._count_error(row_id, attempts, error)
        await self._storage.transact(lambda db: self._record_error(db, row_id, reason, retry_at))

    def _retry_at(self, attempts: int) -> str | None:
        """When a row whose ``attempts``-th try failed is tried again (a
        :func:`bot.outbox.queue.stamp`, ``backoff * 2**(attempts - 1)`` seconds from now), or
        None after the last attempt."""
        if attempts >= self._max_attempts:
            return None
        return stamp(backoff_delay(self._backoff, attempts), self._clock)

    @staticmethod
    def _record_error(db: sqlite3.Connection, row_id: int, reason: str,
                      retry_at: str | None) -> None:
        """Inside a transaction: ``failed`` (``retry_at`` None), else ``pending`` until
        ``retry_at`` (:meth:`_retry_at`)."""
        if retry_at is None:
            queue.mark_failed(db, row_id, reason)
        else:
            queue.mark_retry(db, row_id, reason, retry_at)

    def _count_error(self, row_id: int, attempts: int, error: Exception) -> None:
        """Count and log a failed attempt: ``failed`` after the last attempt, else a retry
        after ``backoff * 2**(attempts - 1)`` seconds."""
        if attempts >= self._max_attempts:
            self.stats["failed"] += 1
            logger.warning(
                "outbox: row %d: failed after %d attempt(s) (%s)",
                row_id, attempts, type(error).__name__,
            )  # fmt: skip
            return
        self.stats["retried"] += 1
        logger.info(
            "outbox: row %d: attempt %d failed (%s), retry in %.1f s",
            row_id, attempts, type(error).__name__, backoff_delay(self._backoff, attempts),
        )  # fmt: skip

    async def _render_failed(self, row: OutboxRow, error: Exception) -> None:
        """Count a failed render as an attempt (so a broken template cannot loop); one
        transaction, so a cancellation cannot leave the row ``sending``."""
        reason = describe(error)

        def body(db: sqlite3.Connection) -> int | None:
            attempts = queue.count_render_attempt(db, row.id)
            if attempts is None:
                return None
            self._record_error(db, row.id, reason, self._retry_at(attempts))
            return attempts

        attempts = await self._storage.transact(body)
        if attempts is not None:
            self._count_error(row.id, attempts, error)

    # -- progress -----------------------------------------------------------------------
    async def _report(self, *, final: bool) -> None:
        """Report the broadcasts due a report (:meth:`bot.outbox.reporting.Reports.report`);
        a broadcast with a send in flight is never final."""
        if not self._reports.owed:
            return
        busy = {(d.row.round_id, d.row.kind) for d in self._inflight.values()}
        await self._reports.report(busy, final=final)
