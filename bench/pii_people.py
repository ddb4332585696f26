"""Test sentences for the person-level kinds of :mod:`bench.pii_eval` (issue 11, point 6).

Written before the scrubber's rules for these kinds and independently of them: the
names, streets and spellings below come from what residents of a Den Haag Zuidwest
neighbourhood (and their home countries) write, not from the scrubber's word lists
(which come from packages). Kinds:

* ``name``      – first names, full names, names with a title ("juf", "meneer",
  "pani", "Hoca", "Bey", "السيد", "пані", …), in Latin, Arabic and Cyrillic script,
  Polish and Ukrainian names in their case forms, Turkish names with a suffix;
* ``dob``       – a date of birth (a date next to "born", "geboren", "doğum", …);
* ``plate``     – a Dutch licence plate (RDW side codes 4–11 and 13);
* ``social``    – a social-media account name after the platform's name;
* ``email_words`` – an e-mail address written out ("naam at gmail punt com",
  "małpa", "собака", "равлик", "et", …);
* ``street``    – a whole street name with a house number, two-word streets and
  streets written in Cyrillic included.

Each generator returns ``(written, secrets)``: ``written`` goes into the sentence;
every string in ``secrets`` must be gone from the scrubbed text (a whole-word match)
for the value to count as found.

``CLEAN_PEOPLE`` holds sentences that hold none of these but look like they might:
the centres' own names and addresses, places, shops, feasts, months and week days,
ordinary words that are also names, event dates, counts.
"""

from __future__ import annotations

import random

# ------------------------------------------------------------------ names
FIRST = {
    "nl": ["Anneke", "Henk", "Ria", "Gerda", "Kees", "Ingrid", "Marloes", "Priya", "Rajesh",
           "Sharon", "Jerrel", "Samira", "Nadia", "Bilal", "Ilse", "Joke", "Dirk", "Marieke",
           "Esther", "Sevda", "Thijs", "Ruud", "Wilma", "Hanneke"],
    "en": ["Mary", "Linda", "George", "Paul", "Karen", "Jessica", "Michael", "Rachel", "Brian",
           "Susan", "Kevin", "Helen"],
    "tr": ["Ayşe", "Mehmet", "Fatma", "Hatice", "Emine", "Hüseyin", "Zeynep", "Yusuf", "Elif",
           "Murat", "Hakan", "Gülsüm", "Songül", "Osman", "Kemal", "Selin"],
    "ar": ["أحمد", "محمد", "فاطمة", "خديجة", "يوسف", "مريم", "عمر", "ليلى", "حسن", "زينب",
           "سمير", "نادية", "خالد", "سعاد", "إبراهيم", "رشيد"],
    "pl": ["Kasia", "Anna", "Magda", "Ewa", "Agnieszka", "Basia", "Tomasz", "Piotr", "Marek",
           "Paweł", "Krzysztof", "Jan", "Zofia", "Małgorzata"],
    "uk": ["Олена", "Ірина", "Наталія", "Оксана", "Тетяна", "Андрій", "Тарас", "Олег",
           "Сергій", "Микола", "Юлія", "Світлана", "Богдан"],
}
LAST = {
    "nl": ["de Vries", "Jansen", "van den Berg", "Bakker", "El Amrani", "Ramdin", "Biharie",
           "Visser", "Mulder", "Boukhari", "van Leeuwen", "Ouali"],
    "en": ["Thompson", "Johnson", "Walker", "Wright", "Green", "Hughes"],
    "tr": ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan", "Doğan"],
    "ar": ["العلوي", "الحسني", "بن علي", "حداد", "منصور", "الخطيب"],
    "pl": ["Nowak", "Kowalska", "Wiśniewska", "Zielińska", "Wójcik", "Kamiński", "Lewandowski"],
    "uk": ["Шевченко", "Коваленко", "Бондаренко", "Мельник", "Ткачук", "Кравчук"],
}
#: Titles written before a name (with the name that may follow: "first", "last", "any").
TITLES_BEFORE = {
    "nl": ["juf", "meester", "meneer", "mevrouw", "buurvrouw", "buurman", "tante", "oom",
           "dokter", "oma", "Juf"],
    "en": ["Mr", "Mrs", "Ms", "Mr.", "Mrs.", "Miss", "Dr", "auntie", "uncle"],
    "tr": ["Dr.", "öğretmen"],
    "ar": ["السيد", "السيدة", "الأستاذ", "الأستاذة", "الحاج", "الحاجة", "أم", "أبو", "الدكتور",
           "المعلمة"],
    "pl": ["pani", "pan", "ciocia", "doktor", "Pani"],
    "uk": ["пан", "пані", "вчителька", "лікар", "тітка", "Пані"],
}
#: Turkish titles written after the name.
TITLES_AFTER_TR = ["Hoca", "Hocam", "Bey", "Hanım", "Abla", "Abi", "Teyze", "Amca"]

#: Polish case forms of first names: nominative -> (genitive, dative, accusative,
#: instrumental, locative).
PL_CASES = {
    "Kasia": ("Kasi", "Kasi", "Kasię", "Kasią", "Kasi"),
    "Anna": ("Anny", "Annie", "Annę", "Anną", "Annie"),
    "Magda": ("Magdy", "Magdzie", "Magdę", "Magdą", "Magdzie"),
    "Ewa": ("Ewy", "Ewie", "Ewę", "Ewą", "Ewie"),
    "Agnieszka": ("Agnieszki", "Agnieszce", "Agnieszkę", "Agnieszką", "Agnieszce"),
    "Basia": ("Basi", "Basi", "Basię", "Basią", "Basi"),
    "Zofia": ("Zofii", "Zofii", "Zofię", "Zofią", "Zofii"),
    "Małgorzata": ("Małgorzaty", "Małgorzacie", "Małgorzatę", "Małgorzatą", "Małgorzacie"),
    "Tomasz": ("Tomasza", "Tomaszowi", "Tomasza", "Tomaszem", "Tomaszu"),
    "Piotr": ("Piotra", "Piotrowi", "Piotra", "Piotrem", "Piotrze"),
    "Marek": ("Marka", "Markowi", "Marka", "Markiem", "Marku"),
    "Paweł": ("Pawła", "Pawłowi", "Pawła", "Pawłem", "Pawle"),
    "Krzysztof": ("Krzysztofa", "Krzysztofowi", "Krzysztofa", "Krzysztofem", "Krzysztofie"),
    "Jan": ("Jana", "Janowi", "Jana", "Janem", "Janie"),
}
#: Ukrainian case forms: nominative -> (genitive, dative, accusative, instrumental, locative).
UK_CASES = {
    "Олена": ("Олени", "Олені", "Олену", "Оленою", "Олені"),
    "Ірина": ("Ірини", "Ірині", "Ірину", "Іриною", "Ірині"),
    "Наталія": ("Наталії", "Наталії", "Наталію", "Наталією", "Наталії"),
    "Оксана": ("Оксани", "Оксані", "Оксану", "Оксаною", "Оксані"),
    "Тетяна": ("Тетяни", "Тетяні", "Тетяну", "Тетяною", "Тетяні"),
    "Юлія": ("Юлії", "Юлії", "Юлію", "Юлією", "Юлії"),
    "Світлана": ("Світлани", "Світлані", "Світлану", "Світланою", "Світлані"),
    "Андрій": ("Андрія", "Андрієві", "Андрія", "Андрієм", "Андрієві"),
    "Тарас": ("Тараса", "Тарасові", "Тараса", "Тарасом", "Тарасові"),
    "Олег": ("Олега", "Олегові", "Олега", "Олегом", "Олегові"),
    "Сергій": ("Сергія", "Сергієві", "Сергія", "Сергієм", "Сергієві"),
    "Микола": ("Миколи", "Миколі", "Миколу", "Миколою", "Миколі"),
    "Богдан": ("Богдана", "Богданові", "Богдана", "Богданом", "Богданові"),
}
CASE_INDEX = {"gen": 0, "dat": 1, "acc": 2, "ins": 3, "loc": 4}
#: Title forms that go with a case (Polish pan/pani, Ukrainian пан/пані).
PL_TITLE_CASES = {"gen": ("pani", "pana"), "dat": ("pani", "panu"), "acc": ("panią", "pana"),
                  "ins": ("panią", "panem"), "loc": ("pani", "panu")}
UK_TITLE_CASES = {"gen": ("пані", "пана"), "dat": ("пані", "панові"), "acc": ("пані", "пана"),
                  "ins": ("пані", "паном"), "loc": ("пані", "панові")}
PL_FEMININE = {"Kasia", "Anna", "Magda", "Ewa", "Agnieszka", "Basia", "Zofia", "Małgorzata"}
UK_FEMININE = {"Олена", "Ірина", "Наталія", "Оксана", "Тетяна", "Юлія", "Світлана"}

#: Sentences with a name. ``{x}`` is a name in its plain form; ``{x:gen}`` etc. a
#: first name (maybe with a title) in that case (pl, uk only).
NAME_SENTENCES = {
    "nl": [
        "Ik ging met {x} naar de markt en daarna koffie drinken.",
        "Dankzij {x} durf ik nu Nederlands te praten.",
        "{x} van de overkant helpt mij met de post.",
        "Mijn buurvrouw {x} neemt mij elke dinsdag mee.",
        "Toen ik ziek was, kwam {x} soep brengen.",
        "Ik heb {x} leren kennen bij de taalles.",
        "{x} zorgt dat iedereen zich welkom voelt.",
        "Samen met {x} hebben we de tuin opgeknapt.",
        "Elke week zie ik {x} en {y} bij de koffie.",
    ],
    "en": [
        "I went to the market with {x} and we had tea after.",
        "Thanks to {x} I now speak a bit of Dutch.",
        "{x} from across the street helps me with letters.",
        "My neighbour {x} takes me along every Tuesday.",
        "When I was ill, {x} brought me soup.",
        "I met {x} at the language class.",
        "{x} makes everyone feel welcome.",
        "Together with {x} we fixed the garden.",
    ],
    "tr": [
        "{x} ile pazara gittik, sonra çay içtik.",
        "{x} sayesinde artık biraz Hollandaca konuşuyorum.",
        "Karşı komşumuz {x} mektuplarımı okuyor.",
        "Hastayken {x} bana çorba getirdi.",
        "Dil kursunda {x} ile tanıştım.",
        "{x} herkesi güler yüzle karşılıyor.",
        "Her salı {x} beni de götürüyor.",
        "Bahçeyi {x} ile birlikte düzenledik.",
    ],
    "ar": [
        "ذهبت مع {x} إلى السوق ثم شربنا الشاي.",
        "بفضل {x} أصبحت أتكلم الهولندية قليلا.",
        "جارتي {x} تساعدني في قراءة الرسائل.",
        "عندما مرضت أحضر لي {x} الحساء.",
        "تعرفت على {x} في درس اللغة.",
        "{x} يرحب بالجميع في المركز.",
        "كل ثلاثاء يأخذني {x} معه.",
        "أصلحنا الحديقة مع {x}.",
    ],
    "pl": [
        "Poszłam z {x:ins} na targ, a potem na kawę.",
        "Dzięki {x:dat} mówię już trochę po niderlandzku.",
        "{x} z naprzeciwka pomaga mi z listami.",
        "Kiedy byłam chora, {x} przyniosła mi zupę.",
        "Poznałam {x:acc} na kursie językowym.",
        "Bez {x:gen} nie dałabym rady.",
        "Co wtorek jeżdżę z {x:ins} do centrum.",
        "Rozmawiałam o tym z {x:ins} i z {y:ins}.",
        "Zawsze myślę o {x:loc}, kiedy tam jestem.",
    ],
    "uk": [
        "Я ходила з {x:ins} на ринок, а потім пили чай.",
        "Завдяки {x:dat} я вже трохи говорю нідерландською.",
        "{x} з будинку навпроти допомагає мені з листами.",
        "Коли я хворіла, {x} приносила мені суп.",
        "Я познайомилася з {x:ins} на курсі мови.",
        "Без {x:gen} я б не впоралася.",
        "Щовівторка я бачу {x:acc} в центрі.",
        "Я часто думаю про {x:acc}.",
        "Ми говорили з {x:ins} і {y:ins} про сад.",
    ],
}


def _pl_uk_name(rng: random.Random, lang: str, case: str | None) -> tuple[str, list[str]]:
    table = PL_CASES if lang == "pl" else UK_CASES
    feminine = PL_FEMININE if lang == "pl" else UK_FEMININE
    titles = PL_TITLE_CASES if lang == "pl" else UK_TITLE_CASES
    first = rng.choice(list(table))
    form = first if case is None else table[first][CASE_INDEX[case]]
    r = rng.random()
    if r < 0.25:  # with a title
        if case is None:
            title = ("pani" if first in feminine else "pan") if lang == "pl" else (
                "пані" if first in feminine else "пан")
        else:
            title = titles[case][0 if first in feminine else 1]
        return f"{title} {form}", [form]
    if r < 0.4 and case is None:  # full name in the nominative
        last = rng.choice(LAST[lang])
        return f"{first} {last}", [first, last]
    return form, [form]


def gen_name(rng: random.Random, lang: str, case: str | None = None) -> tuple[str, list[str]]:
    """A person's name as a resident writes it; ``secrets`` are its name words."""
    if lang in ("pl", "uk"):
        return _pl_uk_name(rng, lang, case)
    first = rng.choice(FIRST[lang])
    last = rng.choice(LAST[lang])
    r = rng.random()
    if lang == "tr" and r < 0.3:
        return f"{first} {rng.choice(TITLES_AFTER_TR)}", [first]
    if r < 0.45:
        title = rng.choice(TITLES_BEFORE[lang])
        if lang == "ar" and title in ("أم", "أبو"):
            return f"{title} {first}", [first]
        who = rng.choice([first, last, f"{first} {last}"])
        return f"{title} {who}", [w for w in who.split() if w not in ("de", "van", "den")]
    if r < 0.65:
        return f"{first} {last}", [w for w in f"{first} {last}".split() if w not in ("de", "van", "den")]
    return first, [first]


def name_sentence(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """One sentence with one or two names; returns ``(sentence, secrets)``."""
    template = rng.choice(NAME_SENTENCES[lang])
    secrets: list[str] = []
    out = template
    for slot in ("x", "y"):
        start = out.find("{" + slot)
        if start < 0:
            continue
        end = out.index("}", start)
        spec = out[start + 1 : end]
        case = spec.split(":")[1] if ":" in spec else None
        written, sec = gen_name(rng, lang, case)
        if lang == "tr" and rng.random() < 0.3 and out[end + 1 : end + 2] == " ":
            # a Turkish case suffix after an apostrophe: "Ayşe'yi", "Mehmet'le"
            suffix = rng.choice(["'yi", "'le", "'nin", "'ye", "'den"])
            written += suffix
        out = out[:start] + written + out[end + 1 :]
        secrets += sec
    if out[0].islower():
        out = out[0].upper() + out[1:]
    return out, secrets


# ------------------------------------------------------------ date of birth
MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "tr": ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
           "Ekim", "Kasım", "Aralık"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"],
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
           "września", "października", "listopada", "grudnia"],
    "uk": ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
           "вересня", "жовтня", "листопада", "грудня"],
}
DOB_SENTENCES = {
    "nl": ["Ik ben geboren op {x} in Marokko.", "Geboortedatum: {x}.",
           "Mijn geboortedatum is {x}, schrijf dat maar op.", "Ik ben van {x}, geboren in Den Haag.",
           "Geboren {x} in Paramaribo."],
    "en": ["I was born on {x} in Aleppo.", "Date of birth: {x}.", "My birthday is {x}.",
           "DOB {x}, if you need it."],
    "tr": ["{x} tarihinde doğdum.", "Doğum tarihim {x}.", "Doğum tarihi: {x}.",
           "Ben {x} doğumluyum."],
    "ar": ["ولدت في {x} في حلب.", "تاريخ ميلادي {x}.", "تاريخ الميلاد: {x}.",
           "أنا من مواليد {x}."],
    "pl": ["Urodziłam się {x} w Lublinie.", "Data urodzenia: {x}.", "Urodziłem się {x}.",
           "Moja data urodzenia to {x}."],
    "uk": ["Я народилася {x} у Харкові.", "Дата народження: {x}.", "Я народився {x}.",
           "Моя дата народження {x}."],
}


def gen_dob(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """A birth date in a usual spelling (numeric or with the month written out)."""
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1935, 2006)
    forms = [
        f"{d:02d}-{m:02d}-{y}",
        f"{d}-{m}-{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{d}/{m}/{y}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d} {MONTHS[lang][m - 1]} {y}",
        f"{y}-{m:02d}-{d:02d}",
    ]
    x = rng.choice(forms)
    return x, [x]


# ------------------------------------------------------------ licence plates
_PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"


def gen_plate(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """A Dutch licence plate (RDW side codes 4-11, 13), mostly with hyphens."""
    def L(n: int) -> str:
        return "".join(rng.choice(_PLATE_LETTERS) for _ in range(n))

    def D(n: int) -> str:
        return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))

    side = rng.choice([
        (L(2), D(2), L(2)), (L(2), L(2), D(2)), (D(2), L(2), L(2)), (D(2), L(3), D(1)),
        (D(1), L(3), D(2)), (L(2), D(3), L(1)), (L(1), D(3), L(2)), (L(3), D(2), L(1)),
        (D(1), L(2), D(3)),
    ])
    r = rng.random()
    plate = "-".join(side)
    if r < 0.15:
        plate = plate.lower()
    elif r < 0.25:
        plate = "".join(side)
    return plate, [plate]


PLATE_SENTENCES = {
    "nl": ["Mijn auto heeft kenteken {x} en staat voor de deur.",
           "De auto met nummerbord {x} staat altijd op de stoep.",
           "Kenteken {x}, die blauwe Opel van de buurman.",
           "Iemand met een busje ({x}) brengt de boodschappen."],
    "en": ["My car, plate {x}, is parked at the door.", "The van {x} blocks the entrance every day.",
           "Licence plate {x} belongs to the caretaker."],
    "tr": ["Arabamın plakası {x}.", "{x} plakalı araba hep kapının önünde.",
           "Komşunun arabası ({x}) yolu kapatıyor."],
    "ar": ["رقم سيارتي {x}.", "السيارة {x} تقف دائما أمام الباب.", "لوحة السيارة {x}."],
    "pl": ["Mój samochód ma numer rejestracyjny {x}.", "Auto {x} zawsze stoi przed wejściem.",
           "Rejestracja {x}, niebieski opel sąsiada."],
    "uk": ["Номер моєї машини {x}.", "Машина {x} завжди стоїть біля входу.",
           "Номерний знак {x}, синій опель сусіда."],
}

# ------------------------------------------------------------ social media
_SOCIAL_PLATFORMS = {
    "nl": ["instagram", "Instagram", "insta", "facebook", "Facebook", "fb", "tiktok", "snapchat",
           "snap"],
    "en": ["instagram", "Instagram", "insta", "facebook", "FB", "tiktok", "snapchat"],
    "tr": ["instagram", "Instagram", "insta", "facebook", "tiktok"],
    "ar": ["انستغرام", "instagram", "فيسبوك", "facebook", "تيك توك", "سناب"],
    "pl": ["instagram", "Instagram", "insta", "facebook", "fb", "tiktok"],
    "uk": ["інстаграм", "instagram", "Instagram", "фейсбук", "facebook", "тікток", "insta"],
}
_SOCIAL_ROOTS = {
    "nl": ["anneke", "samira", "priya", "jerrel", "marloes", "bilal", "thijs", "sevda"],
    "en": ["mary", "karen", "brian", "helen", "kevin"],
    "tr": ["ayse", "mehmet", "zeynep", "hakan", "songul", "elif"],
    "ar": ["ahmed", "fatima", "omar", "layla", "samir", "nadia"],
    "pl": ["kasia", "magda", "piotr", "marek", "basia", "ewa"],
    "uk": ["olena", "iryna", "taras", "oksana", "bohdan", "yulia"],
}


def gen_social(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """``platform: account`` in the spellings residents use."""
    root = rng.choice(_SOCIAL_ROOTS[lang])
    account = rng.choice([
        f"{root}.{rng.choice(['x', 'k', 'h', 'b'])}",
        f"{root}_{rng.randint(1, 99)}",
        f"{root}{rng.randint(70, 2005)}",
        f"{root}.{rng.choice(['denhaag', 'nl', 'official', 'buurt'])}",
        f"the_{root}",
        f"{root}_{rng.choice(['mama', 'koken', 'art', 'life'])}",
    ])
    platform = rng.choice(_SOCIAL_PLATFORMS[lang])
    sep = rng.choice([": ", " ", " - ", ": "])
    return f"{platform}{sep}{account}", [account]


SOCIAL_SENTENCES = {
    "nl": ["Volg me op {x}, daar zet ik de foto's.", "Mijn {x} voor wie wil kijken.",
           "De recepten staan op mijn {x}.", "{x} is mijn account."],
    "en": ["Follow me on {x} for the photos.", "My {x} has the recipes.", "You can find me: {x}."],
    "tr": ["Beni {x} hesabından takip edin.", "Tarifler {x} sayfamda.", "Hesabım {x}."],
    "ar": ["تابعوني على {x}.", "حسابي {x} فيه الصور.", "الوصفات على {x}."],
    "pl": ["Obserwujcie mnie na {x}.", "Przepisy są na moim {x}.", "Moje konto: {x}."],
    "uk": ["Підписуйтесь на мене: {x}.", "Рецепти в моєму {x}.", "Мій акаунт {x}."],
}

# --------------------------------------------------------- written-out e-mail
_AT_WORDS = {
    "nl": ["at", "apenstaartje", "AT"], "en": ["at", "AT"], "tr": ["et", "at"],
    "ar": ["at"], "pl": ["małpa", "małpka", "at"], "uk": ["собака", "равлик", "at"],
}
_DOT_WORDS = {
    "nl": ["punt", "dot"], "en": ["dot"], "tr": ["nokta", "dot"], "ar": ["dot", "نقطة"],
    "pl": ["kropka", "dot"], "uk": ["крапка", "точка", "dot"],
}
_MAIL = {
    "nl": [("gmail", "com"), ("hotmail", "com"), ("ziggo", "nl"), ("kpnmail", "nl"),
           ("live", "nl"), ("outlook", "com")],
    "en": [("gmail", "com"), ("yahoo", "com"), ("outlook", "com"), ("icloud", "com")],
    "tr": [("gmail", "com"), ("hotmail", "com"), ("yandex", "com")],
    "ar": [("gmail", "com"), ("hotmail", "com"), ("yahoo", "fr")],
    "pl": [("wp", "pl"), ("onet", "pl"), ("gmail", "com"), ("o2", "pl"), ("interia", "pl")],
    "uk": [("ukr", "net"), ("gmail", "com"), ("i", "ua"), ("meta", "ua")],
}
_MAIL_ROOTS = {
    "nl": [("anneke", "visser"), ("samira", "ouali"), ("henk", "mulder"), ("priya", "ramdin")],
    "en": [("mary", "walker"), ("brian", "hughes"), ("karen", "green")],
    "tr": [("ayse", "yilmaz"), ("mehmet", "kaya"), ("zeynep", "demir")],
    "ar": [("ahmed", "mansour"), ("fatima", "haddad"), ("omar", "saleh")],
    "pl": [("kasia", "nowak"), ("piotr", "wojcik"), ("magda", "zielinska")],
    "uk": [("olena", "kovalenko"), ("taras", "melnyk"), ("iryna", "tkachuk")],
}


def gen_email_words(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """An address with the ``@`` and maybe the dots written as words."""
    first, last = rng.choice(_MAIL_ROOTS[lang])
    dom, tld = rng.choice(_MAIL[lang])
    at = rng.choice(_AT_WORDS[lang])
    dot = rng.choice(_DOT_WORDS[lang])
    local_form = rng.random()
    if local_form < 0.35:
        local, secrets = f"{first}.{last}", [f"{first}.{last}", last]
    elif local_form < 0.55:
        local, secrets = f"{first} {dot} {last}", [last]
    elif local_form < 0.75:
        local, secrets = f"{first}{last}", [f"{first}{last}"]
    else:
        n = rng.randint(70, 99)
        local, secrets = f"{first}{n}", [f"{first}{n}"]
    if rng.random() < 0.6:
        domain = f"{dom} {dot} {tld}"
    else:
        domain = f"{dom}.{tld}"
    return f"{local} {at} {domain}", secrets


EMAIL_WORDS_SENTENCES = {
    "nl": ["Mail me op {x}, dan stuur ik de foto's.", "Mijn mail is {x}.", "Stuur het naar {x} aub."],
    "en": ["Email me at {x} for the photos.", "My email is {x}.", "Send it to {x} please."],
    "tr": ["Bana {x} adresine yazın.", "E-postam {x}.", "Fotoğrafları {x} adresine gönderin."],
    "ar": ["راسلوني على {x}.", "بريدي الإلكتروني {x}.", "أرسلوا الصور إلى {x}."],
    "pl": ["Napisz do mnie na {x}.", "Mój e-mail to {x}.", "Wyślij zdjęcia na {x}."],
    "uk": ["Пишіть мені на {x}.", "Моя пошта {x}.", "Надішліть фото на {x}."],
}

# ------------------------------------------------------------------ streets
STREETS = {
    "nl": ["Loosduinse Hoofdstraat", "Laan van Meerdervoort", "Meppelweg", "Zuidlarenstraat",
           "Dedemsvaartweg", "Erasmusweg", "Oude Haagweg", "Burgemeester Hovylaan", "Leyweg",
           "Hengelolaan", "Melis Blokstraat", "Van Zeggelenlaan", "Escamplaan",
           "Anna Blamanplein", "Zuiderparklaan", "Moerweg"],
    "uk": ["вулиця Шевченка", "вул. Хрещатик", "проспект Перемоги", "Меппелвег",
           "Лейвег", "Ерасмусвег", "вулиця Героїв Майдану", "Лаан ван Меердерворт"],
    "pl": ["ul. Długa", "ulica Marszałkowska", "al. Jerozolimskie", "ul. Nowy Świat"],
    "tr": ["Atatürk Caddesi", "Gül Sokak", "Cumhuriyet Caddesi", "İnönü Bulvarı"],
}
STREET_SENTENCES = {
    "nl": ["Ik woon op de {x}, tweede verdieping.", "Kom langs op {x}, de deur is open.",
           "Mijn adres is {x}.", "Vroeger woonde ik aan de {x}."],
    "en": ["I live at {x}, second floor.", "Come by at {x}.", "My address is {x}."],
    "tr": ["{x} adresinde oturuyorum.", "Adresim {x}.", "Eskiden {x} adresinde kalıyordum."],
    "ar": ["أسكن في {x}.", "عنواني {x}.", "تعالوا إلى {x}."],
    "pl": ["Mieszkam przy {x}.", "Mój adres to {x}.", "Kiedyś mieszkałam na {x}."],
    "uk": ["Я живу на {x}.", "Моя адреса {x}.", "Раніше я жила на {x}."],
}


def gen_street(rng: random.Random, lang: str) -> tuple[str, list[str]]:
    """A street with a house number; the street's words are the secrets."""
    pool = STREETS.get(lang, [])
    if lang in ("tr", "pl", "uk") and rng.random() < 0.5 or lang in ("en", "ar"):
        pool = STREETS["nl"]  # a Dutch street written in another language's sentence
    street = rng.choice(pool)
    number = str(rng.randint(1, 400))
    if rng.random() < 0.2:
        number += rng.choice(["a", "b", "-2", " A"])
    if street.endswith(("Caddesi", "Sokak", "Bulvarı")):
        written = f"{street} No: {number}" if rng.random() < 0.5 else f"{street} No {number}"
    elif lang == "en" and rng.random() < 0.3:
        written = f"{number} {street}"
    else:
        written = f"{street} {number}"
    secrets = [w for w in street.replace(".", " ").split()
               if w[0].isupper() and w not in ("Van",)]
    return written, secrets


GENERATORS = {
    "name": None,  # see name_sentence
    "dob": gen_dob,
    "plate": gen_plate,
    "social": gen_social,
    "email_words": gen_email_words,
    "street": gen_street,
}
SENTENCES = {
    "dob": DOB_SENTENCES,
    "plate": PLATE_SENTENCES,
    "social": SOCIAL_SENTENCES,
    "email_words": EMAIL_WORDS_SENTENCES,
    "street": STREET_SENTENCES,
}
KINDS = tuple(GENERATORS)


def planted_sentence(rng: random.Random, lang: str, kind: str) -> tuple[str, list[str]]:
    """One sentence with one datum of ``kind``; returns ``(sentence, secrets)``."""
    if kind == "name":
        return name_sentence(rng, lang)
    written, secrets = GENERATORS[kind](rng, lang)
    sentence = rng.choice(SENTENCES[kind][lang]).replace("{x}", written)
    return sentence, secrets


# ------------------------------------------------------------------ clean
#: Sentences without personal data that look like they might hold some.
CLEAN_PEOPLE = {
    "nl": [
        "Ik kom elke week naar Heeswijkplein 160 voor de koffie.",
        "Bij Sterrenhoek 2 keer per week samen eten, dat is fijn.",
        "In de Participatie Keuken koken we met 12 mensen.",
        "Bij Betje is het altijd gezellig op woensdag.",
        "Buurtkamer Vrederust is open op maandag en vrijdag.",
        "In Buurtkamer Het Vierhuis heb ik Nederlands geleerd.",
        "In Buurt- en Kerkhuis Shalom is op 12 maart een feest.",
        "Bij Allekanten en Buurtkamer de Luyk doe ik mee met de handwerkclub.",
        "Met de Ramadan en het Suikerfeest eten we samen in het buurthuis.",
        "Ik kom uit Marokko en woon nu 20 jaar in Den Haag.",
        "Vroeger woonde ik in Paramaribo, nu in Escamp.",
        "Ik doe boodschappen bij Albert Heijn en de Lidl op de Leyweg.",
        "Via WhatsApp en Telegram hoor ik wat er te doen is.",
        "De Voedselbank en Humanitas helpen veel mensen hier.",
        "Op Koningsdag was er een vrijmarkt op het plein.",
        "Met Kerst en Pasen is het buurthuis versierd.",
        "Mijn moeder is 84 en komt elke dinsdag mee.",
        "Ik neem tram 2 en bus 26 naar het Zuiderpark.",
        "Op 5 mei 2024 vierden we Bevrijdingsdag met 80 mensen.",
        "De gemeente Den Haag betaalt de huur van het buurthuis.",
        "Roos en tulpen groeien in de moestuin sinds april.",
        "God helpt ons, zeg ik altijd tegen mijn kinderen.",
    ],
    "en": [
        "In May we went to the market every Saturday.",
        "I come to Heeswijkplein 160 twice a week.",
        "At Sterrenhoek 2 times a week we cook together.",
        "I moved from Syria to The Hague in 2016.",
        "We celebrate Christmas and Eid at the centre.",
        "I shop at Lidl and Albert Heijn on Leyweg.",
        "The Food Bank helps many families here.",
        "On Monday and Friday the centre opens at 10:00.",
        "I learned Dutch at Buurtkamer Het Vierhuis.",
        "Grace to God, my children are doing well.",
        "Bij Betje is the best place in the neighbourhood.",
    ],
    "tr": [
        "Her hafta Heeswijkplein 160'a kahve içmeye geliyorum.",
        "Sterrenhoek'ta haftada 2 kez yemek yapıyoruz.",
        "Türkiye'den 1998'de Den Haag'a geldim.",
        "Ramazan Bayramı'nda merkezde hep beraber yedik.",
        "Deniz kenarında yürümek çok güzel.",
        "Umut ediyorum ki gençler de gelir.",
        "Albert Heijn ve Lidl'den alışveriş yapıyorum.",
        "Pazartesi ve cuma günleri merkez açık.",
        "Buurtkamer Vrederust'ta Hollandaca öğrendim.",
        "İstanbul'da doğdum ama 30 yıldır buradayım.",
    ],
    "ar": [
        "آتي كل أسبوع إلى Heeswijkplein 160 لشرب القهوة.",
        "في Sterrenhoek نطبخ معا مرتين في الأسبوع.",
        "جئت من سوريا إلى لاهاي سنة 2016.",
        "نحتفل بعيد الفطر ورمضان في المركز.",
        "الجو جميل اليوم والناس سعيد في الحديقة.",
        "عندي أمل كبير أن يأتي الشباب أيضا.",
        "المركز نور الحي وكل الناس كريم هنا.",
        "أتسوق من Albert Heijn و Lidl.",
        "يفتح المركز يوم الاثنين والجمعة الساعة 10:00.",
        "الحمد لله أولادي بخير.",
        "تعلمت الهولندية في Buurtkamer Het Vierhuis.",
    ],
    "pl": [
        "Co tydzień chodzę na Heeswijkplein 160 na kawę.",
        "W Sterrenhoek 2 razy w tygodniu gotujemy razem.",
        "Przyjechałam z Polski do Hagi w 2010 roku.",
        "Na Wigilię i Wielkanoc robimy wspólny obiad.",
        "Robię zakupy w Lidlu i w Albert Heijn.",
        "W poniedziałek i piątek centrum jest otwarte od 10:00.",
        "Nauczyłam się niderlandzkiego w Buurtkamer Het Vierhuis.",
        "Mieszkałam w Krakowie, a teraz w Hadze.",
        "Bogu dzięki, dzieci mają się dobrze.",
        "Bank Żywności pomaga wielu rodzinom.",
    ],
    "uk": [
        "Щотижня я ходжу на Heeswijkplein 160 на каву.",
        "У Sterrenhoek 2 рази на тиждень ми готуємо разом.",
        "Я приїхала з Харкова до Гааги у 2022 році.",
        "На Великдень і Різдво ми збираємося в центрі.",
        "Я купую продукти в Lidl і Albert Heijn.",
        "У понеділок і п'ятницю центр відкритий з 10:00.",
        "Я вчила нідерландську в Buurtkamer Het Vierhuis.",
        "Раніше ми жили в Києві, тепер у Гаазі.",
        "Слава Богу, діти здорові.",
        "Банк їжі допомагає багатьом родинам.",
        "Надія є, що молодь теж прийде.",
    ],
}
