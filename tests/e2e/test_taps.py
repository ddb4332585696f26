"""Taps are idempotent (issue 14): a double tap gives one reply, an old tap re-sends where
the resident is, and the same story sent again is not appended to itself."""

from __future__ import annotations

import pytest

from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import db_rows, settle

APOLOGY = "Sorry, er ging iets mis"


def _texts(messages) -> list[str]:
    return [m.text_or_caption for m in messages]


def _toasts(sim) -> list[str]:
    return [a.get("text") for a in sim.callback_answers if a.get("text")]


def _pick(message, suffix: str) -> str:
    return next(d for d in data_of(message) if d.endswith(suffix) or d.startswith(suffix))


@pytest.mark.parametrize("step", ["language", "consent", "answer", "back"])
async def test_a_double_tap_gives_one_reply_and_no_apology(sim, harness, step):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(701)
    if step == "consent":
        user.send_text("/start shalom")
        await settle(sim)
        target = last_with(user, "c:y")
        data = _pick(target, "c:y")
    else:
        await onboard(sim, user)
        if step == "language":
            user.send_text("/language")
            await settle(sim)
            target, data = last_with(user, "l:"), "l:pl"
        elif step == "answer":
            target = last_with(user, "a:")
            data = _pick(target, ":v4")
        else:
            first = last_with(user, "a:")
            user.press(first, _pick(first, ":v3"))
            await settle(sim)
            target = last_with(user, "a:")
            data = _pick(target, ":bk")
    before, toasts = len(user.messages), len(_toasts(sim))
    user.press(target, data)
    user.press(target, data)  # the same button again, at once
    await settle(sim)
    new = _texts(user.messages[before:])
    assert new and len(new) == len(set(new)), new          # one reply, nothing twice
    assert not any(APOLOGY in t for t in new)
    shown = _toasts(sim)[toasts:]
    assert len(shown) <= 1 and not any("werkt niet meer" in t for t in shown), shown
    assert db_rows(harness, "SELECT COALESCE(MAX(revision), 1) FROM answers") == [(1,)]


async def test_an_answered_question_tapped_after_a_restart_asks_where_the_resident_is(sim, harness):
    """The reply to a tap was lost in a crash: the same button again continues the round."""
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(702)
    await onboard(sim, user)
    first = last_with(user, "a:")
    value = _pick(first, ":v3")
    user.press(first, value)
    await settle(sim)
    await harness.restart()
    before = len(user.messages)
    user.press(first, value)
    await settle(sim)
    assert [t.split("\n")[0] for t in _texts(user.messages[before:])] == ["Vraag 2 van 22"]
    assert not any("werkt niet meer" in t for t in _toasts(sim))
    assert db_rows(harness, "SELECT COUNT(*), MAX(revision) FROM answers") == [(1, 1)]


async def test_a_right_tapped_again_after_a_restart_asks_the_next_question(sim, harness):
    """"Klopt" under a read-back, pressed again after a restart: the next question again."""
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(703)
    await onboard(sim, user)
    user.send_text("Ik heb hier vrienden gevonden.")
    await settle(sim)
    readback = user.last
    right = _pick(readback, ":ok")
    user.press(readback, right)
    await settle(sim)
    asked = user.last.text_or_caption
    await harness.restart()
    before = len(user.messages)
    user.press(readback, right)
    await settle(sim)
    assert _texts(user.messages[before:]) == [asked]
    assert not any("werkt niet meer" in t for t in _toasts(sim))


async def test_after_a_reply_fails_for_good_the_next_tap_continues(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(704)
    await onboard(sim, user)
    first = last_with(user, "a:")
    value = _pick(first, ":v3")
    sim.fail("sendPhoto", status=502, times=3, chat_id=user.chat_id)  # every try of the reply
    user.press(first, value)
    await settle(sim)
    assert not any(m.text_or_caption.startswith("Vraag 2") for m in user.messages)
    before = len(user.messages)
    user.press(first, value)  # nothing came: the resident taps again
    await settle(sim)
    assert [t.split("\n")[0] for t in _texts(user.messages[before:])] == ["Vraag 2 van 22"]
    assert db_rows(harness, "SELECT COUNT(*), MAX(revision) FROM answers") == [(1, 1)]


async def test_the_same_story_sent_again_is_not_appended_to_itself(sim, harness):
    """The read-back failed for good, so the resident sends the story again."""
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(705)
    await onboard(sim, user)
    story = "Ik kom hier elke week koffie drinken met buren."
    sim.fail("sendMessage", status=502, times=3, chat_id=user.chat_id)
    user.send_text(story)
    await settle(sim)
    user.send_text(story)
    await settle(sim)
    assert db_rows(harness, "SELECT text, revision FROM answers") == [(story, 1)]
    assert story in user.last.text and any(d.endswith(":ok") for d in data_of(user.last))


@pytest.mark.parametrize("step", ["centre", "start", "forget", "forget_no"])
async def test_a_double_tap_on_centre_start_or_forget_gives_one_reply(sim, harness, step, caplog):
    """The buttons the first double-tap test leaves out: a centre, the Start button of an
    invitation, the /forget confirmation (yes and no): two presses at once, one reply, no
    apology, no traceback."""
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    user = sim.user(702)
    if step == "centre":
        user.send_text("/start")
        await settle(sim)
        consent = last_with(user, "c:y")
        user.press(consent, _pick(consent, "c:y"))
        await settle(sim)
        target = last_with(user, "ce:")
        data = _pick(target, "ce:shalom")
    elif step == "start":
        await onboard(sim, user)
        (round_id,), = db_rows(harness, "SELECT id FROM rounds")
        target, data = user.last, f"go:{round_id}"
    else:
        await onboard(sim, user)
        question = last_with(user, "a:")
        user.press(question, _pick(question, ":v4"))
        await settle(sim)
        user.send_text("/forget")
        await settle(sim)
        target, data = user.last, "f:y" if step == "forget" else "f:n"
    before, toasts = len(user.messages), len(_toasts(sim))
    user.press(target, data)
    user.press(target, data)
    await settle(sim)
    new = _texts(user.messages[before:])
    assert new and len(new) == len(set(new)), new
    assert not any(APOLOGY in t for t in new)
    shown = _toasts(sim)[toasts:]
    assert len(shown) <= 1 and not any("werkt niet meer" in t for t in shown), shown
    errors = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
    assert errors == []
