"""A pack may add languages (issue 13 point 4): Somali next to Dutch.

A resident can choose the pack's own language (language buttons, /language); the survey's
texts come from the pack in that language, the bot's own texts from the pack's source
language (never a blank); ``pack check`` names every blank translation with sheet and row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.__main__ import main
from bot.i18n import (
    PACK_LANGUAGES,
    Translator,
    negotiate_language,
    offered_languages,
    use_pack_languages,
)
from bot.survey.xlsform import load_xlsform
from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import BotHarness, settle


def somali_form(path: Path, source: str = "Nederlands (nl)") -> Path:
    """A two-question Kobo form in Dutch and Somali."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Nederlands (nl)", "label::Soomaali (so)", "appearance"])
    survey.append(["select_one agree", "welcome", "Ik voel me welkom.", "Waan ku soo dhowaaday.", "likert"])
    survey.append(["text", "wish", "Wat wil je nog zeggen?", "Maxaad kale oo aad rabto inaad sheegto?", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Nederlands (nl)", "label::Soomaali (so)"])
    for value, nl, so in [(1, "Nee", "Maya"), (2, "Een beetje", "Wax yar"), (3, "Ja", "Haa")]:
        choices.append(["agree", str(value), nl, so])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["Somali", "somali", source])
    book.save(path)
    return path


@pytest.fixture
def restore_languages():
    yield
    use_pack_languages((), "nl")


def test_a_pack_language_is_offered_and_reads_the_source_for_bot_texts(restore_languages):
    assert "so" not in offered_languages()
    use_pack_languages(("nl", "so", "ti"), "nl")
    assert list(offered_languages())[-2:] == ["so", "ti"]
    assert offered_languages()["so"] == "Soomaali" and offered_languages()["ti"] == "ትግርኛ"
    tr = Translator("so")
    assert tr.language == "so"  # the pack's texts are looked up in Somali
    assert tr._("Overslaan") == "Overslaan"  # the bot's own text: the source, never blank
    assert negotiate_language("so-SO") == "so"
    use_pack_languages(("en", "so"), "en")  # an English pack: Somali residents read English
    assert Translator("so")._("Overslaan") == Translator("en")._("Overslaan") != "Overslaan"
    assert PACK_LANGUAGES["so"].fallback == "en"


def test_pack_check_names_each_blank_somali_text(tmp_path, capsys, restore_languages):
    """``python -m bot pack check`` (its entry, ``main``, in this process: the command line's
    own exit codes and one-line errors are tested through ``python -m bot`` elsewhere, and a
    process of its own cost about 1 s of CPU in imports this worker has made already)."""
    form = somali_form(tmp_path / "somali.xlsx")
    book = load_workbook(form)
    book["survey"]["D3"] = ""
    book["choices"]["D3"] = "  "
    book.save(form)
    assert main(["pack", "check", str(form)]) == 1
    run = capsys.readouterr()
    assert "survey sheet, row 3: label has no text in: so" in run.out + run.err
    assert "choices sheet, row 3: choice '2' has no text in: so" in run.out + run.err


async def test_a_resident_chooses_somali_and_answers_in_it(sim, tmp_path, restore_languages):
    form = somali_form(tmp_path / "somali.xlsx")
    cat = load_xlsform(form)
    assert cat.languages == ("nl", "so")
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=form, min_cell_size=2)
    try:
        await harness.prepare("somali", ["shalom"])
        await harness.start()
        user = sim.user(7301, language_code="nl")
        await onboard(sim, user)
        assert "Ik voel me welkom." in last_with(user, "a:").text
        user.send_text("/language")
        await settle(sim)
        names = [b for row in user.buttons() for b, _d in row]
        assert names[-1] == "Soomaali" and len(names) == 7
        user.press_button("Soomaali")
        await settle(sim)
        q = last_with(user, "a:")
        assert "Waan ku soo dhowaaday." in q.text  # the pack's Somali text
        buttons = [b for row in q.reply_markup["inline_keyboard"] for b in (x["text"] for x in row)]
        assert any("Haa" in b for b in buttons) and any("Maya" in b for b in buttons)
        assert all(b.strip() for b in buttons)  # bot texts in the source language, never blank
        user.press(q, next(d for d in data_of(q) if d.endswith(":v3")))
        await settle(sim)
        assert "Maxaad kale oo aad rabto inaad sheegto?" in last_with(user, "a:").text
    finally:
        await harness.stop()
    from tests.support.harness import db_rows

    assert db_rows(harness, "SELECT language FROM contacts WHERE chat_id = 7301") == [("so",)]
    assert db_rows(harness, "SELECT value, language FROM answers WHERE item_id = 'welcome'") == [(3, "so")]


async def test_the_demo_has_residents_in_the_packs_own_language(tmp_path, restore_languages):
    """demo --pack with a Dutch-Somali form: the simulated residents spoke only the six
    interface languages, so the Somali texts were never tried before a round."""
    from bot.demo import run_demo

    summary = await run_demo(residents=8, seed=3, out_dir=tmp_path, pack=somali_form(tmp_path / "so.xlsx"))
    assert summary.ok, summary.errors
    assert summary.languages.get("so") == 1
