"""A resident's story is never lost, misfiled or doubled (found by fresh-eyes testing).

Each test is a path a resident can take by accident: a restart while the read-back is
open, going back and pressing Skip, a sticker or an emoji under the read-back, typing
while the feedback question waits, an old button pressed twice.
"""

from __future__ import annotations

from conversations.keyboards import CHECK
from tests.support.chat import (
    COORD_A,
    confirm_readbacks,
    current_question,
    data_of,
    make_coordinator,
    onboard,
    start_interview,
)
from tests.support.harness import db_rows, settle


def stored(harness) -> dict[str, tuple]:
    return {item: (status, text, rev) for item, status, text, rev in db_rows(
        harness, "SELECT item_id, status, text, revision FROM answers")}


async def resident(sim, harness, chat_id: int, language: str):
    """A consented resident of Shalom at the first question of an open ``short`` round."""
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(chat_id, language_code=language)
    await onboard(sim, user)
    return user


def press(user, message, suffix: str) -> None:
    user.press(message, next(d for d in data_of(message) if d.endswith(suffix)))


async def test_restart_while_the_readback_is_open_keeps_adding_to_the_story(sim, harness):
    user = await resident(sim, harness, 501, "en")
    user.send_text("I found friends here.")
    await settle(sim)
    await harness.restart()
    user.send_text("And I learned Dutch too.")
    await settle(sim)
    answers = stored(harness)
    assert answers["msc.change_self"][1] == "I found friends here.\nAnd I learned Dutch too."
    assert "msc.why" not in answers                       # not filed under a question never shown
    assert any(d.endswith(":ok") for d in data_of(user.last))


async def test_restart_after_change_replaces_the_story(sim, harness):
    user = await resident(sim, harness, 502, "en")
    user.send_text("First version of my story.")
    await settle(sim)
    press(user, user.last, ":fx")
    await settle(sim)
    await harness.restart()
    user.send_text("Corrected version of my story.")
    await settle(sim)
    answers = stored(harness)
    assert answers["msc.change_self"][1:] == ("Corrected version of my story.", 2)
    assert "msc.why" not in answers


async def test_previous_question_then_skip_keeps_the_answer(sim, harness):
    user = await resident(sim, harness, 503, "en")
    user.send_text("My precious story.")
    await settle(sim)
    await confirm_readbacks(sim, user)
    press(user, current_question(user), ":bk")
    await settle(sim)
    shown = [m.text or "" for m in user.messages[-2:]]
    assert any("My precious story." in t for t in shown)       # the current answer is shown
    press(user, current_question(user), ":sk")
    await settle(sim)
    assert stored(harness)["msc.change_self"] == ("answered", "My precious story.", 1)
    assert any("Not changed" in str(m.reply_markup) for m in user.messages[-3:])


async def test_sticker_or_emoji_under_the_readback_shows_the_readback_again(sim, harness):
    user = await resident(sim, harness, 504, "nl")
    user.send_text("Ik heb hier vrienden gevonden.")
    await settle(sim)
    user.send_message(sticker={"file_id": "CAAC", "file_unique_id": "u1", "type": "regular",
                               "width": 512, "height": 512, "is_animated": False, "is_video": False})
    await settle(sim)
    assert any(d.endswith(":ok") for d in data_of(user.last))   # the read-back, not question 1 with Skip
    assert not any(d.endswith(":sk") for d in data_of(user.last))
    user.send_text("...")
    await settle(sim)
    assert any(d.endswith(":ok") for d in data_of(user.last))   # still the read-back
    for confirm in ("👍", "Ja, klopt!"):
        user.send_text(confirm)                                  # means Right, not more story
        await settle(sim)
        user.send_text("Omdat ik me minder alleen voel.")
        await settle(sim)
    answers = stored(harness)
    assert answers["msc.change_self"] == ("answered", "Ik heb hier vrienden gevonden.", 1)
    assert answers["msc.why"] == ("answered", "Omdat ik me minder alleen voel.", 1)


async def test_typing_while_the_feedback_question_waits_asks_it_again(sim, harness):
    user = await resident(sim, harness, 505, "ar")
    for story in ("وجدت أصدقاء هنا.", "لأنني لم أعد وحيدة."):
        user.send_text(story)
        await settle(sim)
        press(user, user.last, ":ok")
        await settle(sim)
    assert any(d.endswith(":qy") for d in data_of(user.last))      # may the story be quoted?
    user.send_text("نعم")
    await settle(sim)
    assert any(d.endswith(":qy") for d in data_of(user.last))      # asked again, not skipped
    press(user, user.last, ":qn")
    await settle(sim)
    assert db_rows(harness, "SELECT quote_ok FROM participations") == [(0,)]
    assert any(d.endswith(":fy") for d in data_of(user.last))
    user.send_text("نعم")
    await settle(sim)
    assert any(d.endswith(":fy") for d in data_of(user.last))      # asked again, not skipped
    assert set(stored(harness)) == {"msc.change_self", "msc.why"}
    question = user.last
    no = next(d for d in data_of(question) if d.endswith(":fn"))
    user.press(question, no)
    await settle(sim)
    after = len(user.messages)
    user.press(question, no)                                        # an old button, again
    await settle(sim)
    assert len(user.messages) == after                              # no second copy of a question
    # "no" is remembered: changing the "why" later does not ask again
    press(user, current_question(user), ":bk")
    await settle(sim)
    user.send_text("لأنني أشعر أنني في بيتي.")
    await settle(sim)
    press(user, user.last, ":ok")
    await settle(sim)
    assert not any(d.endswith(":fy") for d in data_of(user.last))


async def test_an_old_right_button_does_not_ask_the_next_question_twice(sim, harness):
    user = await resident(sim, harness, 506, "en")
    user.send_text("Story one.")
    await settle(sim)
    readback = user.last
    right = next(d for d in data_of(readback) if d.endswith(":ok"))
    user.press(readback, right)
    await settle(sim)
    after = len(user.messages)
    user.press(readback, right)
    await settle(sim)
    assert len(user.messages) == after


async def test_a_story_of_punctuation_or_direction_marks_is_not_stored(sim, harness):
    user = await resident(sim, harness, 507, "tr")
    user.send_text("...")
    await settle(sim)
    assert stored(harness) == {}
    user.send_text("\u202egizli\u202c yazı")
    await settle(sim)
    assert stored(harness)["msc.change_self"][1] == "gizli yazı"


async def test_emoji_deep_link_and_a_new_centre_mid_round(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(508, language_code="en")
    user.send_text("/start " + "😀" * 20)
    await settle(sim)
    assert any(d.startswith("c:y") for d in data_of(user.last))     # consent, not an error
    other = sim.user(509, language_code="en")
    await onboard(sim, other)
    other.send_text("/start bijbetje")
    await settle(sim)
    assert any("Your centre is now: Bij Betje." in (m.text or "") for m in other.messages[-3:])


async def test_stopping_an_interview_under_its_readback_keeps_the_coordinators_own_answers_apart(sim, harness):

    await harness.prepare("short", ["shalom"])
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    coord = sim.user(COORD_A)
    await onboard(sim, coord)                     # also a resident of Shalom, at question 1
    await start_interview(sim, coord, "Nederlands")
    coord.send_text("Het verhaal van de bewoner.")
    await settle(sim)
    press(coord, coord.last, ":ok")
    await settle(sim)
    coord.send_text("Waarom het ertoe doet.")
    await settle(sim)                             # the interview's "why" read-back is open
    coord.send_text("/interview stop")
    await settle(sim)
    coord.send_text("Mijn eigen verhaal als bewoner.")
    await settle(sim)
    rows = db_rows(harness, "SELECT item_id, mode, text FROM answers ORDER BY id")
    assert rows == [("msc.change_self", "assisted", "Het verhaal van de bewoner."),
                    ("msc.why", "assisted", "Waarom het ertoe doet."),
                    ("msc.change_self", "self", "Mijn eigen verhaal als bewoner.")]


async def test_a_second_round_opened_under_a_readback_does_not_take_the_story(sim, harness):
    user = await resident(sim, harness, 510, "en")
    user.send_text("I found friends here.")
    await settle(sim)
    await harness.storage.create_round("indicators", ["shalom"])
    user.send_text("And I learned Dutch too.")
    await settle(sim)
    assert db_rows(harness, "SELECT round_id, text FROM answers") == [
        (1, "I found friends here.\nAnd I learned Dutch too.")]


async def test_going_back_to_picked_domains_shows_them_ticked_and_done_keeps_them(sim, harness):
    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(511, language_code="en")
    await onboard(sim, user)
    press(user, current_question(user), ":sk")                       # msc.contact
    await settle(sim)
    for text in ("I found friends.", "I see more people outside.", "I am less alone."):
        user.send_text(text)
        await settle(sim)
        await confirm_readbacks(sim, user)
    domains = current_question(user)
    toggles = [d for d in data_of(domains) if ":t" in d]
    user.press(domains, toggles[0])
    await settle(sim)
    user.press(domains, next(d for d in data_of(domains) if ":d." in d))   # redrawn in place
    await settle(sim)
    before = db_rows(harness, "SELECT choices FROM answers WHERE item_id = 'msc.domains'")
    assert before and before[0][0] != "[]"
    press(user, current_question(user), ":bk")
    await settle(sim)
    again = current_question(user)
    assert CHECK in str(again.reply_markup)                            # the earlier pick is ticked
    done = next(d for d in data_of(again) if ":d." in d)
    user.press(again, done.rsplit(":", 1)[0] + ":d.0")                 # Done with nothing ticked
    await settle(sim)
    assert db_rows(harness, "SELECT choices, status FROM answers WHERE item_id = 'msc.domains'") == [
        (before[0][0], "answered")]


async def test_leaving_the_why_readback_by_start_comes_back_to_it_and_then_the_feedback_question(sim, harness):
    user = await resident(sim, harness, 512, "en")
    user.send_text("I found friends here.")
    await settle(sim)
    press(user, user.last, ":ok")
    await settle(sim)
    user.send_text("Because I feel at home.")
    await settle(sim)
    user.send_text("/start")
    await settle(sim)
    assert any(d.endswith(":ok") for d in data_of(user.last))       # the why read-back again
    press(user, user.last, ":ok")
    await settle(sim)
    assert any(d.endswith(":qy") for d in data_of(user.last))       # then the quote question
    press(user, user.last, ":qy")
    await settle(sim)
    assert any(d.endswith(":fy") for d in data_of(user.last))       # then the feedback question
