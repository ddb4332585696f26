"""The test harness's own shortcuts give what the product would (tests/support)."""

from __future__ import annotations

import sqlite3

from bot.storage import Storage
from tests.support.harness import migrated_database


def _dump(path) -> tuple[list[str], list[tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        schema = [line for line in conn.iterdump() if "schema_migrations" not in line]
        versions = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        pragmas = [conn.execute(f"PRAGMA {name}").fetchone() for name in ("journal_mode", "user_version")]
        return schema, versions, pragmas
    finally:
        conn.close()


async def test_the_migrated_copy_is_the_database_a_fresh_open_makes(tmp_path):
    fresh = await Storage.open(tmp_path / "fresh.sqlite3")
    await fresh.close()
    await migrated_database(tmp_path / "copy.sqlite3")
    await migrated_database(tmp_path / "again.sqlite3")  # from the kept copy
    copy = await Storage.open(tmp_path / "copy.sqlite3")
    try:
        assert await copy.migrate() == []  # nothing left to apply
    finally:
        await copy.close()
    expected = _dump(tmp_path / "fresh.sqlite3")
    assert expected[1] and expected[2] == [("wal",), (0,)]
    assert _dump(tmp_path / "copy.sqlite3") == expected
    assert _dump(tmp_path / "again.sqlite3") == expected
