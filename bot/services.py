"""The services a handler needs, kept in ``application.bot_data`` (set up in ``post_init``)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.privacy.pseudonym import deletion_pseudonym, respondent_pseudonym
from bot.settings import Settings
from bot.storage import Storage
from bot.survey import Catalogue

#: Version of the consent text; stored with each contact. Bump it when the text changes.
CONSENT_VERSION = "2026-12-v3"


@dataclass(slots=True)
class Services:
    """Settings, storage and survey catalogue of a running bot.

    Attributes:
        settings: The loaded settings.
        storage: The open database.
        catalogue: The survey content.
    """

    settings: Settings
    storage: Storage
    catalogue: Catalogue

    @property
    def roles(self):
        """Role queries (:class:`admin.roles.Roles`)."""
        from admin.roles import Roles

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
