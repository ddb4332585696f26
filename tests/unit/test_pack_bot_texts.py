"""A pack's 'don't know' and 'skip' in the bot's own words read in every interface
language, also after pack export and import (issue 13 tester)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from bot.__main__ import main
from bot.survey.catalogue import PACKS_DIR, catalogue
from bot.survey.xlsform import load_xlsform


def _form(path: Path) -> Path:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [["type", "name", "label::English (en)", "label::Nederlands (nl)", "appearance"],
                ["select_one agree", "welcome", "I feel welcome.", "Ik voel me welkom.", "likert"]]:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Nederlands (nl)"])
    for value, en, nl in [(1, "No", "Nee"), (2, "A bit", "Een beetje"), (3, "Yes", "Ja")]:
        choices.append(["agree", str(value), en, nl])
    book.save(path)
    return path


def test_export_and_import_keep_the_bots_words_in_every_language(tmp_path) -> None:
    form = catalogue(_form(tmp_path / "form.xlsx"))
    assert form.scale.dont_know["tr"] == "Bilmiyorum" and form.scale.skip["pl"] == "Pomiń"
    assert main(["pack", "export", str(tmp_path / "out"), "--pack", str(tmp_path / "form.xlsx")]) == 0
    again = load_xlsform(next((tmp_path / "out").glob("*.xlsx")))
    assert again.scale == form.scale  # before: tr 'Weet ik niet', pl 'Overslaan'


def test_a_pack_with_four_languages_gives_polish_residents_the_bots_polish() -> None:
    cat = catalogue(PACKS_DIR / "maastricht")
    assert cat.languages == ("nl", "en", "tr", "ar")
    assert (cat.scale.dont_know["pl"], cat.scale.dont_know["uk"]) == ("Nie wiem", "Не знаю")


def test_a_long_form_id_still_fits_the_new_round_buttons(tmp_path) -> None:
    """A Kobo form_id of 54 characters made /newround fail (callback data over 64 bytes)."""
    from bot import callback_data as cd

    book = Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.active.append(["text", "why", "Waarom?"])
    book.create_sheet("choices").append(["list_name", "name", "label"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append(["buurtenquete_ontmoetingsplekken_maastricht_2025_najaar", "Buurtenquête"])
    book.save(tmp_path / "long.xlsx")
    (name,) = load_xlsform(tmp_path / "long.xlsx").surveys
    assert name == "buurtenquete_ontmoetingsplekken_maastric"
    assert cd.admin("nrs", "abc123." + name)  # the wizard's survey button: no ValueError
