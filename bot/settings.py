"""Settings from the environment or a ``.env`` file (pydantic-settings).

A missing or invalid setting is reported by :func:`load_settings` as one line naming the
setting; the bot token is a :class:`~pydantic.SecretStr` so it is never echoed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.survey.catalogue import SurveyDataError, catalogue

#: Telegram's own Bot API endpoint (https://core.telegram.org/bots/api#making-requests).
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class SettingsError(Exception):
    """A setting is missing or invalid. ``str(exc)`` is one line naming the setting."""


class Settings(BaseSettings):
    """Buurtstem's configuration.

    Attributes:
        telegram_bot_token: ``TELEGRAM_BOT_TOKEN``, as issued by @BotFather
            (``<bot id>:<secret>``).
        telegram_api_base_url: ``TELEGRAM_API_BASE_URL``; any Bot-API-compatible server,
            e.g. a self-hosted ``telegram-bot-api`` or the local simulator
            (``http://127.0.0.1:8081/bot``). The token and method are appended.
        database_path: ``DATABASE_PATH``, the SQLite file.
        pseudonym_secret: ``PSEUDONYM_SECRET``, key of ``HMAC-SHA256(secret, chat_id)``
            respondent pseudonyms; at least 16 characters. Losing it unlinks answers from
            chats for good (which is the point).
        export_secret: ``EXPORT_SECRET``, key for stable panel keys in exports
            (``--panel``); separate from the pseudonym secret.
        admin_ids: ``ADMIN_IDS``, comma-separated Telegram user ids.
        timezone: ``TIMEZONE``, an IANA zone name.
        min_cell_size: ``MIN_CELL_SIZE``, small-cell suppression threshold k.
        retention_days: ``RETENTION_DAYS``, free text is purged this long after a round closes.
        webhook_url: ``WEBHOOK_URL``; when set, ``run`` receives updates by webhook at this
            public URL instead of long polling. Telegram delivers to HTTPS only, on port
            443, 80, 88 or 8443 (https://core.telegram.org/bots/api#setwebhook); a local
            Bot API server also accepts ``http://``.
        webhook_listen: ``WEBHOOK_LISTEN``, the interface the webhook server binds; the
            default 127.0.0.1 suits a reverse proxy that terminates TLS.
        webhook_port: ``WEBHOOK_PORT``, its TCP port.
        webhook_secret_token: ``WEBHOOK_SECRET_TOKEN``, sent by Telegram in the
            ``X-Telegram-Bot-Api-Secret-Token`` header and checked on every request
            (1-256 of ``A-Z a-z 0-9 _ -``); derived from the pseudonym secret if unset.
        survey_pack: ``SURVEY_PACK``, the survey pack: a folder (TOML files, pictures) or
            an XLSForm workbook (``.xlsx``); unset means the default pack shipped in
            ``bot/packs``. See ``docs/packs.md``.
        translate_url: ``TRANSLATE_URL``, a LibreTranslate-compatible service
            (``POST /translate``) that translates stories for the coordinator, shown as
            machine translation beside the original (:mod:`bot.translation`); unset:
            nothing is translated and no text leaves the bot.
        translate_api_key: ``TRANSLATE_API_KEY``, sent as ``api_key`` if the service
            wants one.
        translate_timeout: ``TRANSLATE_TIMEOUT``, seconds to wait for one translation
            (default 5); a slower answer shows the story untranslated.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Required to run the bot (load_settings checks them); offline commands (export,
    # chart, rounds) work on the database alone.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_BASE_URL
    database_path: Path = Path("buurtstem.sqlite3")
    pseudonym_secret: SecretStr | None = None
    export_secret: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Amsterdam"
    min_cell_size: int = Field(default=5, ge=2)
    retention_days: int = Field(default=365, ge=1)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    survey_pack: Path | None = None
    translate_url: str | None = None
    translate_api_key: SecretStr | None = None
    translate_timeout: float = Field(default=5.0, gt=0, le=60)

    @field_validator("translate_url")
    @classmethod
    def _translate_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a full URL such as http://translate.internal:5000")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not bot_id.isdigit() or len(secret) < 4:
            raise ValueError("must look like <bot id>:<secret> as issued by @BotFather")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("pseudonym_secret")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        secret = value.get_secret_value()
        if len(secret) < 16:
            raise ValueError("must be at least 16 characters")
        if "replace" in secret.lower() or "change-me" in secret.lower():
            raise ValueError("is still the example value; make one with: python3 -c "
                             "'import secrets; print(secrets.token_hex(32))'")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a full URL such as https://bot.example.nl/buurtstem")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters A-Z, a-z, 0-9, _ or - (Bot API setWebhook)")
        return value

    @model_validator(mode="after")
    def _webhook_https(self) -> Settings:
        if (self.webhook_url and self.webhook_url.startswith("http://")
                and self.telegram_api_base_url == TELEGRAM_BASE_URL):
            raise ValueError("WEBHOOK_URL must start with https:// (Telegram delivers webhooks "
                             "over HTTPS only; http:// works with a local Bot API server)")
        return self

    @field_validator("survey_pack")
    @classmethod
    def _pack_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.exists():
            raise ValueError(f"{value} does not exist (a pack folder or an .xlsx workbook)")
        return value

    def catalogue(self):
        """The survey catalogue of ``SURVEY_PACK`` (or the default pack), loaded once.

        Raises:
            SettingsError: The pack is broken; one line naming the file (sheet, row) and
                the problem.
        """
        try:
            return catalogue(self.survey_pack)
        except SurveyDataError as exc:
            raise SettingsError(f"SURVEY_PACK is broken: {exc}".replace("\n", " ")) from None

    @field_validator("database_path")
    @classmethod
    def _database_folder(cls, value: Path) -> Path:
        if not value.parent.exists():
            raise ValueError(f"folder {value.parent} does not exist")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Amsterdam") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def webhook_secret(self) -> str:
        """``WEBHOOK_SECRET_TOKEN`` or, if unset, 64 hex characters derived from the
        pseudonym secret (stable across restarts, useless without that secret)."""
        if self.webhook_secret_token is not None:
            return self.webhook_secret_token.get_secret_value()
        return self._derived_key(b"webhook").hex()

    def export_key(self) -> bytes:
        """Key for panel keys: ``EXPORT_SECRET`` or, if unset, derived from the pseudonym secret.

        Raises:
            SettingsError: Neither is set.
        """
        if self.export_secret is not None:
            return self.export_secret.get_secret_value().encode()
        return self._derived_key(b"export")

    def _derived_key(self, purpose: bytes) -> bytes:
        """SHA-256 of ``purpose:PSEUDONYM_SECRET``: a separate key per purpose from one secret."""
        return hashlib.sha256(purpose + b":" + self.pseudonym_key().encode()).digest()

    def pseudonym_key(self) -> str:
        """``PSEUDONYM_SECRET`` (the key of respondent pseudonyms).

        Raises:
            SettingsError: It is not set (offline commands may run without it).
        """
        if self.pseudonym_secret is None:
            raise SettingsError("PSEUDONYM_SECRET is not set")
        return self.pseudonym_secret.get_secret_value()


def load_settings(*, require_bot: bool = True, **overrides: object) -> Settings:
    """Build :class:`Settings` from the environment, ``.env`` and ``overrides``.

    Args:
        require_bot: Require what running the bot needs (``TELEGRAM_BOT_TOKEN``,
            ``PSEUDONYM_SECRET``); False for commands that only read the database.
        **overrides: Setting values that win over the environment (tests, CLI options).

    Raises:
        SettingsError: One line naming the first missing or invalid setting by its
            environment variable; the offending value is never included.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise SettingsError(f"{name} is not set") from None
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings names them itself
            raise SettingsError(message) from None
        raise SettingsError(f"{name} is invalid: {message}") from None
    if require_bot:
        for name in ("telegram_bot_token", "pseudonym_secret"):
            if getattr(settings, name) is None:
                raise SettingsError(f"{name.upper()} is not set")
    return settings
