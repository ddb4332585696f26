"""Translations (gettext catalogues via Babel), language choice and right-to-left safety.

UI strings are written in Dutch (the source language) and marked with ``_()`` /
``ngettext()``; catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po`` and are
compiled to ``.mo`` by ``pybabel compile`` at set-up. Survey texts are not here: they
live per language in the survey data (a survey pack, ``bot/packs/<name>``).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.survey.models import LANGUAGES

#: Default and source language.
DEFAULT_LANGUAGE = "nl"

#: Languages written right-to-left.
RTL_LANGUAGES = frozenset({"ar"})

#: Unicode FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (Unicode TR #9, UAX 9 §2.7).
FSI, PDI = "\u2068", "\u2069"

#: Where the catalogues live: ``LOCALES_DIR`` or ``<repo>/locales``.
LOCALES_DIR = Path(os.environ.get("LOCALES_DIR") or Path(__file__).resolve().parent.parent / "locales")

#: Each language's own name, as shown on the language buttons.
LANGUAGE_NAMES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}


#: The Babel locale used to write dates and numbers, where it is not the language code:
#: English as in the UK and the Netherlands (14 December 2026, not December 14, 2026).
FORMAT_LOCALES: dict[str, str] = {"en": "en_GB"}


def N_(message: str) -> str:
    """Mark a string for extraction by ``pybabel extract`` without translating it yet."""
    return message


def negotiate_language(language_code: str | None) -> str:
    """Pick a supported language for a Telegram ``language_code`` (IETF tag).

    ``nl-BE`` → ``nl``, ``en-GB`` → ``en``; unsupported (``pt-br``, ``zh-hans``) or
    missing → :data:`DEFAULT_LANGUAGE`. Uses :func:`babel.negotiate_locale`.
    """
    if not language_code:
        return DEFAULT_LANGUAGE
    tag = language_code.replace("_", "-").lower()
    primary = tag.split("-", 1)[0]
    found = negotiate_locale([tag, primary], list(LANGUAGES), sep="-")
    return found if found in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (Dutch and unknown: the source text).

    If a ``.mo`` file is missing (catalogues not compiled), Dutch text is returned, never
    an error, so the bot keeps working.
    """
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    loaded = Translations.load(str(LOCALES_DIR), [language], domain="messages")
    return loaded


def is_rtl(language: str) -> bool:
    """True for right-to-left languages."""
    return language in RTL_LANGUAGES


def isolate(value: object, language: str) -> str:
    """Wrap an inserted left-to-right value in FSI … PDI for right-to-left languages.

    Numbers, dates, centre names and commands inserted into Arabic text otherwise get
    reordered by the bidi algorithm on the phone (UAX 9, "isolates").
    """
    text = str(value)
    return f"{FSI}{text}{PDI}" if is_rtl(language) else text


class Translator:
    """Per-language helpers: ``_``, ``ngettext``, formatting with isolates.

    Attributes:
        language: Language code (one of :data:`LANGUAGES`).
    """

    __slots__ = ("_t", "language")

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._t = translations(self.language)

    def _(self, message: str, **values: object) -> str:
        """Translate ``message`` and fill ``{placeholders}`` (values isolated for RTL)."""
        text = self._t.gettext(message)
        return self._fill(text, values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Translate with the language's plural rules; ``{n}`` is filled, localised."""
        text = self._t.ngettext(singular, plural, n)
        return self._fill(text, {"n": self.number(n), **values})

    def _fill(self, text: str, values: dict[str, object]) -> str:
        return text.format(**{k: isolate(v, self.language) for k, v in values.items()})

    def number(self, value: float) -> str:
        """A number in the language's notation (``babel.numbers``)."""
        return format_decimal(value, locale=self._format_locale)

    def date(self, value: datetime, tz: ZoneInfo, fmt: str = "long") -> str:
        """A date in the language's notation, in time zone ``tz`` (``babel.dates``)."""
        return format_date(value.astimezone(tz).date(), format=fmt, locale=self._format_locale)

    def datetime(self, value: datetime, tz: ZoneInfo, fmt: str = "medium") -> str:
        """A date and time in the language's notation, in time zone ``tz``."""
        return format_datetime(value, format=fmt, tzinfo=tz, locale=self._format_locale)

    @property
    def _format_locale(self) -> str:
        return FORMAT_LOCALES.get(self.language, self.language)

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self.language)


def translator(language: str) -> Translator:
    """Shorthand for :class:`Translator`."""
    return Translator(language)
