"""A hand-written XLSForm (the way Kobo's documentation shows it) imports, runs a round in
the simulator and exports (issue 13)."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.service import run_export
from bot.survey.xlsform import load_xlsform
from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import BotHarness, db_rows, settle

KOBO_FORM = Path(__file__).resolve().parents[1] / "fixtures" / "kobo_neighbourhood_check.xlsx"


def test_kobo_form_imports() -> None:
    cat = load_xlsform(KOBO_FORM)
    assert cat.name == "neighbourhood_check" and cat.languages == ("en", "nl")
    assert cat.source_language == "nl" and cat.version.startswith("2026120401-")
    assert cat.surveys["neighbourhood_check"].items == [
        "visited", "visits", "welcome", "wishes", "wishes_other", "comments"]
    types = {i.id: i.type for i in cat.items.values()}
    assert types == {"visited": "single", "visits": "number", "welcome": "scale",
                     "wishes": "choice", "wishes_other": "text", "comments": "text"}
    visits = cat.items["visits"]
    assert (visits.min_value, visits.max_value) == (0, 31)
    assert (visits.shown_if.item, visits.shown_if.includes) == ("visited", "yes")
    assert cat.items["welcome"].note["nl"] == "Nu volgen een paar stellingen."
    assert [p.value for p in cat.scale.points] == [1, 2, 3, 4, 5]
    assert cat.scale.points[0].label["tr"] == "Helemaal niet"  # no Turkish: the Dutch source
    assert cat.section_of("neighbourhood_check", "welcome")[:2] == (2, 2)
    assert cat.section_of("neighbourhood_check", "comments") is None
    assert cat.centres == []  # three standard sheets: the installation's centres


async def _answer_form(sim, user) -> None:
    """One resident through the whole form, wrong numbers first."""
    await onboard(user=user, sim=sim)
    q = last_with(user, "a:")
    assert q.text.startswith("Deel 1 van 2: Over jou\nVraag 1 van 4\n\nBen je dit jaar")
    assert "Kies er één." in q.text
    user.press_button("Ja", q)
    await settle(sim)
    q = last_with(user, "a:")
    assert "Hoe vaak per maand ga je erheen?\n(Typ een getal.)" in q.text
    for wrong in ("vaak", "40"):
        user.send_text(wrong)
        await settle(sim)
        assert user.last.text == "Typ een getal van 0 tot 31."
    user.send_text("4")
    await settle(sim)
    q = last_with(user, "a:")
    assert q.text.startswith("Deel 2 van 2: Jouw mening\nVraag 3 van 5\n\nNu volgen een paar stellingen.")
    user.press(q, next(d for d in data_of(q) if d.endswith(":v4")))
    await settle(sim)
    user.press_button("Iets anders", last_with(user, "a:"))
    await settle(sim)
    user.press_button("Klaar", last_with(user, "a:"))
    await settle(sim)
    assert "Welke activiteit mist er?" in last_with(user, "a:").text
    user.send_text("Yoga voor ouderen")
    await settle(sim)
    user.press_button("Overslaan", last_with(user, "a:"))
    await settle(sim)
    assert user.last.text.startswith("🙏")


async def test_kobo_form_runs_a_round_and_exports(sim, tmp_path) -> None:
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=KOBO_FORM, min_cell_size=2)
    try:
        round_ = await harness.prepare("neighbourhood_check", ["shalom"])
        await harness.start()
        for chat in (4242, 4243):
            await _answer_form(sim, sim.user(chat, language_code="nl"))
    finally:
        await harness.stop()
    rows = db_rows(harness, "SELECT item_id, status, value, choices, text FROM answers"
                   " WHERE round_id = ? ORDER BY id LIMIT 6", (round_.id,))
    rows = {r[0]: r[1:] for r in rows}
    assert rows["visited"] == ("answered", None, '["yes"]', None)
    assert rows["visits"][:2] == ("answered", 4)
    assert rows["welcome"][:2] == ("answered", 4)
    assert rows["wishes"][2] == '["other"]' and rows["wishes_other"][3] == "Yoga voor ouderen"
    assert rows["comments"][0] == "skipped"

    out = tmp_path / "answers.csv"
    run_export(harness.db_path, load_xlsform(KOBO_FORM), out, tz=ZoneInfo("Europe/Amsterdam"),
               round_ids=[round_.id], min_cell_size=2)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    by_item = {r["item_id"]: r for r in exported}
    assert by_item["visits"]["value"] == "4" and by_item["visits"]["item_type"] == "number"
    assert by_item["welcome"]["value"] == "4"
    assert {r["item_id"] for r in exported} >= {"visited", "visits", "welcome", "wishes", "comments"}


def _broken_form(path: Path) -> Path:
    from openpyxl import load_workbook

    book = load_workbook(KOBO_FORM)
    survey = book["survey"]
    survey.append(["geopoint", "where", "Where are you?", "Waar ben je?"])           # row 16
    survey.append(["phonenumber", "phone"])                                          # row 17
    survey.append(["text", "why", "Why?", "", "", "", "", "${visits} > 3"])         # row 18
    survey.append(["select_one colours", "colour", "Colour?", "Kleur?"])             # row 19
    book.save(path)
    return path


def test_broken_form_names_sheet_and_row_of_every_problem(tmp_path) -> None:
    import pytest

    from bot.survey.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        load_xlsform(_broken_form(tmp_path / "broken.xlsx"))
    problems = [str(p) for p in caught.value.problems]
    assert "survey sheet, row 16: type 'geopoint' asks for a location; the bot cannot ask it" in problems
    assert "survey sheet, row 17: type 'phonenumber' records a phone number; the bot cannot ask it" in problems
    assert any(p.startswith("survey sheet, row 18: label has no text in: nl") for p in problems)
    assert any(p.startswith("survey sheet, row 18: relevant '${visits} > 3' is not supported") for p in problems)
    assert any(p.startswith("survey sheet, row 19: choice list 'colours' is not on the choices sheet")
               for p in problems), problems


def test_bot_refuses_a_broken_workbook_in_one_line(tmp_path, monkeypatch, capsys) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJ")
    monkeypatch.setenv("PSEUDONYM_SECRET", "0123456789abcdef0123")
    monkeypatch.setenv("SURVEY_PACK", str(_broken_form(tmp_path / "broken.xlsx")))
    assert main(["run"]) == 2
    assert capsys.readouterr().err == (
        "buurtstem: SURVEY_PACK is broken: broken.xlsx: survey sheet, row 16: type 'geopoint' asks"
        " for a location; the bot cannot ask it (and 4 more; see: python -m bot pack check)\n")


def test_one_language_form_with_plain_label_columns(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in (["type", "name", "label"], ["text", "mood", "Hoe gaat het?"],
                ["integer", "times", "Hoe vaak?"]):
        sheet.append(row)
    book.save(tmp_path / "plain.xlsx")
    cat = load_xlsform(tmp_path / "plain.xlsx")
    assert cat.languages == ("nl",) and cat.source_language == "nl"
    assert cat.items["mood"].prompt["uk"] == "Hoe gaat het?"  # every interface language reads it
    assert cat.surveys["plain"].items == ["mood", "times"]
