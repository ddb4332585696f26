"""A python-telegram-bot ``ExtBot`` that survives updates it cannot parse.

python-telegram-bot parses a ``getUpdates`` batch as a whole: one update in a shape it
does not know (e.g. a legacy ``poll`` without ``persistent_id``) makes it drop the whole
batch and ask for it again, forever, so no update is handled any more (see
``shared/real-updates/INDEX.md``, "Findings" 1). :class:`RobustBot` parses update by
update and replaces an unparseable one by an empty ``Update`` with the same id, which no
handler matches, so the offset moves on and the valid updates are handled. It stores
each batch in the inbox (:mod:`bot.inbox`) before returning it.

Inside an update (a resident's conversation, see :func:`bot.update_scope.in_update`) a Bot API
call that fails briefly is tried again (:meth:`RobustBot._do_post`): after a 429 it waits
``retry_after``; after a 5xx, a network error or a time-out it backs off (0.5 s, 1 s); at
most :data:`REPLY_ATTEMPTS` tries and :data:`REPLY_MAX_WAIT` seconds of waiting, so a blip
never strands a resident and a flood never holds a chat for long. (A send that timed out
may have arrived; trying again may then show it twice, which is better than nothing.)
The outbox and the scheduler run outside updates and keep their own pacing and retries.
An edit that changes nothing ("message is not modified", e.g. a double tap) is harmless
everywhere: it gives ``True`` instead of raising.

It also treats a callback query that can no longer be answered as harmless
(:meth:`RobustBot.answer_callback_query`): Telegram accepts an answer only for a short
while after the press, and a press that waited in a backlog (after downtime) or behind a
slow call gets 400 "query is too old …". The press itself still counts; only the little
pop-up is lost. The same holds for a 429 or a network failure of ``answerCallbackQuery``:
the answer is not waited for (a wait of ``retry_after`` would only outlive the query) and
the flow goes on.

A sent or edited message comes back from the Bot API whole, and python-telegram-bot
turns it into a ``Message`` (with every button of its keyboard): about an eighth of the
bot's CPU under load (bench/load.py). Nobody reads the message after a keyboard edit, so
``editMessageReplyMarkup`` gives ``True``; a block under :func:`unparsed` (a question
sent to a resident) gives ``True`` for its sends too.

A button press stops its spinner (``answerCallbackQuery``) and then edits the old keyboard
and sends the next question; the resident cannot tell in which order the spinner stops,
so :func:`answer_alongside` answers the query alongside the rest (one round trip less a press).
Inside that block a keyboard edit (``editMessageReplyMarkup``) goes alongside too: the old
question's keyboard turns into the chosen answer while the next question is sent, so a
press costs one round trip instead of two before the resident sees the next question.

A press of a resident's button carries the whole question message it sits under (its
photo sizes, caption and every button of its keyboard): about a third of the CPU of
parsing an update, and 5 KB of objects per update waiting in the backlog
(bench/load.py). The residents' button handlers read only the chat and the message id of
that message, so :func:`slim_update` drops the rest before parsing (the inbox keeps the
slim form; the staff's buttons, which read their message's keyboard, keep it whole).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import functools
import logging
import ssl
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

import httpx
from telegram import CallbackQuery, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.clock import SYSTEM_CLOCK, Clock
from bot.update_scope import in_update


class BatchStore(Protocol):
    """Where :meth:`RobustBot.get_updates` stores a batch (:class:`bot.inbox.Inbox`)."""

    async def keep(self, updates: Iterable[tuple[Update, object]]) -> None:
        """Store ``(parsed update, raw JSON)`` pairs in one transaction."""



class Backlog(Protocol):
    """Room for fetched updates (:class:`bot.updates.BoundedUpdateQueue`)."""

    async def room(self) -> int:
        """Wait until an update fits; how many fit then (≥ 1)."""

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Tries of one Bot API call inside an update (the first and two more).
REPLY_ATTEMPTS = 3
#: Seconds a call inside an update may wait in all before it gives up (429 included).
REPLY_MAX_WAIT = 20.0
#: Updates a ``getUpdates`` call asks for at most (Telegram's default and maximum).
_BATCH = 100
#: Back-off before the second and third try after a 5xx, a network error or a time-out.
_BACKOFF = (0.5, 1.0)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every Bot API client of the process (httpx's defaults: the
    certifi CA bundle, certificates verified), given to :class:`bot.http.AiohttpRequest`.

    Each client otherwise builds its own and reads the whole CA bundle
    again (~50 ms of CPU per client; a bot has two, the tests start hundreds).
    """
    return httpx.create_ssl_context()


class _Alongside:
    """The calls of one :func:`answer_alongside` block: its keyboard edits (the last one
    started is the one the next waits for: edits keep their order among themselves), and
    whether another call of the block (the next question) reached the resident."""

    __slots__ = ("delivered", "edits")

    def __init__(self) -> None:
        self.edits: list[asyncio.Future] = []
        self.delivered = False


#: The :func:`answer_alongside` block this task is in, if any.
_ALONGSIDE: ContextVar[_Alongside | None] = ContextVar("buurtstem_alongside", default=None)


@asynccontextmanager
async def answer_alongside(query: CallbackQuery) -> AsyncIterator[None]:
    """Answer ``query`` (no text: only the spinner stops) while the block runs, and make
    the block's keyboard edits alongside its other calls.

    The answer goes out at once, next to the block's own calls. A keyboard edit in the
    block (:meth:`RobustBot.edit_message_reply_markup`, e.g. the old question's buttons
    turned into the chosen answer) gives ``True`` at once and goes out next to what
    follows (the next question); edits keep their order among themselves, the block's
    other calls keep theirs. All are waited for when the block ends, also when it raises:
    then the first error of an edit or of the answer is raised (or logged, when the block
    raised itself). An edit's error is only logged when another call of the block went
    through (the next question was sent): the old keyboard is then only cosmetic (a
    deleted or too old message, a lasting 429 or 5xx), and an apology ("try again") next
    to a question the resident already has would only confuse them. :meth:`RobustBot.answer_callback_query` retries and shrugs off an
    expired query as before; an edit is retried as any call inside an update.

    Args:
        query: The pressed button's callback query, not yet answered.
    """
    answer = asyncio.ensure_future(query.answer())
    block = _Alongside()
    token = _ALONGSIDE.set(block)
    try:
        yield
    except BaseException:
        _ALONGSIDE.reset(token)
        for call in (answer, *block.edits):
            try:
                await call
            except Exception as exc:  # noqa: BLE001 - the block's own error is the one to raise
                log.info("Call alongside a button's answer failed (%s)", type(exc).__name__)
        raise
    _ALONGSIDE.reset(token)
    results = await asyncio.gather(answer, *block.edits, return_exceptions=True)
    for index, result in enumerate(results):
        if not isinstance(result, BaseException):
            continue
        if index > 0 and block.delivered and isinstance(result, Exception):
            log.info("Keyboard edit alongside the next question failed (%s)", type(result).__name__)
            continue
        raise result


async def _after(previous: asyncio.Future | None, call: Awaitable[_T]) -> _T:
    """``await call`` once ``previous`` (an earlier edit, its error aside) is done."""
    if previous is not None:
        await asyncio.wait([previous])
    return await call


#: Callback data kinds (the part before the first ``:``, ``bot.callback_data``) of the
#: residents' buttons (the kinds ``conversations.register`` handles, and the no-op button). Their
#: handlers read only ``chat`` and ``message_id`` of the message the button is under.
RESIDENT_BUTTON_KINDS = frozenset({"l", "c", "ce", "go", "ch", "a", "f", "x"})
#: What :func:`slim_update` keeps of a resident button's message: who, where, when, and
#: its text or caption (short; no handler reads them today).
_MESSAGE_KEPT = frozenset({"message_id", "message_thread_id", "from", "sender_chat", "chat",
                           "date", "edit_date", "text", "caption"})


def slim_update(raw: object) -> object:
    """``raw`` (an update as JSON) without what no handler reads: for a press of a
    resident's button (:data:`RESIDENT_BUTTON_KINDS`), the message it sits under keeps
    only :data:`_MESSAGE_KEPT` (no keyboard, photo sizes or entities). Anything else is
    returned as it is; ``raw`` itself is never changed (a shallow copy is changed).
    """
    if not isinstance(raw, dict):
        return raw
    query = raw.get("callback_query")
    if not isinstance(query, dict):
        return raw
    message, data = query.get("message"), query.get("data")
    if not isinstance(message, dict) or not isinstance(data, str):
        return raw
    if data.split(":", 1)[0] not in RESIDENT_BUTTON_KINDS or message.keys() <= _MESSAGE_KEPT:
        return raw
    kept = {key: value for key, value in message.items() if key in _MESSAGE_KEPT}
    return {**raw, "callback_query": {**query, "message": kept}}


#: Calls of an :func:`answer_alongside` block that do not bring the resident the next step.
_NOT_DELIVERING = frozenset({"editMessageReplyMarkup", "answerCallbackQuery"})

#: Calls whose answer (the edited message) nobody reads: they give ``True``.
_NEVER_READ = frozenset({"editMessageReplyMarkup"})

_UNPARSED: ContextVar[bool] = ContextVar("buurtstem_unparsed", default=False)


@contextmanager
def unparsed() -> Iterator[None]:
    """Within the block (this task only), a call that sends or edits a message gives
    ``True`` instead of the ``Message``: for calls whose result is not used."""
    token = _UNPARSED.set(True)
    try:
        yield
    finally:
        _UNPARSED.reset(token)


#: Lower-case fragments of the Bot API's 400 answer to an expired or unknown callback query
#: ("query is too old and response timeout expired or query ID is invalid").
_EXPIRED_QUERY = ("query is too old", "query id is invalid")


def is_expired_query(error: BaseException) -> bool:
    """True for the 400 ``BadRequest`` of a callback query that can no longer be answered."""
    return isinstance(error, BadRequest) and any(part in error.message.lower() for part in _EXPIRED_QUERY)


def _retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _not_modified(error: BaseException) -> bool:
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


def parse_update(raw: object, bot: object) -> Update | None:
    """One update of a ``getUpdates`` answer (or of the inbox), parsed for ``bot``
    (:func:`slim_update` first).

    An update python-telegram-bot cannot parse becomes an empty ``Update`` with its id
    (no handler matches it; logged with its id and the error class only); a value
    without an id gives None.
    """
    try:
        return Update.de_json(slim_update(raw), bot)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - any shape error must not block polling
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.error("Skipped update %s that could not be parsed (%s)", update_id, type(exc).__name__)
        return Update(update_id=update_id) if isinstance(update_id, int) else None


class RobustBot(ExtBot):
    """``ExtBot`` whose :meth:`get_updates` skips unparseable updates (logs only their id)
    and stores each batch in the inbox, whose :meth:`answer_callback_query` shrugs off an
    expired query, and whose calls inside an update are tried again after a brief failure
    (see the module docstring).

    Call :meth:`use_inbox` once the storage is open; until then batches are not stored.
    """

    _inbox: BatchStore | None = None
    _backlog: Backlog | None = None
    _clock: Clock = SYSTEM_CLOCK

    def use_inbox(self, inbox: BatchStore | None) -> None:
        """Store every later ``getUpdates`` batch in ``inbox`` (None: stop storing)."""
        self._inbox = inbox

    def use_backlog(self, backlog: Backlog | None) -> None:
        """Fetch no more updates than fit in ``backlog`` (None: Telegram's default batch)."""
        self._backlog = backlog

    def use_clock(self, clock: Clock) -> None:
        """Sleep the waits between tries (back-off, ``retry_after``) on ``clock``: the
        product keeps :data:`~bot.clock.SYSTEM_CLOCK`; tests give a faster
        :class:`~bot.clock.ScaledClock`."""
        self._clock = clock

    async def initialize(self) -> None:
        """Open the HTTP sessions and check the token (``getMe``), as ``ExtBot`` does, except
        that a failed check closes the sessions again and that a refused token's error does
        not carry the token (python-telegram-bot puts it in the message, which ends up in
        tracebacks and logs).

        Raises:
            telegram.error.InvalidToken: The server refused the token.
            telegram.error.TelegramError: ``getMe`` failed otherwise (network, time-out).
        """
        try:
            await super().initialize()
        except BaseException as exc:
            await self.shutdown()
            if isinstance(exc, InvalidToken):
                raise InvalidToken("The bot token was rejected by the server.") from exc.__cause__
            raise

    async def _do_post(self, endpoint: str, data, **kwargs):  # type: ignore[override]
        """Post one Bot API call, tried again inside an update after 429/5xx/time-outs.

        Raises:
            telegram.error.TelegramError: The last error once the tries or the waiting
                time are used up, or at once for errors a retry cannot fix (400, 403).
        """
        waited = 0.0
        for attempt in range(REPLY_ATTEMPTS):
            try:
                result = await super()._do_post(endpoint, data, **kwargs)
                block = _ALONGSIDE.get()
                if block is not None and endpoint not in _NOT_DELIVERING:
                    block.delivered = True
                if isinstance(result, dict) and (endpoint in _NEVER_READ or _UNPARSED.get()):
                    return True  # not parsed into a Message: nobody reads it
                return result
            except BadRequest as exc:
                if endpoint.startswith("edit") and _not_modified(exc):
                    return True  # the message already shows this: nothing to do
                raise
            except (RetryAfter, NetworkError) as exc:
                if endpoint == "getUpdates" or not in_update() or attempt == REPLY_ATTEMPTS - 1:
                    raise
                if endpoint == "answerCallbackQuery" and isinstance(exc, RetryAfter):
                    raise  # the query expires during the wait: answer_callback_query lets it go
                pause = (_retry_after_seconds(exc) if isinstance(exc, RetryAfter)
                         else _BACKOFF[min(attempt, len(_BACKOFF) - 1)])
                if waited + pause > REPLY_MAX_WAIT:
                    raise
                log.info("Bot API %s failed (%s); trying again in %.1f s",
                         endpoint, type(exc).__name__, pause)
                waited += pause
                await self._clock.sleep(pause)
        raise AssertionError("unreachable")

    async def edit_message_reply_markup(self, *args, **kwargs):  # type: ignore[override]
        """Like :meth:`telegram.Bot.edit_message_reply_markup`; inside
        :func:`answer_alongside` it gives ``True`` at once and the edit goes out alongside
        the block's next calls (after the block's earlier edits), waited for at its end.
        """
        block = _ALONGSIDE.get()
        if block is None:
            return await super().edit_message_reply_markup(*args, **kwargs)
        edits = block.edits
        call = super().edit_message_reply_markup(*args, **kwargs)
        edits.append(asyncio.ensure_future(_after(edits[-1] if edits else None, call)))
        return True

    async def answer_callback_query(self, *args, **kwargs) -> bool:  # type: ignore[override]
        """Like :meth:`telegram.Bot.answer_callback_query`, but an expired query is logged
        at debug level and gives ``False`` instead of raising, so the handler goes on; so do
        a 429 (not waited for) and a network failure that outlasts the tries (logged at
        info level): answering only stops the spinner or shows a pop-up.

        Raises:
            telegram.error.TelegramError: Any other error.
        """
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if not is_expired_query(exc):
                raise
            log.debug("Callback query not answered: too old or unknown")
            return False
        except (RetryAfter, NetworkError) as exc:
            log.info("Callback query not answered (%s)", type(exc).__name__)
            return False

    async def get_updates(  # type: ignore[override]
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout=DEFAULT_NONE,
        write_timeout=DEFAULT_NONE,
        connect_timeout=DEFAULT_NONE,
        pool_timeout=DEFAULT_NONE,
        api_kwargs=None,
    ) -> tuple[Update, ...]:
        """Like :meth:`telegram.Bot.get_updates`, parsing each update on its own; the
        batch is in the inbox (:meth:`use_inbox`) before this returns, so before the ``Updater`` confirms
        it with its next call. A long poll first waits for room in the backlog
        (:meth:`use_backlog`) and asks for no more updates than fit.

        Raises:
            telegram.error.TelegramError: The call failed.
            aiosqlite.Error: The inbox write failed (the batch is not confirmed, so
                Telegram sends it again).
        """
        seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else (timeout or 0)
        if self._backlog is not None and seconds > 0:  # a long poll; not the last call at a stop
            limit = min(limit or _BATCH, await self._backlog.room())
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        data = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + seconds,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        pairs = []
        for raw in result or []:
            raw = slim_update(raw)  # parsed and kept in the inbox without what nobody reads
            update = parse_update(raw, self)
            if update is not None:
                pairs.append((update, raw))
        if self._inbox is not None and pairs:
            await self._inbox.keep(pairs)  # before the next getUpdates confirms the batch
        return tuple(update for update, _raw in pairs)
