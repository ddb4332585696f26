"""Webhook mode under a crash (issue 14): an update answered 200 and then lost with the
process is handled after the restart, from the inbox."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3

import pytest

from tests.integration.test_webhook import api, free_port
from tests.support import bot_process
from tests.support.harness import TOKEN


async def _serving(sim, proc, log) -> None:
    """Wait until the bot process has registered its webhook (looked at on the simulator,
    then waiting for its next change: see test_webhook's CLI test), at most 10 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not sim.webhook_url:
        assert proc.is_alive(), f"bot exited with {proc.exitcode}: {bot_process.log_tail(log)}"
        assert await sim.wait_change(max(deadline - loop.time(), 0.01)), "no webhook set"
    assert (await api(sim, "getWebhookInfo"))[1]["result"]["url"] == sim.webhook_url


@pytest.mark.slow(seconds=3)
async def test_a_webhook_update_answered_then_killed_is_handled_after_the_restart(sim, tmp_path):
    """The webhook answers 200 (Telegram forgets the update), the bot is SIGKILLed while
    it handles it (its reply held), and restarted: the reply comes from the inbox."""
    port = free_port()
    db = tmp_path / "bot.sqlite3"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": sim.base_url,
           "PSEUDONYM_SECRET": "crash-secret-0123456789", "DATABASE_PATH": str(db),
           "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_PORT": str(port)}
    send = sim._methods["sendMessage"]
    attempted, killed = asyncio.Event(), asyncio.Event()

    async def held_send(params):
        if not killed.is_set():
            attempted.set()
            await killed.wait()
            raise ConnectionError("the bot that sent this is gone")
        return await send(params)

    sim._methods["sendMessage"] = held_send
    log = tmp_path / "bot.log"
    # the bot's own process, as `python -m bot run` (tests/support/bot_process.py)
    proc = await bot_process.start_async(env, cwd=tmp_path, log=log)
    second = None
    try:
        await _serving(sim, proc, log)
        user = sim.user(304)
        user.send_text("/start")
        await asyncio.wait_for(attempted.wait(), 20)  # handling: the 200 went before
        proc.kill()
        assert await bot_process.wait(proc, 20) == -signal.SIGKILL
        killed.set()
        with sqlite3.connect(db) as conn:
            left = conn.execute("SELECT update_id FROM inbox").fetchall()
        assert len(left) == 1  # fetched, answered 200, not handled
        assert user.messages == []
        await api(sim, "deleteWebhook")  # as after a crash: the next run sets it again
        second = await bot_process.start_async(env, cwd=tmp_path, log=log)
        reply = await user.wait_reply(timeout=20)
        assert reply and reply[0].text
        # a clean stop writes the handled marks still in memory
        assert await bot_process.stop(second, 20) == 0, bot_process.log_tail(log)
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM inbox").fetchone() == (0,)
    finally:
        for p in (proc, second):
            if p is not None:
                await bot_process.stop(p, 20)
