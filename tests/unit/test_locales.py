"""The gettext catalogues (locales/<lang>/LC_MESSAGES/messages.po) are complete and safe.

Messages are extracted freshly from the code (same method map as ``babel.cfg``, keywords =
Babel's defaults + ``N_``), so a string added to the code without running
``pybabel extract`` + ``pybabel update`` + translating makes this test fail. Each check
is a plain function returning a list of problems; the last tests show the checks really
fail on a broken catalogue.
"""

from __future__ import annotations

import ast
import copy
import re
import string
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.util import pathmatch

from bot.survey.models import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
SOURCE_LANGUAGE = "nl"  # msgids are Dutch; there is no nl catalogue
TARGETS = tuple(lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE)

#: (language, msgid) whose translation may equal the Dutch text. Keep this short:
#: - "Start" is also the normal English word for the Start button.
#: - "{n} centrum"/"{n} centra" are also the Polish singular and plural.
#: - "open" (status of a round), "{n} week" and "Shortlist" are also English.
SAME_AS_SOURCE_OK: set[tuple[str, str]] = {
    ("en", "Start"),
    ("pl", "{n} centrum"),
    ("en", "open"),
    ("en", "{n} week"),
    ("en", "Shortlist"),
}

#: Bidi control characters translators must not add (the code isolates inserted values).
BIDI_CONTROLS = set("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

COMMAND = re.compile(r"(?<![\w/])/[a-z_]+\b")

MsgId = str | tuple[str, str]


# --- loading -----------------------------------------------------------------------------


def code_messages() -> dict[MsgId, list[str]]:
    """Every message marked in the code: msgid (or (singular, plural)) -> locations."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: dict[MsgId, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        assert context is None, f"{filename}:{lineno}: message contexts are not supported yet"
        key = tuple(message) if isinstance(message, (list, tuple)) else message
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


#: ``_("…")``, ``N_("…")``, ``gettext("…")``, ``ngettext("…", …)`` with one plain literal first.
MARKED = re.compile(
    r"""\b(?:_|N_|gettext|ngettext)\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*[,)]"""
)


def unextracted(code: dict[MsgId, list[str]]) -> list[str]:
    """Marked literals in the source that Babel did not extract.

    On Python < 3.12 Babel cannot see calls inside f-string expressions, such as
    ``f"{tr._('Gekozen')}"``: those texts never reach the catalogues and stay Dutch.
    """
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, _options = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    known = {m[0] if isinstance(m, tuple) else m for m in code}
    problems = []
    # a pattern matches from the start of the path (babel's pathmatch), so its files lie
    # under the directory its text names before the first wildcard: walk only those (not
    # .venv and its thousands of files)
    roots: set[Path] = set()
    for pattern, _method in method_map:
        literal = re.split(r"[?*]", pattern.removeprefix("^").removeprefix("./"), maxsplit=1)[0]
        roots.add(ROOT / literal.rpartition("/")[0])
    for path in sorted({path for root in roots for path in root.rglob("*.py")}):
        rel = path.relative_to(ROOT).as_posix()
        if not any(pathmatch(pattern, rel) for pattern, _method in method_map):
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for literal in MARKED.findall(line):
                if ast.literal_eval(literal) not in known:
                    problems.append(f"{rel}:{lineno}: {literal} is marked but not extracted")
    return problems


def load_po(lang: str) -> Catalog:
    path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="session")
def code() -> dict[MsgId, list[str]]:
    found = code_messages()
    assert len(found) > 20, "extraction found almost nothing: babel.cfg or keywords broken?"
    return found


@pytest.fixture(scope="session")
def catalogues() -> dict[str, Catalog]:
    return {lang: load_po(lang) for lang in TARGETS}


@pytest.fixture(scope="session")
def mo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .po files compiled into a temporary directory (independent of set-up)."""
    out = tmp_path_factory.mktemp("locales")
    for lang in TARGETS:
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as fh:
            write_mo(fh, load_po(lang))
    return out


# --- checks (each returns a list of problems) --------------------------------------------


def _entries(cat: Catalog):
    return [m for m in cat if m.id]


def _forms(message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string]


def _fields(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a str.format template (raises if malformed)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def missing_messages(code: dict[MsgId, list[str]], cat: Catalog) -> list[str]:
    """Messages of the code that the catalogue lacks (or has without/with a wrong plural)."""
    problems = []
    for msgid, where in code.items():
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = cat.get(singular)
        if entry is None:
            problems.append(f"missing {msgid!r} (used at {where[0]})")
        elif isinstance(msgid, tuple) != entry.pluralizable:
            problems.append(f"{singular!r}: plural in code and catalogue differ")
        elif isinstance(msgid, tuple) and entry.id[1] != msgid[1]:
            problems.append(f"{singular!r}: msgid_plural {entry.id[1]!r} != {msgid[1]!r}")
    return problems


def untranslated(cat: Catalog) -> list[str]:
    """Fuzzy entries, empty msgstrs, empty plural forms, wrong number of plural forms."""
    problems = []
    if cat.fuzzy:
        problems.append("the header is marked fuzzy")
    n = get_plural(cat.locale_identifier).num_plurals
    if cat.num_plurals != n:
        problems.append(f"Plural-Forms has {cat.num_plurals} forms, Babel says {n}")
    for m in _entries(cat):
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        forms = _forms(m)
        if m.pluralizable and len(forms) != n:
            problems.append(f"{m.id[0]!r}: {len(forms)} plural forms, expected {n}")
        if any(not (f or "").strip() for f in forms):
            problems.append(f"untranslated: {m.id!r}")
    return problems


def placeholder_problems(cat: Catalog) -> list[str]:
    """Each {placeholder} of the msgid is kept, none invented, commands kept.

    Plural forms: every placeholder except ``{n}`` in every form, and ``{n}`` at least in
    the last ("other") form; a form for "one"/"two"/"zero" may say the number in words.
    """
    problems = []
    for m in _entries(cat):
        ids = list(m.id) if m.pluralizable else [m.id]
        try:
            wanted = set().union(*(_fields(i) for i in ids))
        except ValueError as exc:
            problems.append(f"{ids[0]!r}: malformed msgid ({exc})")
            continue
        commands = set().union(*(COMMAND.findall(i) for i in ids))
        forms = _forms(m)
        for index, form in enumerate(forms):
            form = form or ""
            try:
                have = _fields(form)
            except ValueError as exc:
                problems.append(f"{ids[0]!r}: malformed translation {form!r} ({exc})")
                continue
            required = wanted - {"n"} if m.pluralizable else wanted
            if m.pluralizable and index == len(forms) - 1:
                required = wanted
            if required - have:
                problems.append(f"{ids[0]!r}: {form!r} lacks {sorted(required - have)}")
            if have - wanted:
                problems.append(f"{ids[0]!r}: {form!r} has unknown {sorted(have - wanted)}")
            lost = {c for c in commands if c not in COMMAND.findall(form)}
            if lost:
                problems.append(f"{ids[0]!r}: {form!r} lacks the command(s) {sorted(lost)}")
    return problems


def same_as_source(cat: Catalog) -> list[str]:
    """Translations identical to the Dutch text (outside :data:`SAME_AS_SOURCE_OK`)."""
    lang = cat.locale_identifier
    problems = []
    for m in _entries(cat):
        ids = list(m.id) if m.pluralizable else [m.id]
        if (lang, ids[0]) in SAME_AS_SOURCE_OK:
            continue
        for form in _forms(m):
            if form and form.strip() in ids:
                problems.append(f"{lang}: {form!r} is not translated (same as Dutch)")
    return problems


def _first_strong(text: str) -> str | None:
    """Bidi class (L, R or AL) of the first strong character outside {placeholders}."""
    for char in re.sub(r"\{[^{}]*\}", "", text):
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind
    return None


def bidi_problems(cat: Catalog) -> list[str]:
    """No hand-made bidi controls; right-to-left lines start right-to-left.

    Telegram picks a paragraph's direction from its first strong character, so an Arabic
    line must not start with a Latin word such as "Buurtstem" or "/start".
    """
    problems = []
    rtl = cat.locale_identifier in {"ar"}
    for m in _entries(cat):
        for form in _forms(m):
            if set(form) & BIDI_CONTROLS:
                problems.append(f"{form!r}: contains bidi control characters")
            if rtl:
                for line in form.splitlines():
                    if _first_strong(line) == "L":
                        problems.append(f"{form!r}: line starts left-to-right")
    return problems


# --- tests -------------------------------------------------------------------------------


def test_every_language_has_a_catalogue() -> None:
    for lang in TARGETS:
        assert (LOCALES / lang / "LC_MESSAGES" / "messages.po").is_file(), lang
    assert not (LOCALES / SOURCE_LANGUAGE).exists(), "Dutch is the source: no nl catalogue"


def test_every_marked_string_is_extracted(code) -> None:
    assert unextracted(code) == [], (
        "move these tr._() calls out of the f-string (Babel cannot extract them there)"
    )


@pytest.mark.parametrize("lang", TARGETS)
def test_every_code_message_is_in_the_catalogue(lang, code, catalogues) -> None:
    assert missing_messages(code, catalogues[lang]) == [], (
        "run pybabel extract + update (see locales/README.md) and translate"
    )


@pytest.mark.parametrize("lang", TARGETS)
def test_everything_translated_and_not_fuzzy(lang, catalogues) -> None:
    assert untranslated(catalogues[lang]) == []


@pytest.mark.parametrize("lang", TARGETS)
def test_placeholders_and_commands_kept(lang, catalogues) -> None:
    assert placeholder_problems(catalogues[lang]) == []


@pytest.mark.parametrize("lang", TARGETS)
def test_translations_differ_from_dutch(lang, catalogues) -> None:
    assert same_as_source(catalogues[lang]) == []


@pytest.mark.parametrize("lang", TARGETS)
def test_bidi(lang, catalogues) -> None:
    assert bidi_problems(catalogues[lang]) == []


#: Exact texts for n = 0, 1, 2, 5, 22, 101 (``None``: not checked).
PLURALS: dict[str, dict[tuple[str, str], list[str | None]]] = {
    "pl": {
        ("{n} antwoord", "{n} antwoorden"):
            [None, "1 odpowiedź", "2 odpowiedzi", "5 odpowiedzi", "22 odpowiedzi", "101 odpowiedzi"],
        ("{n} deelnemer", "{n} deelnemers"):
            [None, "1 osoba", "2 osoby", "5 osób", "22 osoby", "101 osób"],
        ("{n} centrum", "{n} centra"): [None, "1 centrum", "2 centra", "5 centrów", "22 centra", "101 centrów"],
        ("{n} week", "{n} weken"): [None, "1 tydzień", "2 tygodnie", "5 tygodni", "22 tygodnie", "101 tygodni"],
    },
    "uk": {
        ("{n} antwoord", "{n} antwoorden"):
            [None, "1 відповідь", "2 відповіді", "5 відповідей", "22 відповіді", "101 відповідь"],
        ("{n} deelnemer", "{n} deelnemers"):
            [None, "1 особа", "2 особи", "5 осіб", "22 особи", "101 особа"],
        ("{n} centrum", "{n} centra"): [None, "1 центр", "2 центри", "5 центрів", "22 центри", "101 центр"],
        ("{n} week", "{n} weken"): [None, "1 тиждень", "2 тижні", "5 тижнів", "22 тижні", "101 тиждень"],
    },
    "ar": {
        ("{n} antwoord", "{n} antwoorden"):
            ["لا توجد إجابات", "إجابة واحدة", "إجابتان", "5 إجابات", "22 إجابة", "101 إجابة"],
        ("{n} deelnemer", "{n} deelnemers"):
            ["لا يوجد مشاركون", "مشارك واحد", "مشاركان", "5 مشاركين", "22 مشاركًا", "101 مشارك"],
        ("{n} week", "{n} weken"):
            [None, "أسبوع واحد", "أسبوعان", "5 أسابيع", "22 أسبوعًا", "101 أسبوع"],
    },
    "en": {
        ("{n} antwoord", "{n} antwoorden"):
            ["0 answers", "1 answer", "2 answers", "5 answers", "22 answers", "101 answers"],
    },
    "tr": {
        ("{n} antwoord", "{n} antwoorden"):
            ["0 cevap", "1 cevap", "2 cevap", "5 cevap", "22 cevap", "101 cevap"],
    },
}
NUMBERS = (0, 1, 2, 5, 22, 101)


@pytest.mark.parametrize("lang", sorted(PLURALS))
def test_plural_grammar(lang, mo_dir) -> None:
    t = Translations.load(str(mo_dir), [lang], "messages")
    assert isinstance(t, Translations), f"{lang}: compiled catalogue not found"
    for (singular, plural), expected in PLURALS[lang].items():
        for n, want in zip(NUMBERS, expected, strict=True):
            if want is not None:
                assert t.ngettext(singular, plural, n).format(n=n) == want, (lang, singular, n)


def test_compiled_catalogue_translates(mo_dir) -> None:
    for lang in TARGETS:
        t = Translations.load(str(mo_dir), [lang], "messages")
        assert t.gettext("Overslaan") != "Overslaan", lang


# --- the checks can fail -----------------------------------------------------------------


def test_missing_entry_is_detected(code, catalogues) -> None:
    original = catalogues["pl"]
    broken = copy.deepcopy(original)
    victim = next(m for m in code if isinstance(m, str) and m in original)
    del broken[victim]
    assert victim in original and victim not in broken
    new = set(missing_messages(code, broken)) - set(missing_messages(code, original))
    assert len(new) == 1 and repr(victim) in new.pop()
    assert missing_messages({"Dit zegt de code nu ook": ["x.py:1"]}, catalogues["pl"])


def _tiny(lang: str = "pl") -> Catalog:
    cat = Catalog(locale=lang, fuzzy=False)
    cat.add("Vraag {number} van {total}", "Pytanie {number} z {total}")
    cat.add(("{n} antwoord", "{n} antwoorden"), ("{n} odpowiedź", "{n} odpowiedzi", "{n} odpowiedzi"))
    cat.add("Stuur eerst /start.", "Najpierw wyślij /start.")
    return cat


def test_checks_pass_on_a_good_tiny_catalogue() -> None:
    cat = _tiny()
    assert untranslated(cat) == placeholder_problems(cat) == same_as_source(cat) == []


@pytest.mark.parametrize(
    ("msgid", "bad", "check"),
    [
        ("Vraag {number} van {total}", "", untranslated),
        (("{n} antwoord", "{n} antwoorden"), ("{n} odpowiedź", "", "{n} odpowiedzi"), untranslated),
        (("{n} antwoord", "{n} antwoorden"), ("{n} odpowiedź", "{n} odpowiedzi"), untranslated),
        ("Vraag {number} van {total}", "Pytanie {number}", placeholder_problems),
        ("Vraag {number} van {total}", "Pytanie {numer} z {total}", placeholder_problems),
        ("Vraag {number} van {total}", "Pytanie {number z {total}", placeholder_problems),
        (("{n} antwoord", "{n} antwoorden"), ("odpowiedź", "odpowiedzi", "odpowiedzi"), placeholder_problems),
        ("Stuur eerst /start.", "Najpierw wyślij /zacznij.", placeholder_problems),
        ("Vraag {number} van {total}", "Vraag {number} van {total}", same_as_source),
        ("Stuur eerst /start.", "Najpierw wyślij \u200f/start.", bidi_problems),
    ],
)
def test_checks_detect_problems(msgid, bad, check) -> None:
    cat = _tiny()
    cat[msgid].string = bad
    assert check(cat), f"{check.__name__} did not notice {bad!r}"


def test_fuzzy_is_detected() -> None:
    cat = _tiny()
    cat["Stuur eerst /start."].flags.add("fuzzy")
    assert untranslated(cat)


def test_arabic_line_starting_latin_is_detected() -> None:
    cat = Catalog(locale="ar", fuzzy=False)
    cat.add("Zo werkt Buurtstem:", "Buurtstem يعمل هكذا:")
    assert bidi_problems(cat)
    cat["Zo werkt Buurtstem:"].string = "هكذا يعمل Buurtstem:"
    assert bidi_problems(cat) == []
