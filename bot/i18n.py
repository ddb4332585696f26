"""Translations (gettext catalogues via Babel), language choice and right-to-left safety.

UI strings are written in Dutch (the source language) and marked with ``_()`` /
``ngettext()``; catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po``. They travel
with the code: building the package (``pip install .``, ``pip wheel .``, the Docker image)
compiles them into ``bot/locales/<lang>/LC_MESSAGES/messages.mo`` (the build hook in
``setup.py``), and a checkout that never ran ``pybabel compile`` reads the ``.po`` files
directly (:func:`load_catalogue`). A language that is offered but has no loadable
catalogue stops the bot at start (:func:`check_catalogues`) instead of silently speaking
Dutch. Survey texts are not here: they live per language in the survey data (a survey
pack, ``bot/packs/<name>``).
"""

from __future__ import annotations

import io
import os
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.survey.models import LANGUAGES

#: Default and source language.
DEFAULT_LANGUAGE = "nl"

#: Languages written right-to-left.
RTL_LANGUAGES = frozenset({"ar"})

#: Unicode FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (Unicode TR #9, UAX 9 §2.7).
FSI, PDI = "\u2068", "\u2069"
#: RIGHT-TO-LEFT MARK: a strong right-to-left character that shows nothing (UAX 9 §2.6).
RLM = "\u200f"

#: A bot command inside a sentence (``/stop``, ``/start@buurtstem_bot``), not part of a URL
#: or a path: no letter, digit, ``/``, ``:``, ``.`` or ``@`` right before the slash; with
#: the Latin arguments and ``{placeholders}`` typed after it (``/stories ID chosen``,
#: ``/forget {code}``), so the whole command reads left to right as it is typed.
_COMMAND = re.compile(
    r"(?<![\w/:.@])/[A-Za-z][A-Za-z0-9_]*(?:@[A-Za-z0-9_]+)?"
    r"(?: (?:\{[A-Za-z_]+\}|[A-Za-z0-9][A-Za-z0-9_-]*))*"
)
#: How each language joins the items of a list (Arabic: the Arabic comma).
_LIST_SEPARATOR = {"ar": "، "}

#: The gettext domain: ``locales/<lang>/LC_MESSAGES/messages.po``.
DOMAIN = "messages"
#: Compiled catalogues inside the package (put there by the build hook in ``setup.py``).
PACKAGED_LOCALES = Path(__file__).resolve().parent / "locales"
#: The catalogues of a source checkout (``<repo>/locales``: ``.po``, ``.mo`` if compiled).
SOURCE_LOCALES = Path(__file__).resolve().parent.parent / "locales"

#: Each language's own name, as shown on the language buttons.
LANGUAGE_NAMES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}


@dataclass(frozen=True)
class PackLanguage:
    """A language a survey pack adds to the interface's (e.g. Somali ``so``).

    Attributes:
        name: Its own name on the language buttons (Babel's CLDR name, e.g. "Soomaali").
        fallback: The interface language its bot texts are read in (the pack's source
            language where that is an interface language, else Dutch): never a blank.
        format_locale: The Babel locale for its dates and numbers (the fallback where
            Babel does not know the code).
        rtl: Written right to left (CLDR character order).
    """

    name: str
    fallback: str
    format_locale: str
    rtl: bool = False


#: Languages the survey pack in use adds (code -> :class:`PackLanguage`); set at start
#: by :func:`use_pack_languages`.
PACK_LANGUAGES: dict[str, PackLanguage] = {}


def use_pack_languages(languages: Iterable[str], source: str) -> dict[str, PackLanguage]:
    """Offer the pack's own languages next to the interface's (issue 13 point 4).

    A resident can choose one of them (language buttons, ``/language``); the survey's
    texts come from the pack in that language, the bot's own texts (buttons, help,
    thanks) from the catalogue of the pack's source language, so nothing is blank.

    Args:
        languages: The pack's languages (``Catalogue.languages``); those that are
            interface languages already (:data:`LANGUAGES`) change nothing.
        source: The pack's source language.

    Returns:
        The languages added (also kept in :data:`PACK_LANGUAGES`, replacing an earlier
        pack's).
    """
    fallback = source if source in LANGUAGES else DEFAULT_LANGUAGE
    PACK_LANGUAGES.clear()
    for code in languages:
        if code in LANGUAGES:
            continue
        try:
            locale = Locale.parse(code)
            name = (locale.get_display_name(locale) or code)
            name = name[:1].upper() + name[1:]
            PACK_LANGUAGES[code] = PackLanguage(name, fallback, code,
                                                locale.character_order == "right-to-left")
        except (ValueError, UnknownLocaleError):
            PACK_LANGUAGES[code] = PackLanguage(code, fallback, FORMAT_LOCALES.get(fallback, fallback))
    return dict(PACK_LANGUAGES)


def offered_languages() -> dict[str, str]:
    """Every language a resident can choose: the interface's, then the pack's own (code
    -> own name), in that order (the language buttons)."""
    return {**LANGUAGE_NAMES, **{code: lang.name for code, lang in PACK_LANGUAGES.items()}}


def language_name(code: str) -> str:
    """A language's own name (:func:`offered_languages`), or the code if not offered."""
    return offered_languages().get(code, code)


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
    offered = list(offered_languages())
    found = negotiate_locale([tag, primary], offered, sep="-")
    return found if found in offered else DEFAULT_LANGUAGE


class CatalogueError(Exception):
    """A language's catalogue is missing or broken. ``str(exc)`` is one line naming it."""


def catalogue_dirs() -> list[Path]:
    """Folders searched for ``<lang>/LC_MESSAGES/messages.{mo,po}``, in order.

    ``LOCALES_DIR`` alone when set; else the package's compiled catalogues
    (:data:`PACKAGED_LOCALES`), then a checkout's ``locales/`` (:data:`SOURCE_LOCALES`).
    """
    if os.environ.get("LOCALES_DIR"):
        return [Path(os.environ["LOCALES_DIR"])]
    return [PACKAGED_LOCALES, SOURCE_LOCALES]


def load_catalogue(language: str, dirs: list[Path] | None = None) -> Translations:
    """Load the catalogue of ``language`` from the first folder of ``dirs`` that has one.

    A compiled ``messages.mo`` is used unless a ``messages.po`` next to it is newer (an
    edited, not yet recompiled catalogue); a ``.po`` alone is compiled in memory with
    Babel (fuzzy entries left out, as ``pybabel compile`` does).

    Args:
        language: A language code, e.g. ``"tr"``.
        dirs: Folders to search; default :func:`catalogue_dirs`.

    Raises:
        CatalogueError: No folder has the catalogue, or it cannot be read.
    """
    dirs = catalogue_dirs() if dirs is None else dirs
    for folder in dirs:
        base = folder / language / "LC_MESSAGES"
        mo, po = base / f"{DOMAIN}.mo", base / f"{DOMAIN}.po"
        try:
            if mo.is_file() and not (po.is_file() and po.stat().st_mtime > mo.stat().st_mtime):
                with mo.open("rb") as fp:
                    return Translations(fp, domain=DOMAIN)
            if po.is_file():
                with po.open("rb") as fp:
                    compiled = io.BytesIO()
                    write_mo(compiled, read_po(fp, locale=language, domain=DOMAIN, abort_invalid=True))
                compiled.seek(0)
                return Translations(compiled, domain=DOMAIN)
        except Exception as exc:  # noqa: BLE001 - any read/parse error: one line naming the file
            raise CatalogueError(
                f"catalogue for {language!r} cannot be read: {base}/{DOMAIN}.mo|.po"
                f" ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            ) from None
    looked = ", ".join(str(folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo|.po") for folder in dirs)
    raise CatalogueError(f"catalogue for {language!r} not found (looked for {looked})")


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language`` (Dutch and unknown codes: the source text).

    Raises:
        CatalogueError: A supported language without a loadable catalogue (the bot checks
            all of them at start, :func:`check_catalogues`).
    """
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    return load_catalogue(language)


#: Share of the fullest offered catalogue's messages every offered catalogue must translate:
#: a truncated or half-copied ``.po`` still parses, and its residents would get Dutch.
COMPLETE_SHARE = 0.9


def _message_ids(catalogue: NullTranslations) -> set[str]:
    """The msgids a loaded catalogue translates (plural forms counted once)."""
    keys = getattr(catalogue, "_catalog", {})
    return {key[0] if isinstance(key, tuple) else key for key in keys if key and key != ("", 0)}


#: Loaded catalogue -> (its number of entries, :func:`_message_ids` count): the catalogues
#: are loaded once per process (:func:`translations`) and every bot start checks them
#: again (the test suite starts ~400 bots; counting ~1,500 entries each time was ~0.5 ms).
_COUNTS: weakref.WeakKeyDictionary[NullTranslations, tuple[int, int]] = weakref.WeakKeyDictionary()


def _message_count(catalogue: NullTranslations) -> int:
    """``len(_message_ids(catalogue))``, counted again only if the catalogue changed size."""
    size = len(getattr(catalogue, "_catalog", {}))
    known = _COUNTS.get(catalogue)
    if known is None or known[0] != size:
        known = _COUNTS[catalogue] = (size, len(_message_ids(catalogue)))
    return known[1]


def check_catalogues(languages: Iterable[str] | None = None) -> None:
    """Load the catalogue of every offered language now (at start), not at a resident's
    first message.

    A catalogue must also be about as complete as the fullest one (:data:`COMPLETE_SHARE`
    of its messages): a ``.po`` cut off at an entry boundary still parses, but would leave
    most of its residents with the Dutch text.

    Args:
        languages: Language codes to check; default every supported language.

    Raises:
        CatalogueError: The first language whose catalogue is missing, unreadable, empty or
            incomplete (one line naming the catalogue).
    """
    counts: dict[str, int] = {}
    for language in languages or LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalogue = translations(language)
        if not getattr(catalogue, "_catalog", None) or len(catalogue._catalog) <= 1:
            raise CatalogueError(f"catalogue for {language!r} has no translations")
        counts[language] = _message_count(catalogue)
    fullest = max(counts.values(), default=0)
    for language, count in counts.items():
        if count < COMPLETE_SHARE * fullest:
            raise CatalogueError(
                f"catalogue for {language!r} is incomplete: {count} of {fullest} messages translated")


def is_rtl(language: str) -> bool:
    """True for right-to-left languages (a pack's own language too)."""
    extra = PACK_LANGUAGES.get(language)
    return language in RTL_LANGUAGES or (extra is not None and extra.rtl)


def isolate_commands(text: str, language: str) -> str:
    """Wrap each ``/command`` of ``text`` in FSI … PDI for right-to-left languages.

    Without it an Arabic reader sees ``stop/`` for ``/stop``: the slash is a neutral
    character and takes the direction of the Arabic around it (UAX 9, rules W/N). Latin
    arguments and placeholders after the command go into the same isolate: otherwise
    ``/stories ID chosen`` shows as ``chosen ID /stories``. Applied to every translated
    template by :class:`Translator`, so catalogues stay as they are.
    """
    return _COMMAND.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text) if is_rtl(language) else text


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
        extra = PACK_LANGUAGES.get(language)
        self.language = language if language in LANGUAGES or extra else DEFAULT_LANGUAGE
        # a pack's own language reads the bot's texts in the pack's source language
        self._t = translations(extra.fallback if extra else self.language)

    def _(self, message: str, **values: object) -> str:
        """Translate ``message`` and fill ``{placeholders}`` (values and ``/commands``
        isolated for RTL)."""
        text = isolate_commands(self._t.gettext(message), self.language)
        return self._fill(text, values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Translate with the language's plural rules; ``{n}`` is filled, localised."""
        text = isolate_commands(self._t.ngettext(singular, plural, n), self.language)
        return self._fill(text, {"n": self.number(n), **values})

    def join(self, items: Iterable[object]) -> str:
        """A list in the language's way: ``a, b, c``; Arabic ``a، b، c``."""
        return _LIST_SEPARATOR.get(self.language, ", ").join(str(item) for item in items)

    def quote(self, text: str) -> str:
        """``«text»`` as its own paragraph part: for right-to-left languages the paragraph
        is marked right to left (RLM) and the quoted text isolated, so a story that starts
        with a Latin word ("«Taalcafé …") does not turn the message left to right."""
        if is_rtl(self.language):
            return f"{RLM}«{FSI}{text}{PDI}»"
        return f"«{text}»"

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
        extra = PACK_LANGUAGES.get(self.language)
        if extra is not None:
            return extra.format_locale
        return FORMAT_LOCALES.get(self.language, self.language)

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self._format_locale)


def translator(language: str) -> Translator:
    """Shorthand for :class:`Translator`."""
    return Translator(language)


def language_in(code: str, reader: str) -> str:
    """The name of language ``code`` as a reader of ``reader`` says it ("ar" for a Dutch
    reader: "Arabisch"; CLDR names from Babel), for a language named inside a sentence;
    the language's own name (:data:`LANGUAGE_NAMES`) if Babel does not know it."""
    try:
        return Locale.parse(code).get_display_name(Locale.parse(reader)) or LANGUAGE_NAMES.get(code, code)
    except (ValueError, LookupError):
        return LANGUAGE_NAMES.get(code, code)
