"""A local Telegram Bot API server for tests, the offline demo and the terminal chat.

:class:`BotApiSimulator` is an aiohttp web server on 127.0.0.1 that answers the Bot API
methods a python-telegram-bot (PTB) bot uses, with the shapes, limits and error texts of
the real API (https://core.telegram.org/bots/api). The bot under test runs unchanged and
talks real HTTP to it::

    async with BotApiSimulator() as sim:
        app = (
            ApplicationBuilder().token(sim.token)
            .base_url(sim.base_url).base_file_url(sim.base_file_url).build()
        )
        alice = sim.user(101, language_code="tr")
        alice.send_text("/start")
        ...                                   # run the bot (run_polling / updater)
        [welcome] = await alice.wait_reply()

Simulated residents (:class:`SimUser`) queue updates the way the Telegram app would;
every message the bot creates is recorded as a :class:`SentMessage`. Faults are injected
with :meth:`BotApiSimulator.fail` (any status, ``retry_after``, a delay to cause client
time-outs) and :meth:`BotApiSimulator.block` (403 as for a resident who blocked the bot).
With ``enforce_limits=True`` the documented flood limits answer 429.

Everything runs on the caller's event loop; the public synchronous methods
(:meth:`BotApiSimulator.inject_update`, :meth:`SimUser.send_text`, ...) must be called
from that loop's thread. The server adds no latency of its own: accepted sockets get
``TCP_NODELAY`` (no Nagle wait on our side; aiohttp also writes status line, headers and
body of a response in one ``send``, checked with strace) and ``TCP_QUICKACK`` re-armed on
every request (so a client that sends headers and body in two writes without
``TCP_NODELAY`` is not stalled ~40 ms by our delayed ACK). See the latency tests in
``tests/integration/test_simulator.py``.

Webhooks: after ``setWebhook`` the simulator POSTs each update to the URL (one at a time,
in order, with the ``X-Telegram-Bot-Api-Secret-Token`` header), retries until the
receiver answers 2xx, and answers ``getUpdates`` with 409 as Telegram does. Like a local
``telegram-bot-api`` server it accepts ``http://`` URLs and local addresses.

Not simulated: inline mode (``inline_message_id`` edits answer "message to edit
not found"), media groups, getChat, files sent by URL (Telegram would download them; here
they are "wrong file identifier"), automatic url/mention entity detection, formatted text
(``parse_mode`` is answered 400: the bot sends plain text), the ~15 s expiry of callback
queries.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import copy
import json
import math
import mimetypes
import re
import secrets
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self

import aiohttp
from aiohttp import web

from bot.clock import SYSTEM_CLOCK, Clock
from bot.simulator.entities import EntityParseError, parse_text, utf16_len

__all__ = ["BotApiSimulator", "SentMessage", "SimUser"]

JSONDict = dict[str, Any]

#: Bot API limits (https://core.telegram.org/bots/api#sendmessage, #sendphoto,
#: #inlinekeyboardbutton, #answercallbackquery, #botcommand).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MAX_PHOTO_BYTES = 10 * 2**20
MAX_UPLOAD_BYTES = 50 * 2**20
#: Flood limits from the Bot API FAQ
#: (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
GLOBAL_PER_SECOND = 30
CHAT_INTERVAL_S = 1.0
GROUP_PER_MINUTE = 20

#: Update types not delivered unless ``allowed_updates`` names them
#: (https://core.telegram.org/bots/api#getupdates).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_INLINE_BUTTON_KINDS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)  # fmt: skip
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_WRONG_FILE = "wrong file identifier/HTTP URL specified"


class ApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, "error_code", "description"}``).

    Args:
        status: HTTP status, also sent as ``error_code``.
        description: Telegram's text, e.g. ``"Bad Request: chat not found"``.
        parameters: Optional ``ResponseParameters`` (``retry_after`` in seconds).
    """

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def _too_many(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _CallableStr(str):
    """A ``str`` that may also be called (``m.text_or_caption`` == ``m.text_or_caption()``)."""

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


@dataclass(eq=False)
class SentMessage:
    """One message the bot created, in its current state (after edits).

    Attributes:
        message_id: Per-chat id, shared with the resident's messages as in private chats.
        chat_id: The chat it was sent to.
        method: ``"sendMessage"``, ``"sendPhoto"``, ``"sendDocument"`` or ``"sendVoice"``.
        text: Text as the resident sees it (plain text, trimmed), or
            ``None`` for media messages.
        caption: Caption after parsing, for photos and documents (``None`` if none).
        reply_markup: The markup as the bot sent it (inline keyboard, reply keyboard,
            ``remove_keyboard`` or ``force_reply``); ``None`` if none or removed by an edit.
        parse_mode: The ``parse_mode`` of the last send/edit of text or caption.
        photo_file_id: For photos: the ``file_id`` of the largest size.
        document: For documents: ``file_name``, ``mime_type``, ``file_id``, ``file_size``.
        document_bytes: The uploaded content of a document (e.g. an exported CSV).
        voice: For voice messages: ``file_id``, ``file_unique_id``, ``duration`` (s),
            ``mime_type``, ``file_size``.
        edits: Number of successful edits.
        entities: Entities of the text or caption (UTF-16 offsets).
        deleted: Set by ``deleteMessage``; the message stays in the lists.
        date: Unix time of sending.
        edit_date: Unix time of the last edit, or ``None``.
        raw: The ``Message`` JSON as the Bot API returns it now.
    """

    message_id: int
    chat_id: int
    method: str
    text: str | None = None
    caption: str | None = None
    reply_markup: JSONDict | None = None
    parse_mode: str | None = None
    photo_file_id: str | None = None
    document: JSONDict | None = None
    document_bytes: bytes | None = None
    voice: JSONDict | None = None
    edits: int = 0
    entities: list[JSONDict] = field(default_factory=list)
    deleted: bool = False
    date: int = 0
    edit_date: int | None = None
    raw: JSONDict = field(default_factory=dict, repr=False)

    @property
    def text_or_caption(self) -> str:
        """The text, else the caption, else ``""`` (also callable: ``m.text_or_caption()``)."""
        return _CallableStr(self.text if self.text is not None else self.caption or "")

    @property
    def inline_keyboard(self) -> list[list[JSONDict]] | None:
        """Rows of inline keyboard buttons, or ``None`` if the message has none."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return None


@dataclass
class _StoredFile:
    kind: str  # "photo" | "document" | "voice"
    data: bytes
    file_path: str
    payload: Any  # list[PhotoSize] for photos, Document dict for documents


@dataclass
class _Queued:
    update_id: int
    update: JSONDict
    issued: bool = False
    late: bool = False  # id below an offset the bot already confirmed: deliver once anyway


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


#: https://core.telegram.org/bots/api#setwebhook: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: Pause between failed webhook deliveries (Telegram backs off further; tests want speed).
WEBHOOK_RETRY_S = 0.2
_WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; "
                     "use deleteWebhook to delete the webhook first")


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    description: str | None
    times: int
    chat_id: int | None
    delay: float
    releases: int = 0  # release_delayed() calls before this rule: a later one ends its delay

    def error(self) -> ApiError:
        description = self.description
        parameters = None
        if self.status == 429 and self.retry_after is not None:
            parameters = {"retry_after": self.retry_after}
            description = description or f"Too Many Requests: retry after {self.retry_after}"
        if description is None:
            try:
                description = _STATUS_TEXT.get(self.status) or HTTPStatus(self.status).phrase
            except ValueError:
                description = "Error"
        return ApiError(self.status, description, parameters)


# ------------------------------------------------------------------ parameter access


def _param_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, web.FileField):
        raise _bad(f"{name} must be a String")
    return value if isinstance(value, str) else str(value)


def _param_int(params: JSONDict, name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            number = float(str(value))
        except ValueError:
            raise _bad(f"invalid {name} specified") from None
        if not math.isfinite(number):
            raise _bad(f"invalid {name} specified") from None
        return int(number)


def _param_bool(params: JSONDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _param_json(params: JSONDict, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None
    return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height in pixels of a PNG, JPEG, GIF, WebP or BMP; ``None`` otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return (int.from_bytes(data[24:27], "little") + 1,
                    int.from_bytes(data[27:30], "little") + 1)  # fmt: skip
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def _new_id(prefix: str, length: int) -> str:
    return prefix + secrets.token_urlsafe(length)[:length]


class _Built(dict):
    """An update a :class:`SimUser` built (fresh dicts, the pressed message and the given
    fields already copies): :meth:`BotApiSimulator.inject_update` queues it without its
    deep copy (copying it again was ~3% of a tap's CPU). Subclasses that override
    ``inject_update`` still see every update."""

    __slots__ = ()


class SimUser:
    """A resident in a private chat with the bot (``chat.id == user.id``, as Telegram does).

    Created by :meth:`BotApiSimulator.user`. Its methods queue updates exactly as the
    Telegram app would cause them; the bot receives them through ``getUpdates``.

    Attributes:
        id: Telegram user id (positive).
        chat_id: The private chat's id, equal to ``id``.
        first_name: Shown name.
        language_code: IETF tag sent in ``from.language_code`` (``None`` = omitted, as for
            some real clients).
        username: Optional ``@username`` without the ``@``.
    """

    def __init__(
        self,
        sim: BotApiSimulator,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
        username: str | None,
    ) -> None:
        self._sim = sim
        self.id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, language_code={self.language_code!r})"

    # -- shapes

    def as_user(self) -> JSONDict:
        """The ``User`` object Telegram puts in ``from``."""
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> JSONDict:
        """The private ``Chat`` object."""
        chat: JSONDict = {"id": self.id, "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        chat["type"] = "private"
        return chat

    # -- acting

    def send_text(self, text: str) -> int:
        """Queue a private text message; ``/command`` text gets a ``bot_command`` entity.

        Returns:
            The new ``update_id``.
        """
        return self.send_message(text=text)

    def send_message(self, **fields: Any) -> int:
        """Queue a private message with any ``Message`` fields (``sticker=``, ``photo=[...]``,
        ``voice=``, ``location=``, ``contact=``, ``forward_origin=``, ...).

        ``message_id``, ``from``, ``chat`` and ``date`` are filled in unless given. A text
        starting with ``/`` gets a ``bot_command`` entity over its first word unless
        ``entities`` is given. If the resident had blocked the bot, Telegram first
        unblocks it (the app's "Restart" button), so a ``my_chat_member`` update
        (kicked → member) is queued before the message.

        Returns:
            The new ``update_id``.
        """
        sim = self._sim
        if self.chat_id in sim.blocked:
            sim.unblock(self.chat_id)
        sim._chats.setdefault(self.chat_id, self.as_chat())
        message: JSONDict = {
            "message_id": sim._next_message_id(self.chat_id),
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
        }
        message.update(copy.deepcopy(fields))  # the caller may reuse or change its values
        text = message.get("text")
        if isinstance(text, str) and text.startswith("/") and "entities" not in fields:
            command = text.split(maxsplit=1)[0] if text.strip() else text
            message["entities"] = [
                {"offset": 0, "length": utf16_len(command), "type": "bot_command"}
            ]
        sim._incoming.setdefault(self.chat_id, set()).add(message["message_id"])
        return self._queue({"message": message})

    def press(self, message: SentMessage | int, data: str) -> int:
        """Queue a ``callback_query`` as if an inline button with ``data`` was pressed.

        The query id carries the user id in its top 32 bits (``int(id) >> 32 == from.id``),
        as real ids do; ``message`` is the bot message in its current state.

        Args:
            message: The bot message (or its ``message_id`` in this chat).
            data: The button's ``callback_data`` (not checked against the keyboard, so
                stale or forged data can be tested).

        Returns:
            The new ``update_id``.

        Raises:
            ValueError: Unknown or deleted message.
        """
        sim = self._sim
        sent = self._resolve(message)
        if sent.deleted:
            raise ValueError(f"message {sent.message_id} was deleted")
        sim._callback_seq = (sim._callback_seq + 1) & 0xFFFFFFFF
        query_id = str((self.id << 32) | sim._callback_seq)
        sim._callbacks[query_id] = False
        query = {
            "id": query_id,
            "from": self.as_user(),
            "message": copy.deepcopy(sent.raw),
            "chat_instance": str((self.chat_id * 2654435761 + 97) % (2**63 - 1)),
            "data": data,
        }
        return self._queue({"callback_query": query})

    def press_button(self, text_contains: str, message: SentMessage | int | None = None) -> int:
        """Press the callback button whose visible text contains ``text_contains``.

        An exact text match wins; otherwise a case-insensitive substring match must pick a
        single button. Searches ``message``, or the latest non-deleted bot message in this
        chat that has an inline keyboard.

        Returns:
            The new ``update_id``.

        Raises:
            ValueError: No such message, or no / more than one matching button.
        """
        if message is None:
            sent = next(
                (m for m in reversed(self.messages) if m.inline_keyboard and not m.deleted),
                None,
            )
            if sent is None:
                raise ValueError(f"no bot message with an inline keyboard in chat {self.chat_id}")
        else:
            sent = self._resolve(message)
        buttons = [
            (b.get("text", ""), b["callback_data"])
            for row in sent.inline_keyboard or []
            for b in row
            if "callback_data" in b
        ]
        matches = [b for b in buttons if b[0] == text_contains] or [
            b for b in buttons if text_contains.casefold() in b[0].casefold()
        ]
        if len({data for _, data in matches}) != 1:
            found = "no" if not matches else "more than one"
            raise ValueError(
                f"{found} button matching {text_contains!r} under message {sent.message_id}; "
                f"buttons: {[text for text, _ in buttons]}"
            )
        return self.press(sent, matches[0][1])

    # -- observing

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages in this chat, oldest first (deleted ones flagged, not removed)."""
        return list(self._sim._by_chat.get(self.chat_id, ()))

    @property
    def last(self) -> SentMessage | None:
        """The bot's latest message in this chat, or ``None``."""
        messages = self._sim._by_chat.get(self.chat_id)
        return messages[-1] if messages else None

    def buttons(self, message: SentMessage | int | None = None) -> list[list[tuple[str, str]]]:
        """``(text, callback_data)`` rows of the inline keyboard of ``message`` (default: last).

        Buttons without ``callback_data`` (URL buttons etc.) have ``""`` as data. A message
        without an inline keyboard gives ``[]``.
        """
        sent = self.last if message is None else self._resolve(message)
        if sent is None:
            return []
        return [
            [(b.get("text", ""), b.get("callback_data", "")) for b in row]
            for row in sent.inline_keyboard or []
        ]

    @property
    def reply_keyboard(self) -> list[list[JSONDict]] | None:
        """The reply keyboard the resident sees now (rows of ``KeyboardButton`` dicts).

        The latest bot message with a ``keyboard`` or ``remove_keyboard`` markup decides;
        a ``one_time_keyboard`` hides once the resident has sent something after it.
        """
        messages = self._sim._by_chat.get(self.chat_id, [])
        for index in range(len(messages) - 1, -1, -1):
            markup = messages[index].reply_markup or {}
            if markup.get("remove_keyboard"):
                return None
            if "keyboard" in markup:
                if markup.get("one_time_keyboard") and self._sim._marks.get(self.id, 0) > index:
                    return None
                return [
                    [{"text": b} if isinstance(b, str) else b for b in row]
                    for row in markup["keyboard"]
                ]
        return None

    async def wait_reply(
        self, *, count: int = 1, timeout: float = 5.0, after: int | None = None
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` new messages to this chat.

        Args:
            count: Number of new messages to wait for.
            timeout: Seconds.
            after: Index into :attr:`messages` to count from; default: the number of bot
                messages in this chat when this user's latest update was queued.

        Returns:
            Exactly ``count`` messages: ``messages[after:after + count]``.

        Raises:
            TimeoutError: Fewer messages arrived in time (the message says which did).
        """
        start = self._sim._marks.get(self.id, 0) if after is None else after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._sim._changed
            messages = self._sim._by_chat.get(self.chat_id, [])
            if len(messages) - start >= count:
                return messages[start : start + count]
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = [m.text_or_caption[:60] for m in messages[start:]]
                raise TimeoutError(
                    f"chat {self.chat_id}: {len(got)} of {count} bot message(s) after index "
                    f"{start} within {timeout}s: {got}"
                )
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    async def wait_until(self, condition: Callable[[], bool], *, timeout: float = 10.0,
                         what: str = "the bot") -> None:
        """Wait until ``condition()`` is true, looking again at every change of the
        simulator (a message sent, edited or deleted, a button answered, …; at least every
        50 ms), not on a fixed poll: for conditions on the chat that :meth:`wait_reply`
        cannot say (a message redrawn, a reply containing a word).

        Raises:
            TimeoutError: Still false after ``timeout`` seconds (the message names ``what``).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{what} did not answer in time")
            await self._sim.wait_change(min(remaining, 0.05))

    # -- internals

    def _resolve(self, message: SentMessage | int) -> SentMessage:
        if isinstance(message, SentMessage):
            return message
        found = self._sim._find(self.chat_id, int(message))
        if found is None:
            raise ValueError(f"no bot message {message} in chat {self.chat_id}")
        return found

    def _queue(self, update: JSONDict) -> int:
        self._sim._marks[self.id] = len(self._sim._by_chat.get(self.chat_id, ()))
        return self._sim.inject_update(_Built(update))


Handler = Callable[[JSONDict], Awaitable[Any]]


class BotApiSimulator:
    """The Bot API server: state, fault injection and the aiohttp app.

    Args:
        token: The bot token; requests with another token get 401 "Unauthorized".
        bot_username: ``getMe().username``.
        bot_id: ``getMe().id``.
        host: Interface to bind; keep the loopback default.
        port: TCP port; 0 picks a free one (read :attr:`base_url` after :meth:`start`).
        enforce_limits: Answer 429 like Telegram above 30 messages/s overall, 1 message/s
            per chat, 20 messages/min per group (Bot API FAQ). Counts ``send*`` methods
            except ``sendChatAction``.
        clock: The time the flood limits, the long polls of ``getUpdates`` and the pause
            between webhook retries are measured in (tests share a faster or virtual clock
            with the bot's outbox).

    Attributes:
        token: The bot token.
        sent: Every message the bot created, in order (current state after edits).
        calls: Bot API method name → number of HTTP calls (including failed ones).
        callback_answers: Each ``answerCallbackQuery``: ``callback_query_id``, ``text``,
            ``show_alert``.
        commands: ``(scope key, language_code or "")`` → commands from ``setMyCommands``.
            Scope keys: ``"default"``, ``"all_private_chats"``, ``"chat:<id>"``,
            ``"chat_administrators:<id>"``, ``"chat_member:<chat>:<user>"``, ...
        uploads: Number of files received by multipart upload that created a file.
        blocked: Chat ids that currently block the bot.
        rate_limited: Number of 429 answers given by the flood limiter.
        users: User id → :class:`SimUser`.
        port: The bound TCP port (after :meth:`start`).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "buurtstem_bot",
        bot_id: int = 7000000001,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.token = token
        self.clock = clock
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.host = host
        self.port = port
        self.enforce_limits = enforce_limits

        self.sent: list[SentMessage] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self.callback_answers: list[JSONDict] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.uploads = 0
        self.blocked: set[int] = set()
        self.rate_limited = 0
        self.users: dict[int, SimUser] = {}

        self._queue: list[_Queued] = []
        self._next_update_id = 100_000_001
        self._max_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._chats: dict[int, JSONDict] = {}
        self._message_ids: dict[int, int] = {}
        self._incoming: dict[int, set[int]] = {}
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._by_key: dict[tuple[int, int], SentMessage] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, bool] = {}
        self._callback_seq = secrets.randbits(31)
        self._failures: list[_Failure] = []
        self._marks: dict[int, int] = {}
        self._texts: dict[tuple[str, str], str] = {}  # (kind, language) -> name/description
        self._menu_buttons: dict[int | None, JSONDict] = {}
        self._chat_last_send: dict[int, float] = {}
        self._recent_sends: collections.deque[float] = collections.deque()
        self._group_sends: dict[int, collections.deque[float]] = {}
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._inflight = 0
        self._last_activity = 0.0
        self._tracking = False  # a bot reports handled updates (see track_handling)
        self._unhandled: set[int] = set()  # delivered update ids not yet reported handled
        self._idle_probes: list[Callable[[], Awaitable[None]]] = []
        self._changed = asyncio.Event()  # any change (see _notify)
        self._arrived = asyncio.Event()  # what a waiting long poll waits for (_wake_polls)
        self._may_be_idle = asyncio.Event()  # a change that left nothing pending (_notify)
        self._closing = False
        self._releases = 0  # calls to release_delayed(): ends the waits of delayed calls
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyName": self._setter("name", 64),
            "getMyName": self._getter("name"),
            "setMyDescription": self._setter("description", 512),
            "getMyDescription": self._getter("description"),
            "setMyShortDescription": self._setter("short_description", 120),
            "getMyShortDescription": self._getter("short_description"),
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendVoice": self._send_voice,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "close": self._ok,
            "logOut": self._ok,
        }
        self._canonical = {name.lower(): name for name in self._methods}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the socket and start serving.

        Raises:
            OSError: The port could not be bound.
        """
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._closing = False
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """End waiting long polls, stop serving and release the port."""
        self._closing = True
        self._wake_polls()
        self._notify()
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url``: ``"http://127.0.0.1:PORT/bot"``."""
        self._require_started()
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url``: ``"http://127.0.0.1:PORT/file/bot"``."""
        self._require_started()
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def webhook_url(self) -> str:
        """The URL the bot's ``setWebhook`` registered, ``""`` without a webhook (what
        ``getWebhookInfo`` answers as ``url``). Read without a request, so a wait can look
        and then :meth:`wait_change` with no change slipping in between (a look through
        ``getWebhookInfo`` is itself a change, and the bot's ``setWebhook`` may be handled
        while its answer is on the way back)."""
        return self._webhook.url if self._webhook is not None else ""

    def _require_started(self) -> None:
        if self._runner is None:
            raise RuntimeError("BotApiSimulator is not running: call start() first")

    # ------------------------------------------------------------ residents, updates

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Resident",
        language_code: str | None = "nl",
        username: str | None = None,
    ) -> SimUser:
        """Create (or update and return) a resident with a private chat with the bot.

        Args:
            user_id: Positive Telegram user id; also the private chat id.
            first_name: Shown name.
            language_code: ``from.language_code``; ``None`` omits it.
            username: Optional username.

        Raises:
            ValueError: ``user_id`` is not positive.
        """
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = SimUser(
                self, user_id, first_name=first_name, language_code=language_code,
                username=username,
            )  # fmt: skip
        else:
            user.first_name, user.language_code, user.username = (
                first_name, language_code, username,
            )  # fmt: skip
        self._chats[user_id] = user.as_chat()
        return user

    def inject_update(self, update: JSONDict) -> int:
        """Queue a raw ``Update`` dict for ``getUpdates`` (e.g. a captured real payload).

        The update is deep-copied (one a :class:`SimUser` built is not: nothing else holds
        it). Chats it mentions become known (so the bot may answer them) and a
        ``callback_query`` id becomes answerable. An update whose id is below
        an offset the bot already confirmed is still delivered once (Telegram never does
        this; it lets a test redeliver an update to check deduplication).

        Args:
            update: The Update; its ``update_id`` is kept if present, else the next one is
                assigned.

        Returns:
            The ``update_id``.
        """
        if not isinstance(update, _Built):  # a SimUser's is made of fresh dicts and copies
            update = copy.deepcopy(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update = {"update_id": update_id, **update}
        self._next_update_id = max(self._next_update_id, update_id + 1)
        for value in update.values():
            if not isinstance(value, dict):
                continue
            self._learn_chat(value)
            if isinstance(value.get("message"), dict):
                self._learn_chat(value["message"])
            if "chat_instance" in value and isinstance(value.get("id"), str):
                self._callbacks.setdefault(value["id"], False)
        entry = _Queued(update_id, update, late=update_id < self._max_offset)
        bisect.insort_right(self._queue, entry, key=lambda q: q.update_id)
        self._wake_polls()
        self._notify()
        return update_id

    def _learn_chat(self, message: JSONDict) -> None:
        chat = message.get("chat")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return
        self._chats.setdefault(chat["id"], dict(chat))
        message_id = message.get("message_id")
        if isinstance(message_id, int):
            current = self._message_ids.get(chat["id"], 0)
            self._message_ids[chat["id"]] = max(current, message_id)
            sender = message.get("from")
            if not isinstance(sender, dict) or sender.get("id") != self.bot_id:
                self._incoming.setdefault(chat["id"], set()).add(message_id)

    # --------------------------------------------------------------- fault injection

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        Rules are consumed in the order they were added; a call takes the first rule
        that matches its method (case-insensitive) and ``chat_id``.

        Args:
            method: Bot API method, e.g. ``"sendMessage"``.
            status: HTTP status and ``error_code``. 429 adds
                ``parameters.retry_after`` (PTB raises ``RetryAfter``); 403 defaults to
                "Forbidden: bot was blocked by the user". ``200`` with ``delay`` means:
                answer normally, but late (the call takes effect even if the client gave up,
                as on Telegram).
            retry_after: Seconds for 429 (``None``: no ``parameters``); ignored otherwise.
            description: Error text; default: Telegram's usual text for ``status``.
            times: Number of calls to fail (≥ 1).
            chat_id: Only calls whose ``chat_id`` parameter equals this.
            delay: Seconds to wait before answering (to cause client time-outs).

        Raises:
            ValueError: ``times`` < 1 or ``delay`` < 0.
        """
        if times < 1 or delay < 0:
            raise ValueError("times must be >= 1 and delay >= 0")
        method = self._canonical.get(method.lower(), method)
        self._failures.append(
            _Failure(method, status, retry_after, description, times, chat_id, delay,
                     self._releases)
        )

    def continue_after(self, update_id: int) -> None:
        """Give new updates ids above ``update_id``, as Telegram does for a bot that has
        handled that one: a simulator started on a bot's existing database (``python -m
        bot chat --db``) must not reuse ids the bot has marked handled, or the bot drops
        every update as a redelivery."""
        self._next_update_id = max(self._next_update_id, update_id + 1)

    def release_delayed(self) -> None:
        """End the ``delay`` of every :meth:`fail` rule added so far: a call they hold now
        answers (status 200) or fails at once, and one that takes such a rule later is
        not held (it may reach the simulator after the release: calls run alongside).

        A test can hold a call with a long ``delay`` for exactly as long as it needs (e.g.
        until the bot has sent what must not wait for that call) and then let it go,
        instead of choosing a delay long enough for a slow machine and waiting it out.
        Rules added after this call delay as usual.
        """
        self._releases += 1
        self._notify()

    def block(self, chat_id: int) -> None:
        """The resident blocks the bot: sends to ``chat_id`` answer 403 until :meth:`unblock`.

        Queues the ``my_chat_member`` update Telegram sends (bot: ``member`` → ``kicked``).

        Raises:
            KeyError: The chat is unknown.
        """
        if chat_id not in self._chats:
            raise KeyError(f"unknown chat {chat_id}")
        if chat_id in self.blocked:
            return
        self.blocked.add(chat_id)
        self._queue_member_change(chat_id, "member", "kicked")

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`; queues ``my_chat_member`` (``kicked`` → ``member``)."""
        if chat_id not in self.blocked:
            return
        self.blocked.discard(chat_id)
        self._queue_member_change(chat_id, "kicked", "member")

    def _queue_member_change(self, chat_id: int, old: str, new: str) -> None:
        chat = self._chats[chat_id]
        if chat.get("type") != "private":
            return
        sim_user = self.users.get(chat_id)
        if sim_user is not None:
            user = sim_user.as_user()
        else:
            user = {"id": chat_id, "is_bot": False, "first_name": chat.get("first_name", "")}
            for key in ("last_name", "username"):
                if key in chat:
                    user[key] = chat[key]

        def member(status: str) -> JSONDict:
            # ChatMemberBanned needs until_date (0 = forever), else PTB cannot parse the update
            entry: JSONDict = {"user": self._bot_user(), "status": status}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        self.inject_update(
            {
                "my_chat_member": {
                    "chat": dict(chat),
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    # ------------------------------------------------------------------- waiting

    def track_handling(self) -> None:
        """Switch :meth:`wait_idle` from "50 ms of silence" to "every update handled".

        For an in-process bot (tests): after this, the bot must call
        :meth:`report_handled` for every update it has finished handling (tests wrap
        ``Application.process_update``), and :meth:`wait_idle` no longer needs silence.
        """
        self._tracking = True

    def report_handled(self, update_id: int) -> None:
        """The bot has finished handling ``update_id`` (all its Bot API calls answered)."""
        self._unhandled.discard(update_id)
        self._notify()

    def forget_unhandled(self) -> None:
        """The bot stopped: updates it fetched but never handled are no longer awaited."""
        self._unhandled.clear()
        self._notify()

    def add_idle_probe(self, probe: Callable[[], Awaitable[None]]) -> None:
        """Also await ``probe()`` in :meth:`wait_idle` (e.g. "the outbox has sent what is due")."""
        self._idle_probes.append(probe)

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until the bot has caught up.

        Idle means: every queued update was fetched by ``getUpdates`` (or posted to the
        webhook) and confirmed, no other Bot API request is in flight, and either the bot
        reported every delivered update handled (after :meth:`track_handling`; then each
        idle probe is awaited too and the check repeated) or, without tracking, no request
        started or ended during the last 50 ms.

        Raises:
            TimeoutError: Not idle within ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            may_be_idle = self._may_be_idle
            now = loop.time()
            if not self._queue and self._inflight == 0:
                if not self._tracking:
                    quiet = now - self._last_activity
                    if quiet >= 0.05:
                        return
                elif not self._unhandled:
                    if not self._idle_probes:
                        return
                    mark = self._last_activity
                    for probe in self._idle_probes:
                        async with asyncio.timeout(max(deadline - loop.time(), 0.001)):
                            await probe()  # (asyncio.timeout: no task per wait, as wait_for)
                    if mark == self._last_activity and not self._queue and not self._unhandled:
                        return
                    continue
            if now >= deadline:
                raise TimeoutError(
                    f"simulator not idle after {timeout}s: {len(self._queue)} update(s) "
                    f"not confirmed, {len(self._unhandled)} not handled, "
                    f"{self._inflight} request(s) in flight"
                )
            wait = min(deadline - now, 0.05)
            if self._tracking:
                try:
                    async with asyncio.timeout(wait):
                        await may_be_idle.wait()
                except TimeoutError:
                    pass
            else:
                quiet = now - self._last_activity
                await asyncio.sleep(min(max(0.05 - quiet, 0.005), wait))

    async def wait_change(self, timeout: float | None = None) -> bool:
        """Wait until the next state change (update queued, message sent/edited/deleted...).

        Returns:
            ``True`` on a change, ``False`` on time-out.
        """
        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait()
        except TimeoutError:
            return False
        return True

    def _notify(self) -> None:
        """Wake the waiters on any change (:meth:`wait_change`, :meth:`SimUser.wait_reply`,
        a webhook delivery) and, if the change left no update queued or unhandled and no
        request in flight, :meth:`wait_idle` (which has nothing to check otherwise: a tap
        makes about seven changes and only the last leaves the simulator idle)."""
        self._changed.set()
        self._changed = asyncio.Event()
        if not self._queue and not self._inflight and not self._unhandled:
            self._may_be_idle.set()
            self._may_be_idle = asyncio.Event()

    def _wake_polls(self) -> None:
        """Wake a waiting ``getUpdates``: an update was queued, a newer ``getUpdates``
        came (the waiting one ends with 409) or the simulator closes. Other changes (the
        bot's own calls, handled reports) cannot end a long poll, so they do not wake it."""
        self._arrived.set()
        self._arrived = asyncio.Event()

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    # ---------------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        raw_method = request.match_info["method"]
        method = self._canonical.get(raw_method.lower(), raw_method)
        self.calls[method] += 1
        self._set_nodelay(request)
        counted = method != "getUpdates"
        if counted:
            self._inflight += 1
            self._touch()
        try:
            result = await self._dispatch(request, method)
            body: JSONDict = {"ok": True, "result": result}
            status = 200
        except ApiError as error:
            body, status = error.body(), error.status
        finally:
            if counted:
                self._inflight -= 1
                self._touch()
                self._notify()
        return web.Response(
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
            status=status,
            content_type="application/json",
        )

    async def _dispatch(self, request: web.Request, method: str) -> Any:
        if request.match_info["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        params = await self._read_params(request)
        failure = self._take_failure(method, params)
        if failure is None:
            return await handler(params)
        if failure.status == 200:  # late but effective: finish even if the client leaves
            task = asyncio.ensure_future(self._late(failure, handler, params))
            self._tasks.add(task)
            task.add_done_callback(self._forget_task)
            return await asyncio.shield(task)
        await self._sleep(failure)
        raise failure.error()

    def _forget_task(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the client may have left before the answer

    async def _late(self, failure: _Failure, handler: Handler, params: JSONDict) -> Any:
        self._inflight += 1
        try:
            await self._sleep(failure)
            return await handler(params)
        finally:
            self._inflight -= 1
            self._touch()
            self._notify()

    async def _sleep(self, failure: _Failure) -> None:
        """Wait out ``failure``'s delay, unless the simulator closes or
        :meth:`release_delayed` was or is called after the rule was added."""
        if failure.delay > 0 and failure.releases == self._releases:
            try:
                await asyncio.wait_for(self._closed(failure.releases), failure.delay)
            except TimeoutError:
                pass

    async def _closed(self, releases: int | None = None) -> None:
        """Return when the simulator closes (or, given ``releases``, when
        :meth:`release_delayed` has been called more often than that)."""
        while not self._closing and (releases is None or releases == self._releases):
            await self._changed.wait()

    @staticmethod
    def _set_nodelay(request: web.Request) -> None:
        """Disable Nagle (``TCP_NODELAY``) and delayed ACKs (Linux ``TCP_QUICKACK``, which
        the kernel clears again, hence per request) on the request's socket."""
        transport = request.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if hasattr(socket, "TCP_QUICKACK"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = dict(request.query)
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:  # the bytes as they came (json.loads finds UTF-8/16/32 itself)
                data = json.loads(await request.read())
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise _bad("can't parse JSON object")
            params.update(data)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update(form.items())
        return params

    def _take_failure(self, method: str, params: JSONDict) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None:
                try:
                    if _param_int(params, "chat_id") != failure.chat_id:
                        continue
                except ApiError:
                    continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None

    async def _handle_file(self, request: web.Request) -> web.Response:
        self._set_nodelay(request)
        stored = self._file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # ------------------------------------------------------------- shared helpers

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id, "is_bot": True, "first_name": "Buurtstem",
            "username": self.bot_username,
        }  # fmt: skip

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _find(self, chat_id: int, message_id: int | None) -> SentMessage | None:
        if message_id is None:
            return None
        return self._by_key.get((chat_id, message_id))

    def _chat(self, params: JSONDict) -> JSONDict:
        """The known chat named by ``chat_id``; 400 "chat not found" / 403 if blocked."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        try:
            chat_id = _param_int(params, "chat_id")
        except ApiError:
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        if chat_id in self.blocked:
            if chat.get("type") == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _formatted(
        self, params: JSONDict, name: str, entities_name: str, *, limit: int, required: bool
    ) -> tuple[str | None, list[JSONDict]]:
        """Take ``text``/``caption`` as plain text (no ``parse_mode``) and check its length.

        Errors (Bot API): "message text is empty", "message is too long",
        "message caption is too long", "can't parse entities: ...".
        """
        raw = _param_str(params, name)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None, []
        explicit = _param_json(params, entities_name)
        if explicit is not None and not isinstance(explicit, list):
            raise _bad(f"can't parse {entities_name} JSON object")
        try:
            text, entities = parse_text(raw, _param_str(params, "parse_mode"), explicit)
        except EntityParseError as error:
            raise _bad(f"can't parse entities: {error}") from None
        except ValueError as error:
            raise _bad(str(error)) from None
        if not text:
            if required:
                raise _bad("message text is empty")
            return None, []
        if len(text) > limit:
            raise _bad("message is too long" if name == "text" else "message caption is too long")
        return text, entities

    def _markup(self, params: JSONDict, *, inline_only: bool = False) -> JSONDict | None:
        """Validate ``reply_markup`` (errors as the Bot API: ``BUTTON_DATA_INVALID``, ...)."""
        markup = _param_json(params, "reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an '
                           "Array of Arrays")  # fmt: skip
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of '
                           "Arrays")  # fmt: skip
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not isinstance(text, str) or not text:
                        raise _bad("can't parse keyboard button: Text must be non-empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        kinds = [kind for kind in _INLINE_BUTTON_KINDS if kind in button]
        if not kinds:
            raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                       "inline keyboard")  # fmt: skip
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url, re.IGNORECASE):
                raise _bad("BUTTON_URL_INVALID")

    def _rate_check(self, chat_id: int) -> None:
        """Flood limits of the Bot API FAQ; raises 429 with ``retry_after`` ≥ 1 s."""
        if not self.enforce_limits:
            return
        now = self.clock.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        wait = 0.0
        last = self._chat_last_send.get(chat_id)
        if last is not None and now - last < CHAT_INTERVAL_S:
            wait = CHAT_INTERVAL_S - (now - last)
        if len(self._recent_sends) >= GLOBAL_PER_SECOND:
            wait = max(wait, 1.0 - (now - self._recent_sends[0]))
        group = self._group_sends.setdefault(chat_id, collections.deque()) if chat_id < 0 else None
        if group is not None:
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= GROUP_PER_MINUTE:
                wait = max(wait, 60.0 - (now - group[0]))
        if wait > 0:
            self.rate_limited += 1
            raise _too_many(max(1, math.ceil(wait)))
        self._chat_last_send[chat_id] = now
        self._recent_sends.append(now)
        if group is not None:
            group.append(now)

    def _render(self, sent: SentMessage) -> JSONDict:
        """The ``Message`` JSON for ``sent`` in its current state (stored in ``sent.raw``)."""
        chat = self._chats[sent.chat_id]
        message: JSONDict = {
            "message_id": sent.message_id,
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": sent.date,
        }
        if sent.edit_date is not None:
            message["edit_date"] = sent.edit_date
        if sent.text is not None:
            message["text"] = sent.text
            if sent.entities:
                message["entities"] = sent.entities
        if sent.photo_file_id is not None:
            message["photo"] = self._files[sent.photo_file_id].payload
        if sent.document is not None:
            message["document"] = self._files[sent.document["file_id"]].payload
        if sent.voice is not None:
            message["voice"] = self._files[sent.voice["file_id"]].payload
        if sent.caption is not None:
            message["caption"] = sent.caption
            if sent.entities:
                message["caption_entities"] = sent.entities
        if sent.inline_keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": sent.inline_keyboard}
        sent.raw = message
        return message

    def _record(self, chat: JSONDict, method: str, **fields: Any) -> JSONDict:
        sent = SentMessage(
            message_id=self._next_message_id(chat["id"]),
            chat_id=chat["id"],
            method=method,
            date=int(time.time()),
            **fields,
        )
        self.sent.append(sent)
        self._by_chat.setdefault(sent.chat_id, []).append(sent)
        self._by_key[(sent.chat_id, sent.message_id)] = sent
        message = self._render(sent)
        self._notify()
        return message

    def _input_file(self, params: JSONDict, name: str, kind: str) -> tuple[_StoredFile, str]:
        """Resolve a ``photo``/``document`` parameter: an upload, ``attach://x`` or a file_id.

        Returns:
            The stored file and the ``file_id`` to show.
        """
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
            if not isinstance(value, web.FileField):
                raise _bad(_WRONG_FILE)
        if value is None or value == "":
            raise _bad(f"there is no {name} in the request")
        if isinstance(value, str):
            stored = self._files.get(value)
            if stored is None:
                raise _bad(_WRONG_FILE)
            if stored.kind != kind:
                raise _bad("type of file mismatch")
            return stored, value
        data = value.file.read()
        if not data:
            raise _bad("file must be non-empty")
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            return self._store_photo(data)
        if kind == "voice":
            return self._store_voice(data)
        return self._store_document(data, value.filename or "file", value.content_type)

    def _store_photo(self, data: bytes) -> tuple[_StoredFile, str]:
        size = _image_size(data)
        if size is None:
            raise _bad("IMAGE_PROCESS_FAILED")
        width, height = size
        if len(data) > MAX_PHOTO_BYTES:
            raise _bad("file is too big")
        if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
            raise _bad("PHOTO_INVALID_DIMENSIONS")
        dims: list[tuple[int, int]] = []
        for limit in (90, 320, 800, 1280):  # Telegram's s/m/x/y sizes
            scale = min(1.0, limit / max(width, height, 1))
            dim = (max(1, round(width * scale)), max(1, round(height * scale)))
            if dim not in dims:
                dims.append(dim)
            if scale == 1.0:
                break
        path = f"photos/file_{len(self._file_paths)}.jpg"
        stored = _StoredFile("photo", data, path, [])
        for w, h in dims:
            file_id = _new_id("AgACAgQAAxkBAAI", 66)
            stored.payload.append(
                {
                    "file_id": file_id,
                    "file_unique_id": _new_id("AQAD", 12),
                    "file_size": max(1, len(data) * w * h // max(1, width * height)),
                    "width": w,
                    "height": h,
                }
            )
            self._files[file_id] = stored
        self._file_paths[path] = stored
        self.uploads += 1
        return stored, stored.payload[-1]["file_id"]

    def _store_voice(self, data: bytes) -> tuple[_StoredFile, str]:
        """An uploaded voice message: OGG with Opus (RFC 7845), as Telegram plays it;
        the duration is read from the last page's granule position (48 kHz, minus the
        pre-skip of the OpusHead)."""
        head = data.find(b"OpusHead")
        if not data.startswith(b"OggS") or head < 0 or head > 64:
            raise _bad("wrong file type: a voice message must be OGG/Opus")
        pre_skip = int.from_bytes(data[head + 10:head + 12], "little")
        last = data.rfind(b"OggS")
        granule = int.from_bytes(data[last + 6:last + 14], "little", signed=True)
        file_id = _new_id("AwACAgQAAxkBAAI", 58)
        voice = {
            "file_id": file_id,
            "file_unique_id": _new_id("AgAD", 12),
            "duration": max(0, granule - pre_skip) // 48000,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        path = f"voice/file_{len(self._file_paths)}.oga"
        stored = _StoredFile("voice", data, path, voice)
        self._files[file_id] = stored
        self._file_paths[path] = stored
        self.uploads += 1
        return stored, file_id

    def _store_document(
        self, data: bytes, file_name: str, mime_type: str | None
    ) -> tuple[_StoredFile, str]:
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        file_id = _new_id("BQACAgQAAxkBAAI", 58)
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        path = f"documents/file_{len(self._file_paths)}{suffix}"
        document = {
            "file_name": file_name,
            "mime_type": mime_type,
            "file_id": file_id,
            "file_unique_id": _new_id("AgAD", 12),
            "file_size": len(data),
        }
        stored = _StoredFile("document", data, path, document)
        self._files[file_id] = stored
        self._file_paths[path] = stored
        self.uploads += 1
        return stored, file_id

    # ------------------------------------------------------------------- methods

    async def _ok(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """``getUpdates``: confirm by ``offset``, answer at once or long-poll ``timeout`` s.

        A newer ``getUpdates`` ends a waiting one with 409 Conflict, as Telegram does.
        """
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = _param_int(params, "offset", 0) or 0
        limit = min(max(_param_int(params, "limit", 100) or 100, 1), 100)
        timeout = max(_param_int(params, "timeout", 0) or 0, 0)
        allowed = _param_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        if offset > 0:
            self._queue = [
                q for q in self._queue if q.update_id >= offset or (q.late and not q.issued)
            ]
            self._max_offset = max(self._max_offset, offset)
        elif offset < 0:
            self._queue = self._queue[offset:]
        self._wake_polls()  # a long poll still waiting ends with 409
        self._notify()
        deadline = self.clock.monotonic() + timeout
        while True:
            arrived = self._arrived
            batch = self._deliverable(limit)
            if batch or self._closing or self.clock.monotonic() >= deadline:
                break
            if generation != self._poll_generation:
                raise ApiError(409, _STATUS_TEXT[409])
            await self.clock.wait(arrived, deadline - self.clock.monotonic())
        for entry in batch:
            entry.issued = True
            if self._tracking:
                self._unhandled.add(entry.update_id)
        if batch:
            self._touch()
        return [entry.update for entry in batch]

    def _deliverable(self, limit: int) -> list[_Queued]:
        def allowed(entry: _Queued) -> bool:
            kind = next((k for k in entry.update if k != "update_id"), "")
            if self._allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._allowed_updates

        before = len(self._queue)
        self._queue = [entry for entry in self._queue if allowed(entry)]  # others never exist
        if len(self._queue) != before:
            self._notify()
        return self._queue[:limit]

    async def _delete_webhook(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#deletewebhook; ``drop_pending_updates``
        empties the queue."""
        self._stop_webhook()
        if _param_bool(params, "drop_pending_updates"):
            self._queue.clear()
        self._notify()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#setwebhook: deliver updates by HTTP POST.

        An empty ``url`` removes the webhook. ``http://`` URLs are accepted, as by a local
        Bot API server (Telegram itself needs HTTPS on port 443, 80, 88 or 8443).
        """
        url = _param_str(params, "url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: an HTTP or HTTPS URL must be provided for webhook")
        secret = _param_str(params, "secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        allowed = _param_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        if _param_bool(params, "drop_pending_updates"):
            self._queue.clear()
        for entry in self._queue:
            entry.issued = False  # a poll may have fetched it without confirming
        connections = _param_int(params, "max_connections", 40) or 40
        self._webhook = _Webhook(url, secret, min(max(connections, 1), 100))
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.ensure_future(self._deliver_webhook())
            self._tasks.add(self._webhook_task)
            self._webhook_task.add_done_callback(self._forget_task)
        self._notify()
        return True

    def _stop_webhook(self) -> None:
        self._webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        for entry in self._queue:
            entry.issued = False

    async def _deliver_webhook(self) -> None:
        """POST queued updates to the webhook in order; an update leaves the queue on 2xx."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._closing and self._webhook is not None:
                hook = self._webhook
                changed = self._changed
                batch = self._deliverable(1)
                if not batch:
                    await changed.wait()
                    continue
                entry = batch[0]
                entry.issued = True
                if self._tracking:
                    self._unhandled.add(entry.update_id)
                headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
                error = None
                self._inflight += 1
                self._touch()
                try:
                    async with session.post(hook.url, json=entry.update, headers=headers) as resp:
                        if not 200 <= resp.status < 300:
                            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                finally:
                    self._inflight -= 1
                    self._touch()
                if error is None:
                    if entry in self._queue:
                        self._queue.remove(entry)
                    self._notify()
                else:
                    hook.last_error_date, hook.last_error_message = int(time.time()), error
                    entry.issued = False
                    await self.clock.sleep(WEBHOOK_RETRY_S)

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#getwebhookinfo"""
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    @staticmethod
    def _scope_key(params: JSONDict) -> tuple[str, str]:
        scope = _param_json(params, "scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise _bad("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            key = kind
        elif kind in ("chat", "chat_administrators"):
            key = f"{kind}:{scope.get('chat_id')}"
        elif kind == "chat_member":
            key = f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
        else:
            raise _bad("unsupported bot command scope type")
        return key, _param_str(params, "language_code") or ""

    async def _set_my_commands(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#setmycommands: ≤ 100 commands, names
        ``[a-z0-9_]{1,32}``, descriptions 1–256 chars; an empty list deletes."""
        commands = _param_json(params, "commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = self._scope_key(params)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return list(self.commands.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _setter(self, kind: str, limit: int) -> Handler:
        async def set_text(params: JSONDict) -> bool:
            value = _param_str(params, kind) or ""
            if len(value) > limit:
                raise _bad(f"bot {kind.replace('_', ' ')} is too long")
            self._texts[(kind, _param_str(params, "language_code") or "")] = value
            return True

        return set_text

    def _getter(self, kind: str) -> Handler:
        async def get_text(params: JSONDict) -> JSONDict:
            language = _param_str(params, "language_code") or ""
            value = self._texts.get((kind, language)) or self._texts.get((kind, ""), "")
            if kind == "name" and not value:
                value = "Buurtstem"
            return {kind: value}

        return get_text

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        button = _param_json(params, "menu_button") or {"type": "default"}
        chat_id = _param_int(params, "chat_id")
        if chat_id is not None:
            self._chat(params)
        self._menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        chat_id = _param_int(params, "chat_id")
        return (
            self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "commands"}
        )

    async def _send_message(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#sendmessage: text 1–4096 chars after parsing."""
        chat = self._chat(params)
        text, entities = self._formatted(params, "text", "entities", limit=MAX_TEXT, required=True)
        markup = self._markup(params)
        self._rate_check(chat["id"])
        return self._record(
            chat, "sendMessage", text=text, entities=entities, reply_markup=markup,
            parse_mode=_param_str(params, "parse_mode"),
        )  # fmt: skip

    def _captioned_upload(
        self, params: JSONDict, kind: str
    ) -> tuple[JSONDict, str | None, list[JSONDict], JSONDict | None, _StoredFile]:
        """What sendPhoto, sendDocument and sendVoice check alike, in the Bot API's order:
        the chat, the caption (≤ 1024 chars) and its entities, the keyboard, the chat's
        rate, then the file in parameter ``kind`` (an upload or a known ``file_id``).

        Returns:
            ``(chat, caption, caption entities, reply markup, stored file)``.

        Raises:
            ApiError: What the first failing check raises.
        """
        chat = self._chat(params)
        caption, entities = self._formatted(
            params, "caption", "caption_entities", limit=MAX_CAPTION, required=False
        )
        markup = self._markup(params)
        self._rate_check(chat["id"])
        stored, _ = self._input_file(params, kind, kind)
        return chat, caption, entities, markup, stored

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#sendphoto: upload (≤ 10 MB, w + h ≤ 10000,
        ratio ≤ 20) or a known photo ``file_id``; caption ≤ 1024 chars."""
        chat, caption, entities, markup, stored = self._captioned_upload(params, "photo")
        return self._record(
            chat, "sendPhoto", caption=caption, entities=entities, reply_markup=markup,
            parse_mode=_param_str(params, "parse_mode"),
            photo_file_id=stored.payload[-1]["file_id"],
        )  # fmt: skip

    async def _send_document(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#senddocument: upload (≤ 50 MB) or a known
        document ``file_id``; the MIME type is guessed from the name if not given."""
        chat, caption, entities, markup, stored = self._captioned_upload(params, "document")
        keys = ("file_name", "mime_type", "file_id", "file_size")
        document = {key: stored.payload[key] for key in keys}
        return self._record(
            chat, "sendDocument", caption=caption, entities=entities, reply_markup=markup,
            parse_mode=_param_str(params, "parse_mode"), document=document,
            document_bytes=stored.data,
        )  # fmt: skip

    async def _send_voice(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#sendvoice: an OGG/Opus upload (multipart) or
        a known voice ``file_id`` (sent again without uploading); caption ≤ 1024 chars."""
        chat, caption, entities, markup, stored = self._captioned_upload(params, "voice")
        return self._record(
            chat, "sendVoice", caption=caption, entities=entities, reply_markup=markup,
            parse_mode=_param_str(params, "parse_mode"), voice=dict(stored.payload),
        )  # fmt: skip

    async def _send_chat_action(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#sendchataction (not rate-limited here)."""
        self._chat(params)
        if _param_str(params, "action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("message to edit not found")
        chat = self._chat(params)
        message_id = _param_int(params, "message_id")
        sent = self._find(chat["id"], message_id)
        if sent is None or sent.deleted:
            if message_id in self._incoming.get(chat["id"], ()):
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return sent

    @staticmethod
    def _kept_markup(sent: SentMessage, markup: JSONDict | None) -> JSONDict | None:
        """An edit without ``reply_markup`` removes the inline keyboard (Bot API), but a
        reply keyboard belongs to the chat, not to the edited message."""
        if markup is None and sent.inline_keyboard is None:
            return sent.reply_markup
        return markup

    def _apply_edit(self, sent: SentMessage, **changes: Any) -> JSONDict:
        if all(getattr(sent, key) == value for key, value in changes.items()):
            raise _bad(_NOT_MODIFIED)
        for key, value in changes.items():
            setattr(sent, key, value)
        sent.edits += 1
        sent.edit_date = int(time.time())
        message = self._render(sent)
        self._notify()
        return message

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#editmessagetext; no ``reply_markup`` removes
        the inline keyboard."""
        sent = self._editable(params)
        if sent.text is None:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(params, "text", "entities", limit=MAX_TEXT, required=True)
        markup = self._kept_markup(sent, self._markup(params, inline_only=True))
        changed = self._apply_edit(sent, text=text, entities=entities, reply_markup=markup)
        sent.parse_mode = _param_str(params, "parse_mode")
        return changed

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#editmessagecaption."""
        sent = self._editable(params)
        if sent.text is not None:
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._formatted(
            params, "caption", "caption_entities", limit=MAX_CAPTION, required=False
        )
        markup = self._kept_markup(sent, self._markup(params, inline_only=True))
        changed = self._apply_edit(sent, caption=caption, entities=entities, reply_markup=markup)
        sent.parse_mode = _param_str(params, "parse_mode")
        return changed

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#editmessagereplymarkup; an empty or absent
        markup removes the keyboard."""
        sent = self._editable(params)
        markup = self._markup(params, inline_only=True)
        if markup is not None and not markup["inline_keyboard"]:
            markup = None
        if markup is None and sent.inline_keyboard is None:
            raise _bad(_NOT_MODIFIED)
        return self._apply_edit(sent, reply_markup=markup)

    async def _delete_message(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#deletemessage: bot messages are flagged
        ``deleted``; the resident's messages may be deleted too (private chats)."""
        chat = self._chat(params)
        message_id = _param_int(params, "message_id")
        sent = self._find(chat["id"], message_id)
        if sent is not None and not sent.deleted:
            sent.deleted = True
        elif message_id in self._incoming.get(chat["id"], set()):
            self._incoming[chat["id"]].discard(message_id)
        else:
            raise _bad("message to delete not found")
        self._notify()
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        """https://core.telegram.org/bots/api#answercallbackquery: once per query id;
        ``text`` ≤ 200 chars."""
        query_id = _param_str(params, "callback_query_id") or ""
        if self._callbacks.get(query_id, True):
            raise _bad(_QUERY_INVALID)
        text = _param_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        self._callbacks[query_id] = True
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": _param_bool(params, "show_alert"),
            }
        )
        self._notify()
        return True

    async def _get_file(self, params: JSONDict) -> JSONDict:
        """https://core.telegram.org/bots/api#getfile, for files the bot uploaded here."""
        file_id = _param_str(params, "file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        if stored.kind == "photo":
            info = next(p for p in stored.payload if p["file_id"] == file_id)
        else:
            info = stored.payload
        return {
            "file_id": file_id,
            "file_unique_id": info["file_unique_id"],
            "file_size": info["file_size"],
            "file_path": stored.file_path,
        }
