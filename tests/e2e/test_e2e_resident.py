"""End-to-end: residents and a coordinator talk to the real bot through the simulator."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest

from bot.survey import catalogue
from tests.support.chat import (  # noqa: F401 - also imported from here by other tests
    answer_all_text,
    confirm_readbacks,
    current_question,
    data_of,
    last_with,
    onboard,
)
from tests.support.harness import ADMIN_ID, SHARED, TOKEN, db_rows, settle, until

PII = "Bel me op 06-12345678 of mail fatima@example.nl"


async def test_nothing_stored_before_consent_and_no_ends_politely(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(101, language_code="en-GB")
    user.send_text("/start shalom")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]
    consent = last_with(user, "c:n")
    assert "Do you want to take part" in consent.text or "take part" in consent.text.lower()
    user.press(consent, next(d for d in data_of(consent) if d.startswith("c:n")))
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]
    assert "/start" in user.last.text


async def test_resident_completes_praatplaat_and_export_holds_exactly_their_answers(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(102, language_code="nl")
    await onboard(sim, user)
    items = catalogue().survey_items("praatplaat")
    # contact, change_self, change_neighbourhood, why: text; domains: pick one; one domain; other
    await answer_all_text(sim, user, ["Via de buren.", PII, "De wijk is gezelliger.", "Omdat ik minder alleen ben.", "", "Samen de straat schoonmaken.", "Niets meer."])
    assert user.last.text.startswith("🙏")
    stored = db_rows(harness, "SELECT item_id, status, text FROM answers ORDER BY id")
    assert [r[0] for r in stored][:4] == [i.id for i in items[:4]]
    texts = " ".join(r[2] or "" for r in stored)
    assert "06-12345678" not in texts and "fatima@example.nl" not in texts
    assert "[telefoon]" in texts and "[e-mail]" in texts
    # the coordinator exports through the chat: one respondent is too few to show anything
    admin = sim.user(ADMIN_ID, language_code="nl")
    admin.send_text("/export")
    await settle(sim)
    admin.press_button("Alle rondes")
    await settle(sim)
    admin.press_button("CSV (komma)")
    await until(lambda: "Nog te weinig deelnemers" in (admin.last.text or ""))
    assert "Er is geen bestand gemaakt." in admin.last.text
    assert not any(m.document for m in admin.messages)
    # with k = 1 the analyst's row file holds exactly their answers, without free text
    from zoneinfo import ZoneInfo

    from bot.exports.service import run_export

    out = harness.db_path.with_name("one.csv")
    run_export(harness.db_path, catalogue(), out, tz=ZoneInfo("Europe/Amsterdam"), min_cell_size=1)
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert len({r["respondent"] for r in rows}) == 1
    # one domain picked: one row for it; no story, "why" or domain pick (they would tie a
    # quoted story to this row: tests/integration/test_story_row_linking.py)
    from bot import msc
    from bot.privacy.disclosure import row_file_hidden_items

    hidden = row_file_hidden_items(catalogue().items.values(), msc.quoted_item)
    assert [r["item_id"] for r in rows] == [r[0] for r in stored if r[0] not in hidden]
    assert {r["item_id"] for r in rows} == {"msc.contact", "msc.other"}
    assert all("06-12345678" not in v and "102" != v for r in rows for v in r.values())
    assert {r["text"] for r in rows} == {""}
    assert all(len(r["answered_on"]) == 10 for r in rows)


async def test_restart_between_questions_resumes_without_loss_or_double(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(103)
    await onboard(sim, user)
    user.send_text("Via de buren.")
    await settle(sim)
    await harness.restart()
    user.send_text("Ik ken nu mijn buren.")
    await settle(sim)
    await confirm_readbacks(sim, user)
    stored = db_rows(harness, "SELECT item_id, text FROM answers ORDER BY id")
    assert stored == [("msc.contact", "Via de buren."), ("msc.change_self", "Ik ken nu mijn buren.")]
    assert "msc.change_neighbourhood" == catalogue().survey_items("praatplaat")[2].id
    assert "3" in current_question(user).text.split("\n")[0]


async def test_update_delivered_twice_records_one_answer(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(104)
    await onboard(sim, user)
    update_id = user.send_text("Eerste antwoord.")
    await settle(sim)
    raw = {"update_id": update_id, "message": {
        "message_id": 9999, "date": 1700000000, "chat": {"id": 104, "type": "private", "first_name": "Resident"},
        "from": {"id": 104, "is_bot": False, "first_name": "Resident", "language_code": "nl"},
        "text": "Eerste antwoord."}}
    sim.inject_update(raw)
    await settle(sim)
    assert db_rows(harness, "SELECT item_id FROM answers") == [("msc.contact",)]


async def test_sticker_mid_flow_stores_nothing_and_repeats_question(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(105)
    await onboard(sim, user)
    before = len(user.messages)
    user.send_message(sticker={"file_id": "CAACAgIAAxkBAAEBx", "file_unique_id": "AgADxx", "type": "regular",
                               "width": 512, "height": 512, "is_animated": False, "is_video": False})
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    new = user.messages[before:]
    assert any("getypte tekst" in (m.text or "") for m in new)
    assert "Hoe ben je in contact" in new[-1].text


async def test_non_admin_export_is_refused_like_an_unknown_command(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(106)
    user.send_text("/export")
    await settle(sim)
    assert "ken ik niet" in user.last.text
    assert not any(m.document for m in user.messages)


async def test_stale_forged_and_double_tapped_callbacks_store_nothing(sim, harness):
    await harness.prepare("short")
    await harness.start()
    user = sim.user(107)
    await onboard(sim, user)
    # short: change_self (text), why (text), then a picture question
    user.send_text("Ik ben minder alleen.")
    await settle(sim)
    await confirm_readbacks(sim, user)
    user.send_text("Omdat het fijn is.")
    await settle(sim)
    await confirm_readbacks(sim, user)
    q = current_question(user)
    assert q.photo_file_id
    value = next(d for d in data_of(q) if d.endswith(":v4"))
    user.press(q, value)
    user.press(q, value)                     # double tap
    await settle(sim)
    user.press(q, value.replace(":v4", ":v9"))  # forged value
    user.press(q, "a:999:0:v1")              # unknown round
    user.press(q, "33000")                   # not ours at all
    await settle(sim)
    rows = db_rows(harness, "SELECT item_id, value, revision FROM answers WHERE value IS NOT NULL")
    assert len(rows) == 1 and rows[0][1] == 4 and rows[0][2] == 1
    notices = [a for a in sim.callback_answers if a.get("text")]
    assert len(notices) >= 2  # unknown round, not ours; the double tap is only answered


async def test_scale_buttons_store_their_values_and_photo_uploaded_once(sim, harness):
    await harness.prepare("indicators")
    await harness.start()
    values = [1, 2, 3, 4, 5]
    for uid in (110, 111):
        user = sim.user(uid)
        await onboard(sim, user)
        for v in values:
            q = current_question(user)
            user.press(q, next(d for d in data_of(q) if d.endswith(f":v{v}")))
            await settle(sim)
    first_five = [i.id for i in catalogue().survey_items("indicators")[:5]]
    rows = db_rows(harness, "SELECT item_id, value FROM answers ORDER BY id")
    assert rows == [(i, v) for i, v in zip(first_five, values)] * 2
    assert sim.uploads == 6   # 5 pictures + the one of question 6, each uploaded once for both residents
    # the answered keyboard shows the choice and no longer offers buttons
    chosen = next(m for m in sim.user(110).messages if m.photo_file_id)
    assert data_of(chosen) == ["x"]


async def test_card_toggled_twice_is_unpicked(sim, harness):
    await harness.prepare("short")
    await harness.start()
    user = sim.user(112)
    await onboard(sim, user)
    items = catalogue().survey_items("short")
    pos = next(i for i, item in enumerate(items) if item.type == "cards")
    for _ in range(pos):
        q = current_question(user)
        data = data_of(q)
        skip = next(d for d in data if d.endswith(":sk"))
        user.press(q, skip)
        await settle(sim)
    q = current_question(user)
    for k in (0, 1, 0):   # pick 0, pick 1, unpick 0
        toggle = [d for d in data_of(q) if ":t" in d][k]
        user.press(q, toggle)
        await settle(sim)
    done = next(d for d in data_of(q) if ":d." in d)
    user.press(q, done)
    await settle(sim)
    (choices,) = db_rows(harness, "SELECT choices FROM answers WHERE item_id = 'cards.meaning'")[0]
    assert json.loads(choices) == [items[pos].options[1].id]


async def test_language_switch_mid_round_keeps_position(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(113)
    await onboard(sim, user)
    user.send_text("Via de buren.")
    await settle(sim)
    user.send_text("/language")
    await settle(sim)
    user.press_button("English")
    await settle(sim)
    q = current_question(user)
    assert q.text == q.text and "2" in q.text.split("\n")[0]
    assert catalogue().items["msc.change_self"].prompt["en"] in q.text
    assert db_rows(harness, "SELECT language FROM contacts") == [("en",)]


async def test_forget_deletes_everything_after_confirmation(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(114)
    await onboard(sim, user)
    user.send_text("Via de buren.")
    await settle(sim)
    user.send_text("/forget")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(1,)]
    user.press(user.last, "f:y")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]


async def test_blocked_bot_marks_contact_unreachable(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(115)
    await onboard(sim, user)
    sim.block(115)
    await settle(sim)
    assert db_rows(harness, "SELECT reachable FROM contacts") == [(0,)]
    sim.unblock(115)
    await settle(sim)
    assert db_rows(harness, "SELECT reachable FROM contacts") == [(1,)]


async def test_token_and_message_text_never_logged(sim, harness, caplog):
    from bot.logs import RedactingFilter, configure_logging

    configure_logging(secrets=[TOKEN], level=logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RedactingFilter([TOKEN]))
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(116)
    await onboard(sim, user)
    user.send_text("Mijn geheime verhaal over de buurt.")
    await settle(sim)
    await harness.stop()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in text
    assert "geheime verhaal" not in text


REAL = SHARED / "real-updates"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-updates not present (it is outside the repo)")
async def test_real_updates_never_crash_and_groups_are_ignored(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    for path in sorted(REAL.glob("*.json")):
        sim.inject_update(json.loads(path.read_text()))
    await settle(sim, 0.3)
    group_chats = [m for m in sim.sent if m.chat_id < 0]
    assert group_chats == []                      # never answers in groups or channels
    answered = {a["callback_query_id"] for a in sim.callback_answers}
    for name in ("12-callback-query-data.json", "13-callback-query-inline-message-rtl-names.json"):
        assert json.loads((REAL / name).read_text())["callback_query"]["id"] in answered
    # a valid update queued after the unparseable poll (file 24) is still handled
    user = sim.user(117)
    user.send_text("/help")
    await settle(sim)
    assert "/forget" in user.last.text
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_business_messages_and_payments_are_ignored(sim, harness):
    """Telegram Business updates (a business account's chat with its customer, not with
    this bot) and a payment's service message get no reply (issue 14.7; hand-made, as the
    Bot API documents them: no real capture exists, shared/real-updates/INDEX.md)."""
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(121)
    base = {"date": 1700000000, "chat": user.as_chat(), "from": user.as_user()}
    sim.inject_update({"business_message": {**base, "message_id": 5, "text": "Hallo, is de winkel open?",
                                            "business_connection_id": "bc-1"}})
    sim.inject_update({"edited_business_message": {**base, "message_id": 5, "text": "Hallo?",
                                                   "edit_date": 1700000001,
                                                   "business_connection_id": "bc-1"}})
    sim.inject_update({"message": {**base, "message_id": 6, "successful_payment": {
        "currency": "EUR", "total_amount": 500, "invoice_payload": "p",
        "telegram_payment_charge_id": "t-1", "provider_payment_charge_id": "p-1"}}})
    await settle(sim)
    assert user.messages == [] and sim.callback_answers == []
    user.send_text("/help")
    await settle(sim)
    assert len(user.messages) == 1 and "/forget" in user.last.text


async def test_long_answer_is_stored_cut_with_a_note(sim, harness):
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(118, language_code="pl")
    await onboard(sim, user)
    before = len(user.messages)
    user.send_text("ą" * 4000)
    await settle(sim)
    (text,) = db_rows(harness, "SELECT text FROM answers")[0]
    assert len(text) == 2000
    assert any("2\xa0000 znaków" in (m.text or "") for m in user.messages[before:])  # babel: NBSP


async def test_language_switch_during_readback_never_overwrites_the_story(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(119, language_code="uk")
    await onboard(sim, user)
    user.send_text("Я знайшла тут друзів.")
    await settle(sim)
    user.send_text("/language")
    await settle(sim)
    user.press_button("Polski")
    await settle(sim)
    # the read-back comes back, now in Polish; Right, then the next question
    readback = user.last
    assert readback.text.startswith("Twoja odpowiedź:") and "Я знайшла тут друзів." in readback.text
    user.press(readback, next(d for d in data_of(readback) if d.endswith(":ok")))
    await settle(sim)
    user.send_text("Bo tu mnie słuchają.")
    await settle(sim)
    stored = dict(db_rows(harness, "SELECT item_id, text FROM answers"))
    assert stored["msc.change_self"] == "Я знайшла тут друзів."
    assert stored["msc.why"] == "Bo tu mnie słuchają."


async def test_story_in_several_messages_is_kept_whole(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(120)
    await onboard(sim, user)
    for part in ("Twee jaar geleden kende ik niemand.", "Nu help ik in de keuken.", "Dat heeft mijn leven veranderd."):
        user.send_text(part)
        await settle(sim)
    (text, revision) = db_rows(harness, "SELECT text, revision FROM answers WHERE item_id = 'msc.change_self'")[0]
    assert text == "Twee jaar geleden kende ik niemand.\nNu help ik in de keuken.\nDat heeft mijn leven veranderd."
    assert revision == 3 and "Dat heeft mijn leven veranderd." in user.last.text


async def test_invisible_only_answer_is_not_stored(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(121)
    await onboard(sim, user)
    user.send_text("\u200b\u200e\u3164\u2800")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert "Typ je antwoord" in user.last.text


async def test_forged_centre_button_without_consent_stores_nothing(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(122)
    user.send_text("/start")
    await settle(sim)
    user.press(user.last, "ce:shalom:nl")
    await settle(sim)
    assert db_rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]
    assert "Doe je mee?" in user.last.text


async def test_forget_without_data_says_nothing_is_kept(sim, harness):
    await harness.prepare("short")
    await harness.start()
    user = sim.user(123, language_code="en")
    user.send_text("/forget")
    await settle(sim)
    assert user.last.text == "We have not saved anything about you."


async def test_feedback_question_is_asked_again_after_a_language_switch(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(121, language_code="nl")
    await onboard(sim, user)
    for story in ("Ik heb hier vrienden gevonden.", "Omdat ik me minder alleen voel."):
        user.send_text(story)
        await settle(sim)
        user.press(user.last, next(d for d in data_of(user.last) if d.endswith(":ok")))
        await settle(sim)
    assert any(d.endswith(":qy") for d in data_of(user.last))      # first: may we quote the story?
    user.send_text("/language")
    await settle(sim)
    user.press_button("English")
    await settle(sim)
    question = user.last
    assert any(d.endswith(":qy") for d in data_of(question)) and "reports" in question.text  # asked again
    user.press(question, next(d for d in data_of(question) if d.endswith(":qy")))
    await settle(sim)
    assert db_rows(harness, "SELECT quote_ok FROM participations") == [(1,)]
    question = user.last
    assert any(d.endswith(":fy") for d in data_of(question))       # then the feedback question
    assert "Do you want" in question.text or "Would you like" in question.text
    user.press(question, next(d for d in data_of(question) if d.endswith(":fy")))
    await settle(sim)
    assert db_rows(harness, "SELECT feedback_opt_in FROM contacts WHERE chat_id = 121") == [(1,)]
    assert data_of(user.last) and not any(d.endswith((":fy", ":ok")) for d in data_of(user.last))
    # resuming later goes on with the questions, not the opt-in again
    user.send_text("/start")
    await settle(sim)
    assert not any(d.endswith(":fy") for d in data_of(user.last))


async def test_ignored_updates_are_marked_handled_and_leave_no_inbox_row(sim, harness):
    """An update the bot ignores (a business message, a group message, a stray edit) is
    still handled: marked processed, and its inbox row, which holds its text, deleted.
    Before, the stop of the out-of-scope handler skipped the mark, so the row stayed (and
    was handled again at every start-up, the text of a group message kept for ever)."""
    await harness.prepare("praatplaat")
    await harness.start()
    user = sim.user(123)
    base = {"date": 1700000000, "chat": user.as_chat(), "from": user.as_user()}
    group = {"id": -1001234567899, "type": "supergroup", "title": "Buurtgroep"}
    ids = [
        sim.inject_update({"business_message": {**base, "message_id": 5, "text": "Hallo, is de winkel open?",
                                                "business_connection_id": "bc-1"}}),
        sim.inject_update({"message": {**base, "message_id": 6, "chat": group, "text": "Wie komt er dinsdag?"}}),
        sim.inject_update({"edited_message": {**base, "message_id": 7, "text": "/help",
                                              "edit_date": 1700000001}}),
    ]
    await settle(sim)
    await harness.stop()  # a clean stop writes the marks still in memory
    assert db_rows(harness, "SELECT COUNT(*) FROM inbox") == [(0,)]
    marked = db_rows(harness, "SELECT update_id FROM processed_updates")
    assert set(ids) <= {u for (u,) in marked}
