"""The invitation outbox: every (round, contact, kind) message is sent at most once, paced.

Invitations (and reminders) are not sent from a handler. :func:`enqueue` and
:func:`enqueue_round_invitations` put one row per (round, chat, kind) in the ``outbox``
table (``UNIQUE (round_id, chat_id, kind)``, so enqueueing twice adds nothing), and one
background :class:`OutboxSender` sends them.

Flood limits (Bot API FAQ, "How can I message all of my bot's subscribers at once?",
https://core.telegram.org/bots/faq#how-can-i-message-all-of-my-bot-39s-subscribers-at-once):
"the API will not allow bulk notifications to more than ~30 users per second" and no more
than one message per second to one chat. The sender therefore paces to ``rate`` = 25
messages/s: calls start on a grid ``1 / rate`` apart, and never more than ``rate`` calls
start in any window of one second (a sliding log of call starts; this holds in the first
second after a start too, because the new sender counts the calls of the previous one's
last second, stored in ``outbox.called_at``). It keeps ``per_chat_interval`` = 1 s between
the end of one call and the start of the next to the same chat. Several sends
(``max_in_flight``, default 8) may be in flight, so a 100 ms round trip to Telegram still
allows 25 messages/s.

Errors (python-telegram-bot exceptions):

* ``RetryAfter`` (HTTP 429 with ``ResponseParameters.retry_after``, seconds,
  https://core.telegram.org/bots/api#responseparameters): ALL sending pauses for that long;
  the row goes back to ``pending`` and the 429 does not count as an attempt. The end of the
  wait is stored (``outbox_state.flood_wait_until``), so a sender started during the wait
  (a restart) waits it out too.
* ``Forbidden`` (403, "bot was blocked by the user", "user is deactivated"...) and
  ``BadRequest`` "chat not found": the row becomes ``blocked`` and the contact
  ``reachable = 0``; never retried (later rows for that chat are ``skipped``).
* Anything else (``NetworkError``, ``TimedOut``, 5xx, other ``BadRequest``, an exception
  in ``render``): retried after ``backoff * 2**(attempts - 1)`` seconds (2 s, 4 s), at most
  ``max_attempts`` = 3 attempts, then ``failed``.

Row life cycle: ``pending`` → ``sending`` → ``sent`` | ``blocked`` | ``failed``
(or back to ``pending`` for a retry); ``pending`` → ``skipped`` when the contact was
deleted, opted out or is unreachable by the time the row is due.

Restarts: a row is marked ``sending`` (committed) right before its HTTP call and ``sent``
right after it. That pair runs in its own task behind :func:`asyncio.shield`, so cancelling
the sender does not interrupt it, and :meth:`OutboxSender.stop` waits for it. A row still
``sending`` at start-up means the process died during the call (a kill, a power cut):
Telegram may or may not have delivered it. The Bot API has no idempotency key, so the
sender must choose, per message kind (:func:`at_least_once`, issue 14):

* **at least once** — ``invite`` and ``feedback``: the row goes back to ``pending`` and is
  sent again; a ``TimedOut`` (sent, answer lost) is retried. An invitation is the only way
  a resident hears of a round, and a lost one is a response lost without anyone seeing
  it; the storytellers' feedback is a promise made to people who asked for it. A doubled
  one shows the same message twice, and its Start button is idempotent (it resumes the
  round; nothing is stored twice).
* **at most once** — reminders (``remind-N``): marked ``sent`` with ``last_error`` =
  "unconfirmed after restart" and NOT sent again; a ``TimedOut`` is not retried either
  (marked sent, unconfirmed). A reminder is itself a second chance; two of them nag, and a
  nagged resident sends /stop and is lost for every later round.

The coordinator can see unconfirmed rows in the table.

Progress: :func:`remember_progress_message` stores a staff message that shows a broadcast's
progress (``broadcast_messages``); the sender reports every broadcast with pending rows or
such a message that is not final yet, so after a restart the message is brought up to date
from the outbox, down to its final count.

Only one sender may run per database. Logs hold row ids, counts and error class names,
never chat ids next to a text and never a message text.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import warnings
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.clock import SYSTEM_CLOCK, Clock
from bot.storage import Storage

__all__ = [
    "UNCONFIRMED",
    "BroadcastProgress",
    "at_least_once",
    "OutboxRow",
    "OutboxSender",
    "Render",
    "enqueue",
    "enqueue_round_invitations",
    "progress",
    "progress_messages",
    "remember_progress_message",
]

logger = logging.getLogger(__name__)

#: ``last_error`` of a row found ``sending`` at start-up and marked ``sent`` unconfirmed.
UNCONFIRMED = "unconfirmed after restart"
#: ``last_error`` of an at-least-once row found ``sending`` at start-up, sent again.
INTERRUPTED = "interrupted by a restart; sent again"
#: ``last_error`` of an at-most-once row whose call timed out (it may have arrived).
TIMED_OUT = "timed out; may have arrived, not sent again"


def at_least_once(kind: str) -> bool:
    """True if a message of ``kind`` is sent again when it may not have arrived (a call
    cut by a restart or timed out); False (at most once) for reminders. See the module
    docstring for why."""
    return not kind.startswith("remind")
#: Rows fetched per query.
BATCH_SIZE = 100
#: Seconds added to the one-second window before the next call may start: the time between
#: the pacer logging a start and the HTTP request leaving varies a little, and the limit
#: must hold for the real starts (costs 2 % of the rate).
PACING_GUARD = 0.02
#: ``outbox_state`` key: UTC ISO time until which all sending waits (the latest 429).
FLOOD_WAIT = "flood_wait_until"
#: Seconds added to a stored call time when a restarted sender counts it against its rate:
#: ``called_at`` is written when the row is marked ``sending``, just before the call (the
#: exact start replaces it once the call's outcome is recorded).
CALL_STAMP_MARGIN = 0.25


def _stamp(offset: float = 0.0, clock: Clock = SYSTEM_CLOCK) -> str:
    """UTC ISO 8601 with microseconds (fixed width, so strings compare like times)."""
    return (clock.now() + timedelta(seconds=offset)).isoformat(timespec="microseconds")


def _now(clock: Clock = SYSTEM_CLOCK) -> str:
    """UTC ISO 8601 to the second, as :mod:`bot.storage` writes ``created_at`` etc."""
    return clock.now().isoformat(timespec="seconds")


# ---------------------------------------------------------------------- data shapes


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message due to be sent, as handed to the ``render`` function.

    Attributes:
        id: ``outbox.id``.
        round_id: The survey round.
        chat_id: Telegram private chat id of the resident.
        kind: Message kind, e.g. ``"invite"`` or ``"reminder"``.
        language: The contact's language code (``contacts.language``), e.g. ``"tr"``.
        payload: The JSON object given to :func:`enqueue`, or ``None``.
    """

    id: int
    round_id: int
    chat_id: int
    kind: str
    language: str
    payload: dict | None


@dataclass(frozen=True, slots=True)
class BroadcastProgress:
    """Counts of one (round, kind) broadcast. ``skipped`` rows are not counted.

    ``total == sent + blocked + failed + pending`` always holds.

    Attributes:
        total: Rows to send (all rows of the broadcast except skipped ones).
        sent: Delivered (or unconfirmed after a restart).
        blocked: Residents who blocked the bot or whose chat no longer exists.
        failed: Given up after ``max_attempts`` attempts.
        pending: Still to send (``pending``, including retries waiting, and ``sending``).
    """

    total: int
    sent: int
    blocked: int
    failed: int
    pending: int


#: Turns a row into the message text and optional inline keyboard (localised by
#: ``row.language``). May raise: the row is then retried like a failed send.
Render = Callable[[OutboxRow], Awaitable[tuple[str, InlineKeyboardMarkup | None]]]
ProgressCallback = Callable[[int, str, BroadcastProgress], Awaitable[None]]


# ---------------------------------------------------------------------- queue functions


async def enqueue(
    storage: Storage,
    round_id: int,
    chat_ids: Iterable[int],
    kind: str,
    payload: dict | None = None,
) -> int:
    """Queue one ``kind`` message of round ``round_id`` for each chat.

    A (round, chat, kind) already queued (in any status) is left alone, so calling this
    twice never sends twice. Call :meth:`OutboxSender.wake` afterwards to send at once.

    Args:
        storage: The open database.
        round_id: An existing ``rounds.id``.
        chat_ids: Telegram chat ids (duplicates are ignored).
        kind: Message kind, e.g. ``"invite"``; the render function decides the text.
        payload: Optional JSON-serialisable object stored with every row and handed back
            in :attr:`OutboxRow.payload`.

    Returns:
        Number of rows added.

    Raises:
        sqlite3.IntegrityError: ``round_id`` does not exist.
        TypeError: ``payload`` is not JSON-serialisable.
    """
    encoded = json.dumps(payload, ensure_ascii=False) if payload is not None else None
    now = _now()
    params = [(round_id, int(chat_id), kind, encoded, now) for chat_id in dict.fromkeys(chat_ids)]
    if not params:
        return 0
    async with storage.transaction() as db:
        cursor = await db.executemany(
            "INSERT OR IGNORE INTO outbox (round_id, chat_id, kind, status, attempts, payload,"
            " created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)",
            params,
        )
        return max(cursor.rowcount, 0)


#: Who a round's messages reach (SQL over ``contacts``): opted in, i.e. no /stop, and
#: reachable, i.e. the bot not blocked. Invitations, reminders, the reach shown before
#: opening and the storytellers' feedback all use it.
REACHABLE = "opted_in = 1 AND reachable = 1"


async def enqueue_round_invitations(
    storage: Storage, round_id: int, centres: Sequence[str], kind: str = "invite"
) -> int:
    """Queue a ``kind`` message for every opted-in, reachable contact of ``centres``.

    Args:
        storage: The open database.
        round_id: An existing ``rounds.id``.
        centres: Centre codes (usually ``Round.centres``); empty means nobody.
        kind: Message kind.

    Returns:
        Number of rows added (contacts already queued for this round and kind excluded).

    Raises:
        sqlite3.IntegrityError: ``round_id`` does not exist.
    """
    codes = list(dict.fromkeys(centres))
    if not codes:
        return 0
    marks = ", ".join("?" for _ in codes)
    async with storage.transaction() as db:
        cursor = await db.execute(
            "INSERT OR IGNORE INTO outbox (round_id, chat_id, kind, status, attempts,"
            " created_at) SELECT ?, chat_id, ?, 'pending', 0, ? FROM contacts"
            f" WHERE {REACHABLE} AND centre_code IN ({marks})"
            " ORDER BY chat_id",
            (round_id, kind, _now(), *codes),
        )
        return max(cursor.rowcount, 0)


async def reachable_chats(storage: Storage, centres: Iterable[str]) -> list[int]:
    """Chats a round's messages reach now: residents of ``centres`` who are opted in (no
    /stop) and reachable (the bot not blocked), the rule :func:`enqueue_round_invitations`
    applies. Empty ``centres``: nobody."""
    codes = list(dict.fromkeys(centres))
    if not codes:
        return []
    marks = ", ".join("?" for _ in codes)
    async with storage.db.execute(
        f"SELECT chat_id FROM contacts WHERE {REACHABLE} AND centre_code IN ({marks})"
        " ORDER BY chat_id", codes,
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def progress(storage: Storage, round_id: int, kind: str) -> BroadcastProgress:
    """Counts of the ``kind`` rows of round ``round_id`` (see :class:`BroadcastProgress`)."""
    async with storage.db.execute(
        "SELECT status, COUNT(*) FROM outbox WHERE round_id = ? AND kind = ? GROUP BY status",
        (round_id, kind),
    ) as cursor:
        counts = {status: n for status, n in await cursor.fetchall()}
    sent, blocked, failed = (
        counts.get("sent", 0),
        counts.get("blocked", 0),
        counts.get("failed", 0),
    )
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    return BroadcastProgress(
        total=sent + blocked + failed + pending, sent=sent, blocked=blocked, failed=failed,
        pending=pending,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProgressMessage:
    """A staff message showing a broadcast's progress.

    Attributes:
        chat_id: The staff member's private chat.
        message_id: The message to edit.
        language: The staff member's language code.
    """

    chat_id: int
    message_id: int
    language: str


async def remember_progress_message(
    storage: Storage, round_id: int, kind: str, chat_id: int, message_id: int, language: str
) -> None:
    """Store the staff message that shows the progress of broadcast (``round_id``, ``kind``)
    in ``chat_id``; a newer one in the same chat replaces it. Kept across restarts."""
    async with storage.transaction() as db:
        await db.execute(
            "INSERT INTO broadcast_messages (round_id, kind, chat_id, message_id, language, done)"
            " VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (round_id, kind, chat_id) DO UPDATE SET"
            " message_id = excluded.message_id, language = excluded.language, done = 0",
            (round_id, kind, chat_id, message_id, language),
        )


async def progress_messages(
    storage: Storage, round_id: int, kind: str, *, final: bool = False
) -> list[ProgressMessage]:
    """The progress messages of a broadcast that still need updating; with ``final``
    (nothing pending any more) they are marked done, so this is their last update."""
    async with storage.db.execute(
        "SELECT chat_id, message_id, language FROM broadcast_messages"
        " WHERE round_id = ? AND kind = ? AND done = 0 ORDER BY chat_id",
        (round_id, kind),
    ) as cursor:
        found = [ProgressMessage(r[0], r[1], r[2]) for r in await cursor.fetchall()]
    if final and found:
        async with storage.transaction() as db:
            await db.execute(
                "UPDATE broadcast_messages SET done = 1 WHERE round_id = ? AND kind = ?",
                (round_id, kind),
            )
    return found


# ---------------------------------------------------------------------- pacing


class _Pacer:
    """Paces call starts: ``rate`` per second on a grid, never more than ``rate`` in any
    window of one second, and a global pause for 429s.

    A turn is taken with :meth:`wait_turn` (waits, then holds the pacer) and ended with
    :meth:`started` right before the call (the start is logged) or :meth:`release` (no
    call). Holding the pacer from the turn to the call start means the logged starts are
    the real ones even when marking the row ``sending`` takes a while. Turns are served
    first come, first served (an :class:`asyncio.Lock` is FIFO).
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


def _retry_after_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds (int or timedelta depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _describe(error: BaseException) -> str:
    """A short ``last_error``: class name and Telegram's description (never message text)."""
    text = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {text}"[:200]


@dataclass(eq=False)
class _Dispatch:
    row: OutboxRow
    handed_over: bool = False
    released: bool = False


# ---------------------------------------------------------------------- the sender


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
        self._pacer = _Pacer(rate, clock)
        self._spacing = per_chat_interval + 0.02 if per_chat_interval > 0 else 0.0
        self._max_attempts = max_attempts
        self._poll_interval = poll_interval
        self._on_progress = on_progress
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
        self._dirty: dict[tuple[int, str], float] = {}  # (round, kind) -> last report
        self._idle_passes = 0
        self._changed = asyncio.Event()  # set (and replaced) after an idle pass or a send

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
        self._dirty.setdefault((round_id, kind), self._clock.monotonic())
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
        self.wake()
        due = 0
        while loop.time() < deadline:
            due = await self._due_count()
            if due == 0 and not self._inflight:
                if self._task is None or self._task.done():
                    return
                mark = self._idle_passes
                self.wake()
                while self._idle_passes == mark and loop.time() < deadline:
                    changed = self._changed  # the next idle pass, not a 10 ms poll
                    try:
                        await asyncio.wait_for(changed.wait(), max(deadline - loop.time(), 0.001))
                    except TimeoutError:
                        pass
                idle = self._idle_passes != mark and not self._inflight
                if idle and await self._due_count() == 0:
                    return
                continue
            changed = self._changed  # a send finished (or 20 ms: a retry may have come due)
            try:
                await asyncio.wait_for(changed.wait(), 0.02)
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
            if self._dirty:
                delay = min(delay, max(self._progress_every, 0.05))
            await self._clock.wait(self._wake_event, delay)

    async def _recover(self) -> None:
        async with self._storage.transaction() as db:
            async with db.execute(
                "SELECT DISTINCT round_id, kind FROM outbox WHERE status = 'sending'"
            ) as cursor:
                pairs = [(r[0], r[1]) for r in await cursor.fetchall()]
            async with db.execute(
                "SELECT id, kind FROM outbox WHERE status = 'sending'"
            ) as cursor:
                cut = [(r[0], r[1]) for r in await cursor.fetchall()]
            again = [(INTERRUPTED, row_id) for row_id, kind in cut if at_least_once(kind)]
            await db.executemany(
                "UPDATE outbox SET status = 'pending', next_attempt_at = NULL, last_error = ?"
                " WHERE id = ?", again,
            )
            updated = await db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ?"
                " WHERE status = 'sending'",
                (_now(self._clock), UNCONFIRMED),
            )
            recovered = updated.rowcount
        if again:
            self.stats["resent"] += len(again)
            logger.warning("outbox: %d row(s) were being sent when the bot stopped; sent again"
                           " (at least once)", len(again))
        if recovered:
            self.stats["recovered"] += recovered
            logger.warning(
                "outbox: %d reminder(s) were being sent when the bot stopped; marked sent "
                "(unconfirmed), not sent again", recovered,
            )  # fmt: skip
        await self._restore_pacing()
        # every broadcast still going, or whose progress message is not final: report it
        async with self._storage.db.execute(
            "SELECT DISTINCT round_id, kind FROM outbox WHERE status = 'pending'"
            " UNION SELECT round_id, kind FROM broadcast_messages WHERE done = 0"
        ) as cursor:
            pairs += [(r[0], r[1]) for r in await cursor.fetchall()]
        now = self._clock.monotonic()
        for pair in pairs:
            self._dirty.setdefault(pair, now)

    async def _restore_pacing(self) -> None:
        """Honour a stored 429 wait and count the calls of the last second (a restart)."""
        wall, mono = self._clock.now(), self._clock.monotonic()
        async with self._storage.db.execute(
            "SELECT value FROM outbox_state WHERE key = ?", (FLOOD_WAIT,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            remaining = (datetime.fromisoformat(row[0]) - wall).total_seconds()
            if remaining > 0:
                self._pacer.pause(remaining)
                logger.warning("outbox: flood limit (429) from before the start: sending"
                               " waits %.0f s more", remaining)  # fmt: skip
        since = (wall - timedelta(seconds=self._pacer.window + CALL_STAMP_MARGIN)).isoformat(
            timespec="microseconds")
        async with self._storage.db.execute(
            "SELECT called_at FROM outbox WHERE called_at > ?", (since,)
        ) as cursor:
            stamps = [datetime.fromisoformat(r[0]) for r in await cursor.fetchall()]
        self._pacer.seed(mono - (wall - stamp).total_seconds() + CALL_STAMP_MARGIN for stamp in stamps)

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
        retry_at = await self._next_retry()
        if retry_at is not None:
            next_at = min(next_at, self._clock.monotonic() + retry_at)
        return max(min(self._poll_interval, next_at - self._clock.monotonic()), 0.005)

    async def _fetch(self, after: int) -> tuple[list[OutboxRow], int | None]:
        """Up to :data:`BATCH_SIZE` due pending rows with ``id > after``; rows whose contact
        is gone, opted out or unreachable are marked ``skipped`` instead.

        Returns:
            The rows to send and the highest id seen (``None`` if there was none).
        """
        async with self._storage.db.execute(
            "SELECT o.id, o.round_id, o.chat_id, o.kind, o.payload, c.language, c.opted_in,"
            " c.reachable FROM outbox o LEFT JOIN contacts c ON c.chat_id = o.chat_id"
            " WHERE o.status = 'pending' AND o.id > ?"
            " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
            " ORDER BY o.id LIMIT ?",
            (after, _stamp(clock=self._clock), BATCH_SIZE),
        ) as cursor:
            found = list(await cursor.fetchall())
        if not found:
            return [], None
        rows: list[OutboxRow] = []
        skip: list[tuple[str, int]] = []
        for r in found:
            if r["language"] is None:
                skip.append(("no contact", r["id"]))
            elif not r["opted_in"]:
                skip.append(("opted out", r["id"]))
            elif not r["reachable"]:
                skip.append(("unreachable", r["id"]))
            else:
                try:
                    payload = json.loads(r["payload"]) if r["payload"] else None
                except ValueError:  # written by hand: send without it rather than never
                    logger.warning("outbox: row %d: payload is not JSON, ignored", r["id"])
                    payload = None
                rows.append(OutboxRow(
                    id=r["id"], round_id=r["round_id"], chat_id=r["chat_id"], kind=r["kind"],
                    language=r["language"], payload=payload,
                ))  # fmt: skip
        if skip:
            async with self._storage.transaction() as db:
                cursor = await db.executemany(
                    "UPDATE outbox SET status = 'skipped', last_error = ?"
                    " WHERE id = ? AND status = 'pending'",
                    skip,
                )
                self.stats["skipped"] += max(cursor.rowcount, 0)
            now = self._clock.monotonic()
            by_id = {r["id"]: (r["round_id"], r["kind"]) for r in found}
            for _reason, row_id in skip:
                self._dirty.setdefault(by_id[row_id], now)
        return rows, found[-1]["id"]

    async def _next_retry(self) -> float | None:
        """Seconds until the earliest pending retry is due, or None if there is none."""
        async with self._storage.db.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
            " AND next_attempt_at > ?",
            (_stamp(clock=self._clock),),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        due = datetime.fromisoformat(row[0])
        return max((due - self._clock.now()).total_seconds(), 0.0)

    async def _due_count(self) -> int:
        async with self._storage.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sending' OR (status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?))",
            (_stamp(clock=self._clock),),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None else 0

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
        self._dirty.setdefault((row.round_id, row.kind), self._clock.monotonic())
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
        holding a pacer turn (:meth:`_Pacer.wait_turn`), which it ends."""
        turn = True
        try:
            async with self._storage.transaction() as db:
                cursor = await db.execute(
                    "UPDATE outbox SET status = 'sending', attempts = attempts + 1, called_at = ?"
                    " WHERE id = ? AND status = 'pending'"
                    " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                    " AND EXISTS (SELECT 1 FROM contacts c WHERE c.chat_id = outbox.chat_id"
                    " AND c.opted_in = 1 AND c.reachable = 1)",
                    (_stamp(clock=self._clock), row.id, _stamp(clock=self._clock)),
                )
                if cursor.rowcount != 1:
                    return  # already handled, deleted, retry not due, or contact gone
                async with db.execute("SELECT attempts FROM outbox WHERE id = ?", (row.id,)) as cur:
                    found = await cur.fetchone()
                attempts = found[0] if found is not None else 0
            if self._pacer.paused():  # a 429 arrived after this row got its turn
                await self._requeue(row.id, "paused by 429")
                return
            self._pacer.started()
            turn = False
            called_at = _stamp(clock=self._clock)
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
            seconds = _retry_after_seconds(error)
            self._pacer.pause(seconds)
            self.stats["rate_limited"] += 1
            logger.warning("outbox: flood limit (429): all sending paused for %.0f s", seconds)
            await self._requeue(row.id, f"429 retry after {seconds:g} s",
                                wait_until=_stamp(seconds, self._clock))
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
                async with self._storage.transaction() as db:
                    await db.execute(
                        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ?,"
                        " next_attempt_at = NULL, called_at = ? WHERE id = ? AND status = 'sending'",
                        (_now(self._clock), TIMED_OUT, called_at, row.id),
                    )
                self.stats["sent"] += 1
        except Exception as error:  # noqa: BLE001 - NetworkError, 5xx, ...
            self._last_call[row.chat_id] = self._clock.monotonic()
            await self._retry_or_fail(row.id, attempts, error)
        else:
            self._last_call[row.chat_id] = self._clock.monotonic()
            async with self._storage.transaction() as db:
                await db.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL,"
                    " next_attempt_at = NULL, called_at = ? WHERE id = ? AND status = 'sending'",
                    (_now(self._clock), called_at, row.id),
                )
            self.stats["sent"] += 1

    async def _requeue(self, row_id: int, reason: str, wait_until: str | None = None) -> None:
        """Back to ``pending`` without counting an attempt (429 / pause); with
        ``wait_until`` (a 429) that wait is stored for a sender started during it."""
        async with self._storage.transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'pending', attempts = attempts - 1, last_error = ?"
                " WHERE id = ? AND status = 'sending'",
                (reason, row_id),
            )
            if wait_until is not None:
                await db.execute(
                    "INSERT INTO outbox_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
                    " DO UPDATE SET value = MAX(value, excluded.value)",
                    (FLOOD_WAIT, wait_until),
                )

    async def _unreachable(self, row: OutboxRow, error: Exception) -> None:
        async with self._storage.transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'blocked', last_error = ?, next_attempt_at = NULL"
                " WHERE id = ? AND status = 'sending'",
                (_describe(error), row.id),
            )
            await db.execute("UPDATE contacts SET reachable = 0 WHERE chat_id = ?", (row.chat_id,))
        self.stats["blocked"] += 1
        logger.info("outbox: row %d: resident unreachable (%s)", row.id, type(error).__name__)

    async def _retry_or_fail(self, row_id: int, attempts: int, error: Exception) -> None:
        async with self._storage.transaction() as db:
            await self._record_error(db, row_id, attempts, error)

    async def _record_error(self, db: Any, row_id: int, attempts: int, error: Exception) -> None:
        """Inside a transaction: ``failed`` after the last attempt, else ``pending`` with
        ``next_attempt_at`` = now + ``backoff * 2**(attempts - 1)`` seconds."""
        if attempts >= self._max_attempts:
            await db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL"
                " WHERE id = ? AND status = 'sending'",
                (_describe(error), row_id),
            )
            self.stats["failed"] += 1
            logger.warning(
                "outbox: row %d: failed after %d attempt(s) (%s)",
                row_id, attempts, type(error).__name__,
            )  # fmt: skip
            return
        delay = self._backoff * 2 ** (attempts - 1)
        await db.execute(
            "UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?"
            " WHERE id = ? AND status = 'sending'",
            (_describe(error), _stamp(delay, self._clock), row_id),
        )
        self.stats["retried"] += 1
        logger.info(
            "outbox: row %d: attempt %d failed (%s), retry in %.1f s",
            row_id, attempts, type(error).__name__, delay,
        )  # fmt: skip

    async def _render_failed(self, row: OutboxRow, error: Exception) -> None:
        """Count a failed render as an attempt (so a broken template cannot loop); one
        transaction, so a cancellation cannot leave the row ``sending``."""
        async with self._storage.transaction() as db:
            cursor = await db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ? AND status = 'pending'",
                (row.id,),
            )
            if cursor.rowcount != 1:
                return
            async with db.execute("SELECT attempts FROM outbox WHERE id = ?", (row.id,)) as cur:
                found = await cur.fetchone()
                attempts = found[0] if found is not None else 0
            await self._record_error(db, row.id, attempts, error)

    # -- progress -----------------------------------------------------------------------
    async def _report(self, *, final: bool) -> None:
        """Call ``on_progress`` for broadcasts due a periodic report; with ``final`` also
        for broadcasts that have no pending row left (their last report)."""
        if not self._dirty:
            return
        now = self._clock.monotonic()
        busy = {(d.row.round_id, d.row.kind) for d in self._inflight.values()}
        for pair, last in list(self._dirty.items()):
            periodic = now - last >= self._progress_every
            if not periodic and not (final and pair not in busy):
                continue
            state = await progress(self._storage, *pair)
            if state.pending == 0 and pair not in busy:
                self._dirty.pop(pair, None)
            elif periodic:
                self._dirty[pair] = now
            else:
                continue
            if self._on_progress is not None:
                try:
                    await self._on_progress(pair[0], pair[1], state)
                except Exception as error:  # noqa: BLE001 - a report must not stop sending
                    logger.warning("outbox: on_progress failed (%s)", type(error).__name__)
