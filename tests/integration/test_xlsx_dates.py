"""The workbook's ``datum`` column is one type: a date, also where the row file shows a month."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
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


#: ODF namespaces of the flat spreadsheet (``.fods``) LibreOffice writes.
_ODF = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}

#: A user profile that has "last run" this version or later. LibreOffice (7.2+) runs its
#: graphics render tests at every start whose profile has not yet recorded the running version,
#: and headless never records it: about 1.2 s of CPU (big bitmaps cleared and drawn) in each
#: conversion, for nothing a conversion uses.
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>
</oor:items>
"""


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_ODF[prefix]}}}{local}"


def _datum_cells(table: ET.Element) -> list[tuple[str | None, str | None, str]]:
    """(value type, date value, text as shown) of the ``datum`` cell in each data row."""
    def cells(row: ET.Element) -> list[ET.Element]:
        out: list[ET.Element] = []
        for cell in row.iter(_q("table:table-cell")):
            out += [cell] * min(int(cell.get(_q("table:number-columns-repeated"), "1")), 64)
        return out

    def shown(cell: ET.Element) -> str:
        return "".join("".join(p.itertext()) for p in cell.iter(_q("text:p")))

    rows = [cells(row) for row in table.iter(_q("table:table-row"))]
    column = [shown(c) for c in rows[0]].index("datum")
    return [(row[column].get(_q("office:value-type")), row[column].get(_q("office:date-value")),
             shown(row[column])) for row in rows[1:] if any(shown(c) for c in row)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_the_month_as_a_date(month_db, tmp_path):
    """LibreOffice headless, in both answer sheets: the month is a date value (2026-03-01, not
    the text ``2026-03``), and shown as formatted it reads ``2026-03``. One conversion to the
    flat ODF spreadsheet carries both, each cell's value and the text it shows."""
    out = tmp_path / "a.xlsx"
    run_export(month_db, catalogue(), out, fmt="xlsx", tz=TZ, min_cell_size=5)
    (tmp_path / "lo" / "user").mkdir(parents=True)
    (tmp_path / "lo" / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "fods", "--outdir", str(tmp_path / "lo-out"), str(out)],
                   check=True, capture_output=True, timeout=120)
    tables = {t.get(_q("table:name")): t
              for t in ET.parse(tmp_path / "lo-out" / "a.fods").iter(_q("table:table"))}
    for sheet in ("antwoorden", "antwoorden_breed"):
        cells = _datum_cells(tables[sheet])
        assert cells and set(cells) == {("date", "2026-03-01", "2026-03")}, sheet
