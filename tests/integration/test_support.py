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


async def test_a_forked_bot_that_fails_at_start_ends_like_python_m_bot_run(tmp_path):
    """A bot forked from the test worker's fork server (tests/support/bot_process.py) with a
    bad setting ends as ``python -m bot run`` does (status 2, one line naming the setting,
    no token), that line in its log (its stderr); once waited for, the server has reaped it
    (no zombie) and nothing is left running."""
    import os
    from pathlib import Path

    from tests.support import bot_process

    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "not-a-token-SECRET",
           "PSEUDONYM_SECRET": "z" * 20}
    log = tmp_path / "bot.log"
    proc = await bot_process.start_async(env, cwd=tmp_path, log=log)
    assert proc.pid != os.getpid()
    assert await bot_process.wait(proc, 30) == 2
    err = log.read_text()
    assert err.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN is invalid" in err
    assert "SECRET" not in err
    assert not Path(f"/proc/{proc.pid}").exists()
    # what the server loaded does not stand in for what this environment says: a bot whose
    # LOCALES_DIR lacks a catalogue refuses to start (as in test_catalogues_packaged.py)
    (tmp_path / "locales").mkdir()
    env.update(TELEGRAM_BOT_TOKEN="123456:TEST-TOKEN-abcdef", LOCALES_DIR=str(tmp_path / "locales"),
               DATABASE_PATH=str(tmp_path / "db.sqlite3"),
               TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot")
    log = tmp_path / "second.log"
    proc = await bot_process.start_async(env, cwd=tmp_path, log=log)
    assert await bot_process.wait(proc, 30) == 2
    assert "catalogue for" in log.read_text() and "not found" in log.read_text(), log.read_text()
    assert bot_process.leftovers() == []
