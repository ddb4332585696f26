"""Remove direct identifiers from residents' free text before it is stored.

Buurtstem keeps stories, not people: under GDPR art. 5(1)(c) (data minimisation) a
story needs no phone number, e-mail address, bank account, postcode, BSN, link or
Telegram username. :func:`scrub` replaces each of these with a typed Dutch
placeholder (see :data:`PLACEHOLDERS`) and leaves every other character untouched,
including newlines, emoji and right-to-left text. :func:`cap` trims a message to a
storage limit without splitting a character.

The passes run in a fixed order; every pass works on the output of the one before, and
no placeholder contains a digit, ``@`` or ``.``, so a placeholder is never matched again:

1. ``email``    – ``naam+tag@sub.example.nl``, unicode local parts, ``naam (at) x.nl``.
   First, so that the domain of an address is not mistaken for a bare URL (a link that
   contains an address is then replaced by the URL pass as a whole, and both count).
2. ``url``      – ``http(s)://…``, ``www.…`` and bare domains (``example.nl/pad``,
   ``t.me/naam``); a bare domain needs either a path or a TLD from a short list of
   common ones, because many TLDs are also short words (``de``, ``nu``, ``in``, …).
3. ``handle``   – ``@gebruiker`` (Telegram: 5–32 of ``[A-Za-z0-9_]``, first a letter).
   After e-mail, so the ``@`` of an address is gone by then.
4. ``iban``     – ISO 13616: a two-letter country code, two check digits and the
   country's BBAN, spaces/hyphens allowed, validated with :mod:`schwifty` (length,
   structure and the ISO 7064 mod-97-10 check). Before BSN and phone, whose digit
   patterns would otherwise bite into the account number. A wrong checksum is not an
   IBAN; its digit groups may then still be taken by the phone pass.
5. ``bsn``      – 9 digits (``123456782``, ``123.456.782``, ``123 456 782``,
   ``1234.56.782``) or 8 plain digits (a BSN with its leading zero dropped, not a
   ``DDMMYYYY``/``YYYYMMDD`` date) that pass the elfproef (see :func:`elfproef`) and
   do not continue a digit group (``+48 512 345 678``, ``(06) 25232101``). Before
   phone: a Dutch phone number has 10 digits, so a 9-digit number is never a complete
   Dutch number, and a number passing the 11-test is more likely a BSN. A 9-digit
   number that *fails* the 11-test is left alone here and may still be taken by the
   phone pass (e.g. a Polish mobile written after ``tel.``).
6. ``postcode`` – ``1234 AB`` / ``1234AB`` with an optional house number
   (``14``, ``14a``, ``3-2``), first digit 1–9, never ``SA``/``SD``/``SS``. Upper-case
   letters count, except ``TL``/``KM``/``KG`` without a house number and function words
   in an all-caps message; lower-case letters count unless they are a two-letter word
   (``2024 en``, ``1990 ik``) or, without a house number, a unit (``1500 km``), unless
   an address cue (*postcode*, *adres*, *адрес*, ``Straat 12,``) precedes. Before phone
   so that ``2532 AB 14`` is taken as a whole.
7. ``phone``    – :class:`phonenumbers.PhoneNumberMatcher` with region ``NL`` and
   ``Leniency.VALID`` (dates such as ``12-03-2024`` are *possible* numbers, never
   valid ones), then regexes for what the matcher misses: 8–15 digits after an
   explicit ``+``/``00`` prefix; 10–11 digits after a ``0`` trunk prefix
   (``0532 123 45 67``, ``06 9123 4567``); 9–15 digits right after a word such as
   *tel*, *bel*, *nummer*, *numara*, *numer*, *номер*, *رقم*. Candidates that read as
   a date or as two clock times are skipped.

Passes for people (issue 11), run among the ones above: written-out e-mail addresses
(``naam at gmail punt com``, ``małpa``, ``собака``/``равлик``, ``et`` … ``nokta``; a
plain ``at``/``et`` needs a known mail provider or a written-out dot) and
``platform: account`` (``instagram: naam.x``) before the URL pass; Dutch licence plates
(RDW side codes 1–14 with hyphens, or without them next to a word for a plate or a car)
and dates of birth (a date next to *geboren*, *born*, *doğum*, *urodz…*, *народ…*,
*ولد* …) before the number passes; whole street names with a house number (several
words, ``ul.``/``вулиця``/``Caddesi``, Cyrillic spellings, number first) after them,
never a count (``Sterrenhoek 2 keer``) nor a centre's own name (``Heeswijkplein 160``);
last, people's names (:func:`bot.privacy.names.find_names`): sure ones become
``[naam]``, unsure ones stay and are listed in :attr:`ScrubResult.possible`.
Measured by ``bench/pii_eval.py``.

Sources:
    * GDPR (Regulation (EU) 2016/679), art. 5(1)(c): data minimisation.
    * BSN elfproef: Rijksdienst voor Identiteitsgegevens, "Logisch ontwerp BSN" –
      ``9*d1 + 8*d2 + … + 2*d8 - 1*d9`` is a multiple of 11.
    * ISO 13616-1:2020 (IBAN) and ISO 7064 MOD 97-10 check digits.
    * PostNL postcode format: four digits 1000–9999 and two letters, never
      ``SA``, ``SD`` or ``SS``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from schwifty import IBAN
from schwifty import registry as _iban_registry

from bot.privacy.names import find_names

__all__ = ["PLACEHOLDERS", "ScrubResult", "cap", "elfproef", "scrub"]

#: Placeholder text for each kind of personal data (Dutch, as the stored corpus is
#: analysed by the Dutch research team).
PLACEHOLDERS: dict[str, str] = {
    "phone": "[telefoon]",
    "email": "[e-mail]",
    "iban": "[iban]",
    "postcode": "[postcode]",
    "bsn": "[bsn]",
    "url": "[url]",
    "handle": "[gebruikersnaam]",
    "address": "[adres]",
    "name": "[naam]",
    "dob": "[geboortedatum]",
    "plate": "[kenteken]",
    "social": "[account]",
}

#: Dutch street-name endings; a word ending in one of them followed by a house number is
#: an address ("Dorpsstraat 12b", "Loosduinseweg 12-3").
_STREET_ENDINGS = (
    "straat|weg|laan|plein|kade|gracht|singel|dijk|hof|park|dreef|steeg|pad|markt|"
    "plantsoen|erf|baan|dam|wal|veld|burg|haven|kwartier|oord|hoek|zijde"
)
_HOUSE_NUMBER = r"(?!(?:19|20)\d\d\b)\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z])|-\d{1,3}|\s?(?:hs|bis))?"
_ADDRESS_RE = re.compile(
    rf"\b(?:(?!(?:Op|In|Aan|Bij|Naar|Mijn|Ik|We|Wij|Zij|Het|Een|Kom|Vroeger|Adres|My|At|On|The|Ons|Onze)\b)[A-Z][\w'-]+\s+){{0,2}}"
    rf"[A-Z][\w'-]*?(?:{_STREET_ENDINGS})\s+{_HOUSE_NUMBER}(?!\d)"
    rf"|\b(?:Laan|Plein|Burgemeester|Van|De)\s+(?:van\s+|de\s+|der\s+)?[A-Z][\w'-]+\s+{_HOUSE_NUMBER}(?!\d)"
    rf"|شارع\s+\S+\s+\d{{1,4}}"
)
#: Leftovers next to a placeholder: a house number glued to a postcode ("2533ab12"), the
#: rest of a dotted name after an @handle ("@fatima.amrani").
_POSTCODE_TAIL_RE = re.compile(r"\[postcode\](\d{1,4}[a-zA-Z]?)(?!\w)")
_HANDLE_TAIL_RE = re.compile(r"\[gebruikersnaam\](?:\.[A-Za-z0-9_]+)+")


@dataclass(frozen=True)
class ScrubResult:
    """Outcome of :func:`scrub`.

    Attributes:
        text: The scrubbed text; same as the input where nothing was found.
        found: ``kind -> number of replacements`` for kinds with at least one
            replacement, e.g. ``{"phone": 2, "email": 1}``; kinds are keys of
            :data:`PLACEHOLDERS`.
        possible: ``(start, end)`` spans of :attr:`text` that may be a person's name
            but were left in place (see :func:`bot.privacy.names.find_names`); the
            coordinator redacts them with one tap in ``/stories``.
    """

    text: str
    found: dict[str, int] = field(default_factory=dict)
    possible: tuple[tuple[int, int], ...] = ()

    @property
    def changed(self) -> bool:
        """bool: True if at least one replacement was made."""
        return bool(self.found)


# --------------------------------------------------------------------------- URL
_URL_TAIL = r"[^\s<>\"]*"
_STRONG_TLDS = (
    "nl|com|org|net|eu|info|io|app|dev|online|site|shop|store|blog|news|page|link|club|"
    "xyz|top|biz|gov|edu|frl|amsterdam|rotterdam|tr|pl|ua|uk|fr|ru|ly|gl|gg|tk|ws|ee|gle"
)
# Any other lower-case TLD (``t.me``, ``wa.me``, ``forms.gle`` …) counts only when a path
# follows, because many TLDs are also short words ("de", "nu", "in", …).
_LABEL = r"[a-z0-9][a-z0-9-]{0,62}"
_URL_RE = re.compile(
    rf"""
    (?<![\w@.\-/+%])
    (?:
        (?i:https?|ftp)://{_URL_TAIL}
      | (?i:www)\.[^\s<>\"./][^\s<>\"]*
      | (?i:(?:{_LABEL}\.)+(?:{_STRONG_TLDS}))(?![\w\-@])(?:[/?\#]{_URL_TAIL})?
      | (?:{_LABEL}\.)+[a-z]{{2,12}}/[^\s<>\"]{_URL_TAIL}
    )
    """,
    re.VERBOSE,
)
_URL_TRAILING = ".,;:!?'\"»”’)]}>…"
_URL_OPENERS = {")": "(", "]": "[", "}": "{"}
#: Word pairs written with a slash that look like ``x.de/het`` after a missing space.
_SLASH_WORDS = frozenset(
    {"de/het", "het/de", "en/of", "of/en", "he/she", "hij/zij", "zij/hij", "ja/nee"}
)

# ------------------------------------------------------------------------- e-mail
_LOCAL = r"[\w%+\-]+(?:\.[\w%+\-]+)*"
_AT = r"(?:@|\s?[\[({]\s?(?i:at)\s?[\])}]\s?)"
_DOT = r"(?:\.|\s?[\[({]\s?(?i:dot|punt|nokta|kropka|крапка)\s?[\])}]\s?)"
_DLABEL = r"[^\W_][\w-]*"
_EMAIL_RE = re.compile(
    rf"(?<![\w.%+\-]){_LOCAL}{_AT}{_DLABEL}(?:{_DOT}{_DLABEL})*{_DOT}[^\W\d_]{{2,24}}(?![\w-])"
)

# ------------------------------------------------------------------------- handle
_HANDLE_RE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{4,31}(?![\w@])")

# --------------------------------------------------------------------------- IBAN
_IBAN_START_RE = re.compile(r"(?<![^\W_])[A-Za-z]{2}[0-9]{2}")
_IBAN_SEPARATORS = " \u00a0-"

# ---------------------------------------------------------------------------- BSN
_BSN_RE = re.compile(
    r"""
    (?<![\w+€$£])(?<![\d)][ .,:/-])(?<![€$£]\ )
    (?:
        \d{4}(?P<s1>[.\ ])\d{2}(?P=s1)\d{3}      # 1234.56.782 (passport style)
      | \d{3}(?P<s2>[.\ -])\d{3}(?P=s2)\d{3}     # 123.456.782 / 123 456 782
      | \d{8,9}                                # 123456782 / 12345672 (zero dropped)
    )
    (?!\w)(?![.,:/-]?\d)(?!\ \d)
    """,
    re.VERBOSE,
)

# ----------------------------------------------------------------------- postcode
_POSTCODE_RE = re.compile(
    r"""
    (?<![\w\-+€$£.,:/])
    (?P<digits>[1-9][0-9]{3})
    [\ \u00a0]?
    (?P<letters>[A-Za-z]{2})
    (?![^\W\d_]|-[^\W\d_])   # no third letter, no compound ("2024 OV-kaart")
    (?:[\ \u00a0]+(?P<house>[1-9][0-9]{0,4}(?:-?[A-Za-z](?![^\W\d_])|-[0-9]{1,4})?)(?![\w]|[.,:][0-9]))?
    """,
    re.VERBOSE,
)
#: Letter pairs PostNL never issues.
_POSTCODE_NEVER = frozenset({"SA", "SD", "SS"})
#: Upper-case pairs written after an amount ("2000 TL", "1500 KM"); a postcode only
#: with a house number or an address cue.
_POSTCODE_UPPER_STOP = frozenset({"TL", "KM", "KG"})
#: Two-letter function words (nl, en, tr, pl) that follow a year or amount ("in 2024 en
#: 2025", "sinds 1990 ik"): a postcode only with an address cue before it.
_POSTCODE_WORDS = frozenset(
    """
    en in op om of je we ze te al na nu er is de ik zo ja af ga ge he
    an at be by do go if it me my no on or so to up us
    ve da ki mi bu ne ay ev su az ol ya el ar iz ez
    za od po co ty wy ni ci tu bo ku oo
    """.split()  # noqa: SIM905
)
#: Lower-case units and abbreviations after a number ("1500 km", "2000 tl"): a postcode
#: only with a house number after it or an address cue before it.
_POSTCODE_UNITS = frozenset(
    """
    km kg mm cm ml cl dl mg kb mb gb tb hz kw cc tl zl gr pk st pm am ca nr tv pc ov
    wc ex ps pp tm vs bc ad xl xs eu nl ok mr dr bv mn zn ns ah oh ei nd vd hi ha ho
    uh um yo eh nb lt
    """.split()  # noqa: SIM905
)
#: An all-caps word just before the digits ("IN 2024 EN"): the message is shouting.
_CAPS_WORD_BEFORE_RE = re.compile(r"\b[A-Z]{2,}\W+$")
#: Words announcing an address; they let a lower-case "2532 en" count as a postcode.
_POSTCODE_CUE_RE = re.compile(
    r"(?i:postcode|post code|zip|adres|address|posta kodu|kod pocztowy|адрес|індекс|поштов)"
    r"|العنوان|عنوان|الرمز البريدي"
    r"|\b[1-9]\d{0,3}(?:-?[A-Za-z]|-\d{1,3})?,\s*$"  # "Molenweg 79, " right before
)

# -------------------------------------------------------------------------- phone
_SEP = r"[ \u00a0.\-/]"
_PHONE_INTL_RE = re.compile(
    rf"(?<![\w+])(?:\+|00)[ \u00a0]?[1-9](?:{_SEP}?(?:\(\d{{1,4}}\)|\d)){{7,14}}(?!{_SEP}?\d)(?!\w)"
)
_PHONE_TRUNK_RE = re.compile(
    rf"(?<![\w+.,:/\-])(?:\(0\d{{1,3}}\)|0{_SEP}[1-9]\d{{2}}|0[1-9]\d{{0,3}})(?:{_SEP}?\d){{6,10}}(?!{_SEP}?\d)(?!\w)"
)
_PHONE_KEYWORD_RE = re.compile(
    r"""
    (?P<lead>
      (?i:\b(?:tel|telefoon|telefoonnummer|telefon|telefonu|telefonum|telephone|phone|
             mobiel|mobile|mob|gsm|nummer|numer|numara|numaram|numarası|numaramı|whatsapp|
             bel|belt|call|zadzwoń|dzwoń|ara|arayın|номер|телефон|тел|дзвоніть)\b
         |رقم|هاتف|جوال|اتصل|واتساب)
      [^\d\n]{0,20}?
    )
    (?P<num>\+?\d(?:[ \u00a0.\-/]?\d){8,14})
    (?![ \u00a0.\-/]?\d)(?!\w)
    """,
    re.VERBOSE,
)
_DATE_LIKE_RE = re.compile(
    r"\(?(?:\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})|\d{4}[-./]\d{1,2}[-./]\d{1,2})(?:$|\s)"
)
_TIME_LIKE_RE = re.compile(r"(?<!\d)\d{1,2}[.:]\d{2}(?!\d)")
_DIGIT_RE = re.compile(r"\d")
#: Seven digits with at most a few separators between them: cheap gate for the matcher.
_PHONE_HINT_RE = re.compile(r"\d(?:[\s().\-/]{0,4}\d){6}")


# ------------------------------------------------------------ written-out e-mail
#: Words for "@" (nl "apenstaartje", pl "małpa", uk "собака"/"равлик", tr "et") and for
#: "." ("punt", "kropka", "nokta", "крапка"/"точка", "نقطة") in an address read aloud.
_AT_WORDS = r"(?:at|AT|apenstaartje|apestaartje|apestaart|et|małpa|małpka|malpa|собака|собачка|равлик|ет|ат)"
_DOT_WORDS = r"(?:dot|DOT|punt|kropka|nokta|крапка|точка|نقطة)"
_MAIL_TLDS = r"(?:com|nl|net|org|pl|ua|tr|fr|de|be|uk|eu|ru|info|co|ma|sy|biz|io|me)"
_WORDY_LOCAL = rf"[\w+\-]+(?:(?:\.|\s{_DOT_WORDS}\s)[\w+\-]+)*"
_EMAIL_WORDS_RE = re.compile(
    rf"(?<![\w.@]){_WORDY_LOCAL}\s{_AT_WORDS}\s[^\W_][\w\-]*"
    rf"(?:(?:\.|\s?{_DOT_WORDS}\s?)[^\W_][\w\-]*)*?(?:\.|\s{_DOT_WORDS}\s){_MAIL_TLDS}(?![\w\-])"
)

# ------------------------------------------------------------------ social media
_PLATFORMS = (
    r"(?i:instagram|insta|ig|facebook|fb|tiktok|tik\ tok|snapchat|snap|twitter|threads|"
    r"youtube|linkedin|pinterest|vk|вконтакте|інстаграм|инстаграм|інста|фейсбук|тікток|"
    r"тик\ ток|снепчат)(?:[a-zğüşıöçąęłńóśźżа-яіїєґ'’]{0,5})"
    r"|انستغرام|انستقرام|إنستغرام|انستا|فيسبوك|فيس\ بوك|تيك\ توك|سناب(?:\ شات)?"
)
_SOCIAL_RE = re.compile(
    rf"(?<![\w@])(?:{_PLATFORMS})"
    r"(?P<sep>\s*[:=\-–]\s*|\s+(?:is|ist|to|jest|це|هو)\s+|\s+)"
    r"@?(?P<account>[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29}[A-Za-z0-9_])?)(?![\w@])"
)

# ---------------------------------------------------------------- licence plate
#: RDW side codes 1-14: letter/digit groups of a Dutch licence plate, with hyphens.
_PL = "[BDFGHJKLMNPRSTVWXYZ]"
_PLATE_SIDES = (
    rf"{_PL}{{2}}-\d{{2}}-\d{{2}}", rf"\d{{2}}-\d{{2}}-{_PL}{{2}}", rf"\d{{2}}-{_PL}{{2}}-\d{{2}}",
    rf"{_PL}{{2}}-\d{{2}}-{_PL}{{2}}", rf"{_PL}{{2}}-{_PL}{{2}}-\d{{2}}", rf"\d{{2}}-{_PL}{{2}}-{_PL}{{2}}",
    rf"\d{{2}}-{_PL}{{3}}-\d", rf"\d-{_PL}{{3}}-\d{{2}}", rf"{_PL}{{2}}-\d{{3}}-{_PL}",
    rf"{_PL}-\d{{3}}-{_PL}{{2}}", rf"{_PL}{{3}}-\d{{2}}-{_PL}", rf"{_PL}-\d{{2}}-{_PL}{{3}}",
    rf"\d-{_PL}{{2}}-\d{{3}}", rf"\d{{3}}-{_PL}{{2}}-\d",
)
_PLATE_RE = re.compile(
    r"(?<![\w\-])(?i:" + "|".join(f"(?:{side})" for side in _PLATE_SIDES) + r")(?![\w\-])"
)
#: The same groups without hyphens count only next to a word for a plate or a car.
#: (Side code 2, "99-99-XX", is left out: without hyphens it is a postcode.)
_PLATE_BARE_RE = re.compile(
    r"(?<![\w\-])(?i:"
    + "|".join(f"(?:{side.replace('-', '')})" for n, side in enumerate(_PLATE_SIDES) if n != 1)
    + r")(?![\w\-])"
)
_PLATE_CUE_RE = re.compile(
    r"(?i:kenteken|nummerbord|plate|registration|plaka|rejestracyj|rejestracja|номер|знак|"
    r"\bauto|\bcar\b|araba|samoch|машин)|سيار|لوحة"
)

# --------------------------------------------------------------- date of birth
_MONTH_WORDS = (
    r"(?i:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    r"jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec|"
    r"january|february|march|may|june|july|august|october|"
    r"ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık|"
    r"stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|"
    r"listopada|grudnia|"
    r"січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня)"
    r"|يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر"
    r"|كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول"
)
_DATE_RE = re.compile(
    r"(?<![\w.\-/])(?:"
    r"(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)\d\d"
    r"|(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"
    rf"|(?:0?[1-9]|[12]\d|3[01])\.?\s(?:{_MONTH_WORDS})\s(?:19|20)\d\d"
    r")(?![\w\-/]|\.\d)"
)
#: Words saying that a date is someone's birth date (before or just after the date).
_BIRTH_CUE_RE = re.compile(
    r"(?i:geboren|geboorte|geb\.|jarig|verjaardag|born|birth|dob|d\.o\.b|doğ|urodz|urodzin|"
    r"народ|родил|рожд)"
    r"|ولد|ولدت|مواليد|ميلاد|الميلاد"
)

# ---------------------------------------------------------------------- streets
#: A street type before the name: Polish "ul.", Ukrainian "вулиця", Turkish after it.
_STREET_WORD_BEFORE = (
    r"(?:ul\.|ulica|ulicy|ulicę|al\.|aleja|alei|os\.|osiedle|pl\.|plac|placu|"
    r"вулиця|вулиці|вул\.|проспект|просп\.|пр-т|провулок|пров\.|бульвар|бульв\.|площа|пл\.|"
    r"улица|ул\.|шарع)"
)
_CAP = r"[^\W\d_a-zа-яёіїєґ][\w'’\-]*"
_STREET_EXTRA_RE = re.compile(
    rf"(?<![\w])(?i:{_STREET_WORD_BEFORE})\s*{_CAP}(?:\s+{_CAP}){{0,2}},?\s+\d{{1,4}}(?:\s?[a-zA-Z](?![\w])|-\d{{1,3}})?(?!\d)"
    rf"|\b{_CAP}(?:\s+{_CAP}){{0,2}}\s+(?:Caddesi|Cad\.|Sokak|Sokağı|Sok\.|Bulvarı|Mahallesi|Mah\.)"
    rf"(?:\s*,?\s*(?:No|Nr)\.?\s*:?\s*|\s+)\d{{1,4}}(?:\s?[a-zA-Z](?![\w])|-\d{{1,3}}|/\d{{1,3}})?(?!\d)"
    rf"|(?<![\w])[А-ЯІЇЄҐ][а-яіїєґ'’\-]*(?:страат|вег|лаан|плейн|каде|храхт|сінгел|дейк)(?:\s+\d{{1,4}})"
    rf"(?:\s?[a-zA-Zа-я](?![\w])|-\d{{1,3}})?(?!\d)"
    rf"|(?<![\w])Лаан\s+ван\s+{_CAP}\s+\d{{1,4}}(?!\d)"
    # English order, number first: "12 Erasmusweg", "80 Laan van Meerdervoort"
    rf"|(?<![\w.,\-])(?!(?:19|20)\d\d\b)\d{{1,4}}[a-z]?(?:-\d{{1,3}})?\s+"
    rf"(?:Laan\s+van\s+[A-Z][\w'-]+|(?:[A-Z][\w'-]+\s+){{0,2}}[A-Z][\w'-]*?"
    rf"(?:{_STREET_ENDINGS}|\sStreet|\sRoad|\sLane|\sAvenue|\sSquare))\b"
)
#: Words after a number that make it a count, not a house number ("Sterrenhoek 2 keer").
_COUNT_AFTER_RE = re.compile(
    r"\s*(?i:keer|x\b|maal|times|time|kez|kere|razy|raz|рази|раз|разів|mensen|personen|"
    r"people|jaar|years|uur|hours|euro|minuten|minutes|dagen|days|weken|weeks|kişi|osób|osoby|"
    r"людей|особи|مرات|مرة|أشخاص|شخصا)"
)


def elfproef(digits: str) -> bool:
    """Dutch BSN 11-test (elfproef).

    Args:
        digits: 8 or 9 decimal digits, no separators; an 8-digit string is read as a
            BSN with its leading zero dropped.

    Returns:
        True if ``9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9`` is a
        positive multiple of 11 (source: RvIG, *Logisch ontwerp BSN*). ``000000000``
        and other all-zero sums are rejected.
    """
    if len(digits) == 8:
        digits = "0" + digits
    values = [unicodedata.decimal(c, -1) for c in digits]  # also Arabic-Indic digits
    if len(values) != 9 or min(values) < 0:
        return False
    total = sum(w * d for w, d in zip(range(9, 1, -1), values[:8])) - values[8]
    return total != 0 and total % 11 == 0


def _looks_like_date(compact: str) -> bool:
    """Return True if 8 digits read as a plausible DDMMYYYY or YYYYMMDD date."""
    dd, mm, yyyy = int(compact[:2]), int(compact[2:4]), int(compact[4:])
    if 1 <= dd <= 31 and 1 <= mm <= 12 and 1900 <= yyyy <= 2100:
        return True
    yyyy, mm, dd = int(compact[:4]), int(compact[4:6]), int(compact[6:])
    return 1900 <= yyyy <= 2100 and 1 <= mm <= 12 and 1 <= dd <= 31


class _Subst:
    """Collect replacements of one pass and count them."""

    def __init__(self, found: dict[str, int]) -> None:
        self.found = found

    def sub(self, kind: str, pattern: re.Pattern[str], text: str, accept=None) -> str:
        """Replace matches of ``pattern`` accepted by ``accept(match) -> span | None``."""
        pieces: list[str] = []
        last = 0
        count = 0
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            span = accept(m) if accept else m.span()
            if span is None:
                # a rejected candidate ("2019 op 9808") must not hide one inside it
                pos = m.start() + 1
                continue
            start, end = span
            pieces.append(text[last:start])
            pieces.append(PLACEHOLDERS[kind])
            last = pos = end
            count += 1
        if not count:
            return text
        pieces.append(text[last:])
        self.found[kind] = self.found.get(kind, 0) + count
        return "".join(pieces)

    def spans(self, kind: str, text: str, spans: list[tuple[int, int]]) -> str:
        """Replace the given non-overlapping, sorted spans."""
        if not spans:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces.append(text[last:start])
            pieces.append(PLACEHOLDERS[kind])
            last = end
        pieces.append(text[last:])
        self.found[kind] = self.found.get(kind, 0) + len(spans)
        return "".join(pieces)


# ---------------------------------------------------------------- pass helpers
def _accept_url(m: re.Match[str]) -> tuple[int, int] | None:
    s = m.group()
    end = m.end()
    while s and s[-1] in _URL_TRAILING:
        # keep a closing bracket that closes one opened inside the URL
        opener = _URL_OPENERS.get(s[-1])
        if opener and s.count(opener) >= s.count(s[-1]):
            break
        s = s[:-1]
        end -= 1
    if s.lower() in {"http://", "https://", "ftp://", "www."} or len(s) < 4:
        return None
    low = s.lower()
    if not low.startswith(("http://", "https://", "ftp://", "www.")):
        host, _, path = low.partition("/")
        labels = host.split(".")
        if not path and (len(labels[-2]) < 2 or labels[-2].isdigit()):
            return None  # "hoofdstuk 3.nl"
        if path and f"{labels[-1]}/{path.split('/')[0]}" in _SLASH_WORDS:
            return None  # "bijv.de/het"
    return m.start(), end


@lru_cache(maxsize=128)
def _iban_length(country: str) -> int | None:
    try:
        return _iban_registry.get_iban_spec(country).iban_length
    except (ValueError, KeyError):  # schwifty InvalidCountryCode is a ValueError
        return None


def _valid_iban(compact: str) -> bool:
    """Return True if schwifty accepts ``compact`` (length, structure, mod-97 check)."""
    try:
        IBAN(compact)
    except ValueError:  # every SchwiftyException is a ValueError
        return False
    return True


def _iban_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while True:
        m = _IBAN_START_RE.search(text, pos)
        if m is None:
            return spans
        length = _iban_length(m.group()[:2].upper())
        pos = m.start() + 1
        if length is None:
            continue
        chars = [m.group()]
        i = m.end()
        have = 4
        while have < length and i < n:
            c = text[i]
            if c.isascii() and c.isalnum():
                chars.append(c)
                have += 1
                i += 1
            elif (
                c in _IBAN_SEPARATORS
                and i + 1 < n
                and text[i + 1].isascii()
                and text[i + 1].isalnum()
            ):
                i += 1
            else:
                break
        if have != length or (i < n and text[i].isalnum()):
            continue
        if not _valid_iban("".join(chars).upper()):
            continue
        spans.append((m.start(), i))
        pos = i
    # unreachable


def _accept_bsn(m: re.Match[str]) -> tuple[int, int] | None:
    compact = re.sub(r"\D", "", m.group())
    if len(compact) == 8 and (_looks_like_date(compact) or m.group() != compact):
        return None
    return m.span() if elfproef(compact) else None


def _accept_postcode(m: re.Match[str]) -> tuple[int, int] | None:
    letters = m.group("letters")
    upper = letters.upper()
    if upper in _POSTCODE_NEVER:
        return None
    lower = letters.lower()
    house = m.group("house")
    if letters.isupper():
        if upper in _POSTCODE_UPPER_STOP and house is None:
            suspicious = True
        else:
            # "IN 2024 EN 2025": a function word in an all-caps message
            suspicious = (
                lower in _POSTCODE_WORDS
                and _CAPS_WORD_BEFORE_RE.search(m.string, max(0, m.start() - 12), m.start())
                is not None
            )
    elif lower in _POSTCODE_WORDS:
        suspicious = True
    else:
        suspicious = lower in _POSTCODE_UNITS and house is None
    if suspicious and not _POSTCODE_CUE_RE.search(m.string, max(0, m.start() - 30), m.start()):
        return None
    return m.span()


def _accept_phone_regex(m: re.Match[str]) -> tuple[int, int] | None:
    s = m.group("num") if "num" in m.re.groupindex else m.group()
    digits = len(_DIGIT_RE.findall(s))
    if _DATE_LIKE_RE.match(s) or len(_TIME_LIKE_RE.findall(s)) >= 2:
        return None
    if m.re is _PHONE_TRUNK_RE and not 10 <= digits <= 11:
        return None
    if m.re is _PHONE_INTL_RE and not 8 <= digits <= 15:
        return None
    return m.span("num") if "num" in m.re.groupindex else m.span()


def _phone_matcher_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    try:
        for match in PhoneNumberMatcher(text, "NL", leniency=Leniency.VALID):
            spans.append((match.start, match.end))
    except phonenumbers.NumberParseException:  # pragma: no cover - defensive
        return []
    return spans


def _accept_plate_bare(m: re.Match[str]) -> tuple[int, int] | None:
    s = m.group()
    if not any(c.isdigit() for c in s) or not any(c.isalpha() for c in s):
        return None
    around = m.string[max(0, m.start() - 40) : m.end() + 20]
    return m.span() if _PLATE_CUE_RE.search(around) else None


def _accept_dob(m: re.Match[str]) -> tuple[int, int] | None:
    before = m.string[max(0, m.start() - 40) : m.start()]
    after = m.string[m.end() : m.end() + 25]
    if _BIRTH_CUE_RE.search(before) or _BIRTH_CUE_RE.search(after):
        return m.span()
    return None


#: Mail providers residents use: with a plain "at" (also an English and Turkish word)
#: the domain must be one of these, or the dot must be written out too.
_MAIL_PROVIDERS = frozenset(
    """
    gmail googlemail hotmail outlook live msn yahoo icloud me mac ziggo kpnmail kpnplanet
    planet xs4all home hetnet zonnet casema chello upcmail telfort tele2 online quicknet
    wp onet o2 interia op poczta tlen gazeta ukr i meta bigmir yandex mail gmx protonmail
    proton aol
    """.split()  # noqa: SIM905
)
_WORDY_AT_RE = re.compile(rf"\s{_AT_WORDS}\s([^\W_][\w\-]*)")


def _accept_email_words(m: re.Match[str]) -> tuple[int, int] | None:
    at = _WORDY_AT_RE.search(m.group())
    if at is None:  # pragma: no cover - the pattern has one
        return None
    word = at.group().split()[0]
    domain = at.group(1).lower()
    if domain == "www":
        return None
    if word.lower() in ("at", "et") and domain not in _MAIL_PROVIDERS:
        dotted = re.search(rf"\s{_DOT_WORDS}\s", m.group()[at.end():])
        if dotted is None:
            return None  # "up at www.x.nl", "meet at the.com": not an address
    return m.span()


def _accept_social(m: re.Match[str]) -> tuple[int, int] | None:
    account = m.group("account")
    sep = m.group("sep").strip()
    if account.lower() in _SOCIAL_NOT_ACCOUNTS:
        return None
    if not sep and not re.search(r"[._\d]", account):
        return None  # "op instagram staan" – a plain word after the platform's name
    return m.span("account")


#: Words that follow a platform's name but are no account ("via facebook and ...").
_SOCIAL_NOT_ACCOUNTS = frozenset(
    "and en of or is the de het een and of ve ile ve i и та або".split()
)


def _accept_address(m: re.Match[str]) -> tuple[int, int] | None:
    if _COUNT_AFTER_RE.match(m.string, m.end()):
        return None  # "Sterrenhoek 2 keer": a count, not a house number
    if _is_centre_name(m.group()):
        return None  # the centre's own name and address ("Heeswijkplein 160")
    return m.span()


def _is_centre_name(phrase: str) -> bool:
    from bot.privacy.names import centre_names  # noqa: PLC0415 - wordfreq loads on first use

    low = " ".join(phrase.lower().split())
    return any(low in name for name in centre_names())


# ----------------------------------------------------------------------- public
def scrub(text: str) -> ScrubResult:
    """Replace personal data in ``text`` with typed placeholders.

    Args:
        text: Free text of any length (callers cap it first, see :func:`cap`).

    Returns:
        ScrubResult: ``text`` with every phone number, e-mail address, IBAN, Dutch
        postcode (+ house number), BSN, URL, Telegram username, social-media account,
        licence plate, date of birth, street address and person's name found replaced
        by its entry in :data:`PLACEHOLDERS`, ``found`` counting the replacements per
        kind, and ``possible`` the spans that may be names. Everything else is kept
        character for character.

    Example:
        >>> scrub("Bel 06-12345678 of mail jan@example.nl").text
        'Bel [telefoon] of mail [e-mail]'
    """
    found: dict[str, int] = {}
    if not text:
        return ScrubResult(text, found)
    sub = _Subst(found)

    if "@" in text or "(" in text or "[" in text or "{" in text:
        text = sub.sub("email", _EMAIL_RE, text)
    text = sub.sub("email", _EMAIL_WORDS_RE, text, _accept_email_words)
    text = sub.sub("social", _SOCIAL_RE, text, _accept_social)
    if "." in text or "/" in text:
        text = sub.sub("url", _URL_RE, text, _accept_url)
    if "@" in text:
        text = sub.sub("handle", _HANDLE_RE, text)

    digit_count = len(_DIGIT_RE.findall(text))
    if digit_count:
        if "-" in text:
            text = sub.sub("plate", _PLATE_RE, text)
        text = sub.sub("plate", _PLATE_BARE_RE, text, _accept_plate_bare)
        if _BIRTH_CUE_RE.search(text):
            text = sub.sub("dob", _DATE_RE, text, _accept_dob)
        digit_count = len(_DIGIT_RE.findall(text))
    if digit_count >= 4:
        text = sub.spans("iban", text, _iban_spans(text))
        if digit_count >= 8:
            text = sub.sub("bsn", _BSN_RE, text, _accept_bsn)
        text = sub.sub("postcode", _POSTCODE_RE, text, _accept_postcode)
    if digit_count >= 7 and _PHONE_HINT_RE.search(text):
        text = sub.spans("phone", text, _phone_matcher_spans(text))
        text = sub.sub("phone", _PHONE_INTL_RE, text, _accept_phone_regex)
        text = sub.sub("phone", _PHONE_TRUNK_RE, text, _accept_phone_regex)
        text = sub.sub("phone", _PHONE_KEYWORD_RE, text, _accept_phone_regex)
    if digit_count and ("[postcode]" in text):
        text = _POSTCODE_TAIL_RE.sub("[postcode]", text)
    if "[gebruikersnaam]." in text:
        text = _HANDLE_TAIL_RE.sub("[gebruikersnaam]", text)
    if digit_count:
        text = sub.sub("address", _ADDRESS_RE, text, _accept_address)
        text = sub.sub("address", _STREET_EXTRA_RE, text, _accept_address)
    return _names(text, found)


def _names(text: str, found: dict[str, int]) -> ScrubResult:
    """Replace the sure names with ``[naam]``; keep the possible ones and note their spans."""
    sure, possible = find_names(text)
    if not sure and not possible:
        return ScrubResult(text, found)
    marks = sorted([(a, b, True) for a, b in sure] + [(a, b, False) for a, b in possible])
    pieces: list[str] = []
    kept: list[tuple[int, int]] = []
    last = out_len = 0
    replaced = 0
    for start, end, is_sure in marks:
        if start < last:
            continue  # overlapping spans: the first one wins
        pieces.append(text[last:start])
        out_len += start - last
        if is_sure:
            pieces.append(PLACEHOLDERS["name"])
            out_len += len(PLACEHOLDERS["name"])
            replaced += 1
        else:
            pieces.append(text[start:end])
            kept.append((out_len, out_len + end - start))
            out_len += end - start
        last = end
    pieces.append(text[last:])
    if replaced:
        found["name"] = found.get("name", 0) + replaced
    return ScrubResult("".join(pieces), found, tuple(kept))


def _is_extender(ch: str) -> bool:
    """Return True if ``ch`` continues the grapheme before it (approximation of UAX #29)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or cp == 0x200D  # zero-width joiner
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= cp <= 0xE007F  # emoji tag characters
        or 0xE0100 <= cp <= 0xE01EF  # variation selectors supplement
        or 0xDC00 <= cp <= 0xDFFF  # low surrogate (lone surrogates in odd input)
    )


def cap(text: str, limit: int = 2000) -> tuple[str, bool]:
    """Cut ``text`` to at most ``limit`` characters (code points).

    The cut is moved back so that it does not split a surrogate pair, a base letter
    from its combining marks, a ZWJ emoji sequence, a skin-tone modifier or a flag
    (regional-indicator pair). If the whole prefix is one grapheme, a hard cut is made.

    Args:
        text: Any text.
        limit: Maximum number of characters kept; values below 0 count as 0.

    Returns:
        tuple[str, bool]: ``(kept_text, was_cut)`` with ``len(kept_text) <= limit``.
    """
    limit = max(limit, 0)
    if len(text) <= limit:
        return text, False
    cut = limit
    while cut > 0 and (_is_extender(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    if cut > 0 and text[cut - 1] == "\r" and text[cut] == "\n":
        cut -= 1
    # regional indicators pair up from the start of a run; do not split a pair
    if cut > 0 and 0x1F1E6 <= ord(text[cut]) <= 0x1F1FF:
        run = 0
        j = cut - 1
        while j >= 0 and 0x1F1E6 <= ord(text[j]) <= 0x1F1FF:
            run += 1
            j -= 1
        if run % 2 == 1:
            cut -= 1
    if cut == 0:
        cut = limit
    return text[:cut], True
