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
    # The server answers nothing until the test ends, then closes its side of the
    # connection: left open, its socket was closed by a garbage collection in a later test
    # with a ResourceWarning (an error there), whose traceback pytest's unraisable hook
    # formats with ast.parse, inside whatever that test was doing (CPython gh-106905).
    release = asyncio.Event()
    handlers: list[asyncio.Task] = []

    async def never_answer(reader, writer):
        handlers.append(asyncio.current_task())
        await reader.read(1 << 16)
        await release.wait()
        writer.close()
        await writer.wait_closed()

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
        release.set()
        await asyncio.wait_for(asyncio.gather(*handlers), 5)
    assert len(handlers) == 1


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


async def test_a_residents_press_comes_without_its_messages_keyboard_but_staff_presses_keep_it(sim):
    from bot.telegram_bot import RobustBot

    user = sim.user(4103)
    bot = RobustBot(sim.token, base_url=sim.base_url, request=AiohttpRequest())
    async with bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("🙂", callback_data="a:1:0:v3")],
                                         [InlineKeyboardButton("👀", callback_data="ad:st:a")]])
        question = await bot.send_photo(user.chat_id, photo=png(8, 8), caption="Vraag 1 van 2",
                                        reply_markup=keyboard)
        user.press(question.message_id, "a:1:0:v3")
        user.press(question.message_id, "ad:st:a")
        resident, staff = await bot.get_updates(timeout=0)
    pressed = resident.callback_query.message
    assert (pressed.chat.id, pressed.message_id) == (user.chat_id, question.message_id)
    assert pressed.caption == "Vraag 1 van 2"
    assert pressed.reply_markup is None and pressed.photo == ()  # nobody reads them
    assert resident.callback_query.data == "a:1:0:v3"
    assert staff.callback_query.message.reply_markup == keyboard  # /stories reads its view there
    assert staff.callback_query.message.photo


def test_the_slim_kinds_are_exactly_the_residents_buttons():
    from bot import callback_data as cd
    from bot.telegram_bot import RESIDENT_BUTTON_KINDS, slim_update
    from conversations import _BUTTONS

    residents = {kind.kind for kind, _handler in _BUTTONS} | {cd.Noop.kind}

    samples = ["l:nl", "c:y:nl", "c:n:ar:shalom", "ce:shalom:nl", "ce:_d1:tr", "go:3", "ch:3",
               "a:3:0:v4", "a:3:2:t1.3", "a:3:2:d.3", "f:y", "f:n:ABCD-1234", "x",
               "ad:nr:x", "ex:3:csv", "ex:all", "33000", "zz:1"]
    for data in samples:
        cb = cd.parse(data)
        resident = cb is not None and cb.kind in residents
        raw = {"update_id": 1, "callback_query": {
            "id": "1", "data": data, "chat_instance": "1",
            "from": {"id": 5, "is_bot": False, "first_name": "R"},
            "message": {"message_id": 9, "date": 1, "chat": {"id": 5, "type": "private"},
                        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}}}}
        slim = slim_update(raw)
        assert ("reply_markup" not in slim["callback_query"]["message"]) == resident, data
        assert "reply_markup" in raw["callback_query"]["message"]  # the input is not changed
    assert RESIDENT_BUTTON_KINDS == {"l", "c", "ce", "go", "ch", "a", "f", "x"}


async def test_keyboard_edits_inside_a_buttons_answer_go_alongside_in_order(sim):
    from telegram.error import BadRequest

    from bot.telegram_bot import RobustBot, answer_alongside

    user = sim.user(4104)
    bot = RobustBot(sim.token, base_url=sim.base_url, request=AiohttpRequest())
    async with bot:
        question = await bot.send_message(user.chat_id, "Vraag 1 van 2", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("🙂", callback_data="a:1:0:v3")]]))
        user.press(question.message_id, "a:1:0:v3")
        (update,) = await bot.get_updates(timeout=0)
        query = update.callback_query
        edits = sim.calls["editMessageReplyMarkup"]

        def chosen(text):
            return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data="x")]])

        async with answer_alongside(query):
            assert await query.edit_message_reply_markup(chosen("first")) is True
            assert sim.calls["editMessageReplyMarkup"] == edits  # not waited for
            assert await query.edit_message_reply_markup(chosen("✅ 🙂")) is True
            await bot.send_message(user.chat_id, "Vraag 2 van 2")
        # both edits arrived, in their order, by the end of the block; the answer too
        assert sim.calls["editMessageReplyMarkup"] == edits + 2
        assert user.messages[0].inline_keyboard == [[{"text": "✅ 🙂", "callback_data": "x"}]]
        assert [m.text for m in user.messages] == ["Vraag 1 van 2", "Vraag 2 van 2"]
        assert sim.callback_answers[-1]["callback_query_id"] == query.id

        sim.fail("editMessageReplyMarkup", status=400, description="Bad Request: message can't be edited")
        async with answer_alongside(query):  # (answered already: shrugged off)
            await query.edit_message_reply_markup(None)
            await bot.send_message(user.chat_id, "Vraag 3 van 3")
        # sent; the old keyboard's failed edit is only logged: an apology next to the
        # question the resident has would make them tap again
        assert user.messages[-1].text == "Vraag 3 van 3"
        assert sim.calls["editMessageReplyMarkup"] == edits + 3
        sim.fail("editMessageReplyMarkup", status=400, description="Bad Request: message can't be edited")
        with pytest.raises(BadRequest, match="can't be edited"):
            async with answer_alongside(query):  # the edit was all the block did: its error counts
                await query.edit_message_reply_markup(chosen("✅ 🙂 🙂"))
        edits = sim.calls["editMessageReplyMarkup"]
        assert await bot.edit_message_reply_markup(user.chat_id, question.message_id) is True
        assert sim.calls["editMessageReplyMarkup"] == edits + 1  # outside the block: waited for


async def test_a_long_poll_asks_for_no_more_updates_than_fit_in_the_backlog(sim):
    from telegram import Update

    from bot.telegram_bot import RobustBot
    from bot.updates import BoundedUpdateQueue

    user = sim.user(4105)
    for n in range(5):
        user.send_text(f"bericht {n}")
    queue = BoundedUpdateQueue(limit=3)
    queue.put_nowait(Update(1))  # one being handled
    bot = RobustBot(sim.token, base_url=sim.base_url, request=AiohttpRequest())
    async with bot:
        bot.use_backlog(queue)
        first = await bot.get_updates(timeout=1)
        assert [u.message.text for u in first] == ["bericht 0", "bericht 1"]  # 2 fit
        assert len(await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)) == 3  # a stop's last call: as asked
        bot.use_backlog(None)


def test_an_https_bot_api_is_verified_with_the_process_tls_context(tmp_path):
    """Over https both clients use the one TLS context (certifi's CAs, certificates
    checked); a local Bot API over plain http (the simulator) reads no CA bundle."""
    import ssl

    from bot.app import build_application
    from bot.telegram_bot import tls_context
    from tests.support.harness import make_settings

    def contexts(base_url: str) -> list:
        bot = build_application(make_settings(base_url, tmp_path / "b.sqlite3")).bot
        return [request._ssl for request in bot._request]

    secure = contexts("https://api.telegram.org/bot")
    assert secure == [tls_context(), tls_context()]
    assert tls_context().verify_mode == ssl.CERT_REQUIRED and tls_context().check_hostname
    assert contexts("http://127.0.0.1:8081/bot") == [None, None]
