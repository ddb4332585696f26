"""Updates of one chat in order, different chats at once, and a database that is safe for it."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bot.storage import Storage, begin_update
from bot.storage import core as storage_core
from bot.survey import catalogue
from bot.updates import ChatOrderedProcessor, chat_key
from tests.support.harness import db_rows

#: Seconds any wait of these tests may take: a processor or storage that serialises what
#: should run at once (or lets through what should wait) fails the test, never hangs it.
BOUND = 10


def _update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {"update_id": update_id, "message": {"message_id": update_id, "date": 0,
                                             "chat": {"id": chat_id, "type": "private"}}},
        None,
    )


async def test_one_chat_in_order_other_chats_at_once():
    processor = ChatOrderedProcessor(limit=8)
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, gate: asyncio.Event | None = None) -> None:
        log.append(f"start {name}")
        if gate is not None:
            await gate.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(_update(1, 10), work("a1", release)))
    second = asyncio.create_task(processor.process_update(_update(2, 10), work("a2")))
    other = asyncio.create_task(processor.process_update(_update(3, 20), work("b1")))
    await asyncio.wait_for(other, BOUND)  # chat 20 is not held up by chat 10's slow update
    assert log == ["start a1", "start b1", "end b1"]
    assert processor.waiting_chats == 1
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), BOUND)
    assert log[3:] == ["end a1", "start a2", "end a2"]  # a2 only after a1 finished
    assert processor.waiting_chats == 0  # nothing kept per chat once idle


async def test_slots_bound_the_updates_running_at_once():
    processor = ChatOrderedProcessor(limit=2)
    running = peak = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1

    tasks = [asyncio.create_task(processor.process_update(_update(i, 100 + i), work()))
             for i in range(5)]
    async def two_running() -> None:
        while running < 2:
            await asyncio.sleep(0)

    await asyncio.wait_for(two_running(), BOUND)
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), BOUND)
    assert peak == 2
    with pytest.raises(ValueError):
        ChatOrderedProcessor(limit=0)


def test_chat_key_falls_back_to_the_user():
    inline = Update.de_json(
        {"update_id": 5, "callback_query": {"id": "1", "chat_instance": "x", "data": "d",
                                            "inline_message_id": "m",
                                            "from": {"id": 77, "is_bot": False, "first_name": "A"}}},
        None,
    )
    assert chat_key(inline) == 77
    assert chat_key(_update(6, 42)) == 42
    assert chat_key(Update(update_id=7)) is None
    assert chat_key("not an update") is None


async def test_a_read_never_sees_another_chats_open_transaction(tmp_path):
    storage = await Storage.open(tmp_path / "c.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        inside, finish = asyncio.Event(), asyncio.Event()

        async def chat_a() -> None:
            async with storage.transaction() as db:
                await db.execute(
                    "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
                    " consent_version, consented_on) VALUES (1, 'nl', 'shalom', 1, 1, 'v', '2026-01-01')"
                )
                inside.set()
                await finish.wait()  # still open while chat B reads

        task = asyncio.create_task(chat_a())
        await asyncio.wait_for(inside.wait(), BOUND)
        assert await storage.contact(1) is None  # not committed: invisible, and no wait
        finish.set()
        await asyncio.wait_for(task, BOUND)
        contact = await storage.contact(1)
        assert contact is not None and contact.centre_code == "shalom"
    finally:
        await storage.close()


async def test_an_open_read_never_hides_a_just_committed_write(tmp_path):
    """Two chats interleave: A reads row by row, B commits and reads its own row back."""
    storage = await Storage.open(tmp_path / "c.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        async with storage.db.execute("SELECT code FROM centres ORDER BY code") as cur:
            first = await cur.fetchone()  # chat A is half-way through its rows
            await storage.save_contact(2, language="tr", centre_code="shalom", consent_version="v")
            mine = await storage.contact(2)  # chat B reads back what it just committed
            rest = await cur.fetchall()
        assert mine is not None and mine.language == "tr"
        assert first is not None and len(rest) == len(catalogue().centres) - 1
        with pytest.raises(Exception, match="readonly"):
            await storage.db.execute("DELETE FROM centres")  # reads only on the reader
    finally:
        await storage.close()


async def test_two_residents_interleave_without_waiting_for_each_other(sim, harness):
    """A slow Bot API call for one resident does not hold up another; each chat stays in order."""
    await harness.prepare("short")
    await harness.start()
    slow, quick = sim.user(501, language_code="nl"), sim.user(502, language_code="nl")
    sim.fail("sendMessage", status=200, delay=60, chat_id=slow.chat_id)  # held until released
    slow.send_text("/start shalom")
    slow.send_text("/help")  # must be answered after the /start, though /start is slow
    quick.send_text("/start shalom")
    [welcome] = await quick.wait_reply(timeout=5)
    assert slow.messages == []  # the slow chat's first reply is still under way
    assert welcome.reply_markup is not None
    sim.release_delayed()
    replies = await slow.wait_reply(count=2, timeout=5)
    assert replies[0].text.startswith("👋")  # the /start welcome first
    assert "/forget" in replies[1].text  # then /help
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]


async def test_reads_are_cached_for_one_update_and_dropped_by_its_writes(tmp_path):
    storage = await Storage.open(tmp_path / "c.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)

        async def one_update() -> list:
            begin_update()
            seen = [await storage.contact(3)]
            sqlite_rows(tmp_path / "c.sqlite3",  # another process (or task) adds the contact
                        "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
                        " consent_version, consented_on) VALUES (3, 'nl', 'shalom', 1, 1, 'v', '2026-01-01')")
            seen.append(await storage.contact(3))  # same update: read once, still cached
            await storage.update_contact(3, language="pl")  # its own write drops it
            seen.append(await storage.contact(3))
            return seen

        before, cached, after = await asyncio.create_task(one_update())
        assert before is None and cached is None and after.language == "pl"
        assert (await storage.contact(3)).language == "pl"  # outside an update: no cache
    finally:
        await storage.close()


async def test_rounds_cache_sees_this_process_at_once_and_others_after_the_ttl(tmp_path, monkeypatch):
    storage = await Storage.open(tmp_path / "c.sqlite3")
    other = await Storage.open(tmp_path / "c.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        first = await storage.create_round("short", ["shalom"])
        assert [r.id for r in await storage.rounds()] == [first.id]
        await storage.set_round_status(first.id, "closed")  # own write: seen at once
        assert (await storage.round(first.id)).status == "closed"
        second = await other.create_round("short", ["shalom"])  # the command line's
        assert await storage.round(second.id) is None  # trusted for SHARED_TTL seconds
        monkeypatch.setattr(storage_core, "SHARED_TTL", 0.0)
        assert (await storage.round(second.id)).is_open
        assert (await storage.open_round_for("shalom")).id == second.id
    finally:
        await other.close()
        await storage.close()


async def test_handled_update_ids_ride_along_and_are_written_by_close(tmp_path):
    path = tmp_path / "c.sqlite3"
    storage = await Storage.open(path)
    await storage.mark_processed(11)
    assert await storage.is_processed(11) and not await storage.is_processed(12)
    await storage.save_contact(4, language="nl", centre_code=None, consent_version="v")
    assert sqlite_rows(path, "SELECT update_id FROM processed_updates") == [(11,)]
    await storage.mark_processed(12)
    await storage.close()
    assert sqlite_rows(path, "SELECT update_id FROM processed_updates ORDER BY 1") == [(11,), (12,)]


def sqlite_rows(path, sql: str) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        with conn:
            return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_a_rounds_read_under_way_when_a_round_closes_does_not_cache_it_as_open(tmp_path):
    """A resident's update loads the rounds table; before the load is stored, a coordinator
    closes the round in this process. The stale load must not be kept for SHARED_TTL
    seconds: the next read sees the round closed at once."""
    storage = await Storage.open(tmp_path / "c.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        round_ = await storage.create_round("short", ["shalom"])
        await storage.set_round_plan(round_.id, remind_days_before=None, created_by=None)  # cache dropped
        loaded, store = asyncio.Event(), asyncio.Event()
        real = storage._rounds

        async def slow_rounds(where, params):
            rows = await real(where, params)  # read while the round is still open
            loaded.set()
            await store.wait()  # the coordinator's close commits now
            return rows

        storage._rounds = slow_rounds
        reader = asyncio.create_task(storage.round(round_.id))
        await asyncio.wait_for(loaded.wait(), BOUND)
        storage._rounds = real
        await storage.set_round_status(round_.id, "closed")
        store.set()
        assert (await asyncio.wait_for(reader, BOUND)).status == "open"  # that read began before the close
        assert (await storage.round(round_.id)).status == "closed"
        assert await storage.open_round_for("shalom") is None
    finally:
        await storage.close()
