"""Linking two row files of one round by their answers (the tester's attack in
docs/privacy.md, "The analyst's row file: k-anonymity").

The analyst's row files are k-anonymous one by one. The attack: export the row file of a
round, let one more resident answer (or one withdraw), export again, and link the two
files by the answers, which are the same in both. Where the two files generalised
differently (centre kept and language generalised in one, the other way round in the
other), each linked respondent gets the finer value of each quasi-identifier, and a
class under k comes back. The long file (one row per answer) and the wide file (one row
per respondent) are linked with each other as well.

The simulation runs many random scopes through the real export (``run_export``, admin,
CSV and wide) on a real database. :func:`attack` prints the figures for
``docs/privacy.md`` when run on its own: ``python tests/e2e/test_row_file_linking.py 200``.
"""

from __future__ import annotations

import asyncio
import csv
import random
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.service import ExportRefused, run_export
from bot.privacy import disclosure as dc
from bot.storage import Storage
from bot.survey import catalogue

TZ = ZoneInfo("Europe/Amsterdam")
K = 5
LANGUAGES = ("nl", "tr", "ar", "pl", "uk", "en")
CENTRES = ("shalom", "bijbetje", "vrederust", "connect", "sterrenhoek")
SCALE = [item.id for item in catalogue().survey_items("short") if item.type == "scale"]
CARDS = next(item for item in catalogue().survey_items("short") if item.type == "cards")


async def _template(path: Path) -> int:
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", [])
    await store.set_round_status(round_.id, "open")
    await store.close()
    return round_.id


def _add(path: Path, round_id: int, people: list[tuple]) -> None:
    """Residents who answered every question of the short survey (direct SQL: fast)."""
    conn = sqlite3.connect(path)
    with conn:
        for who, centre, lang, mode, day, values, cards in people:
            at = f"2026-03-{day:02d}T10:00:00+00:00"
            conn.execute("INSERT INTO participations (round_id, respondent, centre_code, language, mode,"
                         " started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (round_id, who, centre, lang, mode, at, at))
            for item_id, value in zip(SCALE, values):
                conn.execute("INSERT INTO answers (round_id, respondent, item_id, status, value,"
                             " language, centre_code, mode, answered_at)"
                             " VALUES (?, ?, ?, 'answered', ?, ?, ?, ?, ?)",
                             (round_id, who, item_id, value, lang, centre, mode, at))
            conn.execute("INSERT INTO answers (round_id, respondent, item_id, status, choices,"
                         " language, centre_code, mode, answered_at)"
                         " VALUES (?, ?, ?, 'answered', ?, ?, ?, ?, ?)",
                         (round_id, who, CARDS.id, cards, lang, centre, mode, at))
    conn.close()


def _person(rng: random.Random, n: int, centres, days: int) -> tuple:
    picks = [o.id for o in CARDS.options if rng.random() < 0.3] or [CARDS.options[0].id]
    return (f"{rng.getrandbits(128):032x}{n:032x}", rng.choice(centres),
            rng.choices(LANGUAGES, weights=(5, 2, 2, 1, 1, 1))[0],
            "assisted" if rng.random() < 0.1 else "self", rng.randint(1, days),
            [rng.randint(1, 5) for _ in SCALE], '["' + '","'.join(picks) + '"]')


def _read(path: Path, wide: bool) -> dict[tuple, tuple]:
    """Answers (the linking key) -> quasi-identifiers of every respondent in a row file."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, tuple[dict, tuple]] = {}
    for row in rows:
        if wide:
            quasi = tuple(row[c] for c in ("ronde", "centrum", "taal", "modus", "datum"))
            seen[row["respondent"]] = ({i: row[i] for i in SCALE}, quasi)
        elif row["item_id"] in SCALE:
            quasi = (row["round"], *(row[c] for c in dc.QUASI_IDENTIFIERS))
            seen.setdefault(row["respondent"], ({}, quasi))[0][row["item_id"]] = row["value"]
    out: dict[tuple, tuple] = {}
    for answers, quasi in seen.values():
        key = tuple(answers.get(i, "") for i in SCALE)
        out[key] = quasi if key not in out else ("ambiguous",)   # the same answers twice: no link
    return {key: quasi for key, quasi in out.items() if quasi != ("ambiguous",)}


def _specific(value: str) -> int:
    """How much a shown value tells (higher: finer), for the finer value of two files."""
    if value in ("", dc.ALL):
        return 0
    if value == dc.OTHER_LANGUAGE or value.startswith("Wijk") or value == "Zuidwest":
        return 1
    return 2 + len(value)          # a centre, a language, a month, a day (longer: finer)


def _finer(a: str, b: str) -> str:
    if a == b:
        return a
    sa, sb = _specific(a), _specific(b)
    return a if sa > sb else b if sb > sa else f"{a}|{b}"


def rebuilt(one: dict[tuple, tuple], two: dict[tuple, tuple], k: int = K) -> int:
    """Respondents whom linking two files puts in a class under k that neither file has.

    Respondents are linked by their answers (the same in both files). Each linked
    respondent gets the finer value of each quasi-identifier; their class is everyone
    linked with the same finer values. It is *rebuilt* when it is under k and smaller than
    their class in either file among the linked respondents (an erasure alone shrinks a
    class in both files alike; that is not the linking's doing).
    """
    linked = one.keys() & two.keys()
    if not linked:
        return 0
    finer = {p: tuple(_finer(a, b) for a, b in zip(one[p], two[p])) for p in linked}

    def sizes(values: dict) -> dict:
        count: dict = {}
        for p in linked:
            count[values[p]] = count.get(values[p], 0) + 1
        return {p: count[values[p]] for p in linked}

    joint, first, second = sizes(finer), sizes(one), sizes(two)
    return sum(1 for p in linked if joint[p] < k and joint[p] < first[p] and joint[p] < second[p])


@dataclass
class Figures:
    """What :func:`attack` found."""

    scopes: int = 0
    attacked: int = 0                 # scopes where some pair of files rebuilt a class under k
    respondents: int = 0              # respondent-links in rebuilt classes, summed over pairs
    files: int = 0
    pairs: dict[str, int] = field(default_factory=dict)


async def _scope(template: Path, round_id: int, seed: int, folder: Path, figures: Figures) -> None:
    rng = random.Random(seed)
    path = folder / f"s{seed}.sqlite3"
    src, dst = sqlite3.connect(template), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    if rng.random() < 0.5:          # two districts in some scopes (centre -> district -> all)
        dst.executemany("UPDATE centres SET district = ? WHERE code = ?",
                        [("Wijk " + "AB"[i % 2], c) for i, c in enumerate(CENTRES)])
        dst.commit()
    dst.close()
    centres = rng.sample(CENTRES, rng.randint(2, 5))
    days = rng.choice((1, 2, 3))
    n = rng.randint(15, 60)
    people = [_person(rng, i, centres, days) for i in range(n)]
    _add(path, round_id, people)
    files: dict[str, dict] = {}

    def export(name: str, wide: bool = False) -> None:
        out = folder / f"s{seed}-{name}.csv"
        try:
            run_export(path, catalogue(), out, fmt="wide" if wide else "csv", tz=TZ, min_cell_size=K)
        except ExportRefused:
            pass
        files[name] = _read(out, wide)

    export("before")
    more = [_person(rng, n + i, centres, days) for i in range(rng.randint(1, 4))]
    _add(path, round_id, more)
    export("after")
    export("after-wide", wide=True)
    store = await Storage.open(path)
    await store.erase_respondent(rng.choice(people + more)[0])
    await store.close()
    export("forget")
    export("forget-wide", wide=True)
    figures.scopes += 1
    figures.files += len(files)
    hit = False
    for a, b in combinations(files, 2):
        found = rebuilt(files[a], files[b])
        if found:
            hit = True
            figures.respondents += found
            figures.pairs[f"{a}/{b}"] = figures.pairs.get(f"{a}/{b}", 0) + 1
    figures.attacked += hit
    for name in folder.glob(f"s{seed}*"):
        name.unlink()


async def attack(scopes: int, seed: int = 0) -> Figures:
    """Run the attack on ``scopes`` random scopes; returns the :class:`Figures`."""
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.sqlite3"
        round_id = await _template(template)
        for number in range(scopes):
            await _scope(template, round_id, seed * 100_000 + number, folder, figures)
    return figures


def test_the_linking_rule_sees_incomparable_levels():
    """The rule of :func:`rebuilt` itself: incomparable levels rebuild a class; the same
    values, or one file a coarsening of the other, do not."""
    people = [(str(i),) for i in range(10)]
    centre_kept = {p: ("1", "shalom" if int(p[0]) < 5 else "connect", "all", "self", "")
                   for p in people}
    language_kept = {p: ("1", "all", "nl" if int(p[0]) % 5 else "tr", "self", "") for p in people}
    assert rebuilt(centre_kept, language_kept) == 10          # {shalom, nl} has 4, {.., tr} 1
    coarser = {p: ("1", "all", "all", "self", "") for p in people}
    assert rebuilt(centre_kept, coarser) == 0 and rebuilt(centre_kept, centre_kept) == 0
    fewer = {p: v for p, v in centre_kept.items() if p != ("0",)}    # one erased: not rebuilt
    assert rebuilt(centre_kept, fewer) == 0


async def test_linking_two_row_files_of_a_round_rebuilds_no_class_under_k():
    """Before and after more residents answer, and after one is erased: every pair of the
    round's row files (long and wide), linked by the answers, rebuilds no class under k."""
    figures = await attack(40)
    assert figures.scopes == 40 and figures.files == 40 * 5
    assert (figures.attacked, figures.respondents, figures.pairs) == (0, 0, {})


if __name__ == "__main__":
    found = asyncio.run(attack(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
    print(f"{found.scopes} scopes, {found.files} files: {found.attacked} scopes with a class under"
          f" {K} rebuilt by linking two files ({found.respondents} respondent-links); pairs: {found.pairs}")
