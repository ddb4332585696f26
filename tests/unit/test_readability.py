"""What residents read is plain (B1), in the register chosen per language, and faithful.

Three checks over every text of the catalogues (``locales/<lang>/LC_MESSAGES/messages.po``,
Dutch msgids included) and every resident-facing text of the survey pack (prompts, option
labels, scale, survey titles, the effect categories' resident labels):

1. **Sentence length**: at most :data:`MAX_WORDS` words per sentence. Plain-language
   guidance for B1 (e.g. the Dutch government's "Direct duidelijk" and the CEFR B1
   descriptor "straightforward connected text") keeps sentences to about 15–20 words.
2. **Word list**: words above B1 or that mean something else to residents, per language
   (:data:`HARD_WORDS`, each with the reason), found in a real review (issue 17).
3. **Register** (``locales/README.md``): Turkish speaks with *siz*, Ukrainian with *ви*,
   Arabic without masculine imperatives (:data:`REGISTER`). Buttons are the resident's own
   words ("Evet, her şeyi sil"), so only texts with sentence punctuation are checked.

A fourth test traces each indicator statement to its indicator in the theory of change
(``indicator_sources.toml`` in the pack), and, where ``../shared/seeds`` is present, to the
seed text itself. The last tests feed known-bad texts to the checks, so they can fail.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.survey.catalogue import load_catalogue
from bot.survey.models import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
SEEDS = ROOT.parent / "shared" / "seeds"

#: Longest sentence, in words ({placeholders} count as one word).
MAX_WORDS = 20

#: Texts exempt from the sentence length: a literature reference (title and authors).
LONG_OK = {"Methode: Most Significant Change"}

#: Per language: pattern -> why it is not B1 (or not what it seems). Case-insensitive.
HARD_WORDS: dict[str, dict[str, str]] = {
    "nl": {
        r"\binstanties?\b": "B2 word: say 'de gemeente en andere organisaties'",
        r"\bertoe doen\b": "B2 idiom: 'ik tel mee'",
        r"\bzet(ten)? (me|zich) in\b|\binzetten voor\b": "B2 idiom: 'ik help'",
        r"\bgebieden\b": "read as parts of town",
        r"\bkaartjes?\b": "residents see buttons, not cards",
        r"\btik\b": "say 'druk' (or 'kies'), as everywhere else",
        r"\bliever geen\b": "too weak: the sheet says 'schrijf geen'",
        r"\bminder alleen\b": "the indicator says 'eenzaam'",
        r"\bdurf meer om\b": "not Dutch",
    },
    "en": {
        r"\bmake an effort\b": "say 'I help'",
        r"\baffairs\b": "above B1",
        r"\bareas\b": "read as parts of town",
        r"\bcards?\b": "residents see buttons, not cards",
        r"\bpress right\b": "the button is called 'Correct'",
        r"\bless alone\b": "the indicator says 'lonely'",
    },
    "tr": {
        r"\bhâlini\b": "unclear: say 'cevabınızı'",
        r"\bemek ver": "say 'yardım ediyorum'",
        r"\balan(lar)?(ı|ın|dan|da)": "read as places",
        r"\bkart": "residents see buttons, not cards",
        r"\bsoru turu\b": "say 'anket'",
    },
    "ar": {
        r"بطاقة": "residents see buttons, not cards",
        r"^وحدة أقل": "'وحدة' alone can also mean a unit",
    },
    "pl": {
        r"\brund[aęyi]\b.*pyta|\brund[aęyi] pyta": "reads as a game: say 'ankieta'",
        r"\bangażuj": "say 'pomagam'",
        r"\bw których z tych obszarów": "read as places: 'W czym …'",
        r"\bkart[ayęe]\b": "residents see buttons, not cards",
        r"\bbierzesz udział przez\b": "unclear: 'Twoje centrum to …'",
        r"\brzadziej czuję się samotnie\b": "means 'less often', not 'less'",
    },
    "uk": {
        r"раунд\w* запитань": "reads as a game: say 'опитування'",
        r"докладаю зусиль": "say 'допомагаю'",
        r"у яких із цих сфер": "read as places: 'У чому …'",
        r"картк": "residents see buttons, not cards",
        r"[а-яіїєґ]'[а-яіїєґ]": "use the Ukrainian apostrophe ’",
        r"р\.\.": "double full stop after a date",
    },
}

#: Per language: pattern of forms outside the chosen register (locales/README.md).
REGISTER: dict[str, str] = {
    # siz: no sen-pronouns, no sen-questions, no bare sen-imperatives of the bot's verbs
    "tr": r"\b(sen|seni|sana|senin|senden|sende|musun|misin|mısın|müsün|gönder|bas|yaz|seç|dene"
          r"|anlat|dokun|iste|yanıtla|istiyorsun|alırsın|istersen|dersen|verdiğin|hikâyeni|hikâyen|adın"
          r"|bekle|oluştur|geri al|isim verme|alıntı yapma)\b",
    # ви: no ти-pronouns or ти-verbs
    "uk": r"(?<![\w’])(ти|тебе|тобі|твій|твоя|твоє|твої|твого|твоєї|твоїй|твоєму|твоїх|напиши|натисни"
          r"|надішли|вибери|познач|розкажи|наведи|спробуй|зупини|попроси|хочеш|можеш|отримаєш"
          r"|отримуватимеш|береш|твою|вкажи|створи|поверни|називай|цитуй)(?![\w’])",
    # neutral Arabic: يمكنك / يُرجى + verbal noun instead of masculine imperatives
    "ar": r"(?<!\w)(اضغط|أرسل|اكتب|اختر|أخبرنا|امسح|اروِ|تريد|أنت|تأكد|اسأل|حاول|تسمح لنا|تحصل على الرمز)(?!\w)",
}

#: Per language: "your"/"you" of the other register, wrong also in a label without a full
#: stop ("Jouw verwijdercode: {code}"); a button never says "your".
REGISTER_PRONOUNS: dict[str, str] = {
    "tr": r"\b(sen|seni|sana|senin|kodun|cevabın|merkezin)\b",
    "uk": r"(?<![\w’])(ти|тебе|тобі|твій|твоя|твоє|твої|твою|твого|твоєї|твоїй|твоєму|твоїх)(?![\w’])",
}

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_SENTENCE_END = re.compile(r"(?<=[.!?؟:;])\s+|\n+")
_WORD = re.compile(r"[\w’'-]+")


def sentences(text: str) -> list[str]:
    """Split a message into sentences (and lines); placeholders become one word."""
    return [s for s in _SENTENCE_END.split(_PLACEHOLDER.sub("X", text)) if s.strip()]


def long_sentences(text: str, limit: int = MAX_WORDS) -> list[str]:
    """The sentences of ``text`` with more than ``limit`` words."""
    return [s for s in sentences(text) if len(_WORD.findall(s)) > limit]


def hard_words(text: str, language: str) -> list[str]:
    """Reasons why ``text`` is not plain, from :data:`HARD_WORDS` of ``language``."""
    return [why for pattern, why in HARD_WORDS.get(language, {}).items()
            if re.search(pattern, text, re.IGNORECASE)]


def off_register(text: str, language: str) -> list[str]:
    """Forms of ``text`` outside the register of ``language`` (only for sentences)."""
    pattern = REGISTER.get(language)
    if pattern is None or not re.search(r"[.?!؟](\s|$)", text):
        pattern = REGISTER_PRONOUNS.get(language)
    if pattern is None:
        return []
    return [m.group(0) for m in re.finditer(pattern, text, re.IGNORECASE)]


# --- what residents read -------------------------------------------------------------------


def catalogue_texts() -> list[tuple[str, str, str]]:
    """(language, where, text) of every msgid (nl) and translation (five languages)."""
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for lang in LANGUAGES[1:]:
        with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msg in catalog:
            if not msg.id:
                continue
            ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            for msgid in ids:
                if msgid not in seen:
                    seen.add(msgid)
                    out.append(("nl", f"msgid {msgid[:40]!r}", msgid))
            out += [(lang, f"{lang} {ids[0][:40]!r}", s) for s in strings]
    return out


def survey_texts() -> list[tuple[str, str, str]]:
    """(language, where, text) of every resident-facing text of the survey pack."""
    cat = load_catalogue()
    out: list[tuple[str, str, str]] = []

    def add(where: str, texts: dict[str, str]) -> None:
        out.extend((lang, f"{where} ({lang})", text) for lang, text in texts.items())

    for item in cat.items.values():
        add(item.id, item.prompt)
        for opt in item.options:
            add(f"{item.id}/{opt.id}", opt.label)
    for point in cat.scale.points:
        add(f"scale {point.value}", point.label)
    add("scale don't know", cat.scale.dont_know)
    add("scale skip", cat.scale.skip)
    for survey in cat.surveys.values():
        add(f"survey {survey.name}", survey.title)
    for effect in cat.effects:
        if effect.resident:
            add(f"effect {effect.id} (resident)", effect.resident)
    return out


ALL_TEXTS = catalogue_texts() + survey_texts()


def test_every_sentence_is_short() -> None:
    problems = [(where, s) for lang, where, text in ALL_TEXTS
                if not any(text.startswith(ok) for ok in LONG_OK)
                for s in long_sentences(text)]
    assert problems == []


def test_no_word_above_b1_or_with_another_meaning() -> None:
    problems = [(where, why) for lang, where, text in ALL_TEXTS for why in hard_words(text, lang)]
    assert problems == []


def test_register_is_the_chosen_one() -> None:
    problems = [(where, form) for lang, where, text in ALL_TEXTS for form in off_register(text, lang)]
    assert problems == []


def test_effect_categories_have_plain_labels_for_residents() -> None:
    cat = load_catalogue()
    for effect in cat.effects:
        assert effect.resident is not None, effect.id
        assert effect.resident["nl"] != effect.label["nl"] or len(effect.label["nl"]) < 25, effect.id
        assert "/" not in "".join(effect.resident.values()), effect.id  # analysts' "A/ B" labels
        # the feedback message lists the labels joined by commas: a comma inside one label
        # ("Samen iets doen voor de buurt, vrijwilligerswerk") reads as two effects
        assert not [t for t in effect.resident.values() if "," in t or "،" in t], effect.id


#: Buttons that answer more than one question, and words that fit only one of them.
#: "Nee, liever niet" answers both "Doe je mee?" and "Mogen we je verhaal gebruiken?": a
#: "no, I'd rather not take part" on the story question reads as leaving the survey.
SHARED_BUTTONS: dict[str, str] = {
    "Nee, liever niet": r"meedoen|take part|katıl|أشارك|المشاركة|udział|участ",
}


def test_shared_buttons_fit_every_question_they_answer() -> None:
    problems = []
    for lang in LANGUAGES[1:]:
        with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid, only_one in SHARED_BUTTONS.items():
            text = catalog[msgid].string
            if re.search(only_one, text, re.IGNORECASE):
                problems.append((lang, msgid, text))
    assert problems == []


#: The instruction the code adds under a question ("Typ je antwoord. Of druk op Overslaan.",
#: "Kies alles wat past. …"), in the words a survey prompt must then not repeat.
INSTRUCTION_WORDS: dict[str, str] = {
    "nl": r"\btyp\b|\bdruk\b|\bkies\b", "en": r"\btype\b|\bpress\b|\bchoose\b",
    "tr": r"yazın|basın|seçin", "ar": r"كتابت|الضغط|اختيار", "pl": r"napisz|wpisz|naciśnij|zaznacz",
    "uk": r"напишіть|натисніть|виберіть|позначте",
}


def test_prompts_do_not_repeat_the_instruction() -> None:
    problems = [(item.id, lang, text) for item in load_catalogue().items.values()
                for lang, text in item.prompt.items()
                if re.search(INSTRUCTION_WORDS[lang], text, re.IGNORECASE)]
    assert problems == []


# --- the checks can fail --------------------------------------------------------------------


def test_checks_catch_bad_texts() -> None:
    assert long_sentences("Een " * 20 + "zin.") and not long_sentences("Een " * 19 + "zin.")
    assert long_sentences("Kort. " + "woord " * 21) and not long_sentences("{a} {b}. " * 12)
    assert hard_words("Ik zet me in voor instanties.", "nl") == [
        "B2 word: say 'de gemeente en andere organisaties'", "B2 idiom: 'ik help'"]
    assert hard_words("Jest nowa runda pytań.", "pl") and hard_words("ім'я", "uk")
    assert hard_words("14 грудня 2026 р..", "uk") and not hard_words("ім’я", "uk")
    assert off_register("Cevabını yaz ya da Geç düğmesine bas.", "tr") == ["yaz", "bas"]
    assert off_register("Evet, her şeyi sil", "tr") == []  # a button: the resident speaks
    assert off_register("En önemli olarak seç: {domain}", "tr") == []  # a button too
    assert off_register("Будь ласка, натисни одну з кнопок.", "uk") == ["натисни"]
    assert off_register("هل تريد حذف كل إجاباتك؟ أرسل /forget.", "ar") == ["تريد", "أرسل"]
    assert not off_register("يمكنك إرسال /forget.", "ar")
    assert off_register("Silme kodun: {code}", "tr") == ["kodun"]  # a label, not a button
    assert off_register("Твій код для видалення: {code}", "uk") == ["Твій"]
    assert not off_register("Silme kodunuz: {code}", "tr")
    assert off_register("Henüz tur yok. /newround ile bir tur oluştur.", "tr") == ["oluştur"]
    assert off_register("Спершу поверни її кнопкою ↩.", "uk") == ["поверни"]
    assert off_register("حاول مرة أخرى غدًا.", "ar") == ["حاول"]


# --- each indicator statement traces to its indicator ----------------------------------------

#: Words by which an indicator speaks of a change (the statement must say: through the centre).
CHANGE_WORDS = re.compile(r"\b(meer|minder|sneller|vaker|beter|veiliger|waardevoller|gelukkiger"
                          r"|krijgen het vertrouwen)\b", re.IGNORECASE)


def _sources() -> list[dict]:
    path = load_catalogue().data_dir / "indicator_sources.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)["indicator"]


def trace_problems(row: dict, prompt_nl: str, source_nl: str) -> list[str]:
    """Why the table row does not trace the statement ``prompt_nl`` to ``source_nl``."""
    problems = []
    if row["source_nl"] != source_nl:
        problems.append("source_nl differs from the catalogue")
    if row["statement_nl"] != prompt_nl:
        problems.append("statement_nl differs from the prompt (translations were made from it)")
    src, stmt = source_nl.casefold(), prompt_nl.casefold()
    problems += [f"kept {k!r} missing" for k in row["kept"] if k.casefold() not in src or k.casefold() not in stmt]
    problems += [f"plain {a!r} -> {b!r} missing" for a, b in row["plain"]
                 if a.casefold() not in src or b.casefold() not in stmt]
    if not row["kept"] and not row["plain"]:
        problems.append("nothing ties the statement to the indicator")
    through = row["through_centre"]
    if CHANGE_WORDS.search(source_nl) and "ontmoetingscentrum" not in through:
        problems.append("the indicator speaks of a change: say it comes through the centre")
    if through and through not in prompt_nl:
        problems.append("through_centre is not in the statement")
    return problems


def test_each_statement_traces_to_its_indicator() -> None:
    cat = load_catalogue()
    rows = {row["id"]: row for row in _sources()}
    assert set(rows) == {i.id for i in cat.indicators}
    problems = {i.id: p for i in cat.indicators
                if (p := trace_problems(rows[i.id], i.prompt["nl"], i.source_nl or ""))}
    assert problems == {}


def test_trace_check_catches_drift() -> None:
    row = {"source_nl": "Bewoners voelen zich minder eenzaam", "statement_nl": "Ik voel me minder alleen.",
           "kept": ["minder eenzaam"], "plain": [], "through_centre": ""}
    problems = trace_problems(row, "Ik voel me minder alleen.", "Bewoners voelen zich minder eenzaam")
    assert problems == ["kept 'minder eenzaam' missing",
                        "the indicator speaks of a change: say it comes through the centre"]


def test_indicators_are_the_seeds_indicators() -> None:
    seeds = sorted(SEEDS.glob("001_*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip(f"{SEEDS} not present (the source documents sit next to the checkout): "
                    "the trace table is checked against the catalogue only")
    text = seeds[0].read_text(encoding="utf-8")
    section = text.split("INDICATOREN", 1)[1].split("WERKWIJZE", 1)[0]
    bullets = [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]
    assert sorted(row["source_nl"] for row in _sources()) == sorted(bullets)


# --- words that were wrong in the chat (issue 17) -------------------------------------------


def test_a_question_gone_back_to_offers_keep_not_skip() -> None:
    from bot.i18n import Translator
    from conversations import keyboards
    from conversations.questions import question_text

    cat = load_catalogue()
    item = cat.items["msc.why"]
    for lang in ("nl", "en", "uk"):
        tr = Translator(lang)
        fresh = [b.text for row in keyboards.skip(tr, 1, 3).inline_keyboard for b in row]
        back = [b.text for row in keyboards.skip(tr, 1, 3, keep=True).inline_keyboard for b in row]
        assert fresh[0] == "⏭️ " + tr._("Overslaan") and back[0] == "👌 " + tr._("Zo laten")
        assert tr._("Zo laten") in question_text(item, tr, 3, 9, keep=True)
        assert tr._("Overslaan") not in question_text(item, tr, 3, 9, keep=True)
        scale = keyboards.scale(cat.scale, tr, 1, 3, keep=True).inline_keyboard
        assert scale[-2][-1].text == "👌 " + tr._("Zo laten")  # last row: previous question


def test_dates_read_naturally_in_every_language() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.i18n import Translator

    when = datetime(2026, 12, 14, 12, tzinfo=UTC)
    tz = ZoneInfo("Europe/Amsterdam")
    assert Translator("en").date(when, tz) == "14 December 2026"  # en_GB, not December 14
    for lang in LANGUAGES:
        tr = Translator(lang)
        line = tr._("Laatste dag om mee te doen: {date}", date=tr.date(when, tz))
        assert ".." not in line and "2026" in line, (lang, line)
