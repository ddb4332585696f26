"""The storage's machinery: connections, migrations, transactions, cached reads, handled marks.

:class:`StorageCore` is what :class:`bot.storage.Storage` (every query the bot makes) is
built on.

Updates of different chats are handled at the same time (:mod:`bot.updates`), so no
handler may see another's open transaction. One :class:`bot.storage.Storage` therefore
writes on one side and reads on the other (WAL mode):

* **writes**: one transaction at a time under an :class:`asyncio.Lock`, short (SQL only,
  never a Bot API call inside). :meth:`Storage.transaction` runs its block on the
  aiosqlite writer; the storage's own writes of a resident's update (an answer, chat
  state, participation, contact, handled update ids, the inbox) run their whole
  transaction, ``BEGIN`` to ``COMMIT``, in one call on a second writer connection in a
  thread of its own (:meth:`Storage._run`), one hop instead of four to seven;
* **reads** see the last committed state, never a transaction still open on a writer,
  and do not wait for writes. Every read runs to its end at once (rows fetched at once),
  so no statement stays open between two awaits: an open statement would pin the
  connection's snapshot, and another task would then miss its own just-committed write.
  The storage's own queries (a chat's rows by key, small tables) run on a read-only
  connection in the event loop's thread: a lookup by key takes about 7 µs there, a hop
  to a connection's thread about 90 µs of CPU and 180 µs of waiting (both measured), and
  a WAL read takes no lock a writer holds. Should it find the database locked all the
  same (another process recovering the WAL), it asks again on the aiosqlite reader
  (:attr:`Storage.db`, a :class:`ReadConnection`, ``PRAGMA query_only``), which waits;
  that reader also serves every query from outside :mod:`bot.storage`.

Fewer round trips (each aiosqlite read or write is a hop to the connection's thread):

* **per update**, reads of the chat's rows (contact, chat state, participation, answers,
  its open round) are cached for the rest of the update (:func:`begin_update`, called
  once per update by ``bot.app``); a write by the update forgets what it changed (the
  storage's own methods) or everything (any other :meth:`Storage.transaction`);
* **shared**, the rounds and centres tables are cached for every task; any transaction
  other than the resident's own writes drops them, and they are re-read after
  :data:`SHARED_TTL` seconds anyway (a round opened by the command line in another
  process); uploaded pictures' file ids are kept in memory;
* an update's handled mark rides on its own first write (the same transaction as its
  effects, so a crash cannot leave an effect without its mark, and a restart never
  handles that update again, see :mod:`bot.inbox`); an update that writes nothing is
  remembered in memory and written with the next transaction (or every
  :data:`MARK_BATCH` ids), not in a transaction of their own.

The database must be a file: several connections share it (``":memory:"`` cannot be
shared). SQL is kept portable.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Self, TypeVar

import aiosqlite

from bot.storage.connections import ReadConnection
from bot.storage.connections import connect as _connect
from bot.storage.connections import connect_sync as _connect_sync
from bot.storage.records import iso as _iso
from bot.storage.records import utcnow
from bot.update_scope import current_update_id

__all__ = ["DROP_HANDLED", "MARK_BATCH", "MARK_DELAY", "MARK_HANDLED", "READS", "SHARED_TTL",
           "StorageCore", "UpdateReads", "begin_update"]

#: Seconds the shared caches (rounds, centres) are trusted without a change seen here.
SHARED_TTL = 2.0
#: Handled update ids kept in memory before they are written in a transaction of their own.
MARK_BATCH = 64
#: Seconds a handled update id waits in memory for another transaction to ride along with.
MARK_DELAY = 0.25

class UpdateReads:
    """The reads cached for one update (see :func:`begin_update`), and whether the
    update's handled mark is written yet."""

    __slots__ = ("cache", "marked")

    def __init__(self) -> None:
        self.cache: dict[tuple, object] = {}
        self.marked = False


READS: ContextVar[UpdateReads | None] = ContextVar("buurtstem_update_reads", default=None)

#: An update is handled: its id is kept for the duplicate check, and its inbox row (its
#: payload, kept until then so a crash loses nothing) goes in the same transaction.
MARK_HANDLED = "INSERT OR IGNORE INTO processed_updates VALUES (?, ?)"
DROP_HANDLED = "DELETE FROM inbox WHERE update_id = ?"


@cache
def _migration_files() -> tuple[tuple[int, Traversable], ...]:
    """The numbered migrations ``bot/migrations/NNNN_*.sql`` as ``(version, file)``, in
    order; listed once per process (the folder is part of the installed package), not at
    every :meth:`StorageCore.open` (~0.3 ms of CPU through :mod:`importlib.resources`)."""
    folder = resources.files("bot") / "migrations"
    return tuple((int(entry.name.split("_", 1)[0]), entry)
                 for entry in sorted(folder.iterdir(), key=lambda e: e.name)
                 if entry.name.endswith(".sql"))


def _handled_params(update_ids: list[int]) -> tuple[list[tuple[int, str | None]], list[tuple[int]]]:
    """Parameters of :data:`MARK_HANDLED` and :data:`DROP_HANDLED` for ``update_ids``, now."""
    now = _iso(utcnow())
    return [(i, now) for i in update_ids], [(i,) for i in update_ids]


def begin_update() -> None:
    """Start caching this update's reads (call once per update, in the update's own task).

    The cache lives in a context variable, so each update (each task) has its own and
    tasks outside an update (scheduler, outbox, command line) read the database directly.
    """
    READS.set(UpdateReads())


_T = TypeVar("_T")


class StorageCore:
    """The connections of one database and what every query runs on: transactions
    (:meth:`transaction`, :meth:`_run`), the update's and the shared read caches
    (:meth:`_per_update`, :meth:`_shared_read`), reads (:meth:`_fetchall`), and the
    handled marks of updates (:meth:`mark_processed`).

    Use :meth:`open` to connect and migrate; :meth:`close` when done.
    """

    def __init__(self, writer: aiosqlite.Connection) -> None:
        self._writer = writer
        #: The read connection (query only): every read outside a transaction.
        self.db: ReadConnection | aiosqlite.Connection = writer
        #: The storage's own reads, in the event loop's thread (see the module docstring).
        self._reader: sqlite3.Connection | None = None
        #: The second writer and its thread (:meth:`_run`).
        self._sync_writer: sqlite3.Connection | None = None
        self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="buurtstem-writer")
        self._lock = asyncio.Lock()
        self._shared: dict[str, tuple[float, object]] = {}
        #: Counts drops of the shared caches: a load that began before a drop is not kept.
        self._shared_generation = 0
        self._file_ids: dict[str, str] | None = None
        self._unmarked: set[int] = set()
        self._mark_timer: asyncio.TimerHandle | None = None
        self._mark_task: asyncio.Task | None = None

    # -- lifecycle -------------------------------------------------------------------
    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Connect to the database file ``path``, enable WAL, apply migrations.

        Opens the writer, migrates, then opens the readers and the second writer (see the
        module docstring).

        Raises:
            ValueError: ``path`` is ``":memory:"`` (it cannot be shared by connections).
            sqlite3.Error: The file cannot be opened or is not a database (nothing is left
                open).
        """
        if str(path) == ":memory:":
            raise ValueError("the database must be a file (several connections share it)")
        # Deleted rows are overwritten with zeros, not just unlinked, so an erased story
        # cannot be read back from free pages of the file (issue 11: /forget leaves nothing).
        writer = await _connect(path, "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                                "PRAGMA secure_delete=ON")
        storage = cls(writer)
        try:
            await storage.migrate()
            reader = await _connect(path, "PRAGMA query_only=ON")
            storage.db = ReadConnection(reader)
            storage._reader = _connect_sync(path, writer=False)
            storage._sync_writer = await asyncio.get_running_loop().run_in_executor(
                storage._write_thread, lambda: _connect_sync(path, writer=True))
        except BaseException:
            # close what is open: a connection's thread left running kept the process alive
            # after the error (a bot or `rounds list` on a broken file hung instead of exiting)
            if storage.db is not writer:
                await storage.db.close()
            if storage._reader is not None:
                storage._reader.close()
            storage._write_thread.shutdown(wait=False)
            await writer.close()
            raise
        return storage

    async def close(self) -> None:
        """Write the remembered update ids, close the connections."""
        if self._mark_timer is not None:
            self._mark_timer.cancel()
            self._mark_timer = None
        if self._mark_task is not None:
            await asyncio.gather(self._mark_task, return_exceptions=True)
        if self._unmarked:
            async with self.transaction():
                pass
        if self.db is not self._writer:
            await self.db.close()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._sync_writer is not None:
            await asyncio.get_running_loop().run_in_executor(self._write_thread,
                                                             self._sync_writer.close)
            self._sync_writer = None
        self._write_thread.shutdown(wait=False)
        await self._writer.close()

    async def migrate(self) -> list[int]:
        """Apply the numbered ``bot/migrations/NNNN_*.sql`` files not yet applied.

        Returns:
            The versions applied now (empty if the schema was current).
        """
        await self._writer.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in await self._writer.execute_fetchall(
            "SELECT version FROM schema_migrations")}
        applied = []
        for version, entry in _migration_files():
            if version in done:
                continue
            script = entry.read_text(encoding="utf-8")
            await self._writer.executescript(
                "BEGIN;\n" + script + f"\nINSERT INTO schema_migrations VALUES "
                f"({version}, '{_iso(utcnow())}');\nCOMMIT;"
            )
            applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one transaction on the writer (``BEGIN IMMEDIATE`` …
        ``COMMIT``/``ROLLBACK``); one at a time. Keep it short: SQL only, no Bot API call.

        Afterwards every cached read is dropped (this update's and the shared ones), as the
        block may have changed anything.
        """
        async with self._write(None) as db:
            yield db

    async def transact(self, body: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``body(connection)`` in one transaction, in one call of the second writer's
        thread (:meth:`_run`: ``BEGIN IMMEDIATE`` … ``COMMIT``, ``ROLLBACK`` if it or the
        ``COMMIT`` raises):
        a :meth:`transaction` of plain :mod:`sqlite3` calls in one round trip instead of
        one per statement. Afterwards every cached read is dropped, as after
        :meth:`transaction`. Keep it short: SQL only.

        Returns:
            What ``body`` returns.

        Raises:
            Exception: What ``body`` raises (nothing is stored then).
        """
        return await self._run(None, body)

    @asynccontextmanager
    async def _write(self, forget: frozenset[str] | None) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction that then drops this update's cached reads of the kinds in
        ``forget`` (None: all cached reads, shared ones too). Writes the remembered
        handled update ids with it."""
        async with self._lock:
            marks, own_reads = self._marks_to_write()
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                if marks:
                    kept, dropped = _handled_params(marks)
                    await self._writer.executemany(MARK_HANDLED, kept)
                    await self._writer.executemany(DROP_HANDLED, dropped)
                yield self._writer
                await self._writer.commit()
            except BaseException:
                # also when COMMIT failed (a full disk, a deferred constraint): SQLite may
                # leave the transaction open, holding the write lock and every later write
                if self._writer.in_transaction:
                    await self._writer.rollback()
                raise
            else:
                self._marks_written(marks, own_reads)
            finally:
                self._forget_reads(forget)

    def _marks_to_write(self) -> tuple[list[int], UpdateReads | None]:
        """The handled update ids the next write carries: those remembered, plus this
        update's own if this is its first write (the update's first write carries its
        handled mark).

        Returns:
            ``(update ids, this update's reads if its own id is among them, else None)``.
        """
        marks = list(self._unmarked)
        reads = READS.get()
        if reads is None or reads.marked:
            return marks, None
        own = current_update_id()
        if own is None:
            return marks, None
        marks.append(own)
        return marks, reads

    def _marks_written(self, marks: list[int], own_reads: UpdateReads | None) -> None:
        """After a commit: forget the remembered ids it wrote and note this update as marked."""
        self._unmarked.difference_update(marks)
        if own_reads is not None:
            own_reads.marked = True

    def _forget_reads(self, forget: frozenset[str] | None) -> None:
        """Drop this update's cached reads of the kinds in ``forget`` after a write (None:
        all cached reads, shared ones too)."""
        reads = READS.get()
        if forget is None:
            self._shared.clear()
            self._shared_generation += 1
            if reads is not None:
                reads.cache.clear()
        elif reads is not None and forget:
            for key in [k for k in reads.cache if k[0] in forget]:
                del reads.cache[key]

    async def _run(self, forget: frozenset[str] | None, body: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``body(connection)`` in one transaction on the second writer, in one call
        of its thread (``BEGIN IMMEDIATE``, the remembered handled update ids, the body,
        ``COMMIT``; ``ROLLBACK`` if the body raises), then drop this update's cached reads
        of the kinds in ``forget`` (None: every cached read, shared ones too). One at a time
        with :meth:`transaction`.

        Returns:
            What ``body`` returns.

        Raises:
            Exception: What ``body`` raises (nothing is stored then).
        """
        async with self._lock:
            marks, own_reads = self._marks_to_write()
            try:
                result = await asyncio.get_running_loop().run_in_executor(
                    self._write_thread, self._transact, marks, body)
            finally:
                self._forget_reads(forget)
            self._marks_written(marks, own_reads)
            return result

    def _transact(self, marks: list[int], body: Callable[[sqlite3.Connection], _T]) -> _T:
        """The transaction of :meth:`_run`, in the writer's thread."""
        db = self._sync_writer
        assert db is not None, "storage is not open"
        db.execute("BEGIN IMMEDIATE")
        try:
            if marks:
                kept, dropped = _handled_params(marks)
                db.executemany(MARK_HANDLED, kept)
                db.executemany(DROP_HANDLED, dropped)
            result = body(db)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # also after a failed COMMIT (see _write)
                db.execute("ROLLBACK")
            raise
        return result

    async def _per_update(self, key: tuple, load):
        """``await load()``, cached for the rest of this update under ``key``."""
        reads = READS.get()
        if reads is None:
            return await load()
        if key not in reads.cache:
            reads.cache[key] = await load()
        return reads.cache[key]

    async def _shared_read(self, name: str, load):
        """``await load()``, cached for every task for :data:`SHARED_TTL` seconds.

        A load that was under way when a transaction dropped the caches (a coordinator
        closing a round while a resident's update reads the rounds) is returned to its
        caller but not kept: it may predate that transaction's commit.
        """
        now = time.monotonic()
        found = self._shared.get(name)
        if found is not None and now - found[0] < SHARED_TTL:
            return found[1]
        generation = self._shared_generation
        value = await load()
        if generation == self._shared_generation:
            self._shared[name] = (now, value)
        return value

    async def _fetchall(self, sql: str, params: Sequence = ()) -> list[aiosqlite.Row]:
        """All rows of a query: at once in this thread, or on :attr:`db` when locked."""
        if self._reader is not None:
            try:
                return self._reader.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetch_here(self, sql: str, params: Sequence = ()) -> list[aiosqlite.Row]:
        """All rows of a short read-only query, on the reader in the event loop's thread
        (as the storage's own lookups; on :attr:`db` only when the file is locked).

        For a query by index that runs very often from outside :mod:`bot.storage` (the
        outbox's count of due rows after every update a test waits for): about 7 µs here
        against 90 µs of CPU for a hop to :attr:`db`'s thread. Anything that may scan a
        large table goes to :attr:`db`, which does not hold up the event loop.
        """
        return await self._fetchall(sql, params)

    async def _fetchone(self, sql: str, params: Sequence = ()) -> aiosqlite.Row | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    # -- handled updates -------------------------------------------------------------
    async def mark_processed(self, update_id: int) -> None:
        """Remember an update id as handled (idempotent).

        Nothing to do if the update wrote something: its first transaction carried the
        mark. Else kept in memory and written with the next transaction (any task's), or
        on its own once :data:`MARK_BATCH` ids wait, or at :meth:`close`. A crash before
        that lets the update be handled again — it changed nothing, so handling it again
        can only repeat a reply.
        """
        reads = READS.get()
        if reads is not None and reads.marked and current_update_id() == update_id:
            return  # written with the update's first write already
        self._unmarked.add(update_id)
        if len(self._unmarked) >= MARK_BATCH:
            await self._write_marks()
        elif self._mark_timer is None:
            self._mark_timer = asyncio.get_running_loop().call_later(MARK_DELAY, self._marks_due)

    def _marks_due(self) -> None:
        self._mark_timer = None
        if self._unmarked and (self._mark_task is None or self._mark_task.done()):
            self._mark_task = asyncio.ensure_future(self._write_marks())

    async def _write_marks(self) -> None:
        """Write the remembered handled update ids now (a transaction of their own)."""
        if self._unmarked:
            await self._run(frozenset(), lambda db: None)
