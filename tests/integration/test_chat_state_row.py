"""One chat-state row per chat: migration 0014, the update's one read, and the state
written in the answer's own transaction."""

from __future__ import annotations

import sqlite3
from importlib import resources

from bot.storage import Storage, begin_update
from bot.survey import catalogue
from bot.survey.state import EMPTY, Mode


async def test_migration_0014_groups_a_chats_old_key_rows_into_its_state(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    folder = resources.files("bot") / "migrations"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        version = int(entry.name[:4]) if entry.name.endswith(".sql") else 99
        if version < 14:
            db.executescript(entry.read_text(encoding="utf-8"))
            db.execute("INSERT INTO schema_migrations VALUES (?, 'x')", (version,))
    db.executemany("INSERT INTO chat_state VALUES (?, ?, ?, ?)", [
        (7, "revisit", '{"round": 1, "pos": 2, "mode": "append"}', "2026-01-01"),
        (7, "feedback_opt_in_answered", '{"yes": true}', "2026-01-02"),
        (8, "msc_pending_selection", '{"answer_id": 1, "level": "centre", "round_id": 2,'
            ' "chat_id": 8, "message_id": 4, "view": "a"}', "2026-01-01"),
    ])
    db.commit()
    db.close()
    storage = await Storage.open(path)
    try:
        assert await storage.chat_state(7) == EMPTY.at(Mode.READ_BACK, 1, 2).with_opt_in_answered()
        assert (await storage.chat_state(8)).pending.answer_id == 1
        assert await storage.chat_state(9) is EMPTY
        async with storage.db.execute("SELECT COUNT(*) FROM chat_state") as cur:
            assert (await cur.fetchone())[0] == 2  # one row per chat
    finally:
        await storage.close()


async def test_an_answer_and_the_state_it_leads_to_commit_together(tmp_path):
    storage = await Storage.open(tmp_path / "s.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        round_ = await storage.create_round("short", [], status="open")
        begin_update()
        seen: list[int] = []

        def after(revision: int):
            seen.append(revision)
            return EMPTY.at(Mode.READ_BACK, round_.id, revision)

        for text in ("one", "two", "two"):
            await storage.record_answer(round_id=round_.id, respondent="r", item_id="msc.why",
                                        status="answered", text=text, language="nl",
                                        centre_code=round_.centres[0], chat_state=(5, after))
        assert seen == [1, 2, 2]  # the same answer again: no new revision, same state
        assert Storage.cached_chat_state(5) == EMPTY.at(Mode.READ_BACK, round_.id, 2)
        begin_update()  # a new update reads it from the database
        assert Storage.cached_chat_state(5) is None
        assert await storage.chat_state(5) == EMPTY.at(Mode.READ_BACK, round_.id, 2)
        await storage.save_chat_state(5, EMPTY)
        begin_update()
        async with storage.db.execute("SELECT COUNT(*) FROM chat_state") as cur:
            assert (await cur.fetchone())[0] == 0  # nothing kept: no row
    finally:
        await storage.close()
