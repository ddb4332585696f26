"""A round's row-file levels and shown values (migration 0015): stored by the first row file,
only ever coarser, gone with a respondent's /forget, kept through the retention purge."""

from __future__ import annotations

import csv
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.exports.service import run_export
from bot.privacy import disclosure as dc
from bot.rounds import purge_free_text
from bot.storage import Storage
from bot.survey import catalogue

TZ = ZoneInfo("Europe/Amsterdam")
K = 5


async def _resident(store: Storage, round_id: int, n: int, centre: str, lang: str, rng) -> str:
    who = f"{n:064x}"
    await store.start_participation(round_id, who, centre_code=centre, language=lang, mode="self")
    for item in catalogue().survey_items("short"):
        if item.type == "scale":
            await store.record_answer(round_id=round_id, respondent=who, item_id=item.id,
                                      status="answered", language=lang, centre_code=centre,
                                      value=rng.randint(1, 5))
        elif item.type == "text":
            await store.record_answer(round_id=round_id, respondent=who, item_id=item.id,
                                      status="answered", language=lang, centre_code=centre,
                                      text=f"Verhaal {n}.")
    await store.finish_participation(round_id, who)
    return who


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _stored(path: Path) -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        levels = conn.execute("SELECT round_id, date, centre, language, mode FROM row_levels").fetchall()
        values = conn.execute("SELECT round_id, respondent, centre, language FROM row_values"
                              " ORDER BY respondent").fetchall()
    finally:
        conn.close()
    return levels, values


async def test_migration_0015_applies_to_a_database_of_0014(tmp_path):
    """A database made before the tables existed gets them on start; its rounds have no
    levels until their first row file."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    for entry in sorted((resources.files("bot") / "migrations").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql") and int(entry.name[:4]) <= 14:
            conn.executescript(entry.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", (int(entry.name[:4]),))
    conn.commit()
    conn.close()
    store = await Storage.open(path)
    await store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] >= 15
    assert conn.execute("SELECT COUNT(*) FROM row_levels").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM row_values").fetchone()[0] == 0
    conn.close()


@pytest.fixture
async def round_db(tmp_path):
    """12 residents at two centres, Dutch and Turkish, one open round."""
    path = tmp_path / "r.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", [])
    rng = random.Random(5)
    people = [await _resident(store, round_.id, n, ("shalom", "bijbetje")[n % 2],
                              "nl" if n < 8 else "tr", rng) for n in range(12)]
    yield path, store, round_.id, people, rng
    await store.close()


async def test_first_row_file_fixes_the_levels_and_forget_takes_the_values(round_db, tmp_path):
    path, store, round_id, people, rng = round_db
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM row_levels").fetchone()[0] == 0
    conn.close()
    run_export(path, catalogue(), tmp_path / "a.csv", tz=TZ, min_cell_size=K, audience="coordinator")
    assert _stored(path) == ([], [])               # a coordinator's aggregate stores nothing
    run_export(path, catalogue(), tmp_path / "a.csv", tz=TZ, min_cell_size=K)
    levels, values = _stored(path)
    assert [lv[0] for lv in levels] == [round_id]
    shown = {r["respondent"]: (r["centre"], r["language"]) for r in _rows(tmp_path / "a.csv")}
    assert len(values) == len(shown) >= 10
    assert sorted((c, lang) for _r, _p, c, lang in values) == sorted(shown.values())

    await store.forget(123, people[0])              # /forget: their shown values go too
    _levels, after = _stored(path)
    assert people[0] not in {p for _r, p, _c, _l in after} and len(after) == len(values) - 1
    assert _stored(path)[0] == levels               # the round's levels stay (no person in them)
    await store.erase_respondent(people[1])         # an assisted interview's deletion code
    assert people[1] not in {p for _r, p, _c, _l in _stored(path)[1]}


async def test_retention_purge_keeps_the_round_as_shown(round_db, tmp_path):
    """The purge deletes free text only: the next row file shows everyone as before."""
    path, store, round_id, _people, _rng = round_db
    run_export(path, catalogue(), tmp_path / "a.csv", tz=TZ, min_cell_size=K)
    before = _stored(path)
    await store.set_round_status(round_id, "closed")
    assert await purge_free_text(store, 0, datetime.now(UTC) + timedelta(days=1)) == [round_id]
    run_export(path, catalogue(), tmp_path / "b.csv", tz=TZ, min_cell_size=K)
    assert _stored(path) == before
    quasi = [tuple(r[c] for c in dc.QUASI_IDENTIFIERS) for r in _rows(tmp_path / "a.csv")]
    assert sorted(quasi) == sorted(tuple(r[c] for c in dc.QUASI_IDENTIFIERS) for r in _rows(tmp_path / "b.csv"))


async def test_levels_only_become_coarser_as_residents_come_and_go(round_db, tmp_path):
    """Newcomers join at the round's levels; erasures that leave too many out make it
    coarser, never finer; a respondent's values in a later file are the same or coarser."""
    path, store, round_id, people, rng = round_db
    seen: list[tuple] = []
    previous: dict[str, tuple] = {}
    for step in range(8):
        if step % 3 == 2:
            await store.erase_respondent(people.pop(rng.randrange(len(people))))
        else:
            people.append(await _resident(store, round_id, 100 + step, rng.choice(["shalom", "connect"]),
                                          rng.choice(["nl", "tr", "ar"]), rng))
        run_export(path, catalogue(), tmp_path / f"{step}.csv", tz=TZ, min_cell_size=K)
        levels, values = _stored(path)
        seen.append(levels[0][1:])
        now = {p: (c, lang) for _r, p, c, lang in values}
        for p, (c, lang) in now.items():
            if p in previous:
                old_c, old_lang = previous[p]
                assert c in (old_c, dc.ALL) and lang in (old_lang, dc.OTHER_LANGUAGE, dc.ALL)
        previous = now
    assert all(all(b >= a for a, b in zip(one, two)) for one, two in zip(seen, seen[1:]))


async def test_a_database_that_cannot_keep_them_still_exports(round_db, tmp_path):
    """A copy without the tables (made before migration 0015, opened by another tool): the
    row file is decided on its own, as before, and nothing is written into the copy."""
    path, store, _round_id, _people, _rng = round_db
    await store.close()
    copy = tmp_path / "copy.sqlite3"
    src, dst = sqlite3.connect(path), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.executescript("DROP TABLE row_values; DROP TABLE row_levels;")
    dst.close()
    result = run_export(copy, catalogue(), tmp_path / "old.csv", tz=TZ, min_cell_size=K)
    assert result.respondents >= 10
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'row_%'").fetchall() == []
    conn.close()


def test_published_values_nest_in_the_pure_rule():
    """generalise with the published state of the round: levels at least as coarse in every
    quasi-identifier, every value shown before the same or coarser, classes at least k."""
    rng = random.Random(2)
    records = [dc.Record(i, 1, rng.choice("abc"), rng.choice(["nl", "nl", "tr", "ar"]), "self",
                         f"2026-03-0{rng.randint(1, 3)}") for i in range(40)]
    state = None
    for step in range(30):
        if step % 4 == 3:
            records.pop(rng.randrange(len(records)))
        else:
            records.append(dc.Record(100 + step, 1, rng.choice("abcd"), rng.choice(["nl", "pl", "uk"]),
                                     "assisted" if rng.random() < 0.3 else "self", "2026-03-05"))
        result = dc.generalise(records, K, lambda c: "W1" if c in "ab" else "W2", published=state)
        rows = [{"respondent": key, "round": 1, **v} for key, v in result.values.items()]
        assert not rows or dc.smallest_class(rows, ("round", *dc.QUASI_IDENTIFIERS)) >= K
        if state is not None:
            old, new = state.levels, result.levels
            assert (new.date, new.centre, new.language, new.mode) >= (old.date, old.centre,
                                                                      old.language, old.mode)
            assert all(getattr(new, f) >= getattr(old, f) for f in ("date", "centre", "language", "mode"))
            for key, v in result.published.items():
                before = state.values.get(key)
                if before is not None:
                    assert v["centre"] in (before["centre"], "W1", "W2", dc.ALL)
                    assert v["language"] in (before["language"], dc.OTHER_LANGUAGE, dc.ALL)
                    assert before["answered_on"].startswith(v["answered_on"])
                    assert v["mode"] in (before["mode"], dc.ALL)
        state = dc.Published(result.levels, result.published) if result.values or state else None


def test_an_erasure_that_leaves_too_many_out_makes_the_round_coarser():
    """Ten at centre a, six at b: centres shown. Two of b erased: b's four would be left out
    (more than 5 %), so the centre becomes coarser for everyone, as a coarsening of what
    was shown; a newcomer at b never makes it coarser (they wait for others)."""
    records = [dc.Record(i, 1, "a" if i < 10 else "b", "nl", "self", "2026-03-02") for i in range(16)]
    first = dc.generalise(records, K)
    assert first.levels == dc.Levels() and len(first.values) == 16
    state = dc.Published(first.levels, first.published)
    newcomer = dc.generalise([*records, dc.Record(99, 1, "c", "nl", "self", "2026-03-02")], K,
                             published=state)
    assert newcomer.levels == dc.Levels() and 99 not in newcomer.values and 99 not in newcomer.published
    after = dc.generalise(records[:14], K, published=state)
    assert after.levels.centre == 2 and after.levels.language == 0
    assert {v["centre"] for v in after.values.values()} == {dc.ALL} and len(after.values) == 14
    fixed = dc.generalise(records[:14], K, published=state, fixed=True)
    assert len(fixed.values) == 10 and fixed.left_out == 4   # as stored: b's four left out


async def test_a_busy_database_shows_what_is_stored(round_db, tmp_path, monkeypatch):
    """Another writer holds the database past the time-out: the file shows the stored values
    (a newcomer waits), never a decision of its own."""
    path, store, round_id, _people, rng = round_db
    run_export(path, catalogue(), tmp_path / "a.csv", tz=TZ, min_cell_size=K)
    stored = _stored(path)
    for n in range(200, 206):
        await _resident(store, round_id, n, "shalom", "nl", rng)
    real_connect = sqlite3.connect

    def impatient(*args, **kwargs):
        kwargs["timeout"] = 0.05
        return real_connect(*args, **kwargs)

    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(sqlite3, "connect", impatient)
    try:
        result = run_export(path, catalogue(), tmp_path / "b.csv", tz=TZ, min_cell_size=K)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert _stored(path) == stored and result.respondents == len(stored[1])
