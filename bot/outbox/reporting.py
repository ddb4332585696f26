"""A broadcast's progress: its counts, the staff messages that show them, and when the
sender reports them.

:func:`remember_progress_message` stores a staff message that shows a broadcast's
progress (``broadcast_messages``); the sender reports every broadcast with pending rows or
such a message that is not final yet (:class:`Reports`), so after a restart the message is
brought up to date from the outbox, down to its final count.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from bot.clock import SYSTEM_CLOCK, Clock
from bot.storage import Storage

__all__ = ["BroadcastProgress", "ProgressCallback", "ProgressMessage", "Reports", "progress",
           "progress_messages", "remember_progress_message"]

# the outbox's one logger, as before it became a package (log lines keep their name)
logger = logging.getLogger("bot.outbox")


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


#: ``async (round_id, kind, BroadcastProgress)``: told a broadcast's counts.
ProgressCallback = Callable[[int, str, BroadcastProgress], Awaitable[None]]


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


class Reports:
    """The broadcasts that owe a report, and reporting them to ``on_progress``.

    A broadcast (``(round_id, kind)``) is marked with :meth:`mark` when something about it
    changed (a row sent, skipped or recovered; a progress message to keep up to date). It
    is reported at most every ``every`` seconds while it runs, and once more when it has no
    pending row left (its last report), after which it is no longer marked.

    Args:
        storage: The open database (the counts, :func:`progress`).
        on_progress: ``async (round_id, kind, BroadcastProgress)``, or None (nobody is told;
            the marks are still kept and dropped). Exceptions are logged and ignored.
        every: Seconds between the reports of a running broadcast.
        clock: Monotonic time.
    """

    def __init__(self, storage: Storage, on_progress: ProgressCallback | None, every: float,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self._storage = storage
        self._on_progress = on_progress
        self._every = every
        self._clock = clock
        self._dirty: dict[tuple[int, str], float] = {}  # (round, kind) -> last report

    @property
    def owed(self) -> bool:
        """True while some broadcast is marked (a report may come due)."""
        return bool(self._dirty)

    def mark(self, pair: tuple[int, str], at: float | None = None) -> None:
        """Mark broadcast ``pair`` as changed at ``at`` (monotonic; default now), unless it
        is marked already (its periodic report keeps its time)."""
        self._dirty.setdefault(pair, self._clock.monotonic() if at is None else at)

    async def report(self, busy: Collection[tuple[int, str]], *, final: bool) -> None:
        """Call ``on_progress`` for broadcasts due a periodic report; with ``final`` also
        for broadcasts that have no pending row left (their last report).

        Args:
            busy: Broadcasts with a send in flight (never final while one is).
            final: Also report the broadcasts that may have finished.
        """
        if not self._dirty:
            return
        now = self._clock.monotonic()
        for pair, last in list(self._dirty.items()):
            periodic = now - last >= self._every
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
