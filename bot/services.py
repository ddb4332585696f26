"""The services a handler needs, kept in ``application.bot_data`` (set up in ``post_init``).

:class:`Services` holds no Telegram objects: the command line builds one from the settings
and the database alone, so the round lifecycle (:mod:`bot.rounds`) runs the same from the
chat, the scheduler and ``python -m bot rounds``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import SYSTEM_CLOCK, Clock
from bot.privacy.pseudonym import deletion_pseudonym, respondent_pseudonym
from bot.roles import Roles
from bot.settings import Settings
from bot.storage import Storage
from bot.survey import Catalogue

if TYPE_CHECKING:  # only for the annotation: the command line builds Services without Telegram
    from telegram.ext import ContextTypes


def _nothing() -> None:
    """No outbox sender runs (the command line): queued rows wait for the next ``run``."""


#: Version of the consent text; stored with each contact. Bump it when the text changes.
CONSENT_VERSION = "2026-12-v3"


@dataclass(slots=True)
class Services:
    """Settings, storage and survey catalogue of a running bot.

    Attributes:
        settings: The loaded settings.
        storage: The open database.
        catalogue: The survey content.
        clock: The time (tests inject a faster or fixed one).
        wake_outbox: Call after queueing outbox rows: the running sender looks at once
            (set in ``post_init``; does nothing where no sender runs).
        begin_answering: ``async (context, session, round)``: start or resume the resident
            flow in a chat (set by :mod:`bot.app` to ``conversations.answering.begin``,
            so the staff's assisted interview can start it without importing
            ``conversations``).
        translator: The machine translation service (:class:`bot.translation.MachineTranslator`)
            when ``TRANSLATE_URL`` is set, else None.
    """

    settings: Settings
    storage: Storage
    catalogue: Catalogue
    clock: Clock = SYSTEM_CLOCK
    wake_outbox: Callable[[], None] = field(default=_nothing)
    begin_answering: Callable[[Any, Any, Any], Awaitable[None]] | None = None
    translator: Any = None

    @property
    def roles(self) -> Roles:
        """Role queries (:class:`bot.roles.Roles`)."""
        return Roles(self.storage, self.settings.admin_ids)

    def respondent(self, chat_id: int) -> str:
        """The stored pseudonym of a chat (HMAC-SHA256 with ``PSEUDONYM_SECRET``)."""
        secret = self.settings.pseudonym_key().encode()
        return respondent_pseudonym(secret, chat_id)

    def assisted_respondent(self, code: str) -> str:
        """The pseudonym of the assisted interview with deletion code ``code`` (canonical)."""
        return deletion_pseudonym(self.settings.pseudonym_key().encode(), code)

    def is_admin(self, user_id: int | None) -> bool:
        """True if the user id is in ``ADMIN_IDS``."""
        return user_id is not None and user_id in self.settings.admin_ids


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The :class:`Services` of the application handling this update."""
    return context.application.bot_data["services"]
