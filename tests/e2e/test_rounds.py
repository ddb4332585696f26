"""One round lifecycle (:mod:`bot.rounds`) for the chat, the scheduler and the command line."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.outbox import enqueue
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.harness import ADMIN_ID, settle


async def cli(argv: list[str]) -> int:
    """``python -m bot ARGV`` in process (in a thread: it runs its own event loop)."""
    return await asyncio.to_thread(main, argv)


RESIDENTS = (920000001, 920000002, 920000003)
LATER = "2999-01-01T00:00:00.000000+00:00"  # a retry time the test never reaches


async def round_with_queued_messages(path: Path) -> None:
    """Round 1 open at shalom, three residents; their invitations and a storyteller's
    feedback are queued but not due yet (so a running bot does not send them first)."""
    store = await Storage.open(path)
    try:
        await store.seed_centres(catalogue().centres)
        round_ = await store.create_round("short", ["shalom"])
        for chat_id in RESIDENTS:
            await store.save_contact(chat_id, language="nl", centre_code="shalom",
                                     consent_version="test")
        await enqueue(store, round_.id, RESIDENTS, "invite")
        await enqueue(store, round_.id, RESIDENTS[:1], "feedback", {"nl": "Dank je"})
        async with store.transaction() as db:
            await db.execute("UPDATE outbox SET next_attempt_at = ?", (LATER,))
    finally:
        await store.close()


def lifecycle_state(path: Path) -> dict[str, list[tuple]]:
    """What closing a round decides: round status (and whether its moments are set) and
    each queued message's status and reason."""
    conn = sqlite3.connect(path)
    try:
        return {
            "rounds": conn.execute(
                "SELECT id, status, opened_at IS NOT NULL, closed_at IS NOT NULL FROM rounds"
                " ORDER BY id").fetchall(),
            "outbox": conn.execute(
                "SELECT round_id, chat_id, kind, status, attempts, last_error FROM outbox"
                " ORDER BY round_id, chat_id, kind").fetchall(),
        }
    finally:
        conn.close()


@pytest.fixture
def offline_env(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "PSEUDONYM_SECRET", "EXPORT_SECRET"):
        monkeypatch.delenv(name, raising=False)

    def use(path: Path) -> None:
        monkeypatch.setenv("DATABASE_PATH", str(path))

    return use


async def test_cli_close_and_chat_close_leave_the_same_database(sim, harness, tmp_path, offline_env):
    cli_db = tmp_path / "cli.sqlite3"
    await round_with_queued_messages(cli_db)
    await round_with_queued_messages(harness.db_path)

    offline_env(cli_db)
    assert await cli(["rounds", "close", "1"]) == 0

    await harness.start()
    admin = sim.user(ADMIN_ID)
    admin.send_text("/close 1")
    await settle(sim)
    admin.press_button("Ja, sluiten")  # /close asks first (issue 16 point 4)
    await settle(sim)
    assert "1" in admin.last.text and "gesloten" in admin.last.text

    chat, offline = lifecycle_state(harness.db_path), lifecycle_state(cli_db)
    assert chat == offline
    assert chat["rounds"] == [(1, "closed", 1, 1)]
    # nothing is left to invite anyone to a closed round on the next `run`; feedback stays
    assert [(kind, status) for _r, _c, kind, status, _a, _e in chat["outbox"]] == [
        ("feedback", "pending"), ("invite", "skipped"), ("invite", "skipped"), ("invite", "skipped"),
    ]


async def test_cli_close_twice_and_unknown_round_are_errors(tmp_path, offline_env, capsys):
    path = tmp_path / "bot.sqlite3"
    await round_with_queued_messages(path)
    offline_env(path)
    assert await cli(["rounds", "close", "1"]) == 0
    assert await cli(["rounds", "close", "1"]) == 1
    assert capsys.readouterr().err.strip().endswith("round 1 is closed")
    assert await cli(["rounds", "close", "7"]) == 1
    assert "no round 7" in capsys.readouterr().err


async def test_cli_open_queues_the_invitations_as_the_chat_does(tmp_path, offline_env, capsys):
    path = tmp_path / "bot.sqlite3"
    await round_with_queued_messages(path)
    offline_env(path)
    assert await cli(["rounds", "open", "--survey", "short", "--centre", "shalom"]) == 0
    assert "round 2" in capsys.readouterr().out
    state = lifecycle_state(path)
    assert state["rounds"][1] == (2, "open", 1, 0)
    assert sorted((c, k, s) for r, c, k, s, _a, _e in state["outbox"] if r == 2) == [
        (chat, "invite", "pending") for chat in RESIDENTS
    ]


async def test_cli_close_waits_for_the_pseudonym_key_when_feedback_was_held_for_it(
        tmp_path, offline_env, capsys, monkeypatch):
    """A selection made final "send when the round closes": closing queues the storytellers'
    feedback, found by their pseudonyms, so it needs ``PSEUDONYM_SECRET``. Without it the
    command line closed the round first and stopped after: the feedback was never queued
    and never could be (the round was closed; /close in the chat queues it). Now it stops
    before changing anything, in one line."""
    path = tmp_path / "bot.sqlite3"
    await round_with_queued_messages(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE rounds SET selection_final_at = '2026-12-01T10:00:00+00:00' WHERE id = 1")
    conn.close()
    offline_env(path)
    before = lifecycle_state(path)
    assert await cli(["rounds", "close", "1"]) == 2
    assert capsys.readouterr().err.strip() == "buurtstem: PSEUDONYM_SECRET is not set"
    assert lifecycle_state(path) == before  # still open, nothing skipped
    monkeypatch.setenv("PSEUDONYM_SECRET", "rounds-secret-0123456789")
    assert await cli(["rounds", "close", "1"]) == 0
    assert lifecycle_state(path)["rounds"] == [(1, "closed", 1, 1)]
