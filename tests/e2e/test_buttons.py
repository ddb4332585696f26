"""End-to-end: a button press reaches the one handler of its payload kind; a payload no
kind knows gets a polite answer in the resident's language (bot.app.on_stale_button)."""

from __future__ import annotations

from bot.i18n import Translator
from tests.support.chat import onboard
from tests.support.harness import db_rows, settle


async def _answer_to(sim, user, message, data: str) -> str | None:
    """Press ``data`` under ``message``; the text of the answer to that press."""
    before = len(sim.callback_answers)
    user.press(message, data)
    await settle(sim)
    answers = sim.callback_answers[before:]
    assert len(answers) == 1, answers  # every press is answered, once
    return answers[0]["text"]


async def test_a_button_no_kind_knows_is_answered_politely_in_the_residents_language(sim, harness):
    await harness.start()
    user = sim.user(140, language_code="pl")
    await onboard(sim, user)
    [(language,)] = db_rows(harness, "SELECT language FROM contacts WHERE chat_id = 140")
    stale = Translator(language)._("Deze knop werkt niet meer.")
    assert language == "pl" and stale != "Deze knop werkt niet meer."
    message = user.last
    for data in ("33000", "zz:1", "a:1:2:v1;DROP", "go:" + "1" * 70, "l:english"):
        assert await _answer_to(sim, user, message, data) == stale, data
    # a finished button and a staff verb no kind knows: only the spinner stops
    assert await _answer_to(sim, user, message, "x") is None
    assert await _answer_to(sim, user, message, "ad:zz:1") is None


async def test_someone_without_a_contact_gets_it_in_their_telegram_language(sim, harness):
    await harness.start()
    user = sim.user(141, language_code="uk")
    user.send_text("/help")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts WHERE chat_id = 141") == [(0,)]
    stale = Translator("uk")._("Deze knop werkt niet meer.")
    assert await _answer_to(sim, user, user.last, "33000") == stale
