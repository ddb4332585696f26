"""Scales of any length a pack declares (issue 13 point 1): 3, 4, 5 and 7 points.

The Maastricht pack asks on a 4-point scale; a Kobo form may use 3 or 7. Figures, the
coordinator's table, the 3-point collapse, the chart, the workbook and the small-cell
rules follow the scale of the pack, not a fixed five.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.exports.charts import chart_plan, draw_indicator_chart, palette
from bot.exports.rows import AnswerRow
from bot.exports.summary import (
    Counts,
    disclose_counts,
    indicator_summary,
    summary_table,
    table_columns,
)
from bot.exports.xlsx import DUTCH_HEADERS, write_xlsx
from bot.privacy.disclosure import collapse3, collapse_groups
from bot.survey import catalogue
from bot.survey.models import Scale
from tests.support.chat import data_of, last_with, onboard

K = 5
ITEM = "ind.cohesion.less_lonely"
LANGS = ("nl", "en", "tr", "ar", "pl", "uk")
WORDS = {3: ["Nee", "Een beetje", "Ja"],
         4: ["Helemaal niet", "Een beetje", "Best wel", "Helemaal"],
         5: ["Helemaal niet", "Een beetje", "Neutraal", "Best wel", "Helemaal"],
         7: ["Helemaal oneens", "Oneens", "Beetje oneens", "Neutraal", "Beetje eens", "Eens",
             "Helemaal eens"]}


def scaled(points: int):
    """The default catalogue with a scale of ``points`` points (values 1 … points)."""
    cat = catalogue()
    scale = Scale.model_validate({
        "points": [{"value": i + 1, "emoji": "🙂", "label": dict.fromkeys(LANGS, word)}
                   for i, word in enumerate(WORDS[points])],
        "dont_know": cat.scale.dont_know, "skip": cat.scale.skip})
    return dataclasses.replace(cat, scale=scale)


def answers(counts: dict[str, int], item: str = ITEM) -> list[AnswerRow]:
    out = []
    for value, count in counts.items():
        for _ in range(count):
            out.append(AnswerRow(1, "c", f"R{len(out)}", "nl", item, "scale", "cohesion", "",
                                 "answered", value, "", "", "self", "2026-03"))
    return out


@pytest.mark.parametrize("points", [3, 4, 5, 7])
def test_the_table_has_one_column_per_point_and_counts_every_point(points):
    cat = scaled(points)
    values = tuple(str(v) for v in range(1, points + 1))
    assert cat.scale.values == values
    counts = {v: K + i for i, v in enumerate(values)}  # every cell at least k: nothing withheld
    table = {r["item_id"]: r for r in summary_table(answers(counts), cat, k=K)}
    row = table[ITEM]
    assert tuple(row) == table_columns(values)
    assert [row[v] for v in values] == [counts[v] for v in values]
    assert row["n"] == sum(counts.values()) and row["withheld"] == ""
    groups = collapse_groups(values)
    assert row["low"] == sum(counts[v] for v in groups["low"])
    assert row["high"] == sum(counts[v] for v in groups["high"])
    assert row["middle"] == (counts[values[points // 2]] if points % 2 else None)
    assert row["low"] + (row["middle"] or 0) + row["high"] == row["n"]
    # the median lies on the scale (middle answer of n sorted values)
    ordered = sorted(int(v) for v, c in counts.items() for _ in range(c))
    n = len(ordered)
    assert row["median"] == (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    summary = indicator_summary(answers(counts), cat, k=K)
    assert all(set(values) <= set(r) and str(points + 1) not in r for r in summary)


def test_the_collapse_groups_halves_and_a_middle_point():
    assert collapse_groups(("1", "2", "3")) == {"low": ("1",), "middle": ("2",), "high": ("3",)}
    assert collapse_groups(("1", "2", "3", "4")) == {"low": ("1", "2"), "high": ("3", "4")}
    assert collapse_groups(("1", "2", "3", "4", "5")) == {
        "low": ("1", "2"), "middle": ("3",), "high": ("4", "5")}
    assert collapse_groups([str(v) for v in range(1, 8)]) == {
        "low": ("1", "2", "3"), "middle": ("4",), "high": ("5", "6", "7")}
    # values need not start at 1
    assert collapse3({"0": 1, "1": 2, "2": 3, "3": 4}) == {"low": 3, "high": 7}


def test_a_four_point_row_offers_the_collapse_when_one_point_is_small():
    """1:2 2:6 3:7 4:10 (n 25): '1' is under k, so the four points are withheld and the
    halves 8 / 17 are shown instead (5-point code summed 4 alone as 'high' and put 3 in a
    middle a 4-point scale does not have)."""
    cat = scaled(4)
    row = summary_table(answers({"1": 2, "2": 6, "3": 7, "4": 10}), cat, k=K)
    lonely = next(r for r in row if r["item_id"] == ITEM)
    assert [lonely[v] for v in "1234"] == [None] * 4 and lonely["withheld"] == "1:x 2:x 3:x 4:x"
    assert (lonely["low"], lonely["middle"], lonely["high"], lonely["withheld_3pt"]) == (8, None, 17, "")
    assert lonely["n"] == 25 and lonely["median"] is None


@pytest.mark.parametrize("points", [3, 4, 5, 7])
def test_no_cell_under_k_and_full_and_collapsed_rows_never_undo_each_other(points):
    """Random counts on every scale length: no shown cell holds 1 … k-1; where a value cell
    is withheld no collapsed cell is shown unless every non-zero value is withheld; no
    withheld '<k' cell can be computed back from n and the shown cells."""
    values = [str(v) for v in range(1, points + 1)]
    rng = random.Random(points)
    for _ in range(1500):
        counts = {v: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for v in values}
        full, three = disclose_counts(Counts(values=dict(counts)), K)
        assert set(full) >= set(values) and not set(full) & {str(points + 1)}
        hidden = [v for v in values if isinstance(full[v], str)]
        shown3 = [key for key, c in three.items() if not isinstance(c, str)]
        if hidden and shown3:
            assert all(isinstance(full[v], str) or counts[v] == 0 for v in values), counts
        for c in (*[full[v] for v in values], *three.values(), full["n"]):
            assert isinstance(c, str) or c == 0 or c >= K, counts
        small = [v for v in values if full[v] == f"<{K}"]
        if len(small) == 1 and isinstance(full["n"], int):
            assert len(hidden) >= 2, counts  # one '<5' alone would be n minus the rest


@pytest.mark.parametrize("points", [4, 7])
def test_the_chart_draws_every_point_in_its_own_colour(points, tmp_path):
    cat = scaled(points)
    values = cat.scale.values
    counts = {v: 10 for v in values}
    summary = indicator_summary(answers(counts), cat, k=K)
    bar = next(b for b in chart_plan(summary, cat, k=K, only=[ITEM]) if b.item_id == ITEM)
    assert bar.drawn and set(bar.shares) == set(values)
    assert sum(bar.shares.values()) == pytest.approx(1.0)
    fills = palette(points)
    assert len(set(fills)) == points
    out = draw_indicator_chart(summary, cat, tmp_path / "chart.png", k=K, only=[ITEM])
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _n, (r, g, b) in
               Image.open(out).convert("RGB").getcolors(maxcolors=1 << 20)}
    assert set(fills) <= colours  # each point's segment (and its legend key) is drawn


@pytest.mark.parametrize("points", [3, 4, 7])
def test_the_workbook_summary_sheet_follows_the_scale(points, tmp_path):
    cat = scaled(points)
    values = cat.scale.values
    rows = answers({v: 6 for v in values})
    out = tmp_path / "export.xlsx"
    write_xlsx(rows, cat, out, k=K)
    book = load_workbook(out, read_only=True)
    header = [c.value for c in next(book["samenvatting"].iter_rows(max_row=1))]
    assert tuple(header) == tuple(DUTCH_HEADERS.get(c, c) for c in table_columns(values))  # Dutch
    lonely = next(r for r in book["samenvatting"].iter_rows(min_row=2, values_only=True) if r[0] == ITEM)
    assert [lonely[header.index(v)] for v in values] == [6] * points
    about = " ".join(str(r[0]) for r in book["toelichting"].iter_rows(values_only=True))
    assert f"Schaal van {points} punten" in about and WORDS[points][-1] in about
    low = "+".join(values[:points // 2])
    assert f"laag = {low}" in about


def test_scale_values_outside_the_buttons_callback_data_or_out_of_order_are_refused():
    cat = catalogue()
    base = {"dont_know": cat.scale.dont_know, "skip": cat.scale.skip}

    def point(v):
        return {"value": v, "emoji": "🙂", "label": dict.fromkeys(LANGS, str(v))}

    with pytest.raises(ValueError, match="2 to 11 points"):
        Scale.model_validate({**base, "points": [point(1)]})
    with pytest.raises(ValueError, match="rise"):
        Scale.model_validate({**base, "points": [point(2), point(1), point(3)]})
    # 0 … 10 is a scale (an 11-point rating): every value fits a button
    from bot import callback_data as cd

    eleven = Scale.model_validate({**base, "points": [point(v) for v in range(11)]})
    for v in eleven.values:
        parsed = cd.parse(cd.answer_value(7, 3, int(v)))
        assert parsed is not None and parsed.value == int(v)


def test_the_chart_shows_the_collapse_where_the_table_does(tmp_path):
    """Maastricht's 4-point case: the four points are withheld, the halves are not. The
    chart draws low/high (as the coordinator's table shows them) instead of a grey bar."""
    from bot.exports.charts import COLLAPSED_FILL, HIDDEN_COLOUR

    cat = scaled(4)
    table = summary_table(answers({"1": 2, "2": 6, "3": 7, "4": 10}), cat, k=K)
    bar = next(b for b in chart_plan(table, cat, k=K, only=[ITEM]))
    assert bar.drawn and bar.collapsed and bar.n == 25
    assert bar.shares == {"low": pytest.approx(8 / 25), "high": pytest.approx(17 / 25)}
    out = draw_indicator_chart(table, cat, tmp_path / "chart.png", k=K, only=[ITEM], language="en")
    pixels = {f"#{r:02x}{g:02x}{b:02x}": n for n, (r, g, b) in
              Image.open(out).convert("RGB").getcolors(maxcolors=1 << 20)}
    assert pixels.get(COLLAPSED_FILL["low"], 0) > 1000 and pixels.get(COLLAPSED_FILL["high"], 0) > 1000
    assert pixels.get(COLLAPSED_FILL["middle"], 0) < 50  # an even scale has no middle
    assert pixels.get(HIDDEN_COLOUR, 0) < 50  # no grey bar: the collapse tells all there is


def _seven_point_form(path):
    """A Kobo-style form with a 7-point agree scale (no emoji column: default faces)."""
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Nederlands (nl)", "appearance"])
    survey.append(["select_one agree7", "welcome", "Ik voel me welkom.", "likert"])
    survey.append(["select_one agree7", "known", "Ik weet wat er te doen is.", "likert"])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Nederlands (nl)"])
    for value, word in enumerate(WORDS[7], 1):
        choices.append(["agree7", str(value), word])
    choices.append(["agree7", "dont_know", "Weet ik niet"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Zeven punten", "seven"])
    book.save(path)
    return path


async def test_a_seven_point_pack_runs_a_round_and_gives_figures_and_a_chart(sim, tmp_path):
    """Residents answer on seven faces; the coordinator's /progress, /chart and table
    count the points 6 and 7 (five-point code dropped them)."""
    import csv
    from zoneinfo import ZoneInfo

    from bot.exports.service import run_export
    from bot.roles import Roles
    from bot.survey.xlsform import DEFAULT_FACES, load_xlsform
    from tests.support.harness import BotHarness, settle, until

    form = _seven_point_form(tmp_path / "seven.xlsx")
    cat = load_xlsform(form)
    assert cat.scale.values == tuple(str(v) for v in range(1, 8))
    assert [p.emoji for p in cat.scale.points] == DEFAULT_FACES[7]
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=form, min_cell_size=2)
    try:
        round_ = await harness.prepare("seven", ["shalom"])
        await harness.start()
        for chat, known in ((5151, "v6"), (5152, "v7")):
            user = sim.user(chat, language_code="nl")
            await onboard(sim, user)
            q = last_with(user, "a:")
            values = [d.rsplit(":", 1)[1] for d in data_of(q) if ":v" in d]
            assert values == [f"v{v}" for v in range(7, 0, -1)]  # seven faces, highest first
            user.press(q, next(d for d in data_of(q) if d.endswith(":v7")))
            await settle(sim)
            q = last_with(user, "a:")
            user.press(q, next(d for d in data_of(q) if d.endswith(f":{known}")))
            await settle(sim)
            assert user.last.text.startswith("🙏")
        code = await Roles(harness.storage, frozenset()).create_invite("shalom")
        coord = sim.user(5160, language_code="nl")
        coord.send_text(f"/coordinator {code}")
        await settle(sim)
        coord.send_text(f"/progress {round_.id}")
        await until(lambda: "Klaar: 2" in (coord.last.text or ""))
        report = coord.last.text
        assert "1. Ik voel me welkom.\n   beantwoord 2 · weet niet 0" in report
        assert "2. Ik weet wat er te doen is.\n   beantwoord 2 · weet niet 0" in report
        coord.send_text(f"/chart {round_.id}")
        await until(lambda: any(m.document for m in coord.messages))
    finally:
        await harness.stop()
    rows = db_rows_values(harness)
    assert rows == [("known", 6), ("known", 7), ("welcome", 7), ("welcome", 7)]
    out = tmp_path / "figures.csv"
    run_export(harness.db_path, cat, out, tz=ZoneInfo("Europe/Amsterdam"), audience="coordinator",
               round_ids=[round_.id], min_cell_size=2)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = {r["item_id"]: r for r in csv.DictReader(fh)}
    assert list(table["welcome"])[4:11] == [str(v) for v in range(1, 8)]
    assert table["welcome"]["7"] == "2" and table["welcome"]["n"] == "2"
    assert table["welcome"]["high"] == "2" and table["welcome"]["median"] == "7"
    # one 6 and one 7: each cell under k = 2 would be pinned to 1 by n, so n goes too
    known = table["known"]
    assert [known[v] for v in ("n", "6", "7", "high")] == ["", "", "", ""]
    assert "6:x" in known["withheld"] and "7:x" in known["withheld"]


def db_rows_values(harness) -> list[tuple]:
    from tests.support.harness import db_rows

    return sorted(db_rows(harness, "SELECT item_id, value FROM answers WHERE status = 'answered'"))
