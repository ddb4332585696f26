"""Tests of the local Bot API simulator, driven by python-telegram-bot's own client.

Each test talks real HTTP to :class:`bot.simulator.BotApiSimulator` through
``telegram.Bot`` / ``telegram.ext.Application``, so the shapes are checked by PTB 22.8's
``de_json`` and the errors by PTB's exception mapping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import io
import json
import socket
import statistics
import struct
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.simulator import BotApiSimulator, SimUser, run_terminal_chat
from tests.support.clock import VirtualClock
from tests.support.harness import ptb_bot, ptb_request, until

REAL_UPDATES = Path(__file__).resolve().parents[3] / "shared" / "real-updates"


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22.8 warns (an error under this project's pytest settings) whenever it builds a
    ``RetryAfter`` or parses a duration such as ``message_auto_delete_time`` (file 29),
    unless durations are opted in as ``datetime.timedelta``."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        yield simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    async with ptb_bot(sim) as client:
        yield client


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with long polling (1 s) for the body of the ``async with``."""
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def build_app(sim: BotApiSimulator) -> Application:
    return (
        ApplicationBuilder()
        .token(sim.token)
        .base_url(sim.base_url)
        .base_file_url(sim.base_file_url)
        .request(ptb_request(connection_pool_size=256))  # the builder's defaults
        .get_updates_request(ptb_request(connection_pool_size=1))
        .build()
    )


# ----------------------------------------------------------------------- basics


async def test_get_me_returns_configured_bot(sim: BotApiSimulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "buurtstem_bot"
    assert me.id == 7000000001
    assert me.is_bot is True
    assert me.first_name == "Buurtstem"
    assert (me.can_join_groups, me.can_read_all_group_messages) == (False, False)
    assert me.supports_inline_queries is False
    assert sim.calls["getMe"] == 2  # Bot.initialize() calls getMe too


async def test_start_required_and_urls(sim: BotApiSimulator) -> None:
    assert sim.base_url == f"http://127.0.0.1:{sim.port}/bot"
    assert sim.base_file_url == f"http://127.0.0.1:{sim.port}/file/bot"
    with pytest.raises(RuntimeError):
        _ = BotApiSimulator().base_url


async def test_wrong_token_and_unknown_method(sim: BotApiSimulator) -> None:
    with pytest.raises(InvalidToken):  # Bot.initialize() already calls getMe
        async with ptb_bot(sim, "999:WRONG") as wrong:
            await wrong.get_me()
    url = f"{sim.base_url}{sim.token}/sendCarrierPigeon"
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        assert response.status == 404
        body = await response.json()
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert sim.calls["sendCarrierPigeon"] == 1


async def test_json_form_and_query_parameters(sim: BotApiSimulator) -> None:
    sim.user(42)
    markup = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    url = f"{sim.base_url}{sim.token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, json={"chat_id": 42, "text": "json", "reply_markup": markup}
        ) as r:
            assert (await r.json())["result"]["reply_markup"] == markup
        form = {"chat_id": "42", "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(url, data=form) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with http.get(url, params={"chat_id": "42", "text": "query"}) as r:
            assert (await r.json())["result"]["text"] == "query"
    assert [m.text for m in sim.sent] == ["json", "form", "query"]
    assert sim.sent[1].reply_markup == markup


# ------------------------------------------------------------------- messages


async def test_send_message_appears_with_keyboard(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(101, language_code="tr")
    sent = await bot.send_message(
        101, "Hoe gaat het?", reply_markup=keyboard([("😄 Heel erg", "a:5"), ("🙂 Wel", "a:4")])
    )
    assert sent.text == "Hoe gaat het?"
    assert sent.chat.id == 101 and sent.chat.type == "private"
    assert sent.from_user.username == "buurtstem_bot"
    assert [m.text for m in resident.messages] == ["Hoe gaat het?"]
    assert resident.last is sim.sent[0]
    assert resident.last.message_id == sent.message_id
    assert resident.buttons() == [[("😄 Heel erg", "a:5"), ("🙂 Wel", "a:4")]]
    parsed = Message.de_json(resident.last.raw, bot)
    assert parsed.reply_markup.inline_keyboard[0][1].callback_data == "a:4"
    assert sim.calls["sendMessage"] == 1


async def test_message_ids_are_shared_per_chat(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(5)
    resident.send_text("hoi")  # message 1 in the chat
    first = await bot.send_message(5, "a")
    other = sim.user(6)
    await bot.send_message(6, "b")
    assert first.message_id == 2
    assert other.last.message_id == 1


async def test_plain_text_is_trimmed_and_parse_mode_is_refused(sim: BotApiSimulator, bot: Bot) -> None:
    """The bot sends plain text; the simulator refuses formatted text rather than half-parse it."""
    resident = sim.user(7)
    sent = await bot.send_message(7, "  Vet & <link> 😀x\n")
    assert sent.text == "Vet & <link> 😀x" and not sent.entities
    assert resident.last.text == "Vet & <link> 😀x"
    for mode in ("HTML", "MarkdownV2", "Markdown"):
        with pytest.raises(BadRequest, match="parse_mode is not supported by the simulator"):
            await bot.send_message(7, "I <3 it", parse_mode=mode)
    assert len(resident.messages) == 1


async def test_text_and_caption_limits(sim: BotApiSimulator, bot: Bot) -> None:
    sim.user(8)
    await bot.send_message(8, "é" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(8, "é" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(8, " \n ")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(8, png(4, 4), caption="x" * 1025)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(8, "x", reply_markup=keyboard([("b", "é" * 33)]))  # 66 bytes
    await bot.send_message(8, "x", reply_markup=keyboard([("b", "é" * 32)]))  # 64 bytes
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "x")
    assert len(sim.sent) == 2


async def test_send_photo_upload_then_reuse_file_id(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(9)
    first = await bot.send_photo(9, png(1000, 500), caption="Minder eenzaam?")
    assert [(p.width, p.height) for p in first.photo] == [(90, 45), (320, 160), (800, 400),
                                                          (1000, 500)]  # fmt: skip
    assert first.photo[-1].file_id.startswith("AgACAgQAAxkBAAI")
    assert first.caption == "Minder eenzaam?"
    second = await bot.send_photo(9, first.photo[-1].file_id, caption="Nog een keer")
    assert second.photo[-1].file_id == first.photo[-1].file_id
    assert sim.uploads == 1
    assert [m.photo_file_id for m in resident.messages] == [first.photo[-1].file_id] * 2
    assert resident.last.method == "sendPhoto" and resident.last.text is None
    assert resident.last.text_or_caption == "Nog een keer"
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(9, "AgACAgQAAxkBAAIdoesnotexist")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(9, b"not an image")
    assert sim.uploads == 1


async def test_send_document_keeps_bytes(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(10)
    data = "\ufefflabel;antwoord\nR1;5\n".encode()
    sent = await bot.send_document(10, data, filename="export.csv", caption="Export")
    assert sent.document.file_name == "export.csv"
    assert sent.document.mime_type == "text/csv"
    assert resident.last.document_bytes == data
    assert resident.last.document["file_name"] == "export.csv"
    assert sim.uploads == 1
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data
    Message.de_json(resident.last.raw, bot)


async def test_edits(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(11)
    sent = await bot.send_message(11, "Vraag", reply_markup=keyboard([("A", "a"), ("B", "b")]))
    edited = await bot.edit_message_reply_markup(11, sent.message_id, reply_markup=keyboard(
        [("✓ A", "a")]))  # fmt: skip
    assert edited.reply_markup.inline_keyboard[0][0].text == "✓ A"
    assert resident.buttons() == [[("✓ A", "a")]]
    assert resident.last.edits == 1
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(11, sent.message_id, reply_markup=keyboard(
            [("✓ A", "a")]))  # fmt: skip
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 11, 12345)
    text = await bot.edit_message_text("Vraag (beantwoord)", 11, sent.message_id)
    assert text.reply_markup is None  # no reply_markup in an edit removes the keyboard
    assert resident.last.text == "Vraag (beantwoord)" and resident.buttons() == []
    assert resident.last.edits == 2 and len(resident.messages) == 1
    photo = await bot.send_photo(11, png(8, 8), caption="oud")
    assert (await bot.edit_message_caption(11, photo.message_id, caption="nieuw")).caption == (
        "nieuw"
    )
    assert await bot.delete_message(11, photo.message_id) is True
    assert resident.last.deleted is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(11, photo.message_id)


async def test_answer_callback_query_once(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(12)
    sent = await bot.send_message(12, "?", reply_markup=keyboard([("Ja", "yes")]))
    resident.press_button("ja")
    [update] = await bot.get_updates()
    assert await update.callback_query.answer("Opgeslagen") is True
    assert sim.callback_answers == [
        {"callback_query_id": update.callback_query.id, "text": "Opgeslagen", "show_alert": False}
    ]
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")
    with pytest.raises(ValueError, match="no button"):
        resident.press_button("Nee", sent.message_id)


# -------------------------------------------------------------------- updates


async def test_user_updates_have_real_shapes(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(171300002, language_code="tr", first_name="Ayşe")
    sent = await bot.send_message(resident.chat_id, "Kies", reply_markup=keyboard([("1", "q:1")]))
    start_id = resident.send_text("/start abc")
    resident.send_text("Het centrum is fijn")
    resident.press(resident.last, "q:1")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [start_id, start_id + 1, start_id + 2]
    start, text, press = updates
    assert start.message.text == "/start abc"
    assert [(e.type, e.offset, e.length) for e in start.message.entities] == [
        ("bot_command", 0, 6)
    ]
    assert text.message.text == "Het centrum is fijn"
    assert text.message.from_user.language_code == "tr"
    assert text.message.chat.id == text.message.from_user.id == 171300002
    assert text.message.message_id == sent.message_id + 2
    query = press.callback_query
    assert query.data == "q:1"
    assert int(query.id) >> 32 == query.from_user.id == 171300002
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup.inline_keyboard[0][0].callback_data == "q:1"


async def test_offset_confirms_and_drops(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(13)
    ids = [resident.send_text(str(n)) for n in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids  # unconfirmed: again
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == [ids[2]]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert (await bot.get_webhook_info()).pending_update_count == 0
    injected = sim.inject_update({"update_id": 5, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 13, "type": "private"}, "text": "oud"}})  # fmt: skip
    assert injected == 5
    [late] = await bot.get_updates(offset=ids[2] + 1)  # below the offset: delivered once
    assert late.message.text == "oud"
    assert await bot.get_updates(offset=6) == ()


async def test_long_poll_answers_when_update_arrives(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(14)
    started = time.perf_counter()
    poll = asyncio.ensure_future(bot.get_updates(timeout=dtm.timedelta(seconds=5)))
    # the poll is waiting in the simulator (its generation is counted right before it
    # waits, with no await in between) when the update arrives
    await until(lambda: sim._poll_generation == 1)
    assert not poll.done()
    resident.send_text("laat")
    updates = await asyncio.wait_for(poll, 5)
    assert time.perf_counter() - started < 1.0  # at the update, long before the 5 s
    assert updates[0].message.text == "laat"
    # nothing arrives: the poll answers () when its timeout is over, not before, on a virtual
    # clock (tests/support/clock.py) so the second costs no wall time
    clock = VirtualClock()
    clock.attach()
    try:
        async with BotApiSimulator(clock=clock) as timed, ptb_bot(timed) as client:
            started = clock.monotonic()
            assert await client.get_updates(timeout=dtm.timedelta(seconds=1)) == ()
            assert 0.9 < clock.monotonic() - started < 2.0
    finally:
        clock.detach()


async def test_opt_in_update_types(sim: BotApiSimulator, bot: Bot) -> None:
    reaction = {"message_reaction": {
        "chat": {"id": 15, "type": "private"}, "message_id": 1, "date": 0,
        "user": {"id": 15, "is_bot": False, "first_name": "R"},
        "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}  # fmt: skip
    sim.inject_update(reaction)
    assert await bot.get_updates() == ()  # not in the default allowed_updates
    sim.inject_update(reaction)
    [update] = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert update.message_reaction.new_reaction[0].emoji == "👍"


@pytest.mark.parametrize(
    "path",
    sorted(REAL_UPDATES.glob("*.json")) if REAL_UPDATES.is_dir() else [None],
    ids=lambda p: p.stem if p else "missing",
)
async def test_real_update_roundtrip(sim: BotApiSimulator, bot: Bot, path: Path | None) -> None:
    if path is None:
        pytest.skip(f"{REAL_UPDATES} is absent: the shared real-update payloads are needed")
    if path.name.startswith("24-"):
        pytest.skip("24 is the legacy poll that PTB 22.8 cannot parse (see INDEX.md)")
    raw = json.loads(path.read_text(encoding="utf-8"))
    kind = next(key for key in raw if key != "update_id")
    assert sim.inject_update(raw) == raw["update_id"]
    [update] = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert update.update_id == raw["update_id"]
    assert getattr(update, kind) is not None
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    chat = update.effective_chat
    if chat is not None and kind != "message_reaction":
        sent = await bot.send_message(chat.id, "ok")  # the chat is known now
        assert sent.chat.id == chat.id


# ----------------------------------------------------------------------- faults


async def test_fail_429_raises_retry_after(sim: BotApiSimulator, bot: Bot) -> None:
    sim.user(16)
    sim.fail("sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(16, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(16, "x")  # only once
    assert sim.calls["sendMessage"] == 2 and len(sim.sent) == 1


async def test_fail_filters_by_chat_and_status(sim: BotApiSimulator, bot: Bot) -> None:
    sim.user(17)
    sim.user(18)
    sim.fail("sendmessage", status=403, chat_id=18, times=2)
    await bot.send_message(17, "ok")
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(18, "x")
    await bot.send_message(18, "ok")
    sim.fail("sendMessage", status=400, description="Bad Request: custom")
    with pytest.raises(BadRequest, match="Custom"):
        await bot.send_message(17, "x")


async def test_fail_delay_times_out_client(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(19)
    sim.fail("sendMessage", status=200, delay=0.2)
    with pytest.raises(TimedOut):
        await bot.send_message(19, "laat", read_timeout=0.05)
    await until(lambda: resident.messages, timeout=5)  # when its 0.2 s are over
    assert [m.text for m in resident.messages] == ["laat"]  # took effect anyway


async def test_release_delayed_lets_held_calls_go_at_once(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(21)
    sim.fail("sendMessage", status=200, delay=60)  # held: answered late but effective
    sim.fail("sendMessage", status=502, delay=60)  # held, then fails
    late = asyncio.ensure_future(bot.send_message(21, "laat", read_timeout=30))
    failing = asyncio.ensure_future(bot.send_message(21, "mislukt", read_timeout=30))
    await until(lambda: sim.calls["sendMessage"] == 2)
    assert not late.done() and not failing.done() and resident.messages == []
    sim.release_delayed()
    assert (await asyncio.wait_for(late, 5)).text == "laat"
    with pytest.raises(NetworkError):
        await asyncio.wait_for(failing, 5)
    assert [m.text for m in resident.messages] == ["laat"]
    sim.fail("sendMessage", status=200, delay=60)  # released before its call arrives:
    sim.release_delayed()                          # the call is not held at all
    assert (await asyncio.wait_for(bot.send_message(21, "na het loslaten"), 5)).text
    sim.fail("sendMessage", status=200, delay=0.2)  # a rule added after a release delays
    started = time.monotonic()
    await bot.send_message(21, "weer laat")
    assert time.monotonic() - started >= 0.2
    assert [m.text for m in resident.messages] == ["laat", "na het loslaten", "weer laat"]


async def test_release_delayed_also_lets_go_calls_that_arrive_after_it(
    sim: BotApiSimulator, bot: Bot
) -> None:
    # A call the bot makes alongside another (the answer to a press next to the next
    # question) can reach the simulator after the test saw the other and released: it
    # must not be held for the rule's whole delay then (the answer-alongside flake).
    resident = sim.user(22)
    sim.fail("sendMessage", status=200, delay=60)
    sim.fail("sendMessage", status=502, delay=60)
    sim.release_delayed()  # before either call has arrived
    sent = await asyncio.wait_for(bot.send_message(22, "laat", read_timeout=30), 5)
    assert sent.text == "laat"
    with pytest.raises(NetworkError):  # the rule's status stays; only its delay is gone
        await asyncio.wait_for(bot.send_message(22, "mislukt", read_timeout=30), 5)
    assert [m.text for m in resident.messages] == ["laat"]


async def test_block_and_unblock(sim: BotApiSimulator, bot: Bot) -> None:
    resident = sim.user(20)
    sim.block(20)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(20, "x")
    [update] = await bot.get_updates()
    member = update.my_chat_member
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")
    assert member.new_chat_member.user.id == sim.bot_id and member.from_user.id == 20
    resident.send_text("/start")  # the app's "Restart" unblocks first
    unblocked, start = await bot.get_updates(offset=update.update_id + 1)
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    assert start.message.text == "/start"
    await bot.send_message(20, "welkom terug")


async def test_enforce_limits(bot: Bot) -> None:
    async with BotApiSimulator(enforce_limits=True) as limited:
        for chat_id in range(1, 33):
            limited.user(chat_id)
        async with ptb_bot(limited) as client:
            await client.send_message(1, "eerste")
            with pytest.raises(RetryAfter):
                await client.send_message(1, "tweede binnen 1 s")
            await client.edit_message_text("edits tellen niet", 1, 1)
            for chat_id in range(2, 31):  # 30 messages in this second in all
                await client.send_message(chat_id, "x")
            with pytest.raises(RetryAfter):
                await client.send_message(31, "31e in dezelfde seconde")
            assert limited.rate_limited == 2
            assert len(limited.sent) == 30


# ------------------------------------------------------------- speed and waiting


async def test_latency_median_below_5ms(sim: BotApiSimulator) -> None:
    sim.user(21)
    url = f"{sim.base_url}{sim.token}/sendMessage"
    timings = []
    async with aiohttp.ClientSession() as http:
        for n in range(200):
            started = time.perf_counter()
            async with http.post(url, json={"chat_id": 21, "text": f"m{n}"}) as response:
                assert (await response.json())["ok"] is True
            timings.append(time.perf_counter() - started)
    median_ms = statistics.median(timings) * 1000
    assert median_ms < 5, f"median {median_ms:.2f} ms"


@pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="Linux TCP_QUICKACK needed")
async def test_no_delayed_ack_stall_for_nagle_client(sim: BotApiSimulator) -> None:
    """A client that writes headers and body separately with Nagle on must not stall 40 ms."""
    sim.user(22)
    body = b'{"chat_id":22,"text":"x"}'
    head = (
        f"POST /bot{sim.token}/sendMessage HTTP/1.1\r\nHost: sim\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()

    def client() -> float:
        timings = []
        with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as conn:
            for _ in range(20):
                started = time.perf_counter()
                conn.sendall(head)
                conn.sendall(body)
                data = b""
                while not data.endswith(b"}}"):
                    chunk = conn.recv(65536)  # bounded: the socket's time-out
                    assert chunk, f"the simulator closed the connection after {data!r}"
                    data += chunk
                timings.append(time.perf_counter() - started)
        return statistics.median(timings[1:]) * 1000

    median_ms = await asyncio.get_running_loop().run_in_executor(None, client)
    assert median_ms < 5, f"median {median_ms:.2f} ms"


async def echo_app(sim: BotApiSimulator) -> Application:
    async def start(update: Update, context: object) -> None:
        await update.message.reply_text(
            "Welkom! Hoe gaat het?", reply_markup=keyboard([("😄 Goed", "mood:5"),
                                                           ("😐 Matig", "mood:3")])
        )  # fmt: skip

    async def echo(update: Update, context: object) -> None:
        await update.message.reply_text(f"Je schreef: {update.message.text}")

    async def pressed(update: Update, context: object) -> None:
        await update.callback_query.answer("Opgeslagen")
        await update.callback_query.edit_message_reply_markup(None)
        await update.effective_chat.send_message(f"Gekozen: {update.callback_query.data}")

    app = build_app(sim)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


async def test_real_application_roundtrip(sim: BotApiSimulator) -> None:
    resident = sim.user(23, language_code="ar")
    async with polling(await echo_app(sim)):
        resident.send_text("/start")
        [welcome] = await resident.wait_reply()
        assert welcome.text == "Welkom! Hoe gaat het?"
        resident.press_button("Goed")
        [chosen] = await resident.wait_reply()
        assert chosen.text == "Gekozen: mood:5"
        await sim.wait_idle()
        assert resident.messages[0].reply_markup is None  # keyboard removed by the bot
        assert sim.callback_answers[0]["text"] == "Opgeslagen"
        resident.send_text("hallo")
        resident.send_text("nog iets")
        replies = await resident.wait_reply(count=2)
        assert [m.text for m in replies] == ["Je schreef: hallo", "Je schreef: nog iets"]
        await sim.wait_idle()
        with pytest.raises(TimeoutError, match="0 of 1"):
            await resident.wait_reply(timeout=0.05, after=len(resident.messages))
    assert sim.calls["getUpdates"] >= 2


async def test_wait_idle_times_out_without_bot(sim: BotApiSimulator) -> None:
    sim.user(24).send_text("niemand luistert")
    with pytest.raises(TimeoutError, match="1 update"):
        await sim.wait_idle(timeout=0.05)


async def test_commands_by_scope_and_language(sim: BotApiSimulator, bot: Bot) -> None:
    sim.user(25)
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("stop", "Stop")])
    await bot.set_my_commands(
        [BotCommand("start", "Başla")], scope=BotCommandScopeAllPrivateChats(), language_code="tr"
    )
    await bot.set_my_commands([BotCommand("export", "Export")], scope=BotCommandScopeChat(25))
    assert sim.commands[("default", "")] == [
        {"command": "start", "description": "Begin"}, {"command": "stop", "description": "Stop"}
    ]  # fmt: skip
    assert sim.commands[("all_private_chats", "tr")][0]["description"] == "Başla"
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(25))] == [
        "export"
    ]
    assert await bot.get_my_commands(language_code="en") == ()
    await bot.delete_my_commands()
    assert ("default", "") not in sim.commands
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])


async def test_terminal_chat(sim: BotApiSimulator) -> None:
    resident: SimUser = sim.user(26)
    out = io.StringIO()
    async with polling(await echo_app(sim)):
        await run_terminal_chat(sim, resident, stdin=io.StringIO("/start\n1\nhallo\n/quit\nx\n"),
                                stdout=out)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0] == "bot: Welkom! Hoe gaat het?"
    assert lines[1] == "  [1] 😄 Goed   [2] 😐 Matig"
    assert "  (i) Opgeslagen" in lines
    assert "bot: Gekozen: mood:5" in lines
    assert lines[-1] == "bot: Je schreef: hallo"
    assert [m.text for m in resident.messages][-1] == "Je schreef: hallo"  # "x" never sent



async def test_webhook_delivery_retries_and_getupdates_conflicts(clock) -> None:
    from aiohttp import web

    # the pause before the retry of a failed delivery is on the simulator's (virtual) clock
    started = clock.monotonic()
    async with BotApiSimulator(clock=clock) as sim, ptb_bot(sim) as bot:
        await _webhook_delivery_retries_and_getupdates_conflicts(sim, bot, web)
    assert clock.monotonic() - started >= 0.2  # the retry waited its pause


async def _webhook_delivery_retries_and_getupdates_conflicts(sim, bot, web) -> None:

    received: list[tuple[str | None, dict]] = []
    fail_first = [True]

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if fail_first[0]:
            fail_first[0] = False
            return web.Response(status=500)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(BadRequest, match="unallowed characters"):
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="no spaces")
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        resident = sim.user(14)
        first, second = resident.send_text("een"), resident.send_text("twee")
        await sim.wait_idle()
        # the first POST got 500: retried, then both delivered in order, with the secret
        assert [u["update_id"] for _, u in received] == [first, first, second]
        assert {secret for secret, _ in received} == {"s3cret"}
        info = await bot.get_webhook_info()
        assert info.url == f"http://127.0.0.1:{port}/hook" and info.pending_update_count == 0
        assert "500" in info.last_error_message
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        third = resident.send_text("drie")
        assert [u.update_id for u in await bot.get_updates()] == [third]
        assert len(received) == 3
    finally:
        await runner.cleanup()


async def test_terminal_chat_types_numbers_and_shows_voice(sim: BotApiSimulator) -> None:
    """An integer question always has buttons (skip, back): a typed 45 was taken as 'no
    button 45' and never reached the bot, so an analyst could not answer their own number
    question in ``chat --pack``. A number no button has is now sent as text, ``'2`` types 2;
    an audio prompt prints as ``[voice: 2 s]`` instead of an empty ``bot:`` line."""
    from bot.simulator.server import SentMessage
    from bot.simulator.terminal import _format

    resident: SimUser = sim.user(27)
    out = io.StringIO()
    async with polling(await echo_app(sim)):
        await run_terminal_chat(sim, resident, stdin=io.StringIO("/start\n45\n'2\n/quit\n"), stdout=out)
    lines = out.getvalue().splitlines()
    assert "bot: Je schreef: 45" in lines and "bot: Je schreef: 2" in lines
    assert not any("no button" in line for line in lines)
    voice = SentMessage(message_id=1, chat_id=27, method="sendVoice", voice={"duration": 2})
    assert _format(voice) == "bot: [voice: 2 s]"
