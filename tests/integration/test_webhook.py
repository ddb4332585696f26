"""Webhook mode (``WEBHOOK_URL``): the simulator POSTs updates; the bot checks the secret."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.app import webhook_options
from bot.settings import SettingsError, load_settings
from tests.support.chat import data_of, onboard
from tests.support.harness import TOKEN, BotHarness, db_rows, settle


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def hooked(sim, tmp_path):
    port = free_port()
    bot = BotHarness(sim, tmp_path / "bot.sqlite3", webhook_url=f"http://127.0.0.1:{port}/hook/buurtstem",
                     webhook_port=port)
    await bot.prepare("short", ["shalom"])
    await bot.start()
    yield bot
    await bot.stop()


async def api(sim, method: str, **params) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, \
            session.post(f"{sim.base_url}{TOKEN}/{method}", json=params) as resp:
        return resp.status, await resp.json()


async def test_a_resident_is_served_over_the_webhook(sim, hooked):
    status, info = await api(sim, "getWebhookInfo")
    assert info["result"]["url"] == hooked.settings.webhook_url
    user = sim.user(301, language_code="tr")
    await onboard(sim, user)
    user.send_text("Burada arkadaş buldum.")
    await settle(sim)
    assert any(d.endswith(":ok") for d in data_of(user.last))          # the read-back came back
    assert db_rows(hooked, "SELECT item_id, language FROM answers") == [("msc.change_self", "tr")]
    assert sim.calls["getUpdates"] == 0
    status, body = await api(sim, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]


async def test_requests_without_the_secret_token_are_refused(sim, hooked):
    url = f"http://127.0.0.1:{hooked.settings.webhook_port}/hook/buurtstem"
    user = sim.user(302)  # known to the simulator, but this update bypasses it
    update = {"update_id": 5, "message": {
        "message_id": 1, "date": 1700000000, "chat": user.as_chat(), "from": user.as_user(),
        "text": "/start shalom"}}
    before = len(sim.sent)
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=update) as resp:
            assert resp.status == 403
        async with session.post(url, json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as resp:
            assert resp.status == 403
        async with session.post(url, json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": hooked.settings.webhook_secret()}) as resp:
            assert resp.status == 200
    await settle(sim)
    assert len(sim.sent) == before + 1 and sim.sent[-1].chat_id == 302


def test_webhook_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = {"telegram_bot_token": TOKEN, "pseudonym_secret": "s" * 20, "_env_file": None}
    with pytest.raises(SettingsError, match="^WEBHOOK_URL must start with https://"):
        load_settings(**base, webhook_url="http://bot.example.nl/hook")
    with pytest.raises(SettingsError, match="^WEBHOOK_SECRET_TOKEN is invalid"):
        load_settings(**base, webhook_url="https://bot.example.nl/hook", webhook_secret_token="no spaces")
    settings = load_settings(**base, webhook_url="https://bot.example.nl/bs/hook", webhook_port=8080)
    options = webhook_options(settings)
    assert options["url_path"] == "bs/hook" and options["port"] == 8080
    assert options["listen"] == "127.0.0.1"
    secret = options["secret_token"]
    assert len(secret) == 64 and secret == load_settings(**base, webhook_url="https://x.nl/").webhook_secret()
    assert "s" * 20 not in secret
    assert load_settings(**base).webhook_url is None
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        webhook_options(load_settings(**base))


async def test_cli_run_with_webhook_url_serves_a_resident(sim, tmp_path):
    """The bot's ``run`` command (``bot.__main__.main(["run"])`` in a process of its own,
    as ``python -m bot run``: tests/support/bot_process.py) takes the webhook path when
    WEBHOOK_URL is set, and its log holds neither the token nor the secret."""
    import os

    from tests.support import bot_process

    port = free_port()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": sim.base_url,
           "PSEUDONYM_SECRET": "cli-secret-0123456789", "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
           "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_PORT": str(port)}
    log = tmp_path / "bot.log"
    proc = await bot_process.start_async(env, cwd=tmp_path, log=log)
    try:
        user = sim.user(303, language_code="pl")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not sim.webhook_url:  # until the bot registered its webhook: look again
            # after each of its calls, not every 50 ms. (Not through getWebhookInfo: its
            # answer was on the way back while the bot's setWebhook was handled, and the
            # wait then began after that change, for one that never came.)
            assert proc.is_alive(), bot_process.log_tail(log)
            assert await sim.wait_change(max(deadline - loop.time(), 0.01)), "no webhook set"
        assert (await api(sim, "getWebhookInfo"))[1]["result"]["url"] == sim.webhook_url
        user.send_text("/start")
        reply = await user.wait_reply(timeout=10)
        assert reply[0].text                      # the welcome arrived over the webhook
        assert sim.calls["getUpdates"] == 0
    finally:
        code = await bot_process.stop(proc, 20)
    err = log.read_text()
    assert code == 0, err
    assert TOKEN not in err and "cli-secret" not in err


async def test_the_webhook_answers_only_once_the_update_is_in_the_inbox(sim, hooked):
    """Telegram forgets an update when the webhook answers 200: it must be stored by then.
    The reply is held, so the update is still unhandled when the 200 comes."""
    held = asyncio.Event()
    send = sim._methods["sendMessage"]

    async def held_send(params):
        await held.wait()
        return await send(params)

    sim._methods["sendMessage"] = held_send
    user = sim.user(311)
    update = {"update_id": 77, "message": {
        "message_id": 1, "date": 1700000000, "chat": user.as_chat(), "from": user.as_user(),
        "text": "/start shalom"}}
    url = f"http://127.0.0.1:{hooked.settings.webhook_port}/hook/buurtstem"
    async with aiohttp.ClientSession() as session, session.post(
            url, json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": hooked.settings.webhook_secret()}) as resp:
        assert resp.status == 200
    rows = db_rows(hooked, "SELECT update_id, chat_id, payload FROM inbox")
    assert [(r[0], r[1]) for r in rows] == [(77, 311)] and "/start shalom" in rows[0][2]
    held.set()
    await user.wait_reply(timeout=10)
    await hooked.stop()  # writes the handled marks
    assert db_rows(hooked, "SELECT COUNT(*) FROM inbox") == [(0,)]
    assert db_rows(hooked, "SELECT update_id FROM processed_updates WHERE update_id = 77") == [(77,)]

