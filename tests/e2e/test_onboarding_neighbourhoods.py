"""Onboarding picks district → neighbourhood → centre where a district has many centres in
several neighbourhoods (issue 13 point 7), with a back button at each step."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from tests.support.chat import consent_yes, last_with
from tests.support.harness import BotHarness, db_rows, settle

#: District Noord: eight centres in two neighbourhoods (more than a handful); Zuid: one.
CENTRES = [(f"west{i}", f"Huiskamer West {i}", "west") for i in range(1, 5)] + \
          [(f"oost{i}", f"Huiskamer Oost {i}", "oost") for i in range(1, 5)] + [("zuid1", "Zuidhuis", "zuid")]
HOODS = [("west", "Noord-West", "noord"), ("oost", "Noord-Oost", "noord"), ("zuid", "Zuid", "zuid")]


def city_form(path: Path) -> Path:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Nederlands (nl)", "choice_filter"])
    survey.append(["select_one district", "district", "Welk stadsdeel?", ""])
    survey.append(["select_one neighbourhood", "neighbourhood", "Welke buurt?", "district=${district}"])
    survey.append(["select_one centre", "centre", "Welk centrum?", "neighbourhood=${neighbourhood}"])
    survey.append(["text", "wish", "Wat wil je nog zeggen?", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Nederlands (nl)", "district", "neighbourhood"])
    for code, name in (("noord", "Noord"), ("zuid", "Zuid")):
        choices.append(["district", code, name, "", ""])
    for code, name, district in HOODS:
        choices.append(["neighbourhood", code, name, district, ""])
    for code, name, hood in CENTRES:
        choices.append(["centre", code, name, "", hood])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Stad", "stad"])
    book.save(path)
    return path


def labels(user) -> list[str]:
    return [b for row in user.buttons() for b, _ in row]


async def test_district_then_neighbourhood_then_centre_with_back_buttons(sim, tmp_path):
    form = city_form(tmp_path / "stad.xlsx")
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=form)
    try:
        await harness.prepare("stad", ["oost3"])
        await harness.start()
        user = sim.user(6601, language_code="nl")
        user.send_text("/start")
        await settle(sim)
        await consent_yes(sim, user)
        assert user.last.text == "In welk deel van de stad is je centrum?"
        assert {"Noord", "Zuid"} <= set(labels(user))
        user.press_button("Noord", user.last)
        await settle(sim)
        assert user.last.text == "In welke buurt is je centrum?"
        assert labels(user) == ["Noord-Oost", "Noord-West", "↩️ Terug"]
        user.press_button("Terug", user.last)  # back: the districts again
        await settle(sim)
        assert user.last.text == "In welk deel van de stad is je centrum?"
        user.press_button("Noord", user.last)
        await settle(sim)
        user.press_button("Noord-West", user.last)
        await settle(sim)
        assert labels(user) == [f"Huiskamer West {i}" for i in range(1, 5)] + ["↩️ Terug"]
        user.press_button("Terug", user.last)  # back: the neighbourhoods of Noord
        await settle(sim)
        assert labels(user) == ["Noord-Oost", "Noord-West", "↩️ Terug"]
        user.press_button("Noord-Oost", user.last)
        await settle(sim)
        user.press_button("Huiskamer Oost 3", user.last)
        await settle(sim)
        assert "Wat wil je nog zeggen?" in last_with(user, "a:").text
    finally:
        await harness.stop()
    assert db_rows(harness, "SELECT centre_code FROM contacts WHERE chat_id = 6601") == [("oost3",)]
