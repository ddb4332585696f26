"""SQLite storage through aiosqlite: every query the bot makes, by table.

:class:`Storage` holds the queries (the inbox and handled updates, centres, contacts and
erasure, rounds, participation and answers, chat state, the pictures' file ids); what
they run on — the connections, migrations, transactions, the update's and the shared
read caches, the handled marks that ride along with writes — is
:class:`bot.storage.core.StorageCore` (its module says how writes and reads are kept
apart and why). The records reads return and the stored form of times are
:mod:`bot.storage.records`; opening the connections, :mod:`bot.storage.connections`.
Import them from ``bot.storage``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.storage.connections import CACHE_KIB, ReadConnection
from bot.storage.core import DROP_HANDLED as _DROP_HANDLED
from bot.storage.core import MARK_BATCH, MARK_DELAY, SHARED_TTL, StorageCore, begin_update
from bot.storage.core import MARK_HANDLED as _MARK_HANDLED
from bot.storage.core import READS as _READS
from bot.storage.records import Answer, Contact, Participation, Round, utcnow
from bot.storage.records import iso as _iso
from bot.storage.records import parse_dt as _dt
from bot.survey.models import Centre
from bot.survey.state import ChatState
from bot.update_scope import current_update_id

__all__ = [
    "CACHE_KIB", "MARK_BATCH", "MARK_DELAY", "SHARED_TTL", "Answer", "Contact", "Participation",
    "ReadConnection", "Round", "Storage", "begin_update", "utcnow",
]

#: An update id above every real one: "outside an update, all of the chat's rows".
_NO_UPDATE = 1 << 62

#: The cached reads a resident's own writes change (kinds of :class:`bot.storage.core.UpdateReads` keys).
_CONTACT = frozenset({"contact"})
_PARTICIPATION = frozenset({"participation", "open_round", "unfinished"})
_ANSWERS = frozenset({"answers"})

#: Before an erasure: keep the erased respondent's place in the release order of each
#: round they were done in (round, centre, order key, first answer id — no pseudonym, no answer), so the
#: batches of k behind them do not shift (see migration 0011 and
#: :func:`bot.privacy.disclosure.release`). Same grouping as
#: :func:`bot.exports.query.released_respondents`.
_KEEP_RELEASE_PLACE = (
    "INSERT INTO release_gaps (round_id, centre_code, order_key, first_answer)"
    " SELECT a.round_id, MIN(a.centre_code), COALESCE(MAX(p.finished_at), MAX(a.answered_at)),"
    " MIN(a.id)"
    " FROM answers_shown a JOIN rounds r ON r.id = a.round_id"
    " LEFT JOIN participations p ON p.round_id = a.round_id AND p.respondent = a.respondent"
    " WHERE a.respondent = ? GROUP BY a.round_id"
    " HAVING MAX(p.finished_at IS NOT NULL OR r.status IN ('closed', 'cancelled'))"
)


def _put_state(db: sqlite3.Connection, chat_id: int, state: ChatState) -> None:
    """Write a chat's state row in the open transaction (an empty state: no row)."""
    if state.is_empty:
        db.execute("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,))
    else:
        db.execute("INSERT OR REPLACE INTO chat_state VALUES (?, ?, ?)",
                   (chat_id, state.to_json(), _iso(utcnow())))


async def _erase_answers(db: aiosqlite.Connection, respondent: str) -> int:
    """Delete one pseudonym's answers and participations inside ``db``'s transaction.

    The erased person's place in the release order is kept first (``_KEEP_RELEASE_PLACE``),
    so batches of k stay as they were; the values row files showed for them
    (``row_values``) go with the answers. Shared by :meth:`Storage.forget` and
    :meth:`Storage.erase_respondent`.

    Returns:
        The number of answers deleted.
    """
    await db.execute(_KEEP_RELEASE_PLACE, (respondent,))
    cur = await db.execute("DELETE FROM answers WHERE respondent = ?", (respondent,))
    deleted = cur.rowcount
    await db.execute("DELETE FROM participations WHERE respondent = ?", (respondent,))
    # what row files showed of them (migration 0015); the round's levels stay (no person)
    await db.execute("DELETE FROM row_values WHERE respondent = ?", (respondent,))
    return deleted


class Storage(StorageCore):
    """Async access to the Buurtstem database: every query the bot makes.

    Use :meth:`open` to connect and migrate; :meth:`close` when done.
    """

    # -- updates and the inbox --------------------------------------------------------
    async def is_processed(self, update_id: int) -> bool:
        """True if this update id was handled before (redelivered update)."""
        if update_id in self._unmarked:
            return True
        row = await self._fetchone(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def last_update_id(self) -> int | None:
        """The highest update id handled (and not yet pruned) or waiting in the inbox;
        ``None`` when none is kept."""
        row = await self._fetchone(
            "SELECT MAX(update_id) FROM (SELECT update_id FROM processed_updates"
            " UNION ALL SELECT update_id FROM inbox)"
        )
        return None if row is None else row[0]

    async def inbox_put(self, rows: Sequence[tuple[int, int | None, str]]) -> None:
        """Store fetched updates in the inbox, in one transaction (:mod:`bot.inbox`).

        Args:
            rows: ``(update_id, chat_id or None, payload JSON)`` per update. An update
                already in the inbox or already handled (a redelivery) is not stored again.
        """
        now = _iso(utcnow())
        values = [(update_id, chat_id, payload, now, update_id)
                  for update_id, chat_id, payload in rows]
        await self._run(frozenset(), lambda db: db.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at)"
            " SELECT ?, ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM processed_updates WHERE update_id = ?)",
            values,
        ))

    async def inbox_pending(self) -> list[tuple[int, str]]:
        """The updates fetched but never handled, oldest first: ``(update_id, payload)``.

        Rows of updates handled after all (marked processed, row not yet deleted) are
        deleted here.
        """
        def body(db: sqlite3.Connection) -> list[tuple[int, str]]:
            db.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM processed_updates)"
            )
            rows = db.execute("SELECT update_id, payload FROM inbox ORDER BY update_id")
            return [(row[0], row[1]) for row in rows.fetchall()]

        return await self._run(frozenset(), body)

    # -- centres ---------------------------------------------------------------------
    async def seed_centres(self, centres: Iterable[Centre]) -> int:
        """Insert the survey pack's centres that are not there yet; returns how many were added.

        A centre already there keeps its name (an admin may have renamed it); its
        neighbourhood and district are filled in from the pack where still unknown.

        When every centre is there with nothing to fill in (every start but the first, and
        the harness of each end-to-end test seeds twice before its bot starts), nothing is
        written: one read of the small centres table on the reader instead of a write
        transaction (which would also drop every cached read).
        """
        now = _iso(utcnow())
        centres = list(centres)
        stored = {row[0]: (row[1], row[2]) for row in await self._fetchall(
            "SELECT code, neighbourhood, district FROM centres")}
        if all(c.code in stored
               and (c.neighbourhood is None or stored[c.code][0] is not None)
               and (c.district is None or stored[c.code][1] is not None) for c in centres):
            return 0
        async with self.transaction() as db:
            # two statements for all centres (one call of the database's thread each, not
            # two per centre); on a centre just inserted the update changes nothing
            cur = await db.executemany(
                "INSERT OR IGNORE INTO centres (code, name, neighbourhood, district, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(c.code, c.name, c.neighbourhood, c.district, now) for c in centres],
            )
            added = cur.rowcount
            await db.executemany(
                "UPDATE centres SET neighbourhood = COALESCE(neighbourhood, ?),"
                " district = COALESCE(district, ?) WHERE code = ?",
                [(c.neighbourhood, c.district, c.code) for c in centres],
            )
        return added

    async def centre_places(self) -> dict[str, tuple[str | None, str | None]]:
        """Active centre code -> ``(neighbourhood, district)`` (None where unknown)."""
        rows = await self._fetchall(
            "SELECT code, neighbourhood, district FROM centres WHERE active = 1"
        )
        return {r["code"]: (r["neighbourhood"], r["district"]) for r in rows}

    async def centres(self) -> list[tuple[str, str]]:
        """Active centres as ``(code, name)``, by name (shared cache)."""

        async def load() -> list[tuple[str, str]]:
            rows = await self._fetchall(
                "SELECT code, name FROM centres WHERE active = 1 ORDER BY name"
            )
            return [(r["code"], r["name"]) for r in rows]

        return list(await self._shared_read("centres", load))

    async def centre_name(self, code: str) -> str | None:
        """Name of an active centre, or None if unknown."""
        return dict(await self.centres()).get(code)

    async def set_centre_active(self, code: str, active: bool) -> str | None:
        """Archive (``active=False``) or restore a centre; returns its name, None if unknown.

        An archived centre is not offered at sign-up, in a deep link or in new rounds; its
        residents, rounds and answers stay (exports still show them).
        """
        async with self.transaction() as db:
            cur = await db.execute("UPDATE centres SET active = ? WHERE code = ?", (int(active), code))
            if not cur.rowcount:
                return None
            async with db.execute("SELECT name FROM centres WHERE code = ?", (code,)) as found:
                row = await found.fetchone()
        if row is None:
            raise ValueError(f"no centre {code!r}")
        return row[0]

    async def archived_centres(self) -> list[tuple[str, str]]:
        """Archived centres as ``(code, name)``, by name."""
        rows = await self._fetchall("SELECT code, name FROM centres WHERE active = 0 ORDER BY name")
        return [(r["code"], r["name"]) for r in rows]

    async def upsert_centre(self, code: str, name: str, *, create: bool) -> bool:
        """Add a centre (``create``) or rename one. False if it exists (add) or not (rename)."""
        async with self.transaction() as db:
            if create:
                cur = await db.execute(
                    "INSERT OR IGNORE INTO centres (code, name, created_at) VALUES (?, ?, ?)",
                    (code, name, _iso(utcnow())),
                )
            else:
                cur = await db.execute("UPDATE centres SET name = ? WHERE code = ?", (name, code))
            return cur.rowcount > 0

    async def resident_counts(self) -> dict[str, int]:
        """Centre code -> number of opted-in residents."""
        rows = await self._fetchall(
            "SELECT centre_code, COUNT(*) FROM contacts WHERE opted_in = 1 GROUP BY centre_code"
        )
        return {r[0]: r[1] for r in rows}

    # -- contacts --------------------------------------------------------------------
    async def contact(self, chat_id: int) -> Contact | None:
        """The contact of a chat, or None if the resident never consented (or forgot)."""
        return await self._per_update(("contact", chat_id), lambda: self._contact(chat_id))

    async def _contact(self, chat_id: int) -> Contact | None:
        row = await self._fetchone("SELECT * FROM contacts WHERE chat_id = ?", (chat_id,))
        if row is None:
            return None
        return Contact(
            chat_id=row["chat_id"],
            language=row["language"],
            centre_code=row["centre_code"],
            opted_in=bool(row["opted_in"]),
            reachable=bool(row["reachable"]),
            consent_version=row["consent_version"],
            feedback_opt_in=bool(row["feedback_opt_in"]),
        )

    async def save_contact(
        self, chat_id: int, *, language: str, centre_code: str | None, consent_version: str
    ) -> None:
        """Create or refresh a contact after consent (opted in and reachable)."""
        await self._run(_CONTACT, lambda db: db.execute(
            "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
            " consent_version, consented_on) VALUES (?, ?, ?, 1, 1, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language,"
            " centre_code = excluded.centre_code, opted_in = 1, reachable = 1,"
            " consent_version = excluded.consent_version,"
            " consented_on = excluded.consented_on",
            (chat_id, language, centre_code, consent_version, utcnow().date().isoformat()),
        ))

    async def update_contact(self, chat_id: int, chat_state: ChatState | None = None,
                             **fields: object) -> bool:
        """Set some of ``language``, ``centre_code``, ``opted_in``, ``reachable``,
        ``feedback_opt_in``. Returns False if there is no such contact.

        Args:
            chat_state: The chat's state to write in the same transaction (e.g. the
                feedback question answered), or None.

        Raises:
            ValueError: For any other field name.
        """
        allowed = {"language", "centre_code", "opted_in", "reachable", "feedback_opt_in"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"cannot update contact fields {sorted(set(fields) - allowed)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]

        def body(db: sqlite3.Connection) -> bool:
            found = db.execute(f"UPDATE contacts SET {assignments} WHERE chat_id = ?",
                               (*values, chat_id)).rowcount > 0
            if chat_state is not None:
                _put_state(db, chat_id, chat_state)
            return found

        found = await self._run(_CONTACT, body)
        if chat_state is not None:
            self._cached_state(chat_id, chat_state)
        return found

    async def forget(self, chat_id: int, respondent: str) -> int:
        """Delete a resident's contact, outbox rows, participations, chat state, unhandled
        updates (inbox) and every answer.

        The right to erasure (GDPR art. 17). The story reviews, effect codes and
        selections (with the coordinator's redaction and the selection reason) go with
        the answers (``ON DELETE CASCADE``); with ``secure_delete`` on, their bytes are
        zeroed, and :meth:`flush_erasure` then moves the WAL into the file and empties it,
        so none of the resident's words stay in either file.

        Returns:
            The number of answers deleted.
        """
        async with self.transaction() as db:
            deleted = await _erase_answers(db, respondent)
            await db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
            await db.execute("DELETE FROM contacts WHERE chat_id = ?", (chat_id,))
            await db.execute("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,))
            # the chat's updates not yet handled: up to this one (the later ones still
            # wait for their turn, and are deleted when handled)
            await db.execute("DELETE FROM inbox WHERE chat_id = ? AND update_id <= ?",
                             (chat_id, current_update_id() or _NO_UPDATE))
        await self.flush_erasure()
        return deleted

    async def respondent_exists(self, respondent: str) -> bool:
        """True if ``respondent`` has a participation or an answer stored."""
        row = await self._fetchone(
            "SELECT 1 FROM participations WHERE respondent = ?"
            " UNION ALL SELECT 1 FROM answers WHERE respondent = ? LIMIT 1",
            (respondent, respondent),
        )
        return row is not None

    async def erase_respondent(self, respondent: str) -> int:
        """Delete every answer and participation of one pseudonym (an assisted interview).

        Like :meth:`forget` for a respondent without a contact: what hangs off the
        answers goes with them, and the erasure is flushed (:meth:`flush_erasure`).

        Returns:
            The number of answers deleted.
        """
        async with self.transaction() as db:
            deleted = await _erase_answers(db, respondent)
        await self.flush_erasure()
        return deleted

    async def flush_erasure(self) -> bool:
        """Checkpoint the WAL into the database file and truncate it to zero bytes.

        Called after every erasure: the WAL holds earlier page images (the story as it
        was inserted) until a checkpoint, and a ``TRUNCATE`` checkpoint empties the file.
        The deleted rows themselves are zeroed in the database file (``secure_delete``).

        Returns:
            True if the WAL was fully checkpointed; False if a reader in another
            connection kept part of it (it is then emptied by the next checkpoint).
        """
        async with self._lock:
            async with self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                row = await cur.fetchone()
        return row is None or row[0] == 0

    # -- rounds ----------------------------------------------------------------------
    async def create_round(
        self,
        survey: str,
        centres: Sequence[str],
        *,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
        status: str = "open",
        pin: tuple[str, str] | None = None,
    ) -> Round:
        """Create a round for ``centres`` (all active centres if empty).

        ``pin`` is ``(pack version, snapshot)`` of the survey it asks
        (:func:`bot.survey.pinning.survey_snapshot`); opening the round pins again.

        Raises:
            ValueError: If a centre code is unknown or the window is inverted.
        """
        if opens_at and closes_at and closes_at <= opens_at:
            raise ValueError("a round must close after it opens")
        known = {code for code, _ in await self.centres()}
        chosen = list(centres) or sorted(known)
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise ValueError(f"unknown centre(s): {', '.join(unknown)}")
        now = utcnow()
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO rounds (survey, status, opens_at, closes_at, opened_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (survey, status, _iso(opens_at), _iso(closes_at),
                 _iso(now) if status == "open" else None, _iso(now)),
            )
            round_id = cur.lastrowid
            assert round_id is not None  # an INSERT sets it
            await db.executemany(
                "INSERT INTO round_centres VALUES (?, ?)", [(round_id, c) for c in chosen]
            )
            if pin is not None:
                await db.execute("INSERT OR REPLACE INTO round_surveys VALUES (?, ?, ?)",
                                 (round_id, *pin))
        found = await self.round(round_id)
        assert found is not None
        return found

    async def round(self, round_id: int) -> Round | None:
        """A round by id, or None (shared cache)."""
        return next((r for r in await self._all_rounds() if r.id == round_id), None)

    async def rounds(self) -> list[Round]:
        """All rounds, newest first (shared cache)."""
        return list(await self._all_rounds())

    async def _all_rounds(self) -> list[Round]:
        return await self._shared_read("rounds", lambda: self._rounds("", ()))

    async def _rounds(self, where: str, params: Sequence) -> list[Round]:
        """Rounds matching ``where`` with their centres, newest first (two queries)."""
        rows = await self._fetchall(f"SELECT * FROM rounds {where} ORDER BY id DESC", params)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        centres: dict[int, list[str]] = {i: [] for i in ids}
        for link in await self._fetchall(
            f"SELECT round_id, centre_code FROM round_centres WHERE round_id IN"
            f" ({','.join('?' * len(ids))}) ORDER BY centre_code", ids,
        ):
            centres[link["round_id"]].append(link["centre_code"])
        return [
            Round(
                id=row["id"],
                survey=row["survey"],
                status=row["status"],
                opens_at=_dt(row["opens_at"]),
                closes_at=_dt(row["closes_at"]),
                centres=tuple(centres[row["id"]]),
                text_purged_at=_dt(row["text_purged_at"]),
                opened_at=_dt(row["opened_at"]),
            )
            for row in rows
        ]

    async def open_round_for(self, centre_code: str, respondent: str | None = None) -> Round | None:
        """The open round a resident of ``centre_code`` answers now, or None (see
        :meth:`_open_round_for`; cached for the update)."""
        round_id = await self._per_update(
            ("open_round", centre_code, respondent),
            lambda: self._open_round_for(centre_code, respondent),
        )
        return await self.round(round_id) if round_id is not None else None

    async def _open_round_for(self, centre_code: str, respondent: str | None = None) -> int | None:
        """The open round a resident of ``centre_code`` answers now, or None.

        The newest open round of the centre, except that a round the respondent started
        and has not finished comes first: a second round opened meanwhile must not take
        the typed answers of the round whose question is on the resident's screen.
        """
        row = await self._fetchone(
            "SELECT r.id FROM rounds r JOIN round_centres rc ON rc.round_id = r.id"
            " LEFT JOIN participations p ON p.round_id = r.id AND p.respondent = ?"
            " WHERE r.status = 'open' AND rc.centre_code = ?"
            " ORDER BY (p.respondent IS NOT NULL AND p.finished_at IS NULL) DESC, r.id DESC LIMIT 1",
            (respondent, centre_code),
        )
        return row["id"] if row else None

    async def set_round_plan(
        self, round_id: int, *, remind_days_before: int | None, created_by: int | None
    ) -> None:
        """Store a round's reminder plan (days before closing) and its creator."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE rounds SET remind_days_before = ?, created_by = ? WHERE id = ?",
                (remind_days_before, created_by, round_id),
            )

    async def unfinished_closed_round(self, centre_code: str, respondent: str) -> bool:
        """True if the respondent started, but did not finish, a now closed round of the centre."""
        return await self._per_update(("unfinished", centre_code, respondent),
                                      lambda: self._unfinished_closed_round(centre_code, respondent))

    async def _unfinished_closed_round(self, centre_code: str, respondent: str) -> bool:
        row = await self._fetchone(
            "SELECT 1 FROM participations p JOIN rounds r ON r.id = p.round_id"
            " WHERE p.respondent = ? AND p.centre_code = ? AND p.finished_at IS NULL"
            " AND r.status = 'closed' LIMIT 1",
            (respondent, centre_code),
        )
        return row is not None

    async def set_round_status(self, round_id: int, status: str,
                               pin: tuple[str, str] | None = None) -> None:
        """Move a round to ``open``, ``closed`` or ``cancelled`` (records the moment).

        ``pin``: ``(pack version, snapshot)`` of the survey as the round opens with it
        (replaces the one stored when it was scheduled).
        """
        column = {"open": "opened_at", "closed": "closed_at"}.get(status)
        async with self.transaction() as db:
            if pin is not None:
                await db.execute("INSERT OR REPLACE INTO round_surveys VALUES (?, ?, ?)",
                                 (round_id, *pin))
            if column:
                await db.execute(
                    f"UPDATE rounds SET status = ?, {column} = ? WHERE id = ?",
                    (status, _iso(utcnow()), round_id),
                )
            else:
                await db.execute("UPDATE rounds SET status = ? WHERE id = ?", (status, round_id))

    # -- participation and answers ---------------------------------------------------
    async def participation(self, round_id: int, respondent: str) -> Participation | None:
        """A respondent's participation in a round, or None if not started."""
        return await self._per_update(("participation", round_id, respondent),
                                      lambda: self._participation(round_id, respondent))

    async def _participation(self, round_id: int, respondent: str) -> Participation | None:
        row = await self._fetchone(
            "SELECT * FROM participations WHERE round_id = ? AND respondent = ?",
            (round_id, respondent),
        )
        if row is None:
            return None
        return Participation(
            round_id=row["round_id"],
            respondent=row["respondent"],
            centre_code=row["centre_code"],
            language=row["language"],
            mode=row["mode"],
            finished=row["finished_at"] is not None,
        )

    async def start_participation(
        self, round_id: int, respondent: str, *, centre_code: str, language: str,
        mode: str = "self",
    ) -> None:
        """Record that a respondent started a round (idempotent)."""
        await self._run(_PARTICIPATION, lambda db: db.execute(
            "INSERT OR IGNORE INTO participations"
            " (round_id, respondent, centre_code, language, mode, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (round_id, respondent, centre_code, language, mode, _iso(utcnow())),
        ))

    async def finish_participation(self, round_id: int, respondent: str) -> None:
        """Mark a participation finished (first time only)."""
        await self._run(_PARTICIPATION, lambda db: db.execute(
            "UPDATE participations SET finished_at = ? WHERE round_id = ?"
            " AND respondent = ? AND finished_at IS NULL",
            (_iso(utcnow()), round_id, respondent),
        ))

    async def set_quote_consent(self, round_id: int, respondent: str, ok: bool,
                                chat_state: tuple[int, ChatState] | None = None) -> None:
        """Store the teller's answer to "may we quote your story without your name?"
        (and ``chat_state = (chat id, state)`` in the same transaction, if given)."""
        def body(db: sqlite3.Connection) -> None:
            db.execute("UPDATE participations SET quote_ok = ? WHERE round_id = ? AND respondent = ?",
                       (1 if ok else 0, round_id, respondent))
            if chat_state is not None:
                _put_state(db, *chat_state)

        await self._run(_PARTICIPATION, body)
        if chat_state is not None:
            self._cached_state(*chat_state)

    async def quote_consent(self, round_id: int, respondent: str) -> bool | None:
        """The teller's quote consent in a round: True, False, or None (not asked yet)."""
        row = await self._fetchone(
            "SELECT quote_ok FROM participations WHERE round_id = ? AND respondent = ?",
            (round_id, respondent),
        )
        return None if row is None or row[0] is None else bool(row[0])

    async def answers(self, round_id: int, respondent: str) -> dict[str, Answer]:
        """A respondent's answers in a round, by item id."""
        return dict(await self._per_update(("answers", round_id, respondent),
                                           lambda: self._answers(round_id, respondent)))

    async def _answers(self, round_id: int, respondent: str) -> dict[str, Answer]:
        rows = await self._fetchall(
            "SELECT item_id, status, value, choices, text, revision FROM answers"
            " WHERE round_id = ? AND respondent = ?",
            (round_id, respondent),
        )
        return {
            r["item_id"]: Answer(
                item_id=r["item_id"],
                status=r["status"],
                value=r["value"],
                choices=tuple(json.loads(r["choices"])) if r["choices"] else (),
                text=r["text"],
                revision=r["revision"],
            )
            for r in rows
        }

    async def record_answer(
        self,
        *,
        round_id: int,
        respondent: str,
        item_id: str,
        status: str,
        language: str,
        centre_code: str,
        value: int | None = None,
        choices: Sequence[str] = (),
        text: str | None = None,
        mode: str = "self",
        update_id: int | None = None,
        chat_state: tuple[int, Callable[[int], ChatState]] | None = None,
    ) -> int:
        """Store an answer, replacing an earlier one to the same item (revision + 1); the
        same answer again changes nothing (its revision stays).

        The update id is marked processed in the same transaction, so a redelivered
        update can never record the answer twice (DESIGN.md, "State"). So is the chat's
        state the answer leads to, ``chat_state = (chat id, state of the revision)``: a
        pure function of the answer's revision (e.g. a read-back opened, the message
        remembered for edits), so the two cannot part in a crash.

        Returns:
            The answer's revision (1 for a first answer).

        Raises:
            ValueError: If the round is not open (nothing is stored).
        """
        now = _iso(utcnow())
        stored = json.dumps(list(choices)) if choices else None

        def body(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT status FROM rounds WHERE id = ?", (round_id,)).fetchone()
            if row is None or row[0] != "open":
                raise ValueError("round is not open")
            db.execute(
                "INSERT INTO answers (round_id, respondent, item_id, status, value, choices,"
                " text, language, centre_code, mode, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (round_id, respondent, item_id) DO UPDATE SET"
                " status = excluded.status, value = excluded.value,"
                " choices = excluded.choices, text = excluded.text,"
                " language = excluded.language, answered_at = excluded.answered_at,"
                " revision = answers.revision + 1"
                # the same answer again (a tap repeated, an update handled twice) is no
                # new revision: nothing is stored twice
                " WHERE answers.status IS NOT excluded.status OR answers.value IS NOT excluded.value"
                " OR answers.choices IS NOT excluded.choices OR answers.text IS NOT excluded.text",
                (round_id, respondent, item_id, status, value, stored, text, language,
                 centre_code, mode, now),
            )
            if update_id is not None:
                db.execute(_MARK_HANDLED, (update_id, now))
                db.execute(_DROP_HANDLED, (update_id,))
            found = db.execute(
                "SELECT revision FROM answers WHERE round_id = ? AND respondent = ?"
                " AND item_id = ?",
                (round_id, respondent, item_id),
            ).fetchone()
            revision = found[0] if found is not None else 0
            if chat_state is not None:
                states.append(chat_state[1](revision))
                _put_state(db, chat_state[0], states[0])
            return revision

        states: list[ChatState] = []
        revision = await self._run(_ANSWERS, body)
        if chat_state is not None and states:
            self._cached_state(chat_state[0], states[0])
        return revision

    # -- chat state ------------------------------------------------------------------
    async def chat_state(self, chat_id: int) -> ChatState:
        """A chat's typed state (:class:`bot.survey.state.ChatState`; one read, cached
        for the update; :data:`bot.survey.state.EMPTY` if nothing is kept)."""
        return await self._per_update(("chat_state", chat_id), lambda: self._chat_state(chat_id))

    async def _chat_state(self, chat_id: int) -> ChatState:
        row = await self._fetchone("SELECT state FROM chat_state WHERE chat_id = ?", (chat_id,))
        return ChatState.from_json(row["state"] if row is not None else None)

    @staticmethod
    def cached_chat_state(chat_id: int) -> ChatState | None:
        """The chat's state as this update read it, or None if it did not read it (yet).

        For code that cannot wait for a read, e.g. a handler filter; ``bot.app`` reads a
        private chat's state first thing in each update.
        """
        reads = _READS.get()
        state = reads.cache.get(("chat_state", chat_id)) if reads is not None else None
        return state if isinstance(state, ChatState) else None

    async def save_chat_state(self, chat_id: int, state: ChatState) -> None:
        """Store a chat's state (an empty one deletes its row); nothing is written if
        this update read the same state."""
        if self.cached_chat_state(chat_id) == state:
            return
        await self._run(frozenset(), lambda db: _put_state(db, chat_id, state))
        self._cached_state(chat_id, state)

    @staticmethod
    def _cached_state(chat_id: int, state: ChatState) -> None:
        """Keep this update's cached chat state in step with a write."""
        reads = _READS.get()
        if reads is not None:
            reads.cache[("chat_state", chat_id)] = state

    # -- media cache -----------------------------------------------------------------
    async def cached_file_id(self, picture: str) -> str | None:
        """Telegram ``file_id`` of an uploaded picture, or None if never uploaded (kept in
        memory after the first read; only this bot writes them)."""
        if self._file_ids is None:
            rows = await self._fetchall("SELECT picture, file_id FROM media_cache")
            self._file_ids = {r["picture"]: r["file_id"] for r in rows}
        return self._file_ids.get(picture)

    async def cache_file_id(self, picture: str, file_id: str) -> None:
        """Remember the ``file_id`` Telegram gave an uploaded picture."""
        await self._run(frozenset(), lambda db: db.execute(
            "INSERT OR REPLACE INTO media_cache VALUES (?, ?)", (picture, file_id)))
        if self._file_ids is not None:
            self._file_ids[picture] = file_id

    async def forget_file_id(self, picture: str) -> None:
        """Drop a cached ``file_id`` (e.g. when Telegram no longer accepts it)."""
        await self._run(frozenset(), lambda db: db.execute(
            "DELETE FROM media_cache WHERE picture = ?", (picture,)))
        if self._file_ids is not None:
            self._file_ids.pop(picture, None)
