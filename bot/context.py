"""What every handler gets: a typed per-update context, and a button's typed payload.

:class:`BuurtContext` is python-telegram-bot's ``CallbackContext`` subclassed at its
extension point (``ContextTypes(context=BuurtContext)``, as in the library's
``examples/contexttypesbot.py``). python-telegram-bot builds one context per update and
hands the same object to the handler of every group, so what group -1 puts in it
(:meth:`BuurtContext.load`: the chat's contact and the resident's translator) every
later handler reads without asking the database again. The sender's role is loaded when
a handler first asks for it (:meth:`BuurtContext.role`) and kept for the rest of the
update: only staff handlers ask, and a resident's update must not pay two queries for a
role it never needs.

:class:`PayloadHandler` is a ``CallbackQueryHandler`` for one kind of payload
(:mod:`bot.callback_data`): its pattern is the kind's strict decoder, and the decoded
payload is the handler's third argument, so no handler parses ``callback_data`` again.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackContext, CallbackQueryHandler, ExtBot

from bot.callback_data import Payload
from bot.i18n import Translator, negotiate_language
from bot.roles import Role
from bot.services import Services
from bot.storage import Contact, Storage

__all__ = ["BuurtContext", "PayloadHandler", "buurt"]

P = TypeVar("P", bound=Payload)
T = TypeVar("T")

#: What a property of :class:`BuurtContext` says when :meth:`BuurtContext.load` has not run.
_NOT_LOADED = "BuurtContext.load has not run for this update"


def _required(value: T | None, problem: str) -> T:
    """``value``, narrowed from optional.

    Raises:
        RuntimeError: ``value`` is None; the message is ``problem`` (a handler registered
            for updates that lack what it reads).
    """
    if value is None:
        raise RuntimeError(problem)
    return value


class BuurtContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context of one update: services, and the chat's contact, translator and role.

    ``contact`` and ``tr`` are as the update found them (group -1 fills them, before any
    handler changed anything): a handler that saves a contact or a language uses what it
    saved.

    Attributes:
        payload: The decoded button payload (set by :class:`PayloadHandler`), else None.
    """

    __slots__ = ("_contact", "_loaded", "_role", "_tr", "_update", "payload")

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self._contact: Contact | None = None
        self._tr: Translator | None = None
        self._role: Role | None = None
        self._loaded = False
        self._update: Update | None = None
        self.payload: Any = None

    @property
    def svc(self) -> Services:
        """The running bot's :class:`~bot.services.Services`."""
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def storage(self) -> Storage:
        """The database (``svc.storage``)."""
        return self.svc.storage

    async def load(self, update: Update) -> None:
        """Fill the context for ``update``: the contact of its chat and the translator.

        Called once per update, in group -1 (``bot.app``). The contact comes from the
        update's read cache (:func:`bot.storage.begin_update`), so it costs no extra
        round trip for the handlers that read it anyway.
        """
        chat = update.effective_chat
        user = update.effective_user
        self._update = update
        self._contact = await self.storage.contact(chat.id) if chat else None
        self._tr = Translator(self._contact.language if self._contact
                              else negotiate_language(user.language_code if user else None))
        self._loaded = True

    @property
    def loaded(self) -> bool:
        """True once :meth:`load` ran for this update."""
        return self._loaded

    @property
    def contact(self) -> Contact | None:
        """The chat's contact as the update found it, or None (nobody signed up here).

        Raises:
            RuntimeError: :meth:`load` has not run (a handler outside groups 0 and 1).
        """
        if not self._loaded:
            raise RuntimeError(_NOT_LOADED)
        return self._contact

    @property
    def tr(self) -> Translator:
        """The resident's translator: their contact's language, else their Telegram language.

        Raises:
            RuntimeError: :meth:`load` has not run.
        """
        return _required(self._tr, _NOT_LOADED)

    async def role(self) -> Role:
        """The sender's role, read at the first call and kept for the rest of the update."""
        if self._role is None:
            user = self._update.effective_user if self._update else None
            self._role = await self.svc.roles.role(user.id if user else None)
        return self._role

    # What the handler's registration guarantees, narrowed once here: python-telegram-bot
    # types every part of an Update as optional, while group -1 lets only private chats
    # with a sender through and each handler's filter or pattern guarantees the rest.
    def _of_update(self) -> Update:
        return _required(self._update, _NOT_LOADED)

    @property
    def message(self) -> Message:
        """The update's message: a command's or a text's, or the message a button is under.

        Raises:
            RuntimeError: The update has none (a handler registered for the wrong updates).
        """
        return _required(self._of_update().effective_message, "this update has no message")

    @property
    def query(self) -> CallbackQuery:
        """The button press (for handlers of button payloads).

        Raises:
            RuntimeError: The update is not a button press.
        """
        return _required(self._of_update().callback_query, "this update is not a button press")

    @property
    def pressed_message_id(self) -> int:
        """The id of the message the pressed button is under (also of an old, inaccessible
        one, which ``message`` is not).

        Raises:
            RuntimeError: The update is not a button press under a message (group -1
                stops presses under inline messages).
        """
        return _required(self.query.message, "this button press is under no message").message_id

    @property
    def chat_id(self) -> int:
        """The id of the (private) chat the update belongs to.

        Raises:
            RuntimeError: The update has no chat (group -1 stops such updates).
        """
        return _required(self._of_update().effective_chat, "this update has no chat").id

    @property
    def user_id(self) -> int:
        """The Telegram user id of the sender.

        Raises:
            RuntimeError: The update has no sender (group -1 stops such updates).
        """
        return _required(self._of_update().effective_user, "this update has no sender").id

    @property
    def sender_data(self) -> dict[Any, Any]:
        """The sender's ``user_data`` (python-telegram-bot keeps one dict per user).

        Raises:
            RuntimeError: The update has no sender (group -1 stops such updates, so every
                handler of groups 0 and 1 has one).
        """
        return _required(self.user_data, "this update has no sender")

    @property
    def arguments(self) -> list[str]:
        """A command's words after the command (``context.args``; empty if none)."""
        return list(self.args or [])


def buurt(context: CallbackContext[Any, Any, Any, Any]) -> BuurtContext:
    """``context`` as the :class:`BuurtContext` it is (for a handler still typed with
    ``ContextTypes.DEFAULT_TYPE``).

    Raises:
        TypeError: The application was not built with ``ContextTypes(context=BuurtContext)``.
    """
    if not isinstance(context, BuurtContext):
        raise TypeError("the application must be built with ContextTypes(context=BuurtContext)")
    return context


class PayloadHandler(CallbackQueryHandler[BuurtContext, None], Generic[P]):
    """A button handler for one payload kind; the callback gets the decoded payload.

    Args:
        kind: The payload class (:class:`bot.callback_data.Payload` subclass); its
            ``decode`` is the handler's pattern.
        callback: ``async (update, context, payload)``.
    """

    __slots__ = ("kind",)

    def __init__(self, kind: type[P],
                 callback: Callable[[Update, BuurtContext, P], Awaitable[None]]) -> None:
        @functools.wraps(callback)
        async def with_payload(update: Update, context: BuurtContext) -> None:
            await callback(update, context, context.payload)

        super().__init__(with_payload, pattern=lambda data: kind.decode(data) is not None)
        self.kind = kind

    def check_update(self, update: object) -> P | None:  # type: ignore[override]
        """The decoded payload if ``update`` is a button press of this kind, else None."""
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        return self.kind.decode(update.callback_query.data)

    def collect_additional_context(self, context: BuurtContext, update: Update,
                                   application: Application[Any, Any, Any, Any, Any, Any],
                                   check_result: Any) -> None:
        """Put the decoded payload in ``context.payload``."""
        context.payload = check_result
