"""Evaluate :func:`bot.privacy.scrub.scrub` on synthetic resident messages.

Run from the repository root::

    .venv/bin/python bench/pii_eval.py [--seed N] [--per-cell N] [--show-misses]

The generator is seeded and independent of the scrubber: check digits are computed
here (BSN elfproef, ISO 13616 / ISO 7064 mod-97-10 for IBANs, Belgian BBAN mod 97),
numbers follow real numbering plans (Dutch 06 mobiles and area codes, Turkish 5xx,
Polish and Ukrainian mobile prefixes, Moroccan and Syrian mobiles) and are written in
the spellings residents use. Sentences come in the six bot languages (nl, en, tr, ar,
pl, uk):

* planted – one personal datum of one kind (phone, email, iban, postcode, bsn, url,
  handle) inside a story sentence, sometimes next to harmless numbers;
* clean – no personal data but tricky digits: dates, times, prices, years, bus and
  tram lines, school groups, room numbers, percentages, ages, counts, big amounts.

Shapes of the printed report:

* per kind: ``planted`` (sentences), ``found`` (the planted value no longer occurs in
  the output and the kind's placeholder does), ``recall = found / planted``;
* clean: number of sentences and the share whose text was ``changed``;
* speed: mean microseconds per sentence over all sentences.

Targets (GDPR art. 5(1)(c) data minimisation on one side, keeping stories readable
on the other): recall >= 0.98 for every kind and <= 2 % of clean sentences changed.
The exit status is 1 if a target is missed, else 0.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.privacy.scrub import PLACEHOLDERS, scrub

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pii_people  # noqa: E402  (the person-level kinds, written before their rules)

LANGS = ("nl", "en", "tr", "ar", "pl", "uk")
KINDS = ("phone", "email", "iban", "postcode", "bsn", "url", "handle")
RECALL_TARGET = 0.98
#: Person-level kinds (issue 11 point 6) and their targets: recall >= 0.95 per kind,
#: >= 0.85 for names in every language.
PEOPLE_KINDS = pii_people.KINDS
PEOPLE_RECALL_TARGET = 0.95
NAME_RECALL_TARGET = 0.85
#: Placeholder each person-level kind must leave (written-out e-mails become ``[e-mail]``).
PEOPLE_PLACEHOLDER = {
    "name": "[naam]",
    "dob": "[geboortedatum]",
    "plate": "[kenteken]",
    "social": "[account]",
    "email_words": "[e-mail]",
    "street": "[adres]",
}
CLEAN_CHANGED_TARGET = 0.02


# ============================================================ value generators
def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _group(s: str, sizes: tuple[int, ...], sep: str = " ") -> str:
    out, i = [], 0
    for size in sizes:
        out.append(s[i : i + size])
        i += size
    if i < len(s):
        out.append(s[i:])
    return sep.join(p for p in out if p)


def gen_phone(rng: random.Random, lang: str) -> str:
    """A phone number as a resident would type it; mostly Dutch, some from home countries."""
    home = {
        "tr": _phone_tr,
        "pl": _phone_pl,
        "uk": _phone_ua,
        "ar": _phone_ar,
    }.get(lang)
    r = rng.random()
    if home is not None and r < 0.4:
        return home(rng)
    if r < 0.75:
        return _phone_nl_mobile(rng)
    return _phone_nl_landline(rng)


def _phone_nl_mobile(rng: random.Random) -> str:
    sub = rng.choice("123456") + _digits(rng, 7)  # 06-1 … 06-6 are in use
    return rng.choice(
        [
            f"06-{sub}",
            f"06 {sub[:4]} {sub[4:]}",
            f"06{sub}",
            f"06 {_group(sub, (2, 2, 2, 2))}",
            f"06-{_group(sub, (3, 3, 2))}",
            f"+31 6 {sub[:4]} {sub[4:]}",
            f"+31 (0)6 {sub}",
            f"+31 6 {sub}",
            f"+316{sub}",
            f"+31 6-{sub}",
            f"00316{sub}",
            f"0031 6 {sub}",
            f"06.{_group(sub, (2, 2, 2, 2), '.')}",
            f"(06) {sub}",
        ]
    )


_NL_AREA = [
    "10",
    "20",
    "30",
    "40",
    "50",
    "70",
    "71",
    "72",
    "73",
    "76",
    "77",
    "78",
    "79",
    "13",
    "15",
    "23",
    "24",
    "26",
    "33",
    "35",
    "36",
    "38",
    "43",
    "45",
    "46",
    "53",
    "55",
    "58",
    "74",
    "75",
    "118",
    "161",
    "172",
    "174",
    "180",
    "182",
    "184",
    "186",
    "222",
    "228",
    "251",
    "297",
    "318",
    "320",
    "341",
    "413",
    "475",
    "492",
    "546",
    "570",
    "591",
    "597",
]


def _phone_nl_landline(rng: random.Random) -> str:
    area = rng.choice(_NL_AREA)
    sub = rng.choice("2345789") + _digits(rng, 8 - len(area))  # 9 digits after the 0
    if len(area) == 2:
        forms = [
            f"0{area}-{sub}",
            f"0{area} {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"0{area} - {sub[:3]} {sub[3:]}",
            f"(0{area}) {sub[:3]} {sub[3:]}",
            f"+31 {area} {sub[:3]} {sub[3:]}",
            f"0{area}{sub}",
        ]
    else:
        forms = [
            f"0{area}-{sub}",
            f"0{area} {sub[:2]} {sub[2:4]} {sub[4:]}",
            f"(0{area}) {sub}",
            f"+31 {area} {sub}",
        ]
    return rng.choice(forms)


def _phone_tr(rng: random.Random) -> str:
    pre = rng.choice(
        [
            "530",
            "532",
            "533",
            "535",
            "536",
            "537",
            "541",
            "542",
            "543",
            "544",
            "505",
            "506",
            "507",
            "551",
            "552",
            "553",
            "554",
            "555",
        ]
    )
    sub = _digits(rng, 7)
    return rng.choice(
        [
            f"+90 {pre} {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"+90{pre}{sub}",
            f"0{pre} {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"0 {pre} {sub[:3]} {sub[3:]}",
            f"+90 ({pre}) {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"0090 {pre} {sub}",
        ]
    )


def _phone_pl(rng: random.Random) -> str:
    pre = rng.choice(
        [
            "501",
            "502",
            "504",
            "510",
            "512",
            "530",
            "535",
            "570",
            "600",
            "601",
            "602",
            "660",
            "664",
            "690",
            "691",
            "696",
            "721",
            "731",
            "781",
            "790",
            "880",
            "882",
            "885",
        ]
    )
    sub = _digits(rng, 6)
    return rng.choice(
        [
            f"+48 {pre} {sub[:3]} {sub[3:]}",
            f"+48 {pre}-{sub[:3]}-{sub[3:]}",
            f"+48{pre}{sub}",
            f"0048 {pre} {sub[:3]} {sub[3:]}",
            f"(+48) {pre} {sub[:3]} {sub[3:]}",
        ]
    )


def _phone_ua(rng: random.Random) -> str:
    op = rng.choice(["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"])
    sub = _digits(rng, 7)
    return rng.choice(
        [
            f"+380 {op} {sub[:3]} {sub[3:]}",
            f"+380 ({op}) {sub[:3]}-{sub[3:5]}-{sub[5:]}",
            f"+380{op}{sub}",
            f"0{op} {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"(0{op}) {sub[:3]}-{sub[3:5]}-{sub[5:]}",
        ]
    )


def _phone_ar(rng: random.Random) -> str:
    if rng.random() < 0.5:  # Morocco mobile
        sub = rng.choice("67") + _digits(rng, 8)
        return rng.choice(
            [
                f"+212 {sub[0]} {_group(sub[1:], (2, 2, 2, 2))}",
                f"+212{sub}",
                f"00212 {sub[:3]} {sub[3:6]} {sub[6:]}",
            ]
        )
    sub = "9" + rng.choice("3456789") + _digits(rng, 7)  # Syria mobile
    return rng.choice(
        [f"+963 {sub[:3]} {sub[3:6]} {sub[6:]}", f"+963{sub}", f"00963 {sub[:3]} {sub[3:]}"]
    )


_FIRST = {
    "nl": ["jan", "anouk", "sanne", "pieter", "fatima", "mohamed", "lotte", "kees", "els", "daan"],
    "en": ["john", "emma", "olivia", "james", "sarah", "david", "grace", "tom"],
    "tr": ["ayse", "mehmet", "fatma", "mustafa", "elif", "emre", "zeynep", "hakan"],
    "ar": ["ahmed", "fatima", "omar", "layla", "youssef", "amina", "khalid", "nour"],
    "pl": ["ola", "piotr", "kasia", "tomasz", "agnieszka", "marek", "zofia", "pawel"],
    "uk": ["olena", "andrii", "iryna", "oleksandr", "natalia", "taras", "oksana", "dmytro"],
}
_LAST = {
    "nl": ["jansen", "de.vries", "van.dijk", "bakker", "visser", "el.amrani", "smit", "meijer"],
    "en": ["smith", "brown", "taylor", "wilson", "evans", "clarke"],
    "tr": ["yilmaz", "kaya", "demir", "sahin", "celik", "ozturk"],
    "ar": ["alhassan", "haddad", "mansour", "saleh", "khalil", "benali"],
    "pl": ["nowak", "kowalski", "wisniewska", "wojcik", "kaminski", "lewandowska"],
    "uk": ["shevchenko", "kovalenko", "bondarenko", "tkachenko", "kravchenko", "melnyk"],
}
_MAIL_DOMAINS = {
    "nl": [
        "gmail.com",
        "hotmail.com",
        "ziggo.nl",
        "kpnmail.nl",
        "xs4all.nl",
        "live.nl",
        "outlook.com",
        "planet.nl",
        "buurthuis-voorbeeld.nl",
        "denhaag.nl",
    ],
    "en": ["gmail.com", "outlook.com", "yahoo.co.uk", "icloud.com", "example.org"],
    "tr": ["gmail.com", "hotmail.com", "hotmail.com.tr", "yandex.com.tr", "outlook.com"],
    "ar": ["gmail.com", "hotmail.com", "yahoo.fr", "outlook.com", "live.nl"],
    "pl": ["wp.pl", "onet.pl", "gmail.com", "o2.pl", "interia.pl"],
    "uk": ["ukr.net", "gmail.com", "i.ua", "meta.ua", "outlook.com"],
}


def gen_email(rng: random.Random, lang: str) -> str:
    first, last = rng.choice(_FIRST[lang]), rng.choice(_LAST[lang])
    domain = rng.choice(_MAIL_DOMAINS[lang])
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}{last.replace('.', '')}",
            f"{first}{rng.randint(60, 99)}",
            f"{first}.{last}{rng.randint(1, 2005)}",
            f"{first[0]}.{last}",
            f"{first}_{last.replace('.', '_')}",
            f"{first}+buurthuis",
            f"{first.capitalize()}.{last.capitalize()}",
        ]
    )
    if lang == "uk" and rng.random() < 0.1:
        local = "олена.коваль"
        domain = "ukr.net"
    if rng.random() < 0.08:
        return f"{local} (at) {domain}"
    return f"{local}@{domain}"


def _mod97_check(country: str, bban: str) -> str:
    moved = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in moved)
    return f"{98 - int(numeric) % 97:02d}"


def gen_iban(rng: random.Random, lang: str) -> str:
    """IBAN with ISO 7064 mod-97-10 check digits, mostly Dutch."""
    country = "NL"
    r = rng.random()
    home = {"tr": "TR", "pl": "PL", "uk": "UA", "en": "DE"}.get(lang)
    if home and r < 0.35:
        country = home
    elif r < 0.45:
        country = rng.choice(["DE", "BE"])
    if country == "NL":
        bban = rng.choice(["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ", "RBRB"])
        bban += _digits(rng, 10)
    elif country == "DE":
        bban = _digits(rng, 18)
    elif country == "BE":
        first = _digits(rng, 10)
        check = int(first) % 97 or 97
        bban = f"{first}{check:02d}"
    elif country == "TR":
        bban = _digits(rng, 5) + "0" + _digits(rng, 16)
    elif country == "PL":
        bban = _digits(rng, 24)
    else:  # UA
        bban = _digits(rng, 6) + _digits(rng, 19)
    compact = country + _mod97_check(country, bban) + bban
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    form = rng.random()
    if form < 0.55:
        return grouped
    if form < 0.85:
        return compact
    if form < 0.93:
        return compact.lower()
    return grouped.lower()


_PC_LETTERS = [
    a + b
    for a in "ABCDEFGHJKLMNPRSTVWXZ"
    for b in "ABCDEFGHJKLMNPRSTVWXZ"
    if a + b not in {"SA", "SD", "SS"}
]
_STREETS = [
    "Kerkstraat",
    "Laan van Meerdervoort",
    "Hoofdweg",
    "Dorpsstraat",
    "Molenweg",
    "Wilhelminastraat",
    "Beatrixlaan",
    "Schoolstraat",
    "Stationsweg",
    "Prinsengracht",
]
_CITIES = ["Den Haag", "Rotterdam", "Amsterdam", "Utrecht", "Tilburg", "Almere", "Zwolle"]


def gen_postcode(rng: random.Random, lang: str) -> tuple[str, str]:
    """Return ``(written_in_sentence, value_that_must_disappear)``."""
    digits = str(rng.randint(1000, 9999))
    letters = rng.choice(_PC_LETTERS)
    house = str(rng.choice([rng.randint(1, 40), rng.randint(1, 250)]))
    if rng.random() < 0.12:
        house += rng.choice(["a", "b", "-2", "-A", "-1"])
    r = rng.random()
    if r < 0.30:
        pc = f"{digits} {letters} {house}"
    elif r < 0.50:
        pc = f"{digits}{letters} {house}"
    elif r < 0.65:
        pc = f"{digits} {letters}"
    elif r < 0.75:
        pc = f"{digits}{letters}"
    elif r < 0.83:
        pc = f"{digits} {letters.lower()}" + (f" {house}" if rng.random() < 0.5 else "")
    else:
        street = rng.choice(_STREETS)
        pc_part = f"{digits} {letters}" if rng.random() < 0.6 else f"{digits}{letters}"
        return f"{street} {house}, {pc_part} {rng.choice(_CITIES)}", pc_part
    return pc, pc


def gen_bsn(rng: random.Random, lang: str) -> str:
    """A BSN that passes the elfproef, in one of the usual spellings."""
    while True:
        head = rng.choice("0123456") + _digits(rng, 7)
        total = sum(w * int(d) for w, d in zip(range(9, 1, -1), head))
        last = total % 11
        if last < 10 and total != 0:
            bsn = head + str(last)
            break
    r = rng.random()
    if bsn.startswith("0") and r < 0.3:
        return bsn[1:]  # leading zero dropped, e.g. copied from a spreadsheet
    if r < 0.5:
        return bsn
    if r < 0.7:
        return f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}"
    if r < 0.85:
        return f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}"
    return f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}"


def gen_url(rng: random.Random, lang: str) -> str:
    slug = rng.choice(
        [
            "buurtwest",
            "wijkcentrum-noord",
            "buurthuis_de_boog",
            "samenindewijk",
            "moestuin-oost",
            "taalcafe2024",
            "buurtgroep_zuid",
        ]
    )
    site = rng.choice(
        [
            "buurthuis-voorbeeld.nl",
            "wijkcentrum-noord.nl",
            "debuurtkamer.nl",
            "samen-sterk.org",
            "ornek-dernek.com.tr",
            "przyklad.pl",
            "hromada.org.ua",
        ]
    )
    code = "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(5, 10))
    )
    return rng.choice(
        [
            f"www.{site}",
            f"www.{site}/agenda",
            f"https://www.{site}/activiteiten/koffie-ochtend",
            f"https://{site}",
            f"http://{site}/?p={rng.randint(10, 999)}",
            f"{site}",
            f"{site}/contact",
            f"t.me/{slug}",
            f"https://t.me/{slug}",
            f"facebook.com/groups/{slug}",
            f"https://www.instagram.com/{slug}/",
            f"chat.whatsapp.com/{code}",
            f"bit.ly/{code}",
            f"https://forms.gle/{code}",
            f"https://www.youtube.com/watch?v={code}",
            f"linktr.ee/{slug}",
        ]
    )


def gen_handle(rng: random.Random, lang: str) -> str:
    first, last = rng.choice(_FIRST[lang]), rng.choice(_LAST[lang]).replace(".", "_")
    name = rng.choice(
        [
            "resident_name",
            f"{first}_{last}",
            f"{first}{rng.randint(70, 2005)}",
            f"{first.capitalize()}{last.capitalize()}",
            f"{first}_{rng.randint(1, 99)}",
            f"buurt_{first}",
        ]
    )
    if len(name) < 5:
        name += "_nl"
    return "@" + name[:32]


GENERATORS = {
    "phone": gen_phone,
    "email": gen_email,
    "iban": gen_iban,
    "postcode": gen_postcode,
    "bsn": gen_bsn,
    "url": gen_url,
    "handle": gen_handle,
}

# ============================================================ sentence templates
# {x} marks the planted value.
PLANTED: dict[str, dict[str, list[str]]] = {
    "nl": {
        "phone": [
            "Bel me gerust op {x} als er iets is.",
            "Mijn nummer is {x}, app maar.",
            "De buurtvader ({x}) heeft ons echt geholpen.",
            "{x} is het nummer van mijn buurvrouw.",
        ],
        "email": [
            "Mail me op {x} dan stuur ik de foto's.",
            "Je kunt {x} mailen voor de moestuin.",
            "Mijn e-mail: {x}",
        ],
        "iban": [
            "Ik heb € 15 overgemaakt naar {x} voor het uitje.",
            "Stort het geld op {x} t.n.v. de bewonerscommissie.",
            "Rekeningnummer {x}, graag vóór 1 mei.",
        ],
        "postcode": [
            "Ik woon sinds 2019 op {x} en ken nu iedereen.",
            "Het adres is {x}.",
            "Kom langs op {x}, de deur staat open.",
        ],
        "bsn": [
            "Bij de gemeente moest ik mijn BSN {x} opgeven.",
            "Mijn burgerservicenummer is {x}.",
            "Ze vroegen om mijn bsn ({x}) voor de toeslag.",
        ],
        "url": [
            "Alles staat op {x}.",
            "Kijk op {x} voor het programma van 2024.",
            "Via {x} vond ik het taalcafé.",
        ],
        "handle": [
            "Stuur een bericht naar {x}, die regelt de koffie.",
            "Vraag maar aan {x}!",
            "{x} heeft de groep opgezet.",
        ],
    },
    "en": {
        "phone": [
            "Call me on {x} if you need help.",
            "My number is {x}.",
            "You can reach the caretaker at {x} after 6 pm.",
        ],
        "email": [
            "Email me at {x} and I'll send the photos.",
            "Contact: {x}",
            "I wrote to {x} but got no answer.",
        ],
        "iban": [
            "Please transfer the €10 to {x}.",
            "Our account is {x}, thanks!",
            "Donations go to {x}.",
        ],
        "postcode": [
            "I have lived at {x} since 2015.",
            "Our address is {x}.",
            "The meeting is at {x}, second floor.",
        ],
        "bsn": [
            "The form asked for my BSN, {x}.",
            "My citizen service number is {x}.",
            "They wrote my BSN {x} on the letter.",
        ],
        "url": [
            "Everything is on {x}.",
            "I found the course via {x}.",
            "Sign up at {x} before Friday.",
        ],
        "handle": [
            "Message {x} on Telegram.",
            "Ask {x}, she knows everyone.",
            "{x} runs the group chat.",
        ],
    },
    "tr": {
        "phone": [
            "Beni {x} numarasından arayabilirsiniz.",
            "Telefonum {x}, akşam arayın.",
            "Komşumun numarası {x}.",
        ],
        "email": [
            "Bana {x} adresinden yazın.",
            "E-postam: {x}",
            "Fotoğrafları {x} adresine gönderdim.",
        ],
        "iban": [
            "Parayı {x} hesabına yatırdım.",
            "IBAN numaram {x}.",
            "Bağışlar için {x} kullanılıyor.",
        ],
        "postcode": [
            "2018'den beri {x} adresinde oturuyorum.",
            "Adresim {x}.",
            "Toplantı {x} adresinde.",
        ],
        "bsn": [
            "Belediye BSN numaramı istedi: {x}.",
            "BSN {x} ile başvurdum.",
            "Benim BSN'im {x}.",
        ],
        "url": [
            "Her şey {x} sitesinde var.",
            "Kursu {x} üzerinden buldum.",
            "Program için {x} adresine bakın.",
        ],
        "handle": [
            "Telegram'da {x} kullanıcısına yazın.",
            "{x} grubu yönetiyor.",
            "{x} ile konuşun.",
        ],
    },
    "ar": {
        "phone": ["اتصلوا بي على الرقم {x} في المساء.", "رقم هاتفي {x}.", "جارتي رقمها {x}."],
        "email": ["راسلوني على {x} من فضلكم.", "بريدي الإلكتروني: {x}", "أرسلت الصور إلى {x}."],
        "iban": ["حولت المبلغ إلى الحساب {x}.", "رقم الحساب {x}.", "التبرعات على {x} شكرا."],
        "postcode": ["أسكن في {x} منذ 2016.", "عنواني {x}.", "الاجتماع في {x} الطابق الثاني."],
        "bsn": [
            "طلبت البلدية رقم BSN الخاص بي {x}.",
            "رقم BSN الخاص بي هو {x}.",
            "كتبوا {x} على الرسالة.",
        ],
        "url": ["كل شيء موجود على {x}.", "وجدت الدورة عبر {x}.", "سجلوا على {x} قبل الجمعة."],
        "handle": [
            "راسلوا {x} على تيليغرام.",
            "اسألوا {x} فهي تعرف الجميع.",
            "{x} يدير المجموعة.",
        ],
    },
    "pl": {
        "phone": [
            "Zadzwoń do mnie pod {x}.",
            "Mój numer to {x}, proszę pisać.",
            "Sąsiadka ma numer {x}.",
        ],
        "email": ["Napisz do mnie na {x}.", "Mój e-mail: {x}", "Wysłałam zdjęcia na {x}."],
        "iban": [
            "Przelałam 20 euro na konto {x}.",
            "Numer konta: {x}.",
            "Darowizny na {x}, dziękujemy.",
        ],
        "postcode": [
            "Mieszkam pod adresem {x} od 2017 roku.",
            "Mój adres to {x}.",
            "Spotkanie jest na {x}.",
        ],
        "bsn": [
            "Gmina poprosiła o mój BSN {x}.",
            "Mój numer BSN to {x}.",
            "Na liście był mój BSN: {x}.",
        ],
        "url": ["Wszystko jest na {x}.", "Kurs znalazłem przez {x}.", "Zapisy na {x} do piątku."],
        "handle": [
            "Napisz do {x} na Telegramie.",
            "Zapytaj {x}, ona wszystkich zna.",
            "{x} prowadzi grupę.",
        ],
    },
    "uk": {
        "phone": [
            "Телефонуйте мені за номером {x}.",
            "Мій номер {x}, пишіть у вайбер.",
            "Номер сусідки {x}.",
        ],
        "email": ["Пишіть мені на {x}.", "Моя пошта: {x}", "Я надіслала фото на {x}."],
        "iban": [
            "Я переказала 20 євро на рахунок {x}.",
            "Номер рахунку {x}.",
            "Пожертви на {x}, дякуємо.",
        ],
        "postcode": [
            "Я живу за адресою {x} з 2022 року.",
            "Моя адреса {x}.",
            "Зустріч на {x}, другий поверх.",
        ],
        "bsn": [
            "Гемейнте попросила мій BSN {x}.",
            "Мій номер BSN {x}.",
            "У листі був мій BSN: {x}.",
        ],
        "url": ["Усе є на {x}.", "Я знайшла курс через {x}.", "Реєстрація на {x} до п'ятниці."],
        "handle": [
            "Напишіть {x} у Телеграмі.",
            "Запитайте {x}, вона всіх знає.",
            "{x} веде групу.",
        ],
    },
}

# Harmless story fragments appended to some planted sentences (so the scrubber works in
# context) – they contain digits that must survive.
CONTEXT = {
    "nl": [
        "Op 12-03-2024 waren we met 35 mensen.",
        "Koffie kost € 1,50.",
        "Ik neem altijd bus 23.",
        "Mijn zoon zit in groep 8.",
    ],
    "en": ["On 3 March 2024 we were 40 people.", "Tea costs €1.", "I take tram 9 at 8:15."],
    "tr": ["12.03.2024 tarihinde 30 kişiydik.", "Çay 1 euro.", "Saat 14:30'da geldim."],
    "ar": ["في 12/03/2024 كنا 30 شخصا.", "الشاي بيورو واحد.", "جئت الساعة 14:30."],
    "pl": ["12.03.2024 było nas 30 osób.", "Kawa kosztuje 1,50 €.", "Jadę autobusem 23."],
    "uk": ["12.03.2024 нас було 30 людей.", "Кава коштує 1,50 €.", "Я їду автобусом 23."],
}


def _clean_values(rng: random.Random) -> dict[str, str]:
    d, m = rng.randint(1, 28), rng.randint(1, 12)
    y = rng.randint(1975, 2025)
    h, mi = rng.randint(7, 22), rng.choice([0, 15, 30, 45])
    return {
        "date_dash": f"{d:02d}-{m:02d}-{y}",
        "date_dot": f"{d}.{m}.{y}",
        "date_slash": f"{d}/{m}/{y}",
        "date_iso": f"{y}-{m:02d}-{d:02d}",
        "time_colon": f"{h}:{mi:02d}",
        "time_dot": f"{h}.{mi:02d}",
        "time_range": f"{h}:{mi:02d}-{h + 1}:{mi:02d}",
        "price": f"{rng.randint(1, 99)},{rng.choice(['00', '50', '95', '25'])}",
        "big": f"{rng.randint(1, 9)}.{rng.randint(100, 999)}.000",
        "thousand": f"{rng.randint(1, 9)}.{rng.randint(100, 999)}",
        "year": str(y),
        "year2": str(min(y + rng.randint(1, 8), 2026)),
        "bus": str(rng.randint(1, 130)),
        "tram": str(rng.randint(1, 19)),
        "group": str(rng.randint(1, 8)),
        "room": str(rng.randint(1, 40)),
        "room2": f"{rng.randint(0, 3)}.{rng.randint(1, 30):02d}",
        "pct": str(rng.randint(2, 95)),
        "n": str(rng.randint(2, 12)),
        "people": str(rng.randint(10, 250)),
        "age": str(rng.randint(18, 92)),
        "week": str(rng.randint(1, 52)),
        "num": str(rng.randint(1, 60)),
        "tl": str(rng.randint(1000, 9500)),
        "thousand2": f"{rng.randint(1, 9)}.{rng.randint(100, 999)}",
        "big_space": f"{rng.randint(1, 99)} {rng.randint(100, 999)} 000",
        "time_lead": f"{rng.randint(6, 9):02d}:{mi:02d}"
        if rng.random() < 0.5
        else f"{rng.randint(6, 9):02d}.{mi:02d}",
        "num2": str(rng.randint(1, 250)),
        "d": str(d),
        "m": f"{m:02d}",
    }


CLEAN: dict[str, list[str]] = {
    "nl": [
        "Het buurthuis is open van {time_lead} tot 17.00 uur, op {d}-{m} is het dicht.",
        "Ik woon in de Kerkstraat en mijn buren wonen {num2} meter verderop.",
        "We betalen € {thousand} huur en {n} x per week € {price} voor de lunch.",
        "In de jaren 80 en 90 was het hier anders, in {year} is alles nieuw.",
        "Het project liep van 1-1-{year} t/m 31-12-{year2}.",
        "Ik was {n} jaar toen ik in {year} hier kwam, nu ben ik {age}.",
        "In {year} hebben {thousand} bewoners {thousand2} uur vrijwilligerswerk gedaan.",
        "Tussen {year} en {year2} stegen de kosten met {pct},5%.",
        "Het wijkbudget is € {big} en {year} is het laatste jaar.",
        "Mijn oma kwam op {date_dash} uit Paramaribo naar Den Haag.",
        "Lijn {tram} en bus {bus} rijden om de {n} minuten, de laatste om {time_lead}.",
        "Sinds {year} woon ik hier, in {year2} op 3 hoog.",
        "Op {date_dash} om {time_colon} kwamen {people} mensen naar het buurthuis.",
        "In {year} kwam ik in de wijk wonen en sinds {year2} help ik mee.",
        "De koffieochtend is van {time_range} en kost € {price}.",
        "Ik neem bus {bus} en daarna lijn {tram} naar de markt.",
        "Mijn dochter zit in groep {group}, de les is in kamer {room}.",
        "Om {time_dot} uur begint de taalles in lokaal {room2}.",
        "Ongeveer {pct}% van de buren deed mee, dat zijn {people} mensen.",
        "De gemeente stak {big} euro in het plein, de huur steeg naar € {thousand}.",
        "Ik ben {age} jaar en heb {n} kinderen en {n} kleinkinderen.",
        "We wonen in de Kerkstraat, vlak bij het Malieveld.",
        "Tussen {year} en {year2} is er veel veranderd in de buurt.",
        "Op {date_dot} was het feest, week {week} was druk.",
        "Ik woon op nummer {num}, de buren op {num}.",
        "Van {year}-{year2} was ik vrijwilliger, {n} keer per week.",
        "Bel 112 alleen bij nood, zei de wijkagent op {date_iso}.",
        "In {year} en {year2} organiseerden we de braderie.",
    ],
    "en": [
        "Between {year} and {year2} rents rose by {pct}%.",
        "In {year} we had {thousand} visitors and {thousand2} cups of coffee.",
        "In {year} at the fair we sold {people} cakes.",
        "From {year} to {year2} I lived at number {num}.",
        "The bus left at {time_lead} on {date_iso}.",
        "On {date_slash} at {time_colon} about {people} people came.",
        "I moved here in {year} and joined the garden in {year2}.",
        "The coffee morning runs {time_range} and costs €{price}.",
        "I take bus {bus} and then tram {tram} to the market.",
        "My son is in group {group}; the class is in room {room}.",
        "About {pct}% of the neighbours took part.",
        "The council spent €{big} on the square.",
        "I am {age} years old with {n} children.",
        "We live on Church Street, near the park.",
        "From {year} to {year2} a lot changed, and in {year} we had {people} members.",
        "It starts at {time_dot} in week {week}.",
        "I live at number {num}, apartment {room}.",
    ],
    "tr": [
        "{year}'de geldim, {year2} ve {year}'de çalıştım.",
        "Kira {tl} TL'den {thousand} euroya çıktı.",
        "Geçen ay {tl} TL ödedim, burada {price} euro.",
        "{year} ve {year2} arasında {people} aile taşındı.",
        "{date_dot} tarihinde saat {time_colon}'da {people} kişi geldi.",
        "{year} yılında buraya taşındım, {year2} yılından beri gönüllüyüm.",
        "Kahve sabahı {time_range} arası ve {price} euro.",
        "{bus} numaralı otobüse, sonra {tram} numaralı tramvaya biniyorum.",
        "Oğlum {group}. sınıfta, ders {room} numaralı odada.",
        "Komşuların yüzde {pct}'i katıldı.",
        "Türkiye'de kira {tl} TL oldu, burada € {thousand}.",
        "{age} yaşındayım ve {n} çocuğum var.",
        "{year} ve {year2} yıllarında şenlik yaptık.",
        "Kerkstraat'ta oturuyoruz, parkın yanında.",
    ],
    "ar": [
        "دفعنا {thousand} يورو في {year} للمركز.",
        "الحافلة رقم {bus} تأتي الساعة {time_lead}.",
        "في ٢٠٢٤ جاء ١٢٠ شخصا والسعر ٣ يورو.",
        "من {year} إلى {year2} سكنت في الطابق {n}.",
        "في {date_slash} الساعة {time_colon} جاء {people} شخصا.",
        "انتقلت إلى الحي في عام {year} وبدأت التطوع في {year2}.",
        "صباح القهوة من {time_range} والسعر {price} يورو.",
        "آخذ الباص {bus} ثم الترام {tram} إلى السوق.",
        "ابني في المجموعة {group} والدرس في الغرفة {room}.",
        "شارك حوالي {pct}% من الجيران.",
        "عمري {age} سنة ولدي {n} أطفال.",
        "نسكن في شارع الكنيسة قرب الحديقة.",
        "في ١٢/٠٣/٢٠٢٤ جاء ٣٥ شخصا إلى المركز.",
        "بين {year} و {year2} تغير الكثير.",
    ],
    "pl": [
        "Budżet wynosił {big_space} zł w {year} roku.",
        "Od {year} do {year2} mieszkałam w Polsce.",
        "W {year} na festynie było {people} osób.",
        "Za mieszkanie płacę {thousand} € i {n} razy w tygodniu {price} € za obiad.",
        "{date_dot} o {time_colon} przyszło {people} osób.",
        "Przeprowadziłam się tu w {year} roku, od {year2} jestem wolontariuszką.",
        "Kawa jest od {time_range} i kosztuje {price} €.",
        "Jadę autobusem {bus}, potem tramwajem {tram}.",
        "Syn jest w grupie {group}, lekcja w sali {room}.",
        "W {year} do {year2} dużo się zmieniło.",
        "Około {pct}% sąsiadów przyszło.",
        "Mam {age} lat i {n} dzieci.",
        "W Polsce płaciłam {tl} zł za mieszkanie.",
        "Mieszkamy przy Kerkstraat, obok parku.",
    ],
    "uk": [
        "Бюджет {big_space} грн на {year} рік.",
        "З {year} по {year2} ми жили в Харкові.",
        "Оренда {thousand} €, а в Києві було {tl} грн.",
        "Автобус {bus} приходить о {time_lead}, трамвай {tram} о {time_colon}.",
        "{date_dot} о {time_colon} прийшли {people} людей.",
        "Я переїхала сюди у {year} році, з {year2} волонтерка.",
        "Кава з {time_range}, коштує {price} €.",
        "Я їду автобусом {bus}, потім трамваєм {tram}.",
        "Син у групі {group}, урок у кімнаті {room}.",
        "Приблизно {pct}% сусідів прийшли.",
        "Мені {age} років, маю {n} дітей.",
        "У Києві оренда була {tl} грн, тут € {thousand}.",
        "Ми живемо на Kerkstraat, біля парку.",
        "З {year} по {year2} багато змінилося.",
    ],
}


def build(
    seed: int, per_cell: int
) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """Build the corpus.

    Args:
        seed: Random seed.
        per_cell: Planted sentences per (language, kind); clean sentences match the total.

    Returns:
        ``(planted, clean)``: planted rows are ``(lang, kind, sentence, value)``; clean
        rows are ``(lang, sentence)``.
    """
    rng = random.Random(seed)
    planted = []
    for lang in LANGS:
        for kind in KINDS:
            for _ in range(per_cell):
                made = GENERATORS[kind](rng, lang)
                written, value = made if isinstance(made, tuple) else (made, made)
                sentence = rng.choice(PLANTED[lang][kind]).replace("{x}", written)
                r = rng.random()
                if r < 0.25:
                    sentence = f"{rng.choice(CONTEXT[lang])} {sentence}"
                elif r < 0.45:
                    sentence = f"{sentence}\n{rng.choice(CONTEXT[lang])}"
                planted.append((lang, kind, sentence, value))
    clean = []
    n_clean = len(planted)
    for i in range(n_clean):
        lang = LANGS[i % len(LANGS)]
        sentence = rng.choice(CLEAN[lang]).format(**_clean_values(rng))
        clean.append((lang, sentence))
    return planted, clean


def build_people(
    seed: int, per_cell: int, names_per_lang: int
) -> list[tuple[str, str, str, list[str]]]:
    """Planted sentences of the person-level kinds: ``(lang, kind, sentence, secrets)``."""
    rng = random.Random(seed + 1)
    rows = []
    for lang in LANGS:
        for kind in PEOPLE_KINDS:
            n = names_per_lang if kind == "name" else per_cell
            for _ in range(n):
                sentence, secrets = pii_people.planted_sentence(rng, lang, kind)
                if rng.random() < 0.3:
                    sentence = f"{sentence} {rng.choice(CONTEXT[lang])}"
                rows.append((lang, kind, sentence, secrets))
    return rows


def _leaks(secrets: list[str], text: str) -> bool:
    """True if a secret still stands in ``text`` as a whole word (or phrase)."""
    for secret in secrets:
        pattern = r"(?<![\w.@])" + re.escape(secret) + r"(?![\w@]|\.\w)"
        if re.search(pattern, text):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the report; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--per-cell", type=int, default=6, help="planted sentences per language and kind"
    )
    parser.add_argument(
        "--people-per-cell", type=int, default=20,
        help="planted sentences per language for dob, plate, social, email_words, street",
    )
    parser.add_argument("--names-per-lang", type=int, default=60)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    planted, clean = build(args.seed, args.per_cell)
    people = build_people(args.seed, args.people_per_cell, args.names_per_lang)
    clean += [(lang, s) for lang in LANGS for s in pii_people.CLEAN_PEOPLE[lang]]
    n_total = len(planted) + len(people) + len(clean)

    start = time.perf_counter()
    scrub("Warm-up met Anneke uit Marokko.")  # loads the word lists once per process
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    planted_out = [scrub(s) for _, _, s, _ in planted]
    people_out = [scrub(s) for _, _, s, _ in people]
    clean_out = [scrub(s) for _, s in clean]
    elapsed = time.perf_counter() - start

    n_planted: Counter[str] = Counter()
    n_found: Counter[str] = Counter()
    misses: list[str] = []
    for (lang, kind, sentence, value), result in zip(planted, planted_out):
        n_planted[kind] += 1
        if value not in result.text and PLACEHOLDERS[kind] in result.text:
            n_found[kind] += 1
        else:
            misses.append(f"  [{lang}/{kind}] {sentence!r} -> {result.text!r}")
    cell_planted: Counter[tuple[str, str]] = Counter()
    cell_found: Counter[tuple[str, str]] = Counter()
    cell_marked: Counter[tuple[str, str]] = Counter()
    for (lang, kind, sentence, secrets), result in zip(people, people_out):
        cell_planted[kind, lang] += 1
        if not _leaks(secrets, result.text) and PEOPLE_PLACEHOLDER[kind] in result.text:
            cell_found[kind, lang] += 1
        else:
            marked = [result.text[a:b] for a, b in getattr(result, "possible", ())]
            if kind == "name" and any(s in m for s in secrets for m in marked):
                cell_marked[kind, lang] += 1
            misses.append(f"  [{lang}/{kind}] {sentence!r} -> {result.text!r}"
                          + (f" marked {marked}" if marked else ""))
    changed = [(lang, s, r) for (lang, s), r in zip(clean, clean_out) if r.changed]

    print(
        f"PII scrubber evaluation: {n_total} sentences ({len(planted) + len(people)} planted, "
        f"{len(clean)} clean), languages {', '.join(LANGS)}, seed {args.seed}"
    )
    print(f"{'kind':<12}{'planted':>8}{'found':>8}{'recall':>8}")
    ok = True
    for kind in KINDS:
        recall = n_found[kind] / n_planted[kind] if n_planted[kind] else 0.0
        flag = "" if recall >= RECALL_TARGET else "  < target"
        ok &= recall >= RECALL_TARGET
        print(f"{kind:<12}{n_planted[kind]:>8}{n_found[kind]:>8}{recall:>8.3f}{flag}")
    for kind in PEOPLE_KINDS:
        planted_k = sum(cell_planted[kind, lang] for lang in LANGS)
        found_k = sum(cell_found[kind, lang] for lang in LANGS)
        recall = found_k / planted_k if planted_k else 0.0
        target = PEOPLE_RECALL_TARGET
        flag = "" if recall >= target else "  < target"
        ok &= recall >= target or kind == "name"
        print(f"{kind:<12}{planted_k:>8}{found_k:>8}{recall:>8.3f}{flag if kind != 'name' else ''}")
    print(f"names per language (target >= {NAME_RECALL_TARGET:.2f}; 'marked' = missed but "
          "marked as a possible name for the coordinator):")
    print(f"{'lang':<12}{'planted':>8}{'found':>8}{'recall':>8}{'marked':>8}")
    for lang in LANGS:
        p, f = cell_planted["name", lang], cell_found["name", lang]
        recall = f / p if p else 0.0
        ok &= recall >= NAME_RECALL_TARGET
        flag = "" if recall >= NAME_RECALL_TARGET else "  < target"
        print(f"{lang:<12}{p:>8}{f:>8}{recall:>8.3f}{cell_marked['name', lang]:>8}{flag}")
    print("person-level kinds per language (recall):")
    print(f"{'kind':<12}" + "".join(f"{lang:>7}" for lang in LANGS))
    for kind in PEOPLE_KINDS:
        cells = []
        for lang in LANGS:
            p = cell_planted[kind, lang]
            cells.append(f"{cell_found[kind, lang] / p:>7.2f}" if p else f"{'-':>7}")
        print(f"{kind:<12}" + "".join(cells))
    share = len(changed) / len(clean)
    ok &= share <= CLEAN_CHANGED_TARGET
    print(
        f"clean changed: {len(changed)}/{len(clean)} = {share:.3%} (target <= {CLEAN_CHANGED_TARGET:.0%})"
    )
    print(
        f"time: {elapsed / n_total * 1e6:.1f} µs per sentence ({n_total / elapsed:,.0f} sentences/s);"
        f" first call (loading word lists): {warm_up * 1e3:.0f} ms"
    )
    if args.show_misses or not ok:
        if misses:
            print("missed planted values:")
            print("\n".join(misses))
        if changed:
            print("changed clean sentences:")
            for lang, s, r in changed:
                print(f"  [{lang}] {s!r} -> {r.text!r} {r.found}")
    print("PASS" if ok else "FAIL: target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
