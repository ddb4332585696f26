"""The inbox (issue 14): an update Telegram has handed over is handled, even across a kill."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.outbox import OutboxSender

ROOT = Path(__file__).resolve().parents[2]


def _crash_bench():
    name = "bench_crash"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "crash.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.slow(seconds=4)
async def test_a_burst_confirmed_before_a_kill_is_answered_after_the_restart(tmp_path):
    """30 residents send /start together; the bot fetches and confirms the batch, and is
    killed (SIGKILL) before it answers any. Before the inbox, 29 were never answered."""
    result = await _crash_bench().burst(tmp_path, residents=30)
    assert (result.answered, result.lost) == (30, 0)
    assert result.inbox_left == 0  # handled rows are deleted (their text with them)
    assert result.errors == []


async def test_inbox_rows_go_when_handled_and_with_forget(tmp_path):
    """A row lives until its update is marked handled; /forget takes the chat's rows;
    a redelivery of a handled update is not stored again; start-up reads oldest first."""
    from bot.storage import Storage

    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        await storage.inbox_put([(12, 501, '{"update_id":12}'), (11, 501, '{"update_id":11}'),
                                 (13, 502, '{"update_id":13}'), (14, 503, '{"update_id":14}')])
        assert [u for u, _p in await storage.inbox_pending()] == [11, 12, 13, 14]
        await storage.mark_processed(11)
        await storage.close()  # writes the mark
        storage = await Storage.open(tmp_path / "inbox.sqlite3")
        assert [u for u, _p in await storage.inbox_pending()] == [12, 13, 14]
        await storage.inbox_put([(11, 501, '{"update_id":11}')])  # redelivered after handling
        assert [u for u, _p in await storage.inbox_pending()] == [12, 13, 14]
        await storage.forget(501, "someone")
        assert [u for u, _p in await storage.inbox_pending()] == [13, 14]
    finally:
        await storage.close()


@pytest.mark.slow(seconds=10)
async def test_residents_finish_a_round_under_kills_with_nothing_lost_or_doubled(tmp_path):
    """The crash benchmark in small (bench/crash.py): two rounds of 6 residents, the bot
    SIGKILLed at a random point of each burst and restarted; a resident who hears
    nothing taps or types again, as a person does (here after 2.5 s, up to 9 times: the
    bench's 20 s x 3, in short waits). A reply lost at the kill costs no silence at all: a
    resident whose latest update the killed bot had marked handled taps again at once, any
    other who was waiting at the kill once the restarted bot is idle (bench/crash.py,
    CrashSimulator.reply_lost; before, each kill round waited out 2.5 s of silence for
    it: 7.3 -> about 3 s; then for the idle bot, the other residents' round: about 2 s)."""
    bench = _crash_bench()
    result = await bench.answers_under_kills(tmp_path, residents=6, kills=2, seed=7, nudge_s=2.5,
                                             max_nudges=9)
    assert result.kills == 2
    assert (result.lost, result.doubled, result.stuck) == (0, 0, 0), result.line("kills")
    assert result.updates >= 2 * 6 * 12


@pytest.mark.slow(seconds=6)
async def test_residents_finish_a_round_under_bot_api_faults(tmp_path):
    """Single Bot API calls fail: a 429 with retry_after, a 502, two 500s on a button's
    answer, a 429 on an edit, a single 403, a reply that fails all its tries and an old
    keyboard's edit that fails all its tries. A resident whose reply failed its last try
    (the 403; the third 500) taps again at once, not after 2.5 s of silence
    (bench/crash.py, CrashSimulator.reply_lost). The bot's waits between tries (back-off,
    retry_after) are on a virtual clock, as in the in-process harness: the same tries,
    no wall time (2.5 -> about 1 s)."""
    bench = _crash_bench()
    faults = tuple(f for f in bench.FAULTS if f[4] == 0)  # the 11 s hang: bench only
    result = await bench.answers_under_faults(tmp_path, residents=len(faults), nudge_s=2.5,
                                              faults=faults, max_nudges=9,
                                              virtual_retry_waits=True)
    assert result.faults == 7
    assert (result.lost, result.doubled, result.stuck) == (0, 0, 0), result.line("faults")


async def test_an_updates_first_write_carries_its_handled_mark(tmp_path):
    """Effects and mark commit together: a crash right after the write cannot make a
    restart handle the update again (and its inbox row, its text, is gone with it)."""
    from telegram import Update

    from bot.storage import Storage, begin_update
    from bot.survey.state import ChatState
    from bot.updates import ChatOrderedProcessor

    storage = await Storage.open(tmp_path / "mark.sqlite3")
    try:
        await storage.inbox_put([(21, 601, '{"update_id":21}')])
        seen: dict[str, list] = {}

        async def handle() -> None:
            begin_update()
            await storage.save_chat_state(601, ChatState(opt_in_answered=True))
            for name, table in (("marks", "processed_updates"), ("inbox", "inbox")):
                async with storage.db.execute(f"SELECT update_id FROM {table}") as cur:
                    seen[name] = [tuple(r) for r in await cur.fetchall()]

        update = Update.de_json({"update_id": 21, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 601, "type": "private"}}}, None)
        await ChatOrderedProcessor(4).process_update(update, handle())
        assert seen == {"marks": [(21,)], "inbox": []}
    finally:
        await storage.close()


@pytest.mark.slow(seconds=4)
async def test_a_broadcast_killed_mid_way_reaches_everyone_and_its_progress_ends(tmp_path):
    """The crash benchmark's broadcast in small (bench/crash.py): an admin opens a round
    for 40 contacts, the bot is SIGKILLed after some invitations went out and restarted;
    every contact gets an invitation (at least once) and the progress message ends at
    "40 van 40" (rebuilt from the outbox)."""
    bench = _crash_bench()
    result = await bench.broadcast_under_kills(tmp_path, residents=40, kills=1, seed=3)
    assert result.kills == 1
    assert (result.lost, result.stale_progress) == (0, 0)
    # at most the sends in flight at the kill, sent again (invitations: at least once)
    in_flight = inspect.signature(OutboxSender).parameters["max_in_flight"].default
    assert result.doubled <= in_flight


async def test_the_crash_bench_counts_a_question_sent_twice_after_it_was_answered(tmp_path):
    """A reply that lands late (a send that hung past the time-out, then tried again) is a
    question sent twice, even after the resident answered one copy and its buttons were
    edited away; the count read the buttons as they are now, and missed it."""
    bench = _crash_bench()
    async with bench.CrashSimulator() as sim:
        sim.user(880)
        question = {"inline_keyboard": [[{"text": "4", "callback_data": "a:1:2:v4"}]]}

        async def call(method: str, **params) -> dict:
            async with aiohttp.ClientSession() as session, session.post(
                    f"{sim.base_url}{sim.token}/{method}", json=params) as resp:
                return (await resp.json())["result"]

        first = await call("sendMessage", chat_id=880, text="Vraag 3 van 10", reply_markup=question)
        await call("editMessageReplyMarkup", chat_id=880, message_id=first["message_id"],
                   reply_markup={"inline_keyboard": [[{"text": "✅ 4", "callback_data": "x"}]]})
        await call("sendMessage", chat_id=880, text="Vraag 4 van 10", reply_markup=question)
        assert sim.repeated_questions() == 0
        await call("sendMessage", chat_id=880, text="Vraag 3 van 10", reply_markup=question)
        assert sim.repeated_questions() == 1
