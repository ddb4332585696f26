"""The disclosure policy (issue 11): every output registered, k-anonymous row files,
aggregates that differencing cannot undo, unlinkable exports, quotable stories only."""

from __future__ import annotations

import csv
import random
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.exports.query import connect_readonly, released_respondents
from bot.exports.service import FORMATS, ExportRefused, run_chart, run_export
from bot.exports.summary import TABLE_COLUMNS, VALUES, summary_table
from bot.privacy import disclosure as dc
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.data import answered_resident as _resident
from tests.support.templates import copy_of

TZ = ZoneInfo("Europe/Amsterdam")
K = 5
LANGS = ("nl", "nl", "nl", "tr", "ar", "pl", "uk", "en")


# -- the registry ----------------------------------------------------------------------
def test_every_export_format_and_staff_command_is_registered():
    from admin.commands.export import EXPORT_BUTTONS
    from admin.commands.menu import STAFF_COMMANDS
    from bot.__main__ import build_parser

    assert dc.registered([f"export.{fmt}" for fmt in FORMATS]) == []
    assert dc.registered([f"export.{fmt}" for fmt, _label in EXPORT_BUTTONS.values()]) == []
    export = build_parser()._subparsers._group_actions[0].choices["export"]
    cli_formats = next(a.choices for a in export._actions if a.dest == "format")
    assert dc.registered([f"export.{fmt}" for fmt in cli_formats]) == []
    # every staff command either hands out something registered or nothing with figures
    for name, _desc, _admin_only in STAFF_COMMANDS:
        assert name in dc.COMMAND_OUTPUTS or name in dc.NO_OUTPUT_COMMANDS, name
    assert dc.registered(dc.COMMAND_OUTPUTS.values()) == []


def test_grant_refuses_what_is_not_registered_or_not_for_the_audience():
    with pytest.raises(dc.NotDisclosable) as unknown:
        dc.grant("export.parquet", "admin", K)
    assert unknown.value.reason == "unknown"
    with pytest.raises(dc.NotDisclosable) as wrong:
        dc.grant("message.feedback", "coordinator", K)
    assert wrong.value.reason == "audience"
    assert dc.grant("export.csv", "coordinator", K).row_level is False
    assert dc.grant("export.csv", "admin", K).row_level is True


def test_unregistered_format_writes_nothing(tmp_path):
    with pytest.raises(ValueError):
        run_export(tmp_path / "none.sqlite3", catalogue(), tmp_path / "x.parquet", fmt="parquet", tz=TZ)
    assert list(tmp_path.iterdir()) == []


# -- pure rules ------------------------------------------------------------------------
def _records(n: int, seed: int = 1) -> list[dc.Record]:
    rng = random.Random(seed)
    return [dc.Record(i, 1, rng.choice(["a", "b", "c", "d"]), rng.choice(LANGS),
                      "assisted" if rng.random() < 0.1 else "self",
                      f"2026-{rng.choice(['03', '04'])}-{rng.randint(1, 28):02d}") for i in range(n)]


@pytest.mark.parametrize("n", [30, 150])
def test_generalise_makes_every_class_at_least_k(n):
    records = _records(n)
    result = dc.generalise(records, K)
    rows = [{"respondent": key, "round": 1, **v} for key, v in result.values.items()]
    assert dc.smallest_class(rows, ("round", *dc.QUASI_IDENTIFIERS)) >= K
    assert result.left_out + len(result.values) == n and result.left_out <= dc.MAX_LEFT_OUT * n
    assert result.small_before > n // 2          # raw: most are in a class under k
    assert str(result.left_out) in result.note(K) or result.left_out == 0


def test_generalise_uses_districts_when_centres_have_them():
    records = [dc.Record(i, 1, "a" if i % 2 else "b", "nl", "self", "2026-03-01") for i in range(6)]
    by_district = dc.generalise(records, K, lambda code: "Zuidwest")
    assert {v["centre"] for v in by_district.values.values()} == {"Zuidwest"}
    assert {v["centre"] for v in dc.generalise(records, K).values.values()} == {dc.ALL}


def test_release_is_in_whole_batches_per_centre():
    people = [(1, "a", f"p{i}", f"2026-03-01T10:{i:02d}", True) for i in range(12)]
    people += [(1, "b", "q0", "2026-03-01T10:00", True), (1, "a", "late", "2026-03-02", False)]
    got = dc.release(people, K)
    assert len(got) == 10 and (1, "p9") in got and (1, "p10") not in got and (1, "q0") not in got
    assert got.held_back == 4


def test_labels_are_random_and_unlinkable():
    one, two = dc.RandomLabeller(), dc.RandomLabeller()
    first = [one(f"p{i}") for i in range(500)]
    assert len(set(first)) == 500 and one("p3") == first[3]
    assert set(first).isdisjoint(two(f"p{i}") for i in range(500))
    assert sorted(first) != first                    # order says nothing about pseudonyms


def test_story_quotable_needs_consent_and_k_per_centre_and_language():
    ok = {"centre_respondents": 9, "language_respondents": 5, "k": K}
    assert dc.story_quotable(consent=True, **ok)
    assert not dc.story_quotable(consent=None, **ok) and not dc.story_quotable(consent=False, **ok)
    assert not dc.story_quotable(consent=True, centre_respondents=9, language_respondents=1, k=K)


# -- a database like the demo's --------------------------------------------------------
async def _fill_demo(path):
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", [])
    rng = random.Random(7)
    centres = ["shalom", "bijbetje", "vrederust", "connect"]
    for n in range(40):
        await _resident(store, round_.id, n, rng.choice(centres), rng.choice(LANGS), rng,
                        mode="assisted" if n % 9 == 0 else "self")
    await store.set_round_status(round_.id, "closed")
    await store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET answered_at = '2026-03-0' || (1 + id % 7) || 'T10:00:00+00:00'")
    conn.commit()
    conn.close()


@pytest.fixture
async def demo_db(tmp_path):
    """40 residents over 4 centres and 6 languages (like the demo), one round, closed
    (filled once per process, copied per test)."""
    return await copy_of(_fill_demo, tmp_path / "d.sqlite3")


def _english() -> dict[str, str]:
    from bot.exports.xlsx import DUTCH_HEADERS

    return {dutch: english for english, dutch in DUTCH_HEADERS.items()}


#: The workbook's Dutch column headers -> the CSV files' names.
ENGLISH = _english()


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";" if "excel" in path.name else ","))


def _check_aggregate(rows: list[dict], where: str) -> None:
    """No row-level column, and every shown count is 0 or at least k."""
    assert rows, where
    assert not {"respondent", "answered_on", "mode"} & set(rows[0]), where
    for row in rows:
        for column in ("n", *VALUES, "dont_know", "skipped", "low", "middle", "high", "picked",
                       "respondents", "mentioned"):
            value = row.get(column)
            if value not in (None, "") and str(value).isdigit():
                assert int(value) == 0 or int(value) >= K, (where, column, row)


def test_k_anonymity_over_every_file_a_coordinator_or_admin_can_get(demo_db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    cat = catalogue()
    for audience in ("coordinator", "admin"):
        for fmt in FORMATS:
            out = tmp_path / f"{audience}-{fmt}{FORMATS[fmt][0]}"
            centres = ["shalom", "bijbetje"] if audience == "coordinator" else None
            try:
                run_export(demo_db, cat, out, fmt=fmt, tz=TZ, audience=audience, centres=centres,
                           min_cell_size=K)
            except ExportRefused as exc:        # no quotable (coded) story in this scope
                assert (fmt, exc.reason) in (("stories", "no_stories"), ("effects", "no_codes"))
                continue
            if fmt in ("codebook", "stories"):  # stories: test_review_exports_resist_… (e2e)
                continue
            if fmt == "effects":
                with open(out, encoding="utf-8-sig", newline="") as fh:
                    _check_aggregate(list(csv.DictReader(fh, delimiter=";")), f"{audience} effects")
                continue
            sheets: dict[str, list[dict]] = {}
            if fmt == "xlsx":
                book = openpyxl.load_workbook(out)
                for ws in book.worksheets:
                    values = list(ws.iter_rows(values_only=True))
                    if ws.title not in ("codeboek", "toelichting", "verhalen"):
                        head = [ENGLISH.get(h, h) for h in values[0]]   # Dutch headers back
                        sheets[ws.title] = [dict(zip(head, r)) for r in values[1:]]
                assert ("antwoorden" in sheets) == (audience == "admin")
            else:
                sheets["file"] = _csv(out)
            for name, rows in sheets.items():
                where = f"{audience} {fmt} {name}"
                if "respondent" in (rows[0] if rows else {}):
                    assert audience == "admin", where
                    quasi = [c for c in ("round", *dc.QUASI_IDENTIFIERS) if c in rows[0]]
                    assert dc.smallest_class(rows, quasi) >= K, where
                else:
                    _check_aggregate(rows, where)
    # the stories document and the effects table (both audiences get the same rules)
    from bot.exports import stories_doc

    conn = connect_readonly(demo_db)
    try:
        table = stories_doc.effects_table(conn, cat, k=K)
    finally:
        conn.close()
    _check_aggregate(table, "effects")


def test_share_of_respondents_in_small_classes_before_and_after(demo_db, tmp_path):
    run_export(demo_db, catalogue(), tmp_path / "rows.csv", tz=TZ, min_cell_size=1)
    raw = _csv(tmp_path / "rows.csv")
    quasi = ("round", *dc.QUASI_IDENTIFIERS)
    assert dc.smallest_class(raw, quasi) < K                        # without the policy
    result = run_export(demo_db, catalogue(), tmp_path / "k.csv", tz=TZ, min_cell_size=K)
    assert dc.smallest_class(_csv(tmp_path / "k.csv"), quasi) >= K
    assert result.respondents + result.left_out == 40


# -- differencing ----------------------------------------------------------------------
def _profiles_in_file_order(rows) -> list[tuple]:
    """Each respondent's answers, in the order respondents first appear in the file."""
    profiles: dict[str, list] = {}
    for row in rows:
        profiles.setdefault(row["respondent"], []).append((row["item_id"], row["status"], row["value"]))
    return [tuple(p) for p in profiles.values()]


def test_row_order_does_not_link_two_exports(demo_db, tmp_path):
    """An analyst holding two row files (CSV, the xlsx answers sheet, or a panel file)
    cannot link them by position: respondents come in the order of this export's random
    labels, not of their stored pseudonym."""
    openpyxl = pytest.importorskip("openpyxl")
    files = []
    for name, kwargs in (("a.csv", {}), ("b.csv", {}), ("c-excel.csv", {"fmt": "excel-nl"}),
                         ("panel.csv", {"panel_secret": b"s" * 32})):
        run_export(demo_db, catalogue(), tmp_path / name, tz=TZ, min_cell_size=K,
                   **{"fmt": "csv", **kwargs})
        files.append(_profiles_in_file_order(_csv(tmp_path / name)))
    run_export(demo_db, catalogue(), tmp_path / "d.xlsx", fmt="xlsx", tz=TZ, min_cell_size=K)
    sheet = list(openpyxl.load_workbook(tmp_path / "d.xlsx")["antwoorden"].iter_rows(values_only=True))
    files.append(_profiles_in_file_order(
        {ENGLISH.get(k, k): ("" if v is None else str(v)) for k, v in zip(sheet[0], r)} for r in sheet[1:]))
    n = len(files[0])
    assert n >= 30 and len(set(files[0])) == n          # profiles tell respondents apart
    for i, one in enumerate(files):
        for two in files[i + 1:]:
            assert sorted(one) == sorted(two)             # the same people ...
            same_place = sum(x == y for x, y in zip(one, two))
            assert same_place < n // 4, same_place        # ... not at the same places


def _table(db: Path, tmp_path: Path, name: str) -> list[dict]:
    out = tmp_path / name
    try:
        run_export(db, catalogue(), out, fmt="csv", tz=TZ, audience="coordinator",
                   centres=["shalom"], min_cell_size=K)
    except ExportRefused:
        return []
    return _csv(out)


def _read_off(before: list[dict], after: list[dict]) -> list[str]:
    """What the before/after attack reads off: items where exactly one answer was added
    and its value can be told from the two tables."""
    found = []
    by_item = {r["item_id"]: r for r in before}
    for row in after:
        old = by_item.get(row["item_id"], dict.fromkeys(TABLE_COLUMNS, "0"))
        diff = {}
        for v in VALUES:
            a, b = row[v], old[v] or "0"
            if a == "" or b == "":
                continue
            diff[v] = int(a) - int(b or 0)
        added = (int(row["n"] or 0) - int(old["n"] or 0)) if row["n"] and old["n"] else None
        if added == 1 or sum(diff.values()) == 1:
            found.append(row["item_id"])
    return found


async def test_differencing_attack_reads_off_no_individual_answer(tmp_path, monkeypatch):
    """A coordinator exports (and charts) just before and just after each resident
    finishes: the pair never isolates one person's answers."""
    import bot.exports.charts

    drawn: list = []

    def capture(summary, cat, out, **kwargs):       # what the chart draws (drawing is ~1 s each)
        drawn.append(summary)
        return out

    monkeypatch.setattr(bot.exports.charts, "draw_indicator_chart", capture)
    path = tmp_path / "attack.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", ["shalom"])
    rng = random.Random(11)

    def chart():
        try:
            run_chart(path, catalogue(), tmp_path / "c.png", tz=TZ, round_ids=[round_.id], centres=["shalom"],
                      audience="coordinator")
        except ExportRefused:
            return None
        return drawn[-1]

    before, chart_before = _table(path, tmp_path, "t0.csv"), chart()
    assert before == [] and chart_before is None     # nobody yet: a clear refusal, no file
    changes, chart_changes, reads = 0, 0, []
    for n in range(17):
        await _resident(store, round_.id, n, "shalom", rng.choice(LANGS), rng)
        after, chart_after = _table(path, tmp_path, f"t{n + 1}.csv"), chart()
        reads += _read_off(before, after)
        if after != before:
            changes += 1
            conn = connect_readonly(path)
            assert len(released_respondents(conn, [round_.id], ["shalom"], K)) % K == 0
            conn.close()
        chart_changes += chart_after != chart_before
        before, chart_before = after, chart_after
    await store.close()
    assert reads == []
    assert changes == chart_changes == 3   # after residents 5, 10 and 15: whole batches only


async def test_an_erasure_does_not_swap_one_respondent_into_the_figures(tmp_path):
    """Before/after /forget: the erased person's batch leaves the figures whole. Without a
    kept place the batches behind them shift by one, and the pair of exports sets the
    erased person's answers against the one respondent swapped in (whom the coordinator
    saw finish next)."""
    path = tmp_path / "forget.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", ["shalom"])
    rng = random.Random(5)
    people = [await _resident(store, round_.id, n, "shalom", "nl", rng) for n in range(2 * K + 1)]

    def released() -> set:
        conn = connect_readonly(path)
        try:
            return {p for _r, p in released_respondents(conn, [round_.id], ["shalom"], K).pairs}
        finally:
            conn.close()

    before = released()
    assert before == set(people[: 2 * K])
    await store.erase_respondent(people[2])             # in the first batch
    after = released()
    swapped_in, left = after - before, before - after - {people[2]}
    assert swapped_in == set()                           # nobody joins on their own
    assert len(left) + 1 >= K                            # the whole batch leaves
    assert after == set(people[K: 2 * K])
    # a later erasure in the part not yet shown changes nothing shown
    await store.erase_respondent(people[2 * K])
    assert released() == after
    for n in range(2 * K + 1, 3 * K + 1):               # the batch with that gap stays out
        await _resident(store, round_.id, n, "shalom", "nl", rng)
        assert released() == after
    await store.close()
    raw = path.read_bytes()
    assert all(p.encode() not in raw for p in (people[2], people[2 * K]))


def test_without_batches_the_attack_would_work():
    """The attack's read-off works on plain counts (so the test above can fail)."""
    before = [{"item_id": "i", "n": "5", **dict.fromkeys(VALUES, ""), "1": "5"}]
    after = [{"item_id": "i", "n": "6", **dict.fromkeys(VALUES, ""), "1": "5", "4": "1"}]
    for row in (*before, *after):
        for v in VALUES:
            row[v] = row[v] or "0"
    assert _read_off(before, after) == ["i"]


# -- bad input -------------------------------------------------------------------------
async def test_empty_scope_and_one_respondent_are_refused_without_a_file(tmp_path):
    path = tmp_path / "b.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", ["shalom"])
    await _resident(store, round_.id, 1, "shalom", "uk", random.Random(1))
    await store.close()
    for audience in ("coordinator", "admin"):
        for fmt in ("csv", "excel-nl", "xlsx"):
            out = tmp_path / f"x-{audience}{FORMATS[fmt][0]}"
            with pytest.raises(ExportRefused) as empty:
                run_export(path, catalogue(), out, fmt=fmt, tz=TZ, audience=audience, centres=["connect"])
            assert empty.value.reason == "empty"
            with pytest.raises(ExportRefused) as one:
                run_export(path, catalogue(), out, fmt=fmt, tz=TZ, audience=audience, round_ids=[round_.id])
            assert one.value.reason == "too_small" and one.value.respondents == 1
            assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.sqlite3", "b.sqlite3-shm", "b.sqlite3-wal"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["b.sqlite3"]


def test_summary_table_keeps_numbers_numeric():
    from bot.exports.rows import AnswerRow

    def rows(counts):
        out, n = [], 0
        for value, count in counts.items():
            for _ in range(count):
                n += 1
                out.append(AnswerRow(1, "c", f"R{n}", "nl", "ind.cohesion.less_lonely", "scale", "cohesion", "",
                                     "answered", value, "", "", "self", "2026-03"))
        return out

    table = {r["item_id"]: r for r in summary_table(rows({"1": 2, "2": 3, "3": 7, "4": 10, "5": 6}),
                                                     catalogue(), k=K)}
    lonely = table["ind.cohesion.less_lonely"]
    # five points would need "1" and "2" withheld: the row offers the three points instead
    assert [lonely[v] for v in VALUES] == [None] * 5 and lonely["withheld"] == "1:x 2:x 3:x 4:x 5:x"
    assert (lonely["low"], lonely["middle"], lonely["high"], lonely["withheld_3pt"]) == (5, 7, 16, "")
    assert lonely["n"] == 28 and lonely["median"] is None


def test_five_and_three_points_never_undo_each_other():
    """Across many random rows: where a 5-point cell is withheld, no 3-point cell is shown
    unless all five are withheld (else low - "2" would give "1")."""
    from bot.exports.summary import Counts, disclose_counts

    rng = random.Random(5)
    for _ in range(3000):
        values = {v: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for v in VALUES}
        five, three = disclose_counts(Counts(values=values), K)
        hidden5 = [v for v in VALUES if isinstance(five[v], str)]
        shown3 = [key for key, c in three.items() if not isinstance(c, str)]
        if hidden5 and shown3:
            assert all(isinstance(five[v], str) or values[v] == 0 for v in VALUES), values
        for c in (*[five[v] for v in VALUES], *three.values()):
            assert isinstance(c, str) or c == 0 or c >= K, values


# -- bad input in the chat, in the staff member's language -----------------------------
async def test_chat_refusals_are_in_the_coordinators_language_and_send_no_file(sim, harness):
    from bot.i18n import Translator
    from bot.roles import Roles
    from tests.support.harness import ADMIN_ID, settle, until

    round_ = await harness.prepare("short", ["shalom"])
    await harness.start()
    await _resident(harness.storage, round_.id, 1, "shalom", "uk", random.Random(2))
    code = await Roles(harness.storage, frozenset()).create_invite("shalom")
    coord = sim.user(930001, language_code="pl")
    coord.send_text(f"/coordinator {code}")
    await settle(sim)
    pl = Translator("pl")
    # a round with one respondent: the chart and every export say so, in Polish
    coord.send_text(f"/chart {round_.id}")
    too_few = pl._("Nog te weinig deelnemers om cijfers te laten zien zonder dat iemand herkenbaar is. "
                   "Cijfers komen per groepje van {k} deelnemers per centrum. Er is geen bestand gemaakt.", k=K)
    await until(lambda: coord.last.text == too_few)
    coord.send_text("/export")
    await settle(sim)
    coord.press_button(next(b for row in coord.buttons() for b, _d in row if f"#{round_.id}" in b))
    await settle(sim)
    coord.press_button("Excel (xlsx)")
    await until(lambda: coord.last.text == too_few)
    assert [b for row in coord.buttons() for b, _d in row] == [pl._("Alle rondes")]   # the coarser choice
    # an empty scope (an admin, Turkish, a round nobody answered)
    empty = await harness.storage.create_round("short", ["connect"])
    admin = sim.user(ADMIN_ID, language_code="tr")
    admin.send_text("/export")
    await settle(sim)
    admin.press_button(next(b for row in admin.buttons() for b, _d in row if f"#{empty.id}" in b))
    await settle(sim)
    admin.press_button(next(b for row in admin.buttons() for b, _d in row if b.startswith("CSV")))
    await until(lambda: admin.last.text == Translator("tr")._("Hier zijn nog geen antwoorden. Er is geen bestand gemaakt."))
    assert not any(m.document for m in (*coord.messages, *admin.messages))


async def test_progress_does_not_tell_a_new_respondents_choice(tmp_path):
    """/progress just before and after one resident finishes a survey with a branch
    (a story question only for a domain picked in msc.domains): the per-item counts must
    not show which domain they picked."""
    from admin.progress import (
        item_status_counts,
        progress_items,
        question_text,
        render_progress,
        round_progress,
    )
    from bot.i18n import Translator

    cat = catalogue()
    store = await Storage.open(tmp_path / "p.sqlite3")
    await store.seed_centres(cat.centres)
    round_ = await store.create_round("praatplaat", ["shalom"])
    items = cat.survey_items("praatplaat")
    assert any(i.shown_if for i in items)

    async def resident(n: int, domain: str) -> None:
        who = f"{n:064x}"
        await store.start_participation(round_.id, who, centre_code="shalom", language="nl")
        for item in items:
            if item.shown_if and item.shown_if.includes != domain:
                continue                                   # not asked: the branch
            kwargs = {"round_id": round_.id, "respondent": who, "item_id": item.id,
                      "status": "answered", "language": "nl", "centre_code": "shalom"}
            if item.shown_if or item.type == "text":
                kwargs["text"] = "Fijn."
            elif item.type in ("choice", "cards"):
                kwargs["choices"] = [domain] if item.id == "msc.domains" else [item.options[0].id]
            else:
                kwargs["value"] = 3
            await store.record_answer(**kwargs)
        await store.finish_participation(round_.id, who)

    async def shown() -> list[str]:
        counts = await round_progress(store, round_.id)
        counts.released, counts.by_status = item_status_counts(tmp_path / "p.sqlite3", round_.id, None, K)
        questions = {i.id: question_text(i, "nl") for i in items}
        return render_progress(counts, "ronde", progress_items(items), Translator("nl"), K,
                               questions=questions).splitlines()

    for n in range(2 * K):
        await resident(n, "livability")
    before = await shown()
    await resident(99, "connection")
    after = await shown()
    await store.close()
    changed = [line for line in after if line not in before]
    domain_questions = {question_text(i, "nl") for i in items if i.shown_if}
    assert not any(q in line for q in domain_questions for line in before + after), changed
    # started and finished count one more; per question nothing moves (batches of k)
    assert sorted(changed) == sorted(["Begonnen: 11", "Klaar: 11", "  Nederlands: 11"]), changed
    assert f"   beantwoord {2 * K} · weet niet 0 · overgeslagen 0" in after


async def test_one_round_and_all_rounds_row_files_show_a_respondent_alike(tmp_path):
    """Composition of two row files: the analyst links a one-round file and an all-rounds
    file by the answers (the same in both) and keeps the finer value of each
    quasi-identifier. Generalised per round, a respondent-round shows the same values in
    both, so the pair tells nothing either file does not."""
    path = tmp_path / "two.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    rng = random.Random(3)
    first = await store.create_round("short", [])
    for n in range(20):
        await _resident(store, first.id, n, ("shalom", "bijbetje")[n % 2],
                        "nl" if n < 14 else ("tr", "uk")[n % 2], rng)
    await store.set_round_status(first.id, "closed")
    second = await store.create_round("short", [])
    for n in range(100, 112):
        await _resident(store, second.id, n, ("shalom", "bijbetje", "vrederust", "connect")[n % 4],
                        rng.choice(["nl", "tr", "ar", "pl"]), rng)
    await store.close()

    def seen(name: str, round_ids) -> dict[tuple, tuple]:
        run_export(path, catalogue(), tmp_path / name, tz=TZ, round_ids=round_ids, min_cell_size=K)
        people: dict[str, list] = {}
        quasi: dict[str, tuple] = {}
        for row in _csv(tmp_path / name):
            if row["round"] != str(first.id):
                continue
            people.setdefault(row["respondent"], []).append((row["item_id"], row["value"]))
            quasi[row["respondent"]] = tuple(row[c] for c in dc.QUASI_IDENTIFIERS)
        return {tuple(answers): quasi[label] for label, answers in people.items()}

    alone, together = seen("one.csv", [first.id]), seen("all.csv", None)
    assert len(alone) == 20 and alone.keys() == together.keys()
    assert {p: q for p, q in alone.items() if together[p] != q} == {}
