"""Find people's names in residents' free text (issue 11, point 6).

No library does this offline for all six bot languages, so :func:`find_names` combines
narrow rules with two well-kept word lists shipped inside packages:

* ``wordfreq`` (Apache-2.0 code, CC-BY-SA 4.0 data; its lists are files in the wheel,
  nothing is downloaded) tells an ordinary word ("Samen", "Toen", "Kawa") from a rare
  capitalised one;
* ``babel`` (CLDR) gives the country, language, month and day names of each language,
  which are capitalised but never a person;
* ``snowballstemmer`` (BSD-3-Clause, pure Python, no data) strips the suffixes of an
  inflected word, so "Komşularımı" at the start of a sentence is known as a word;
* ``faker``'s Arabic person providers (MIT) give Arabic-script first names: Arabic has
  no capital letters, so there a list is the only cue besides titles.

Rules, in the order they are tried on each capitalised word (Latin and Cyrillic script):

1. a **title** before it ("juf", "meneer", "mevrouw", "Mr", "pani", "pan", "panią",
   "пан", "пані", "вчителька", …) or a Turkish title after it ("Hoca", "Bey",
   "Hanım", "Abla", "Teyze", …): a name (sure);
2. a word on the **keep** list (the centres' own names, places, shops, feasts, God, the
   CLDR names above, street names without a number), an all-capitals abbreviation, a
   word that ends like a street ("…straat", "…weg", "…вег"): never a name;
3. inside a sentence (not its first word): a capitalised word is a proper noun in
   Dutch, Turkish, Polish and Ukrainian (where common nouns are written in lower case,
   so case endings such as "Kasią", "Оленою" need no word list); right after a place
   preposition ("in", "uit", "naar", "w", "do", "у", "в", …) it may be a town: then
   it is only *marked* as a possible name; otherwise it is a name (sure);
4. the first word of a sentence is a name only when another name word follows
   ("Anneke Visser zegt…"), when it carries a Turkish suffix after an apostrophe
   ("Ayşe'yi"), or when it is no ordinary word in any of the languages (wordfreq
   Zipf frequency 0); a first word that is rarely used is marked as possible, and so
   is an unknown first word whose Snowball stem is a common word in Turkish, Dutch,
   Polish or English ("Komşularımı" -> "komşu", my neighbours): inflected words are
   rare in the word lists, names seldom have such a stem (15 of 2,850 unknown names
   in faker's nl/tr/pl/en/uk/ar person lists).

Consecutive name words, with particles between them ("van", "de", "El", "bin", …),
make one span. Arabic script: a word after an Arabic title ("السيد", "السيدة",
"الأستاذ", "الحاج", "أم", "أبو", "جارتي", …) or an Arabic first name from the list,
with a family name after it ("ال…", "بن …"), is a name.

Sources:
    * Capitalisation of proper nouns: Taaladvies.net (Dutch), TDK Yazım Kılavuzu
      (Turkish, apostrophe before suffixes of proper nouns), Słownik ortograficzny PWN
      (Polish), Український правопис 2019 §49 (Ukrainian).
    * CLDR via babel for territory, language, month and day names.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["NameSpans", "centre_names", "find_names"]

NameSpans = tuple[list[tuple[int, int]], list[tuple[int, int]]]

#: Latin or Cyrillic word, letters with inner apostrophes or hyphens ("Ayşe'yi").
_WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’][^\W\d_]|-[^\W\d_])*")
_ARABIC_WORD_RE = re.compile(r"[\u0621-\u064A\u0660-\u0669\u066E-\u06D3\u06FA-\u06FF]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06FF]")

#: Titles written before a name, lower-cased (a title in capitals at the start of a
#: sentence counts as well).
_TITLES_BEFORE = frozenset(
    """
    juf juffrouw meester meneer mevrouw mw mw. dhr dhr. mevr mevr. buurvrouw buurman
    tante oom opa oma dokter zuster broeder pastoor imam hodja vriendin vriend collega
    mr mr. mrs mrs. ms ms. miss dr dr. auntie aunty uncle nurse teacher neighbour neighbor
    sir madam
    öğretmen öğretmenim doktor hemşire
    pani pan pana panu panem panią państwo ciocia cioci ciocią ciocię wujek wujka wujkiem
    ksiądz księdza doktora doktorem sąsiadka sąsiad sąsiadką sąsiadem koleżanka kolega
    пан пані пана панові паном панею вчителька вчительки вчителькою вчитель вчителем
    лікар лікарка лікаря лікарем тітка тітки тітці тіткою тітку дядько дядька дядьком
    бабуся бабусі бабусею дідусь дідуся сусідка сусідкою сусід сусідом подруга подругою
    """.split()  # noqa: SIM905
)
_TITLES_PLAIN = frozenset(t.rstrip(".") for t in _TITLES_BEFORE)
#: Polish and Ukrainian "with" (z, з): with a name in the instrumental case it is a
#: person ("z Kasią", "з Оленою"); otherwise often a town ("z Krakowa", "з Харкова").
_WITH = frozenset({"z", "ze", "з", "із", "зі"})
_INSTRUMENTAL_RE = re.compile(r"(?:ą|em|iem|ою|ею|єю|ом|ем|єм)$")
#: Turkish titles written after a name ("Ayşe Hoca", "Mehmet Bey", "Fatma Hanım").
_TITLES_AFTER_RE = re.compile(
    r"(?:Hoca|Hocam|Hocanın|Hocaya|Hocayla|Bey|Beyi|Beye|Beyin|Beyle|Hanım|Hanımı|Hanıma"
    r"|Hanımın|Hanımla|Abla|Ablam|Abi|Abim|Ağabey|Teyze|Teyzem|Amca|Amcam|Dayı|Yenge|Nine)"
    r"(?:['’][^\W\d_]+)?$"
)
#: Small words inside a full name ("Jan de Vries", "Fatima El Amrani", "ibn Sina").
_PARTICLES = frozenset(
    "van de der den het ten ter te la le du da di del von el al ben bin ibn bint abu".split()
)
#: Words after which a capitalised word is more likely a town than a person (and the
#: articles: "de Schilderswijk", "the Hague"; Dutch and English put none before a name).
_PLACE_PREPOSITIONS = frozenset(
    """
    de het the
    in uit naar nabij from into near
    w we z ze do na ku przy
    у в з із зі до на біля під
    """.split()  # noqa: SIM905
)
#: Street-name endings (Dutch, also in Cyrillic and Turkish spelling): a street, not a person.
_STREET_END_RE = re.compile(
    r"(?:straat|weg|laan|plein|kade|gracht|singel|dijk|hof|park|dreef|steeg|pad|markt|"
    r"plantsoen|baan|dam|wal|veld|burg|haven|kwartier|oord|hoek|zijde|"
    r"страат|вег|лаан|плейн|каде|парк|"
    r"caddesi|sokak|sokağı|bulvarı|mahallesi|street|road|lane|avenue|square|"
    r"wijk|buurt|dorp|polder|hoven|stad|centrum|kerk|moskee|school|huis)"
    r"(?:['’][^\W\d_]*|e|a|ie|і|у|ом|ї)?$",
    re.IGNORECASE,
)
#: Places, shops, organisations, feasts and faith words residents name; matched on the
#: part before a Turkish apostrophe and, for inflected languages, on a few case forms.
_KEEP_WORDS = frozenset(
    """
    den haag hague the gemeente escamp zuidwest moerwijk bouwlust vrederust morgenstond
    leyenburg zuiderpark malieveld rotterdam amsterdam utrecht delft zoetermeer rijswijk
    scheveningen nederland holland europa europe europa
    paramaribo suriname curaçao aleppo damascus homs idlib beirut rabat casablanca nador
    tanger marrakech istanbul i̇stanbul ankara izmir i̇zmir konya kayseri antalya
    warszawa warszawie warszawy kraków krakowie krakowa lublin lublinie gdańsk gdańsku
    wrocław wrocławiu poznań poznaniu łódź łodzi polsce polski polska hadze hagi haga
    київ києві києва харків харкові харкова львів львові львова одеса одесі одеси дніпро
    гаага гааги гаазі гаагу нідерланди нідерландах україна україні україни
    albert heijn lidl aldi jumbo action hema kruidvat ikea
    whatsapp telegram facebook instagram tiktok google youtube viber signal messenger
    voedselbank humanitas movisie resto vanharte wijkteam haeghe groep
    ramadan ramazan bayram bayramı bayramı'nda suikerfeest offerfeest kerst kerstmis pasen
    koningsdag bevrijdingsdag sinterklaas eid christmas easter wigilia wigilię wielkanoc
    великдень різдво різдва великодня
    god allah bóg boga bogu bogiem бог бога богу богом господь
    bank żywności банк їжі food
    nederlands engels arabisch turks pools oekraïens hollandaca felemenkçe türkçe arapça
    ingilizce lehçe ukraynaca
    buurtkamer buurthuis
    """.split()  # noqa: SIM905
)


@cache
def _cldr_words() -> frozenset[str]:
    """Country, language, month and day names of the six languages (lower-cased words)."""
    from babel import Locale  # noqa: PLC0415 - loaded on first scrub only
    from babel.dates import get_day_names, get_month_names  # noqa: PLC0415 - as above

    words: set[str] = set()
    for code in ("nl", "en", "tr", "ar", "pl", "uk"):
        locale = Locale.parse(code)
        names = list(locale.territories.values()) + list(locale.languages.values())
        for context in ("format", "stand-alone"):
            names += list(get_month_names("wide", context=context, locale=code).values())
            names += list(get_day_names("wide", context=context, locale=code).values())
        for name in names:
            found = _WORD_RE.findall(name)
            if len(found) == 1:  # not "Sint Maarten", "Świętego Tomasza i Książęca"
                words.add(found[0].lower())
    return frozenset(words)


@cache
def _centre_words() -> frozenset[str]:
    """Words of the shipped centres' own names (never redacted: "Heeswijkplein 160")."""
    try:
        from bot.survey.catalogue import catalogue  # noqa: PLC0415 - the pack loads lazily

        centres = catalogue().centres
    except Exception:  # noqa: BLE001 - no catalogue: only the fixed keep words apply
        return frozenset()
    words: set[str] = set()
    for centre in centres:
        for attr in ("name", "neighbourhood", "district", "address"):
            words.update(w.lower() for w in _WORD_RE.findall(str(getattr(centre, attr, "") or "")))
    return frozenset(words)


@cache
def centre_names() -> tuple[str, ...]:
    """The shipped centres' names, lower-cased ("heeswijkplein 160", "bij betje")."""
    try:
        from bot.survey.catalogue import catalogue  # noqa: PLC0415 - the pack loads lazily

        return tuple(" ".join(c.name.lower().split()) for c in catalogue().centres)
    except Exception:  # noqa: BLE001 - no catalogue: no centre names to keep
        return ()


@cache
def _arabic_first_names() -> frozenset[str]:
    """Arabic-script first names from faker's Arabic person providers."""
    import importlib  # noqa: PLC0415 - only when Arabic names are first needed

    names: set[str] = set()
    for module in ("ar_AA", "ar_SA", "ar_PS", "ar_DZ"):
        try:
            provider = importlib.import_module(f"faker.providers.person.{module}").Provider
        except ImportError:  # pragma: no cover - faker is a dependency
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            for name in getattr(provider, attr, ()) or ():
                if _ARABIC_RE.search(name) and " " not in name:
                    names.add(name)
    return frozenset(names)


_ARABIC_TITLES = frozenset(
    """
    السيد السيدة السيده الأستاذ الأستاذة الاستاذ الاستاذة الحاج الحاجة الشيخ الشيخة
    الدكتور الدكتورة المعلم المعلمة الآنسة الانسة أم ام أبو ابو جارتي جاري صديقتي صديقي
    خالتي عمتي عمي خالي اسمه اسمها
    """.split()  # noqa: SIM905
)
_ARABIC_PARTICLES = frozenset({"بن", "بنت", "ابن", "أبو", "ابو"})


@cache
def _zipf(word: str) -> float:
    """Highest Zipf frequency of ``word`` in the six languages (0 = unknown word)."""
    from wordfreq import zipf_frequency  # noqa: PLC0415 - word lists load on first use

    best = 0.0
    for lang in ("nl", "en", "tr", "pl", "uk", "ar"):
        best = max(best, zipf_frequency(word, lang, wordlist="small"))
    return best


@cache
def _stem_is_word(word: str) -> bool:
    """True if the Snowball stem of lower-cased ``word`` is a common word of its language.

    Only a stem that drops at least three letters, keeps at least four and has a Zipf
    frequency of 3.5 or more counts: looser settings took up to 110 of 2,850 unknown
    names in faker's person lists for words; these take 15.
    """
    from snowballstemmer import stemmer  # noqa: PLC0415 - loaded only for unknown first words
    from wordfreq import zipf_frequency  # noqa: PLC0415 - word lists load on first use

    for algorithm, lang in _STEMMED:
        stem = stemmer(algorithm).stemWord(word)
        if len(word) - len(stem) >= 3 and len(stem) >= 4 and zipf_frequency(stem, lang, wordlist="small") >= 3.5:
            return True
    return False


#: Snowball algorithms of the bot languages that have one, with wordfreq's language code.
_STEMMED = (("turkish", "tr"), ("dutch", "nl"), ("polish", "pl"), ("english", "en"))


@cache
def _base(word: str) -> str:
    """The word before a Turkish apostrophe suffix, lower-cased ("Ayşe'yi" -> "ayşe")."""
    return re.split(r"['’]", word, maxsplit=1)[0].lower()


def _kept(word: str) -> bool:
    base = _base(word)
    return (
        base in _KEEP_WORDS
        or base in _centre_words()
        or base in _cldr_words()
        or _STREET_END_RE.search(base) is not None
    )


def _capitalised(word: str) -> bool:
    """True for "Anneke", "Ayşe'yi", "Оленою"; False for "I", "TL'den", "AOW", "bus"."""
    base = re.split(r"['’]", word, maxsplit=1)[0]
    return len(base) > 1 and word[0].isupper() and not base.isupper()


def _sentence_start(text: str, start: int) -> bool:
    """True if the word at ``start`` opens a sentence (or the text, or a line)."""
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“”‘’«»(":
        i -= 1
    return i < 0 or text[i] in ".!?\n:;…•-–—"


def find_names(text: str) -> NameSpans:
    """Spans of people's names in ``text``.

    Args:
        text: Free text in any of the six languages (already scrubbed of numbers and
            addresses; placeholders such as ``[telefoon]`` are skipped).

    Returns:
        ``(sure, possible)``: sorted, non-overlapping ``(start, end)`` character spans.
        ``sure`` spans are names to replace; ``possible`` spans may be names (a
        capitalised word after a place preposition, a rare word at the start of a
        sentence) and are left in the text for a person to decide.
    """
    sure: list[tuple[int, int]] = []
    possible: list[tuple[int, int]] = []
    if _ARABIC_RE.search(text):
        _arabic(text, sure, possible)
    words = [m for m in _WORD_RE.finditer(text) if not _ARABIC_RE.match(m.group())]
    n = len(words)
    i = 0
    while i < n:
        m = words[i]
        word = m.group()
        prev = words[i - 1].group() if i else ""
        adjacent_prev = i and text[words[i - 1].end():m.start()].strip() in ("", ".")
        if (
            not _capitalised(word)
            or _kept(word)
            or _in_placeholder(text, m.start())
            or word.lower().rstrip(".") in _TITLES_PLAIN
            or _TITLES_AFTER_RE.match(word)
        ):
            i += 1
            continue
        # extend over the following name words ("Anneke Visser", "Jan de Vries")
        j = i
        k = i + 1
        street = False
        while k < n:
            gap = text[words[k - 1].end():words[k].start()]
            nxt = words[k].group()
            if gap.strip() not in ("",):
                break
            if nxt.lower() in _PARTICLES:
                p = k
                while p < n and words[p].group().lower() in _PARTICLES:
                    p += 1
                if p < n and p - k <= 3 and _capitalised(words[p].group()) and not _kept(words[p].group()):
                    k = p
                    continue
                break
            if _capitalised(nxt) and _STREET_END_RE.search(_base(nxt)):
                street = True  # "Church Street", "Loosduinse Hoofdstraat": a street
                break
            if _capitalised(nxt) and not _kept(nxt) and not _TITLES_AFTER_RE.match(nxt):
                j = k
                k += 1
                continue
            break
        span = (m.start(), words[j].end())
        if street:
            i = j + 1
            continue
        titled_before = bool(adjacent_prev) and prev.lower().rstrip(".") in _TITLES_PLAIN
        titled_after = j + 1 < n and _TITLES_AFTER_RE.match(words[j + 1].group()) is not None
        at_start = _sentence_start(text, m.start())
        if titled_before or titled_after or j > i:
            sure.append(span)
        elif not at_start:
            if prev.lower() in _WITH and _INSTRUMENTAL_RE.search(word):
                sure.append(span)
            elif prev.lower() in _PLACE_PREPOSITIONS:
                possible.append(span)
            else:
                sure.append(span)
        elif "'" in word or "’" in word:
            sure.append(span)  # Turkish: an apostrophe suffix marks a proper noun
        elif j + 1 < n and words[j + 1].group() == "ile" and not text[m.end():words[j + 1].start()].strip():
            sure.append(span)  # Turkish "Murat ile …" (with Murat): written apart after a name
        else:
            zipf = _zipf(word.lower())
            if zipf == 0.0 and _stem_is_word(word.lower()):
                possible.append(span)  # an inflected ordinary word ("Komşularımı")
            elif zipf == 0.0:
                sure.append(span)
            elif zipf < 3.0:
                possible.append(span)
        i = j + 1
    sure.sort()
    possible.sort()
    return sure, possible


def _in_placeholder(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] == "[" and text.find("]", start) != -1


#: Words before an Arabic first name that make it a person ("with", "thanks to", …).
_ARABIC_PERSON_BEFORE = frozenset(
    "مع بفضل على لي إلى الى عن عند يأخذني أخذني ساعدني ساعدتني قابلت رأيت و".split()
)


def _arabic(text: str, sure: list[tuple[int, int]], possible: list[tuple[int, int]]) -> None:
    """Arabic-script names: after a title, or a listed first name in a person's context.

    Many Arabic first names are also ordinary words ("أمل" hope, "نور" light, "سعيد"
    happy), so a listed name counts only after a title or a word such as "مع" (with),
    "بفضل" (thanks to), at the start of a sentence before a verb, or next to another
    listed name; elsewhere it is marked as possible.
    """
    first = _arabic_first_names()
    words = list(_ARABIC_WORD_RE.finditer(text))
    n = len(words)

    def adjacent(a: int, b: int) -> bool:
        """True if words a and b are separated by spaces only (same line)."""
        return text[words[a].end():words[b].start()] in (" ", "\u00a0")

    i = 0
    while i < n:
        w = words[i].group()
        prev = words[i - 1].group() if i else ""
        nxt = words[i + 1].group() if i + 1 < n else ""
        if w in _ARABIC_TITLES and i + 1 < n and adjacent(i, i + 1):
            start_i, certain = i + 1, True
        elif w in first:
            start = _sentence_start(text, words[i].start())
            certain = (
                prev in _ARABIC_PERSON_BEFORE
                or (start and nxt[:1] in ("ي", "ت"))
            )
            start_i = i
        else:
            i += 1
            continue
        end_i = start_i
        if end_i + 1 < n and adjacent(end_i, end_i + 1):
            after = words[end_i + 1].group()
            if after in _ARABIC_PARTICLES and end_i + 2 < n and adjacent(end_i + 1, end_i + 2):
                end_i += 2
            elif after in first or (after.startswith("ال") and after not in _ARABIC_TITLES
                                    and start_i != i):
                end_i += 1
            elif after.startswith("ال") and w in first and certain:
                end_i += 1
        span = (words[start_i].start(), words[end_i].end())
        (sure if certain else possible).append(span)
        i = end_i + 1
