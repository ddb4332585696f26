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

import pytest

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
        rows = csv.reader(fh)
        header = next(rows, None)
        if header is None:
            return {}
        at = {name: i for i, name in enumerate(header)}
        seen: dict[str, tuple[dict, tuple]] = {}
        if wide:
            quasi_at = [at[c] for c in ("ronde", "centrum", "taal", "modus", "datum")]
            scale_at = [(i, at[i]) for i in SCALE]
            who_at = at["respondent"]
            for row in rows:
                seen[row[who_at]] = ({i: row[j] for i, j in scale_at},
                                     tuple(row[j] for j in quasi_at))
        else:
            quasi_at = [at["round"], *(at[c] for c in dc.QUASI_IDENTIFIERS)]
            who_at, item_at, value_at = at["respondent"], at["item_id"], at["value"]
            scale = set(SCALE)
            for row in rows:
                if row[item_at] in scale:
                    answers = seen.setdefault(row[who_at], ({}, tuple(row[j] for j in quasi_at)))[0]
                    answers[row[item_at]] = row[value_at]
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
    finer = {p: one[p] if one[p] == two[p] else tuple(map(_finer, one[p], two[p])) for p in linked}

    def sizes(values: dict) -> dict:
        count: dict = {}
        for p in linked:
            count[values[p]] = count.get(values[p], 0) + 1
        return {p: count[values[p]] for p in linked}

    joint, first, second = sizes(finer), sizes(one), sizes(two)
    return sum(1 for p in linked if joint[p] < k and joint[p] < first[p] and joint[p] < second[p])


def _could_be(shown: tuple, true: tuple, district: dict[str, str]) -> bool:
    """Could a row shown with ``shown`` (round, centre, language, mode, date) be a person
    whose true values are ``true`` (centre, language, mode, day)?"""
    _round, centre, language, mode, day = shown
    t_centre, t_language, t_mode, t_day = true
    return (centre in (t_centre, district.get(t_centre), dc.ALL)
            and language in (t_language, dc.OTHER_LANGUAGE, dc.ALL)
            and mode in (t_mode, dc.ALL) and t_day.startswith(day))


def singled(earlier: dict[tuple, tuple], later: dict[tuple, tuple], truth: dict[tuple, tuple],
            district: dict[str, str], k: int = K) -> int:
    """Respondents of the later file, absent from the earlier one, whom linking the two
    leaves with fewer than k who could be them.

    A respondent the earlier file showed is known by the earlier file's values (the same
    or finer). Among the later file's class of a newcomer, those whose earlier values do
    not fit the newcomer's true values (another centre, an earlier day) are ruled out: a
    newcomer in a class of 5 next to 4 known to be elsewhere is the only one who could be
    the resident who came later.
    """
    out = 0
    for p, quasi in later.items():
        if p in earlier:
            continue
        could = sum(1 for q, v in later.items()
                    if v == quasi and (q not in earlier or _could_be(earlier[q], truth[p], district)))
        out += could < k
    return out


@dataclass
class Figures:
    """What :func:`attack` found."""

    scopes: int = 0
    attacked: int = 0                 # scopes where some pair of files rebuilt a class under k
    respondents: int = 0              # respondent-links in rebuilt classes, summed over pairs
    singled: int = 0                  # newcomers of a later file singled out by an earlier one
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
    district = {code: name for code, name in dst.execute("SELECT code, district FROM centres") if name}
    dst.close()
    centres = rng.sample(CENTRES, rng.randint(2, 5))
    days = rng.choice((1, 2, 3))
    n = rng.randint(15, 60)
    people = [_person(rng, i, centres, days) for i in range(n)]
    truth = {}
    _add(path, round_id, people)
    files: dict[str, dict] = {}

    def export(name: str, wide: bool = False) -> None:
        out = folder / f"s{seed}-{name}.csv"
        try:
            run_export(path, catalogue(), out, fmt="wide" if wide else "csv", tz=TZ, min_cell_size=K)
        except ExportRefused:
            pass
        files[name] = _read(out, wide)
        for _who, centre, lang, mode, day, values, _cards in people:
            truth[tuple(str(v) for v in values)] = (centre, lang, mode, f"2026-03-{day:02d}")

    export("before")
    more = [_person(rng, n + i, centres, days) for i in range(rng.randint(1, 4))]
    _add(path, round_id, more)
    people = people + more
    export("after")
    export("after-wide", wide=True)
    store = await Storage.open(path)
    await store.erase_respondent(rng.choice(people)[0])
    await store.close()
    export("forget")
    export("forget-wide", wide=True)
    later = [_person(rng, n + 10 + i, centres, days) for i in range(rng.randint(1, 4))]
    _add(path, round_id, later)
    people = people + later
    export("later")
    export("later-wide", wide=True)
    figures.scopes += 1
    figures.files += len(files)
    hit = False
    for a, b in combinations(files, 2):
        found = rebuilt(files[a], files[b])
        newcomers = singled(files[a], files[b], truth, district)      # a was made before b
        figures.singled += newcomers
        if newcomers:
            hit = True
            figures.pairs[f"{a}>{b}"] = figures.pairs.get(f"{a}>{b}", 0) + 1
        if found:
            hit = True
            figures.respondents += found
            figures.pairs[f"{a}/{b}"] = figures.pairs.get(f"{a}/{b}", 0) + 1
    figures.attacked += hit
    for name in folder.glob(f"s{seed}*"):
        name.unlink()


async def attack(scopes: int, seed: int = 0, folder: Path | None = None) -> Figures:
    """Run the attack on ``scopes`` random scopes; returns the :class:`Figures`.

    The databases and files go to ``folder`` (the test's ``tmp_path``, which the suite
    keeps in memory where it can), else to a temporary directory.
    """
    if folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            return await attack(scopes, seed, Path(tmp))
    figures = Figures()
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


@pytest.mark.slow(seconds=5)
async def test_linking_two_row_files_of_a_round_rebuilds_no_class_under_k(tmp_path):
    """Before and after more residents answer, and after one is erased: every pair of the
    round's row files (long and wide), linked by the answers, rebuilds no class under k."""
    figures = await attack(40, folder=tmp_path)
    assert figures.scopes == 40 and figures.files == 40 * 7
    assert (figures.attacked, figures.respondents, figures.singled, figures.pairs) == (0, 0, 0, {})


async def test_an_all_rounds_row_file_does_not_tie_a_persons_rounds(tmp_path):
    """An all-rounds row file gave a person the same label in both rounds: each round's
    classes held 5, but the pair of days (round 1's, round 2's) under one label was a
    class of 1 or 2. Labels are per respondent-round now (panel keys link on purpose)."""
    path = tmp_path / "two.sqlite3"
    first = await _template(path)
    store = await Storage.open(path)
    second = (await store.create_round("short", [])).id
    await store.set_round_status(second, "open")
    await store.close()
    rng = random.Random(7)
    people = [_person(rng, i, ["shalom"], 1) for i in range(15)]
    for round_id, day in ((first, lambda i: i // 5 + 1), (second, lambda i: i % 3 + 1)):
        _add(path, round_id, [(who, "shalom", "nl", "self", day(i), values, cards)
                              for i, (who, _c, _l, _m, _d, values, cards) in enumerate(people)])
    for fmt, columns in (("csv", ("round", "respondent", "answered_on")),
                         ("wide", ("ronde", "respondent", "datum"))):
        out = tmp_path / f"all-{fmt}.csv"
        result = run_export(path, catalogue(), out, fmt=fmt, tz=TZ, min_cell_size=K)
        assert result.respondents == 15, fmt           # the caption counts people, not labels
        with open(out, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        days: dict[str, dict[str, str]] = {}
        for row in rows:
            days.setdefault(row[columns[1]], {})[row[columns[0]]] = row[columns[2]]
        assert len({r[columns[0]] for r in rows}) == 2             # both rounds, 15 each
        assert len(days) == 30, fmt                                # no label in two rounds
        joined: dict[tuple, int] = {}
        for by_round in days.values():
            key = tuple(sorted(by_round.items()))
            joined[key] = joined.get(key, 0) + 1
        assert min(joined.values()) >= K, (fmt, joined)
    panel = tmp_path / "panel.csv"
    run_export(path, catalogue(), panel, fmt="csv", tz=TZ, min_cell_size=K, panel_secret=b"s" * 32)
    with open(panel, encoding="utf-8-sig", newline="") as fh:
        assert len({row["respondent"] for row in csv.DictReader(fh)}) == 15   # panel: linked


async def test_a_newcomer_after_the_round_moved_coarser_is_not_singled_out(tmp_path):
    """Five Arabic speakers at Shalom, fifteen Dutch, twenty Dutch at Bijbetje: the first
    file shows centre and language. One of the five is erased, so the round moves coarser,
    and one Arabic speaker answers at Bijbetje the next day. Shown at the coarser levels in
    a class of 5 with Shalom's four (whom the first file shows at Shalom on day 1), she
    was the one row that could be an Arabic speaker of Bijbetje or a resident of day 2:
    linked with the first file, her answers were hers. Now she waits for k newcomers."""
    path = tmp_path / "r.sqlite3"
    round_id = await _template(path)
    rng = random.Random(3)

    def person(n: int, centre: str, lang: str, day: int) -> tuple:
        return _person(rng, n, [centre], 1)[:1] + (centre, lang, "self", day) + _person(rng, n, [centre], 1)[5:]

    people = ([person(i, "shalom", "ar", 1) for i in range(5)] + [person(5 + i, "shalom", "nl", 1) for i in range(15)]
              + [person(20 + i, "bijbetje", "nl", 1) for i in range(20)])
    _add(path, round_id, people)
    run_export(path, catalogue(), tmp_path / "a.csv", fmt="csv", tz=TZ, min_cell_size=K)
    first = _read(tmp_path / "a.csv", wide=False)
    assert len(first) == 40 and {v[2] for v in first.values()} == {"ar", "nl"}
    store = await Storage.open(path)
    await store.erase_respondent(people[0][0])
    await store.close()
    newcomer = person(99, "bijbetje", "ar", 2)
    _add(path, round_id, [newcomer])
    truth = {tuple(str(v) for v in p[5]): (p[1], p[2], p[3], f"2026-03-{p[4]:02d}") for p in [*people, newcomer]}
    district = {c.code: c.district for c in catalogue().centres if c.district}
    for fmt in ("csv", "wide"):
        out = tmp_path / f"b.{fmt}.csv"
        run_export(path, catalogue(), out, fmt=fmt, tz=TZ, min_cell_size=K)
        later = _read(out, wide=fmt == "wide")
        assert len(later) >= 35 and singled(first, later, truth, district) == 0, (fmt, later)


if __name__ == "__main__":
    found = asyncio.run(attack(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
    print(f"{found.scopes} scopes, {found.files} files: {found.attacked} scopes with a class under"
          f" {K} rebuilt or a newcomer singled out by linking two files ({found.respondents}"
          f" respondent-links rebuilt, {found.singled} newcomers singled out); pairs: {found.pairs}")
