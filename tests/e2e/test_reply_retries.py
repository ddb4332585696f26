"""A brief Bot API failure in the middle of a conversation never strands a resident."""

from __future__ import annotations

import pytest

from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import db_rows, settle


def _value(question, value: str = "v3") -> str:
    return next(d for d in data_of(question) if d.endswith(f":{value}"))


@pytest.mark.parametrize("method, status", [
    ("sendPhoto", 429),          # flood wait: tried again after retry_after
    ("sendPhoto", 502),          # Bad Gateway: tried again after a short back-off
    ("answerCallbackQuery", 500),
    ("editMessageReplyMarkup", 429),
])
async def test_a_blip_after_an_answer_still_asks_the_next_question(sim, harness, method, status):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(881)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail(method, status=status, retry_after=1, chat_id=None if method == "answerCallbackQuery" else user.chat_id)
    before = len(user.messages)
    user.press(first, _value(first))
    await settle(sim)
    new = [m.text_or_caption.split("\n")[0] for m in user.messages[before:]]
    assert new == ["Vraag 2 van 22"]  # the next question, once; no apology
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    assert sim.calls[method] >= 2  # failed once, then went through


async def test_a_lasting_failure_gives_up_after_three_tries(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(882)
    await onboard(sim, user)
    first = last_with(user, "a:")
    photos = sim.calls["sendPhoto"]
    sim.fail("sendPhoto", status=502, times=5, chat_id=user.chat_id)
    user.press(first, _value(first))
    await settle(sim)
    assert sim.calls["sendPhoto"] - photos == 3  # bounded
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]  # the answer is kept


async def test_an_edit_that_changes_nothing_is_harmless(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(883)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail("editMessageReplyMarkup", status=400, chat_id=user.chat_id,
             description="Bad Request: message is not modified: specified new message content"
                         " and reply markup are exactly the same")
    before = len(user.messages)
    user.press(first, _value(first))
    await settle(sim)
    texts = [m.text_or_caption for m in user.messages[before:]]
    assert [t.split("\n")[0] for t in texts] == ["Vraag 2 van 22"]
    assert not any("Sorry" in t for t in texts)
