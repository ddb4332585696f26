"""XLSForm ``range`` (issue 13): a short range of whole numbers is asked with one button per
step, like a scale of numbers; a long one is a typed number; bad parameters name the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.survey.catalogue import SurveyDataError
from bot.survey.xlsform import load_xlsform
from tests.support.chat import last_with, onboard
from tests.support.harness import BotHarness, db_rows, settle


def range_form(path: Path, *, mood: str = "start=1 end=5 step=1") -> Path:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Nederlands (nl)", "parameters"])
    survey.append(["range", "mood", "Hoe blij ben je met het centrum?", mood])
    survey.append(["range", "minutes", "Hoeveel minuten loop je naar het centrum?", "start=0 end=60 step=5"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Bereik", "range"])
    book.save(path)
    return path


def test_a_short_range_is_buttons_and_a_long_one_a_typed_number(tmp_path):
    cat = load_xlsform(range_form(tmp_path / "range.xlsx"))
    mood, minutes = cat.items["mood"], cat.items["minutes"]
    assert mood.type == "single" and [o.id for o in mood.options] == ["1", "2", "3", "4", "5"]
    assert mood.options[4].label["uk"] == "5"
    assert minutes.type == "number" and (minutes.min_value, minutes.max_value) == (0, 60)
    ten = load_xlsform(range_form(tmp_path / "ten.xlsx", mood="start=0 end=10"))
    assert [o.id for o in ten.items["mood"].options] == [str(v) for v in range(11)]


def test_a_range_with_a_bad_step_names_its_row(tmp_path):
    with pytest.raises(SurveyDataError) as broken:
        load_xlsform(range_form(tmp_path / "bad.xlsx", mood="start=1 end=5 step=0"))
    assert "survey" in str(broken.value) and "row 2" in str(broken.value) and "step" in str(broken.value)


async def test_a_resident_answers_a_range_with_one_tap(sim, tmp_path):
    form = range_form(tmp_path / "range.xlsx")
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=form, min_cell_size=2)
    try:
        await harness.prepare("range", ["shalom"])
        await harness.start()
        user = sim.user(9201, language_code="nl")
        await onboard(sim, user)
        q = last_with(user, "a:")
        first_row = [b["text"] for b in q.reply_markup["inline_keyboard"][0]]
        assert first_row == ["1", "2", "3", "4", "5"]  # side by side, like a scale
        user.press_button("4", q)
        await settle(sim)
        assert "Hoeveel minuten" in last_with(user, "a:").text
        user.send_text("15")
        await settle(sim)
    finally:
        await harness.stop()
    rows = dict((item, (value, choices)) for item, value, choices in db_rows(
        harness, "SELECT item_id, value, choices FROM answers"))
    assert rows == {"mood": (None, '["4"]'), "minutes": (15, None)}
