"""A button press whose keyboard edit fails (the edit goes alongside the next question,
``bot.telegram_bot.answer_alongside``): the next question goes out once, the answer is
stored once, and the resident gets no apology for a question they already have."""

from __future__ import annotations

import pytest

from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import db_rows, settle


def _value(question, value: str = "v3") -> str:
    return next(d for d in data_of(question) if d.endswith(f":{value}"))


@pytest.mark.parametrize("status, description, times", [
    (400, "Bad Request: message to edit not found", 1),
    (400, "Bad Request: message can't be edited", 1),
    (502, None, 5),   # lasting: the tries are used up
    (429, None, 5),
])
async def test_a_failed_keyboard_edit_does_not_apologise_for_a_sent_question(
        sim, harness, status, description, times):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(884)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail("editMessageReplyMarkup", status=status, description=description, times=times,
             retry_after=1, chat_id=user.chat_id)
    before = len(user.messages)
    user.press(first, _value(first))
    await settle(sim)
    texts = [m.text_or_caption for m in user.messages[before:]]
    assert [t.split("\n")[0] for t in texts] == ["Vraag 2 van 22"]  # once, no apology
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    second = last_with(user, "a:")
    user.press(second, _value(second))  # the conversation goes on
    await settle(sim)
    assert [m.text_or_caption.split("\n")[0] for m in user.messages[before + 1:]] == ["Vraag 3 van 22"]
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(2,)]


async def test_a_held_keyboard_edit_does_not_hold_the_next_question(sim, harness):
    from tests.support.harness import until

    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(885)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail("editMessageReplyMarkup", status=200, delay=60, chat_id=user.chat_id)  # a slow edit
    before = len(user.messages)
    user.press(first, _value(first))
    await until(lambda: len(user.messages) > before)  # the next question, while the edit waits
    sim.release_delayed()
    await settle(sim)
    assert [m.text_or_caption.split("\n")[0] for m in user.messages[before:]] == ["Vraag 2 van 22"]
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    assert [[b["callback_data"] for b in row] for row in first.inline_keyboard] == [["x"]]  # the edit arrived
