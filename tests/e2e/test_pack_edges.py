"""Packs as a stranger writes them (issue 13, tester's findings): a form without a theory of
change, two columns in one language, a misnamed sheet, centres outside the districts."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.survey.models import Centre
from bot.survey.xlsform import XLSFormError, load_xlsform
from tests.support.chat import consent_yes, last_with
from tests.support.harness import settle


def _form(path: Path, survey: list[list], choices: list[list], survey_sheet: str = "survey") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = survey_sheet
    for row in survey:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    for row in choices:
        sheet.append(row)
    book.save(path)
    return path


SCALE = [["list_name", "name", "label"]] + [["sc", str(v), f"point {v}"] for v in range(1, 6)]


def test_chart_of_a_form_without_main_goals(tmp_path) -> None:
    """A plain XLSForm's likert questions have no main goal: the chart draws them under no
    heading instead of failing with 'Number of rows must be a positive integer, not 0'."""
    from bot.exports.charts import chart_plan, draw_indicator_chart

    cat = load_xlsform(_form(tmp_path / "plain.xlsx", [
        ["type", "name", "label", "appearance"],
        ["select_one sc", "happy", "Ik ben blij met het centrum.", "likert"],
        ["text", "why", "Waarom?"],
    ], SCALE))
    assert not cat.main_goals and [i.id for i in cat.indicators] == ["happy"]
    rows = [{"item_id": "happy", "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "n": 10}]
    assert [(b.item_id, b.drawn) for b in chart_plan(rows, cat, k=5)] == [("happy", True)]
    out = draw_indicator_chart(rows, cat, tmp_path / "chart.png", k=5)
    assert out.read_bytes().startswith(b"\x89PNG")


def test_chart_of_a_form_without_picture_questions(tmp_path) -> None:
    from bot.exports.charts import draw_indicator_chart

    cat = load_xlsform(_form(tmp_path / "text.xlsx", [["type", "name", "label"],
                                                      ["text", "why", "Waarom?"]], SCALE))
    assert draw_indicator_chart([], cat, tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_plain_label_and_a_language_column_of_the_same_language_are_refused(tmp_path) -> None:
    """'label' (the default language, here English: the only suffixed one) next to
    'label::English (en)' would silently drop one of the two texts."""
    path = _form(tmp_path / "mixed.xlsx", [["type", "name", "label", "label::English (en)"],
                                           ["text", "why", "Waarom?", "Why?"]],
                 [["list_name", "name", "label::English (en)"]])
    with pytest.raises(XLSFormError) as caught:
        load_xlsform(path)
    assert [str(p) for p in caught.value.problems] == [
        "survey sheet, row 1: columns 'label' and 'label::English (en)' are both in language en;"
        " give each column its own language, e.g. label::Nederlands (nl), or set"
        " default_language on the settings sheet"]


def test_a_survey_sheet_with_a_trailing_space_is_one_problem(tmp_path) -> None:
    path = _form(tmp_path / "odd.xlsx", [["type", "name", "label"], ["text", "why", "Waarom?"]],
                 [["list_name", "name", "label"]], survey_sheet="survey ")
    with pytest.raises(XLSFormError) as caught:
        load_xlsform(path)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 1 and "You must have a sheet named 'survey'" in problems[0], problems


async def test_a_centre_outside_the_districts_can_still_be_chosen(sim, harness) -> None:
    """With the district step (more than six centres in two or more districts), a centre
    without a district (one an admin added with /centres add) is a button of its own."""
    from bot.storage import Storage

    await harness.prepare()
    store = await Storage.open(harness.db_path)
    await store.seed_centres([Centre(code="noord1", name="Aw Sjaol", district="Noord"),
                              Centre(code="noord2", name="Haarderhof", district="Noord")])
    assert await store.upsert_centre("losjes", "Het Losse Huis", create=True)
    await store.close()
    await harness.start()
    user = sim.user(4242)
    user.send_text("/start")
    await settle(sim)
    await consent_yes(sim, user)
    pick = last_with(user, "ce:")
    labels = [b["text"] for row in pick.reply_markup["inline_keyboard"] for b in row]
    assert labels[:2] == ["Noord", "Zuidwest"] and labels[2:] == ["Het Losse Huis"]
    user.press_button("Het Losse Huis", pick)
    await settle(sim)
    from tests.support.harness import db_rows

    assert db_rows(harness, "SELECT centre_code FROM contacts") == [("losjes",)]


def test_missing_pictures_bad_choice_names_and_too_many_choices_have_rows(tmp_path) -> None:
    """pack check names the row of a picture or voice file that is not there, of a choice
    name the bot cannot store, and of a question with more choices than Telegram shows."""
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "here.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = _form(tmp_path / "media.xlsx", [
        ["type", "name", "label", "image", "audio"],
        ["select_one yn", "q1", "Kom je?", "here.png"],
        ["select_one yn", "q2", "Blijf je?", "gone.png"],
        ["text", "q3", "Waarom?", "", "why.ogg"],
        ["select_one many", "q4", "Welke straat?"],
    ], [["list_name", "name", "label"], ["yn", "Yes", "Ja"], ["yn", "no-thanks", "Nee"]]
       + [["many", f"s{i}", f"Straat {i}"] for i in range(95)])
    with pytest.raises(XLSFormError) as caught:
        load_xlsform(path)
    problems = [str(p) for p in caught.value.problems]
    assert "survey sheet, row 3: image 'gone.png' is not in pictures/ next to the workbook" in problems
    assert "survey sheet, row 4: audio 'why.ogg' is not in audio/ next to the workbook" in problems
    assert ("choices sheet, row 3: choice name 'no-thanks': use at most 20 letters, digits and _"
            " (no spaces or -); it is stored with every answer") in problems
    assert any(p.startswith("survey sheet, row 5: choice list 'many' has 95 choices") for p in problems)
    assert not any("here.png" in p or "'Yes'" in p for p in problems), problems


def test_chat_tries_a_pack_from_the_terminal(tmp_path, monkeypatch, capsys) -> None:
    """python -m bot chat --pack FORM: the analyst talks to the bot with their own form and
    centres (before, chat always ran the Den Haag pack); a broken form is one line, exit 2."""
    from bot import demo
    from bot.__main__ import main

    path = _form(tmp_path / "mine.xlsx", [["type", "name", "label"],
                                          ["select_one yn", "came", "Kwam je?"]],
                 [["list_name", "name", "label"], ["yn", "yes", "Ja"], ["yn", "no", "Nee"]])
    book = __import__("openpyxl").load_workbook(path)
    sheet = book.create_sheet("centres")
    for row in [["code", "name", "district"]] + [[f"c{i}", f"Huis {i}", f"Wijk {i % 2}"] for i in range(8)]:
        sheet.append(row)
    book.save(path)
    seen: list[list[str]] = []

    async def drive(sim, user) -> None:
        user.send_text("/start")
        await settle(sim)
        await consent_yes(sim, user)
        seen.append([b["text"] for row in user.last.reply_markup["inline_keyboard"] for b in row])
        user.press_button("Wijk 1", user.last)
        await settle(sim)
        user.press_button("Huis 3", user.last)
        await settle(sim)
        seen.append([user.last.text])

    monkeypatch.setattr(demo, "run_terminal_chat", drive)  # bot.demo imports it by name
    assert main(["chat", "--pack", str(path)]) == 0
    assert seen[0] == ["Wijk 0", "Wijk 1"]
    assert "Kwam je?" in seen[1][0]

    broken = _form(tmp_path / "broken.xlsx", [["type", "name", "label"], ["geopoint", "where", "Waar?"]],
                   [["list_name", "name", "label"]])
    capsys.readouterr()
    assert main(["chat", "--pack", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("buurtstem: the pack is broken: broken.xlsx: survey sheet, row 2") and err.count("\n") == 1
