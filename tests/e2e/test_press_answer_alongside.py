"""A button press answers its callback query and edits the old keyboard alongside sending
the next question (one Bot API round trip before the resident sees the next question,
instead of three); by the time the press is handled everything is there."""

from __future__ import annotations

from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import db_rows, settle, until

#: The simulator holds answerCallbackQuery up to this long (released by the test as soon as
#: the next question is out): the next question must not wait for it.
SLOW_ANSWER_S = 30.0


async def test_the_next_question_does_not_wait_for_the_spinner_to_stop(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(891)
    await onboard(sim, user)
    first = last_with(user, "a:")
    before = len(user.messages)
    answered = len(sim.callback_answers)
    sim.fail("answerCallbackQuery", status=200, delay=SLOW_ANSWER_S)
    user.press(first, next(d for d in data_of(first) if d.endswith(":v3")))
    await until(lambda: len(user.messages) > before, timeout=SLOW_ANSWER_S / 3)
    # the next question is out while the answer to the press is still on its way
    assert len(sim.callback_answers) == answered
    assert [m.text_or_caption.split("\n")[0] for m in user.messages[before:]] == ["Vraag 2 van 22"]
    sim.release_delayed()  # the answer to the press lands now (also one still on its way)
    await settle(sim)
    assert not any(d.startswith("a:") for d in data_of(first))  # the old keyboard: the choice
    assert len(sim.callback_answers) == answered + 1  # answered once, with no text
    assert sim.callback_answers[-1]["text"] is None
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]



async def test_the_next_question_does_not_wait_for_the_old_keyboard_to_change(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(892)
    await onboard(sim, user)
    first = last_with(user, "a:")
    before = len(user.messages)
    sim.fail("editMessageReplyMarkup", status=200, delay=SLOW_ANSWER_S, chat_id=user.chat_id)
    user.press(first, next(d for d in data_of(first) if d.endswith(":v3")))
    await until(lambda: len(user.messages) > before, timeout=SLOW_ANSWER_S / 3)
    assert any(d.startswith("a:") for d in data_of(first))  # the edit is still on its way
    sim.release_delayed()  # the edit lands now
    await settle(sim)
    assert not any(d.startswith("a:") for d in data_of(first))
    assert [m.text_or_caption.split("\n")[0] for m in user.messages[before:]] == ["Vraag 2 van 22"]
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
