"""The outbox table: queueing messages, and every change of a row's status (all its SQL).

:func:`enqueue` and :func:`enqueue_round_invitations` put one row per (round, chat, kind)
in the ``outbox`` table (``UNIQUE (round_id, chat_id, kind)``, so enqueueing twice adds
nothing); :class:`bot.outbox.sender.OutboxSender` sends them through the functions below.

Row life cycle: ``pending`` → ``sending`` → ``sent`` | ``blocked`` | ``failed``
(or back to ``pending`` for a retry); ``pending`` → ``skipped`` when the contact was
deleted, opted out or is unreachable by the time the row is due (:func:`fetch_due`).

A row is marked ``sending`` (committed, :func:`mark_sending`) right before its HTTP call
and ``sent`` right after it (:func:`mark_sent`); a row still ``sending`` at start-up was
cut by a restart (:func:`recover_cut_rows`, :mod:`bot.outbox.retry` says what happens).

Times are stored as UTC ISO 8601 strings; those compared by the sender have microseconds
and a fixed width (:func:`stamp`), so strings compare like times.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import SYSTEM_CLOCK, Clock
from bot.outbox.retry import INTERRUPTED, UNCONFIRMED, at_least_once
from bot.storage import Storage

if TYPE_CHECKING:  # only named in Render: the queue itself never imports python-telegram-bot
    from telegram import InlineKeyboardMarkup

__all__ = [
    "BATCH_SIZE", "FLOOD_WAIT", "REACHABLE", "OutboxRow", "Render", "call_stamps_since",
    "count_render_attempt", "due_count", "enqueue", "enqueue_round_invitations", "fetch_due",
    "flood_wait_until", "mark_blocked", "mark_failed", "mark_retry", "mark_sending", "mark_sent",
    "next_retry_at", "now_text", "reachable_chats", "recover_cut_rows", "requeue", "stamp",
    "unfinished_broadcasts",
]

# the outbox's one logger, as before it became a package (log lines keep their name)
logger = logging.getLogger("bot.outbox")

#: Rows fetched per query.
BATCH_SIZE = 100
#: ``outbox_state`` key: UTC ISO time until which all sending waits (the latest 429).
FLOOD_WAIT = "flood_wait_until"
#: Who a round's messages reach (SQL over ``contacts``): opted in, i.e. no /stop, and
#: reachable, i.e. the bot not blocked. Invitations, reminders, the reach shown before
#: opening and the storytellers' feedback all use it.
REACHABLE = "opted_in = 1 AND reachable = 1"


def stamp(offset: float = 0.0, clock: Clock = SYSTEM_CLOCK) -> str:
    """UTC ISO 8601 with microseconds (fixed width, so strings compare like times)."""
    return (clock.now() + timedelta(seconds=offset)).isoformat(timespec="microseconds")


def now_text(clock: Clock = SYSTEM_CLOCK) -> str:
    """UTC ISO 8601 to the second, as :mod:`bot.storage` writes ``created_at`` etc."""
    return clock.now().isoformat(timespec="seconds")


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


#: Turns a row into the message text and optional inline keyboard (localised by
#: ``row.language``). May raise: the row is then retried like a failed send.
Render = Callable[[OutboxRow], Awaitable[tuple[str, "InlineKeyboardMarkup | None"]]]


# ---------------------------------------------------------------------- queueing


async def enqueue(
    storage: Storage,
    round_id: int,
    chat_ids: Iterable[int],
    kind: str,
    payload: dict | None = None,
) -> int:
    """Queue one ``kind`` message of round ``round_id`` for each chat.

    A (round, chat, kind) already queued (in any status) is left alone, so calling this
    twice never sends twice. Call :meth:`bot.outbox.OutboxSender.wake` afterwards to send
    at once.

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
    now = now_text()
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
            (round_id, kind, now_text(), *codes),
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


# ---------------------------------------------------------------------- start-up


async def recover_cut_rows(storage: Storage, clock: Clock) -> tuple[list[tuple[int, str]], int, int]:
    """Settle the rows left ``sending`` by the previous run, in one transaction: an
    at-least-once row (:func:`bot.outbox.retry.at_least_once`) goes back to ``pending``
    (``INTERRUPTED``), the others are marked ``sent`` unconfirmed (``UNCONFIRMED``).

    Returns:
        The broadcasts (``(round_id, kind)``) that had such rows, the number of rows to
        send again, and the number marked sent unconfirmed.
    """
    async with storage.transaction() as db:
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
            (now_text(clock), UNCONFIRMED),
        )
        recovered = updated.rowcount
    return pairs, len(again), recovered


async def flood_wait_until(storage: Storage) -> datetime | None:
    """The end of the latest stored 429 wait (:data:`FLOOD_WAIT`), or None."""
    async with storage.db.execute(
        "SELECT value FROM outbox_state WHERE key = ?", (FLOOD_WAIT,)
    ) as cursor:
        row = await cursor.fetchone()
    return datetime.fromisoformat(row[0]) if row is not None else None


async def call_stamps_since(storage: Storage, since: str) -> list[datetime]:
    """The stored call times (``called_at``) later than ``since`` (a :func:`stamp`)."""
    async with storage.db.execute(
        "SELECT called_at FROM outbox WHERE called_at > ?", (since,)
    ) as cursor:
        return [datetime.fromisoformat(r[0]) for r in await cursor.fetchall()]


async def unfinished_broadcasts(storage: Storage) -> list[tuple[int, str]]:
    """Every broadcast (``(round_id, kind)``) still going, or whose progress message is
    not final."""
    async with storage.db.execute(
        "SELECT DISTINCT round_id, kind FROM outbox WHERE status = 'pending'"
        " UNION SELECT round_id, kind FROM broadcast_messages WHERE done = 0"
    ) as cursor:
        return [(r[0], r[1]) for r in await cursor.fetchall()]


# ---------------------------------------------------------------------- due rows


async def fetch_due(storage: Storage, after: int, clock: Clock
                    ) -> tuple[list[OutboxRow], list[tuple[int, str]], int, int | None]:
    """Up to :data:`BATCH_SIZE` due pending rows with ``id > after``; rows whose contact
    is gone, opted out or unreachable are marked ``skipped`` instead.

    Returns:
        The rows to send, the broadcast (``(round_id, kind)``) of each row found to skip,
        the number of rows marked skipped, and the highest id seen (``None`` if there was
        none).
    """
    async with storage.db.execute(
        "SELECT o.id, o.round_id, o.chat_id, o.kind, o.payload, c.language, c.opted_in,"
        " c.reachable FROM outbox o LEFT JOIN contacts c ON c.chat_id = o.chat_id"
        " WHERE o.status = 'pending' AND o.id > ?"
        " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
        " ORDER BY o.id LIMIT ?",
        (after, stamp(clock=clock), BATCH_SIZE),
    ) as cursor:
        found = list(await cursor.fetchall())
    if not found:
        return [], [], 0, None
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
    skipped = 0
    if skip:
        async with storage.transaction() as db:
            cursor = await db.executemany(
                "UPDATE outbox SET status = 'skipped', last_error = ?"
                " WHERE id = ? AND status = 'pending'",
                skip,
            )
            skipped = max(cursor.rowcount, 0)
    by_id = {r["id"]: (r["round_id"], r["kind"]) for r in found}
    return rows, [by_id[row_id] for _reason, row_id in skip], skipped, found[-1]["id"]


async def next_retry_at(storage: Storage, clock: Clock) -> float | None:
    """Seconds until the earliest pending retry is due, or None if there is none."""
    async with storage.db.execute(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        " AND next_attempt_at > ?",
        (stamp(clock=clock),),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] is None:
        return None
    due = datetime.fromisoformat(row[0])
    return max((due - clock.now()).total_seconds(), 0.0)


async def due_count(storage: Storage, clock: Clock) -> int:
    """Rows due now: ``sending``, or ``pending`` with no retry time or one that has come
    (by the index on ``status``, in the event loop's thread: :meth:`Storage.fetch_here`)."""
    rows = await storage.fetch_here(
        "SELECT COUNT(*) FROM outbox WHERE status = 'sending' OR (status = 'pending'"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?))",
        (stamp(clock=clock),),
    )
    return int(rows[0][0]) if rows else 0


# ---------------------------------------------------------------------- one send
#
# Each change of a row's status is one transaction of plain sqlite3 calls run in one call
# of the storage's writer thread (:meth:`bot.storage.Storage.transact`): a send (marked
# ``sending``, then ``sent``) takes two round trips between threads instead of nine.


async def mark_sending(storage: Storage, row_id: int, clock: Clock) -> int | None:
    """Mark a due row ``sending`` and count the attempt (committed before the call).

    Returns:
        The row's attempts so far (this one included), or None if it is not to be sent:
        already handled, deleted, its retry not due, or its contact gone, opted out or
        unreachable.
    """
    params = (stamp(clock=clock), row_id, stamp(clock=clock))

    def body(db: sqlite3.Connection) -> int | None:
        cursor = db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, called_at = ?"
            " WHERE id = ? AND status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " AND EXISTS (SELECT 1 FROM contacts c WHERE c.chat_id = outbox.chat_id"
            " AND c.opted_in = 1 AND c.reachable = 1)",
            params,
        )
        if cursor.rowcount != 1:
            return None
        found = db.execute("SELECT attempts FROM outbox WHERE id = ?", (row_id,)).fetchone()
        return found[0] if found is not None else 0

    return await storage.transact(body)


async def mark_sent(storage: Storage, row_id: int, sent_at: str, called_at: str,
                    note: str | None = None) -> None:
    """A ``sending`` row was delivered (``note`` None), or may have been (``note``, e.g.
    :data:`bot.outbox.retry.TIMED_OUT`, kept as ``last_error``)."""
    if note is not None:
        sql = ("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = ?,"
               " next_attempt_at = NULL, called_at = ? WHERE id = ? AND status = 'sending'")
        params: tuple[Any, ...] = (sent_at, note, called_at, row_id)
    else:
        sql = ("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL,"
               " next_attempt_at = NULL, called_at = ? WHERE id = ? AND status = 'sending'")
        params = (sent_at, called_at, row_id)
    await storage.transact(lambda db: db.execute(sql, params))


async def requeue(storage: Storage, row_id: int, reason: str, wait_until: str | None = None) -> None:
    """Back to ``pending`` without counting an attempt (429 / pause); with
    ``wait_until`` (a 429) that wait is stored for a sender started during it."""

    def body(db: sqlite3.Connection) -> None:
        db.execute(
            "UPDATE outbox SET status = 'pending', attempts = attempts - 1, last_error = ?"
            " WHERE id = ? AND status = 'sending'",
            (reason, row_id),
        )
        if wait_until is not None:
            db.execute(
                "INSERT INTO outbox_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
                " DO UPDATE SET value = MAX(value, excluded.value)",
                (FLOOD_WAIT, wait_until),
            )

    await storage.transact(body)


async def mark_blocked(storage: Storage, row: OutboxRow, reason: str) -> None:
    """The resident blocked the bot or their chat is gone: the row is ``blocked`` and the
    contact ``reachable = 0`` (one transaction)."""

    def body(db: sqlite3.Connection) -> None:
        db.execute(
            "UPDATE outbox SET status = 'blocked', last_error = ?, next_attempt_at = NULL"
            " WHERE id = ? AND status = 'sending'",
            (reason, row.id),
        )
        db.execute("UPDATE contacts SET reachable = 0 WHERE chat_id = ?", (row.chat_id,))

    await storage.transact(body)


def mark_failed(db: sqlite3.Connection, row_id: int, reason: str) -> None:
    """Inside a transaction (:meth:`bot.storage.Storage.transact`): a ``sending`` row is
    given up (``failed``)."""
    db.execute(
        "UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL"
        " WHERE id = ? AND status = 'sending'",
        (reason, row_id),
    )


def mark_retry(db: sqlite3.Connection, row_id: int, reason: str, next_attempt_at: str) -> None:
    """Inside a transaction (:meth:`bot.storage.Storage.transact`): a ``sending`` row goes
    back to ``pending`` until ``next_attempt_at`` (a :func:`stamp`)."""
    db.execute(
        "UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?"
        " WHERE id = ? AND status = 'sending'",
        (reason, next_attempt_at, row_id),
    )


def count_render_attempt(db: sqlite3.Connection, row_id: int) -> int | None:
    """Inside a transaction (:meth:`bot.storage.Storage.transact`): mark a ``pending`` row
    ``sending`` and count an attempt whose render failed (so a broken template cannot
    loop); its attempts, or None if the row was no longer pending."""
    cursor = db.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
        " WHERE id = ? AND status = 'pending'",
        (row_id,),
    )
    if cursor.rowcount != 1:
        return None
    found = db.execute("SELECT attempts FROM outbox WHERE id = ?", (row_id,)).fetchone()
    return found[0] if found is not None else 0
