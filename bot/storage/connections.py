"""The storage's connections to the SQLite file, and the rows of one finished read.

:func:`connect` opens an aiosqlite connection, :func:`connect_sync` a plain one (the
writer thread's, and the read-only one in the event loop's thread); :class:`ReadConnection`
is the aiosqlite reader whose every query fetches all its rows at once (:class:`Rows`),
so no statement stays open between two awaits (:mod:`bot.storage` says why).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Iterable, Sequence
from pathlib import Path

import aiosqlite

__all__ = ["CACHE_KIB", "ReadConnection", "Rows", "connect", "connect_sync"]

#: KiB of SQLite page cache per connection (SQLite's default is 2,000): with the default,
#: the bot's peak memory grew 2 MB more from 50 to 1,000 residents (bench/load.py), as
#: the four caches fill with the growing database; the operating system caches the file.
CACHE_KIB = 256


class Rows:
    """The rows of one finished read, used like an aiosqlite cursor (``async with``,
    ``await``, ``fetchone``, ``fetchall``, ``async for``)."""

    __slots__ = ("_pending", "_rows")

    def __init__(self, pending: Awaitable[Iterable[aiosqlite.Row]]) -> None:
        self._pending: Awaitable[Iterable[aiosqlite.Row]] | None = pending
        self._rows: list[aiosqlite.Row] = []

    def __await__(self):
        return self._load().__await__()

    async def _load(self) -> Rows:
        if self._pending is not None:
            self._rows = list(await self._pending)
            self._pending = None
        return self

    async def __aenter__(self) -> Rows:
        return await self._load()

    async def __aexit__(self, *exc_info: object) -> None:
        self._rows = []

    async def fetchone(self) -> aiosqlite.Row | None:
        """The next row, or None."""
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[aiosqlite.Row]:
        """The remaining rows."""
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        """Drop the remaining rows."""
        self._rows = []

    def __aiter__(self):
        return self

    async def __anext__(self) -> aiosqlite.Row:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.pop(0)


class ReadConnection:
    """The read-only connection: :meth:`execute` fetches all rows in one call.

    Args:
        conn: An open aiosqlite connection with ``PRAGMA query_only=ON``.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence = ()) -> Rows:
        """Run a query; use the result as ``async with db.execute(...) as cur`` or await it."""
        return Rows(self._conn.execute_fetchall(sql, params))

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()


async def connect(path: Path | str, *pragmas: str) -> aiosqlite.Connection:
    """An aiosqlite connection with the storage's settings (rows by name, foreign keys,
    a 5 s wait for a lock, :data:`CACHE_KIB` of page cache), then ``pragmas`` (whole
    statements, e.g. ``"PRAGMA query_only=ON"``) in that order.

    The settings go in one script: one call of the connection's thread instead of one per
    statement (each call is a round trip between two threads).
    """
    pending = aiosqlite.connect(str(path))
    try:
        db = await pending
    except BaseException:
        # aiosqlite stops the connection's thread without waiting for it; the thread then
        # reports to the event loop, which a command's asyncio.run has closed by then
        # ("Event loop is closed" printed from the thread): wait for it here
        thread = getattr(pending, "_thread", None)
        if thread is not None and thread.is_alive():
            await asyncio.get_running_loop().run_in_executor(None, thread.join, 5.0)
        raise
    db.row_factory = aiosqlite.Row
    try:
        await db.executescript(";\n".join(("PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000",
                                            f"PRAGMA cache_size=-{CACHE_KIB}", *pragmas)) + ";")
    except BaseException:
        # e.g. "file is not a database": the connection's thread would keep the process alive
        await db.close()
        raise
    return db


def connect_sync(path: Path | str, *, writer: bool) -> sqlite3.Connection:
    """A plain connection: the writer waits up to 5 s for another process's lock (it runs
    in its own thread); the reader never waits (it runs in the event loop's thread)."""
    db = sqlite3.connect(str(path), timeout=5.0 if writer else 0.0, isolation_level=None,
                         check_same_thread=writer)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    if writer:
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA secure_delete=ON")  # as on the aiosqlite writer (see open)
    else:
        db.execute("PRAGMA query_only=ON")
    return db
