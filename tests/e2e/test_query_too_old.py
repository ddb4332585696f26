"""A callback query Telegram no longer accepts an answer for (issue 18.4).

``answerCallbackQuery`` answers 400 "query is too old and response timeout expired or
query ID is invalid" when the bot answers late (a slow call, or a backlog after downtime).
The press itself still counts: the flow goes on, nobody gets an apology.
"""

from __future__ import annotations

import logging

from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import db_rows, settle, until

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def _value(question, value: str = "v3") -> str:
    return next(d for d in data_of(question) if d.endswith(f":{value}"))


async def test_a_late_tap_is_stored_and_the_next_question_comes(sim, harness, caplog):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(870)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail("answerCallbackQuery", status=400, description=TOO_OLD)
    with caplog.at_level(logging.DEBUG):
        user.press(first, _value(first))
        await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    assert last_with(user, "a:").message_id != first.message_id
    assert user.last.text_or_caption.startswith("Vraag 2 van 22")
    assert not [m for m in user.messages if "ging iets mis" in (m.text or "")]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("too old" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)


async def test_a_backlog_of_taps_after_downtime_gives_one_next_question(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(871)
    await onboard(sim, user)
    first = last_with(user, "a:")
    await harness.stop()
    taps = [user.press(first, _value(first, value))     # 30 impatient taps while the bot is down
            for value in ["v3", "v2", "v3", "v1", "v3"] * 6]
    sim.fail("answerCallbackQuery", status=400, description=TOO_OLD, times=30)
    before = len(user.messages)
    await harness.start()
    marks = ",".join("?" * len(taps))
    await until(lambda: db_rows(harness, f"SELECT COUNT(*) FROM processed_updates WHERE update_id IN ({marks})",
                                taps) == [(30,)])
    await settle(sim)
    new = user.messages[before:]
    assert [m.text_or_caption.split("\n")[0] for m in new] == ["Vraag 2 van 22"]
    assert db_rows(harness, "SELECT item_id, value FROM answers") == [
        (last_item_id := db_rows(harness, "SELECT item_id FROM answers")[0][0], 3)]
    assert last_item_id.startswith("ind.")


async def test_a_flood_wait_on_the_tap_answer_does_not_stop_the_flow(sim, harness, caplog):
    # a 429 on answerCallbackQuery (retry_after 30 s, longer than a reply may wait) gave
    # "Sorry, er ging iets mis" and no next question; waiting would outlive the query anyway
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(872)
    await onboard(sim, user)
    first = last_with(user, "a:")
    sim.fail("answerCallbackQuery", status=429, retry_after=30)
    with caplog.at_level(logging.INFO):
        user.press(first, _value(first))
        await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    assert user.last.text_or_caption.startswith("Vraag 2 van 22")
    assert not [m for m in user.messages if "ging iets mis" in (m.text or "")]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if "trying again" in r.getMessage()]  # no 30 s wait
    second = last_with(user, "a:")
    sim.fail("answerCallbackQuery", status=502, times=3)  # a Bot API hiccup outlasting the tries
    user.press(second, _value(second))
    await settle(sim)
    assert user.last.text_or_caption.startswith("Vraag 3 van 22")
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(2,)]
