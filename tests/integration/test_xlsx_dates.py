"""The workbook's ``datum`` column is one type: a date, also where the row file shows a month."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.exports.rows import AnswerRow
from bot.exports.service import run_export
from bot.exports.xlsx import DAY_FORMAT, MONTH_FORMAT, date_value, write_xlsx
from bot.storage import Storage
from bot.survey import catalogue

TZ = ZoneInfo("Europe/Amsterdam")


def test_date_value_makes_every_shown_date_a_date():
    assert date_value("2026-03-04") == (date(2026, 3, 4), DAY_FORMAT)
    assert date_value(date(2026, 3, 4)) == (date(2026, 3, 4), DAY_FORMAT)
    assert date_value("2026-03") == (date(2026, 3, 1), MONTH_FORMAT)
    assert date_value("") == (None, DAY_FORMAT)
    with pytest.raises(ValueError):
        date_value("maart")


def _row(respondent: str, answered_on) -> AnswerRow:
    return AnswerRow(1, "all", respondent, "nl", "ind.cohesion.less_lonely", "scale", "", "",
                     "answered", "4", "", "", "self", answered_on)


def test_workbook_dates_are_typed_in_both_answer_sheets(tmp_path):
    rows = [_row("R1", "2026-03"), _row("R2", "2026-03-04"), _row("R3", date(2026, 3, 5)),
            _row("R4", "")]
    wide = (["ronde", "respondent", "centrum", "taal", "modus", "datum"],
            [[1, f"R{i + 1}", "all", "nl", "self", str(r.answered_on)] for i, r in enumerate(rows)])
    out = tmp_path / "w.xlsx"
    write_xlsx(rows, catalogue(), out, wide=wide)
    book = load_workbook(out)
    for sheet, column in (("antwoorden", 14), ("antwoorden_breed", 6)):
        cells = [book[sheet].cell(row=r, column=column) for r in range(2, 6)]
        assert book[sheet].cell(row=1, column=column).value == "datum"
        assert [c.value for c in cells] == [datetime(2026, 3, 1), datetime(2026, 3, 4),
                                            datetime(2026, 3, 5), None]
        assert all(c.is_date for c in cells[:3])
        assert [c.number_format for c in cells[:3]] == [MONTH_FORMAT, DAY_FORMAT, DAY_FORMAT]


@pytest.fixture
async def month_db(tmp_path):
    """Ten residents at one centre, all Dutch, each on another day: only the month groups them."""
    path = tmp_path / "m.sqlite3"
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", ["shalom"])
    await store.close()
    conn = sqlite3.connect(path)
    with conn:
        for n in range(10):
            at = f"2026-03-{n + 2:02d}T10:00:00+00:00"
            for item in catalogue().survey_items("short"):
                if item.type == "scale":
                    conn.execute("INSERT INTO answers (round_id, respondent, item_id, status, value,"
                                 " language, centre_code, mode, answered_at)"
                                 " VALUES (?, ?, ?, 'answered', ?, 'nl', 'shalom', 'self', ?)",
                                 (round_.id, f"{n:064x}", item.id, 1 + n % 5, at))
    conn.close()
    return path


def test_an_exported_workbook_generalised_to_months_has_dates(month_db, tmp_path):
    out = tmp_path / "a.xlsx"
    run_export(month_db, catalogue(), out, fmt="xlsx", tz=TZ, min_cell_size=5)
    book = load_workbook(out)
    for sheet in ("antwoorden", "antwoorden_breed"):
        ws = book[sheet]
        column = [c.value for c in ws[1]].index("datum")
        cells = [row[column] for row in ws.iter_rows(min_row=2)]
        assert cells and all(c.value == datetime(2026, 3, 1) and c.is_date for c in cells)
        assert {c.number_format for c in cells} == {MONTH_FORMAT}


#: LibreOffice's CSV filter: comma, double quote, UTF-8, from row 1, ..., cell contents as shown.
AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_the_month_as_a_date(month_db, tmp_path):
    """LibreOffice headless: the month is a date value (its raw form is the locale's date,
    not the text ``2026-03``), and shown as formatted it reads ``2026-03``."""
    out = tmp_path / "a.xlsx"
    run_export(month_db, catalogue(), out, fmt="xlsx", tz=TZ, min_cell_size=5)

    def datum(convert_to: str, folder) -> set[str]:
        folder.mkdir()
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                        "--convert-to", convert_to, "--outdir", str(folder), str(out)],
                       check=True, capture_output=True, timeout=120)
        with open(folder / "a.csv", encoding="utf-8", newline="") as fh:
            return {row["datum"] for row in csv.DictReader(fh)}

    assert datum(AS_SHOWN, tmp_path / "shown") == {"2026-03"}
    raw = datum("csv", tmp_path / "raw")
    assert len(raw) == 1 and raw != {"2026-03"} and "2026" in raw.pop()   # a date, not text
