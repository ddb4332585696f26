"""The Bot API client on aiohttp (:mod:`bot.http`): calls, uploads and the library's errors."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.http import AiohttpRequest
from tests.integration.test_simulator import png


async def test_calls_with_a_keyboard_and_an_upload_reach_the_api(sim):
    user = sim.user(4101)
    bot = ExtBot(sim.token, base_url=sim.base_url, request=AiohttpRequest(connection_pool_size=2))
    async with bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja ✅", callback_data="c:y")]])
        sent = await bot.send_message(user.chat_id, "Doe je mee? é ü ع", reply_markup=keyboard)
        assert sent.reply_markup == keyboard  # the answer is parsed by the library as before
        assert user.messages[0].inline_keyboard == [[{"text": "Ja ✅", "callback_data": "c:y"}]]
        photo = await bot.send_photo(user.chat_id, photo=png(8, 8), caption="Vraag 1 van 2")
        assert await bot.edit_message_reply_markup(user.chat_id, sent.message_id) is not True
    first, second = user.messages
    assert first.text == "Doe je mee? é ü ع"
    assert first.reply_markup is None  # the edit took the keyboard away
    assert second.caption == "Vraag 1 van 2"
    assert photo.photo[-1].file_id


async def test_no_answer_in_time_is_timed_out():
    async def never_answer(reader, writer):
        await reader.read(1 << 16)
        await asyncio.Event().wait()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.05)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()
        server.close()


async def test_a_refused_connection_is_a_network_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_request_before_initialize_is_refused():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")


async def test_a_keyboard_edit_and_an_unparsed_send_give_true_and_still_arrive(sim):
    from telegram import Message

    from bot.telegram_bot import RobustBot, unparsed

    user = sim.user(4102)
    bot = RobustBot(sim.token, base_url=sim.base_url, request=AiohttpRequest())
    async with bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Klaar", callback_data="x")]])
        sent = await bot.send_message(user.chat_id, "Vraag 1 van 2")
        assert isinstance(sent, Message)  # parsed where the caller may need it
        assert await bot.edit_message_reply_markup(user.chat_id, sent.message_id,
                                                   reply_markup=keyboard) is True
        with unparsed():
            assert await bot.send_message(user.chat_id, "Vraag 2 van 2") is True
        assert isinstance(await bot.send_message(user.chat_id, "Klaar"), Message)
    assert [m.text for m in user.messages] == ["Vraag 1 van 2", "Vraag 2 van 2", "Klaar"]
    assert user.messages[0].inline_keyboard == [[{"text": "✅ Klaar", "callback_data": "x"}]]
