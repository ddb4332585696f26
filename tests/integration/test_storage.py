"""Storage: migrations, WAL, answers with revisions, closed rounds, forget."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage import Storage
from bot.survey import catalogue


@pytest.fixture
async def storage(tmp_path):
    store = await Storage.open(tmp_path / "t.sqlite3")
    await store.seed_centres(catalogue().centres)
    yield store
    await store.close()


async def test_migrations_are_numbered_and_idempotent(tmp_path, storage):
    assert await storage.migrate() == []
    async with storage.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with storage.db.execute("SELECT version FROM schema_migrations") as cur:
        from importlib import resources

        files = sorted(int(f.name[:4]) for f in (resources.files("bot") / "migrations").iterdir() if f.name.endswith(".sql"))
        assert [r[0] for r in await cur.fetchall()] == files and files[:2] == [1, 2]


async def test_default_centres_are_the_eleven_of_appendix_1(storage):
    centres = await storage.centres()
    assert len(centres) == 11
    assert ("participatiekeuken", "Participatie Keuken") in centres or any(
        name == "Participatie Keuken" for _c, name in centres
    )


async def test_answer_is_replaced_with_revision_and_update_marked(storage):
    round_ = await storage.create_round("short", [])
    kwargs = {"round_id": round_.id, "respondent": "p" * 64, "item_id": "msc.why", "language": "nl",
                  "centre_code": round_.centres[0]}
    assert await storage.record_answer(status="answered", text="eerst", update_id=10, **kwargs) == 1
    assert await storage.record_answer(status="answered", text="daarna", update_id=11, **kwargs) == 2
    answers = await storage.answers(round_.id, "p" * 64)
    assert answers["msc.why"].text == "daarna" and answers["msc.why"].revision == 2
    assert await storage.is_processed(10) and await storage.is_processed(11)
    assert not await storage.is_processed(12)


async def test_closed_round_takes_no_answers(storage):
    round_ = await storage.create_round("short", ["shalom"] if await storage.centre_name("shalom") else [])
    await storage.set_round_status(round_.id, "closed")
    with pytest.raises(ValueError):
        await storage.record_answer(round_id=round_.id, respondent="p", item_id="msc.why",
                                    status="skipped", language="nl", centre_code="x")
    assert await storage.answers(round_.id, "p") == {}


async def test_forget_removes_contact_and_answers(tmp_path, storage):
    round_ = await storage.create_round("short", [])
    centre = round_.centres[0]
    await storage.save_contact(5, language="nl", centre_code=centre, consent_version="v1")
    await storage.save_contact(6, language="en", centre_code=centre, consent_version="v1")
    for who in ("me", "other"):
        await storage.record_answer(round_id=round_.id, respondent=who, item_id="msc.why",
                                    status="answered", text="x", language="nl", centre_code=centre)
    assert await storage.forget(5, "me") == 1
    assert await storage.contact(5) is None and await storage.contact(6) is not None
    # the erasure is checkpointed and the WAL emptied at once (issue 11)
    assert (tmp_path / "t.sqlite3-wal").stat().st_size == 0
    conn = sqlite3.connect(tmp_path / "t.sqlite3")
    assert conn.execute("SELECT respondent FROM answers").fetchall() == [("other",)]
    conn.close()


async def test_round_validation(storage):
    with pytest.raises(ValueError, match="unknown centre"):
        await storage.create_round("short", ["nope"])


def _orphan(db) -> None:
    """A row whose foreign key is checked at COMMIT (deferred), which then fails."""
    db.execute("PRAGMA defer_foreign_keys=ON")
    db.execute("CREATE TABLE IF NOT EXISTS orphans (centre TEXT REFERENCES centres(code))")
    db.execute("INSERT INTO orphans VALUES ('no such centre')")


async def test_a_failed_commit_is_rolled_back_and_later_writes_still_work(storage):
    # a COMMIT can fail (a full disk, a deferred constraint) and SQLite then leaves the
    # transaction open: without a rollback it kept the write lock, and every later write
    # failed ("cannot start a transaction within a transaction", "database is locked")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await storage.transact(_orphan)
    assert await storage.transact(lambda db: db.execute("SELECT count(*) FROM centres").fetchone()[0]) == 11

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with storage.transaction() as db:
            await db.execute("PRAGMA defer_foreign_keys=ON")
            await db.execute("CREATE TABLE orphans2 (centre TEXT REFERENCES centres(code))")
            await db.execute("INSERT INTO orphans2 VALUES ('no such centre')")
    async with storage.transaction() as db:
        await db.execute("UPDATE centres SET name = 'Renamed' WHERE code = 'shalom'")
    assert await storage.transact(lambda db: db.execute(
        "SELECT name FROM centres WHERE code = 'shalom'").fetchone()[0]) == "Renamed"
    async with storage.db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'orphans%'") as cur:
        assert await cur.fetchall() == []  # nothing of the failed transactions was kept
