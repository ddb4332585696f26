"""End-to-end: a coordinator's week without friction (issue 16), through the simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import utcnow
from tests.support.chat import (
    COORD_A,
    answer_all_text,
    data,
    data_of,
    last_with,
    make_coordinator,
    onboard,
    open_stories,
    press,
    pseudonym,
    select_with_reason,
    show,
    story_ids,
    teller,
)
from tests.support.chat import (
    export_file as _export_file,
)
from tests.support.harness import ADMIN_ID, settle
from tests.support.harness import db_rows as rows


async def _residents(harness, chats, centre="shalom", language="nl"):
    for chat in chats:
        await harness.storage.save_contact(chat, language=language, centre_code=centre, consent_version="v")
        harness.sim.user(chat, language_code=language)


@pytest.fixture
async def coordinated(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    return harness


# -- 4. irreversible actions ask first -------------------------------------------------
@pytest.mark.parametrize(("command", "yes", "status"), [("/close 1", "Ja, sluiten", "closed"),
                                                       ("/cancel 1", "Ja, annuleren", "cancelled")])
async def test_close_and_cancel_ask_first_saying_what_happens(sim, coordinated, command, yes, status):
    for n in range(6):
        user = sim.user(700 + n)
        await onboard(sim, user)
    coord = sim.user(COORD_A)
    coord.send_text(command)
    await settle(sim)
    question = coord.last
    yes_data = next(d for d in data_of(question) if d.startswith("ad:rk") and not d.startswith("ad:rkn"))
    assert "Begonnen: 6" in question.text and "niet terugdraaien" in question.text
    assert rows(coordinated, "SELECT status FROM rounds WHERE id = 1") == [("open",)]
    coord.press_button("Nee, niets doen")
    await settle(sim)
    assert "niets veranderd" in coord.last.text
    assert rows(coordinated, "SELECT status FROM rounds WHERE id = 1") == [("open",)]
    coord.send_text(command)
    await settle(sim)
    coord.press_button(yes)
    await settle(sim)
    assert rows(coordinated, "SELECT status FROM rounds WHERE id = 1") == [(status,)]
    coord.press(question, yes_data)             # an old "yes" does nothing more
    await settle(sim)
    assert rows(coordinated, "SELECT status FROM rounds WHERE id = 1") == [(status,)]


async def test_open_now_asks_first_with_the_number_of_residents(sim, harness):
    await harness.prepare(None)
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    await _residents(harness, range(720, 727))
    soon = utcnow() + timedelta(days=2)
    await harness.storage.create_round("short", ["shalom"], opens_at=soon, closes_at=soon + timedelta(days=7),
                                       status="scheduled")
    coord = sim.user(COORD_A)
    coord.send_text("/open 1")
    await settle(sim)
    assert "Aantal bewoners dat nu een bericht krijgt: 7" in coord.last.text
    assert rows(harness, "SELECT COUNT(*) FROM outbox") == [(0,)]
    assert rows(harness, "SELECT status FROM rounds") == [("scheduled",)]
    coord.press_button("Ja, nu openen")
    await settle(sim)
    await harness.application.bot_data["outbox"].drain(timeout=10)
    assert rows(harness, "SELECT status FROM rounds") == [("open",)]
    assert rows(harness, "SELECT COUNT(*) FROM outbox WHERE kind = 'invite'") == [(7,)]


async def test_wizard_open_now_says_how_many_residents_are_messaged(sim, coordinated):
    await _residents(coordinated, range(730, 736), language="pl")
    coord = sim.user(COORD_A)
    coord.send_text("/newround")
    await settle(sim)
    coord.press(coord.last, next(d for d in data_of(coord.last) if d.endswith(".indicators")))
    await settle(sim)
    coord.press_button("Nu")
    await settle(sim)
    coord.press_button("1 week")
    await settle(sim)
    coord.press_button("Geen herinnering")
    await settle(sim)
    summary = coord.last
    assert "meteen open" in summary.text and "Aantal bewoners dat nu een bericht krijgt: 6" in summary.text
    assert rows(coordinated, "SELECT COUNT(*) FROM rounds") == [(1,)]
    coord.press_button("Aanmaken en nu uitnodigen")
    await settle(sim)
    assert rows(coordinated, "SELECT status FROM rounds WHERE id = 2") == [("open",)]


# -- 7. the review keyboard does not move under the thumb -------------------------------
def _layout(user, message) -> list[list[str]]:
    """What each keyboard position does, ids left out (◀/▶ at the ends count as 'nav')."""
    import re

    shape = []
    for i, row in enumerate(user.buttons(message)):
        if i == 0:
            shape.append(["nav"] * len(row))
        else:
            shape.append([re.sub(r"\d+", "#", data) for _text, data in row])
    return shape


async def test_review_keyboard_keeps_every_button_in_place(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    for i in range(3):
        await teller(harness.storage, round_.id, 600 + i, "shalom", f"Verhaal nummer {i}.", f"Waarom {i}.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    first = _layout(admin, msg)
    assert len(admin.buttons(msg)[0]) == 3 and admin.buttons(msg)[0][1][0] == "1/3"
    for verb in ("ad:sta:", "ad:stc:", "ad:sts:", "ad:stc:", "ad:stw:", "ad:str:"):
        await press(sim, admin, msg, data(msg, verb))
        assert _layout(admin, msg) == first, verb
    # a second tap on ⛔ (withheld now) cannot hit ↩: the buttons did not move
    await press(sim, admin, msg, data(msg, "ad:stw:"))
    stw_at = [d for _t, d in admin.buttons(msg)[1]].index(data(msg, "ad:stw:"))
    admin.press(msg, admin.buttons(msg)[1][stw_at][1])
    await settle(sim)
    assert "Achtergehouden" in msg.text
    await press(sim, admin, msg, data(msg, "ad:str:"))
    for _ in range(2):
        forward = admin.buttons(msg)[0][2][1]
        await press(sim, admin, msg, forward)
        assert _layout(admin, msg) == first
    nav = admin.buttons(msg)[0]
    assert nav[1][0] == "3/3" and nav[2][1] == "x"       # the last ▶ place does nothing


# -- 6. correcting a story is findable ----------------------------------------------
async def test_correct_buttons_take_the_next_message_for_story_and_why(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 610, "shalom", "Jan de Vries hielp mij.", "Omdat Jan uit nr 12 komt.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    admin.press_button("Verhaal verbeteren", msg)
    await settle(sim)
    assert "Nu staat er" in admin.last.text and "Jan de Vries" in admin.last.text
    admin.send_text("Een buurman hielp mij.")          # a plain message, not a reply
    await settle(sim)
    assert "Aangepast" in admin.last.text
    assert "Een buurman hielp mij." in msg.text and "Jan de Vries" not in msg.text
    admin.press_button("Waarom verbeteren", msg)
    await settle(sim)
    admin.send_text("Omdat ik minder alleen ben.")
    await settle(sim)
    assert "Omdat ik minder alleen ben." in msg.text and "nr 12" not in msg.text
    shown = rows(harness, "SELECT item_id, text FROM answers_shown ORDER BY id")
    assert shown == [("msc.change_self", "Een buurman hielp mij."), ("msc.why", "Omdat ik minder alleen ben.")]
    # "why it matters" withheld on its own: gone from every output, story stays
    admin.press(msg, data(msg, "ad:sth:"))
    await settle(sim)
    assert "(achtergehouden)" in msg.text and "minder alleen" not in msg.text
    assert rows(harness, "SELECT item_id FROM answers_shown") == [("msc.change_self",)]
    # a command after ✏️ changes nothing
    admin.press_button("Verhaal verbeteren", msg)
    await settle(sim)
    admin.send_text("/stories")
    await settle(sim)
    assert "niets veranderd" in admin.last.text
    assert rows(harness, "SELECT text FROM answers_shown") == [("Een buurman hielp mij.",)]


# -- resident side ------------------------------------------------------------------
@pytest.mark.parametrize(("code", "typed"), [("tr", "Evet"), ("nl", "ja"), ("en", "Yes!"), ("pl", "tak"),
                                             ("uk", "Так"), ("ar", "نعم")])
async def test_typed_yes_at_consent_counts_and_keeps_the_qr_centre(sim, harness, code, typed):
    await harness.prepare("short", ["bijbetje"])
    await harness.start()
    user = sim.user(740, language_code=code)
    user.send_text("/start bijbetje")
    await settle(sim)
    assert rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]
    user.send_text(typed)
    await settle(sim)
    assert rows(harness, "SELECT language, centre_code FROM contacts") == [(code, "bijbetje")]
    assert any(d.startswith("a:1:0:") for d in data_of(user.last))      # the first question


async def test_other_text_at_consent_shows_the_question_again(sim, harness):
    await harness.prepare("short", ["bijbetje"])
    await harness.start()
    user = sim.user(741, language_code="tr")
    user.send_text("/start bijbetje")
    await settle(sim)
    user.send_text("Ne demek bu?")
    await settle(sim)
    assert any(d.startswith("c:y:tr:bijbetje") for d in data_of(user.last))
    assert rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]
    user.send_text("hayır")
    await settle(sim)
    assert "/start" in user.last.text and rows(harness, "SELECT COUNT(*) FROM contacts") == [(0,)]


async def test_after_stop_an_old_button_asks_nothing_more(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(750)
    await onboard(sim, user)
    question = last_with(user, "a:")
    skip = next(d for d in data_of(question) if d.endswith(":sk"))
    user.send_text("/stop")
    await settle(sim)
    before = len(user.messages)
    user.press(question, skip)
    await settle(sim)
    assert len(user.messages) == before                              # no next question
    assert "/stop" in sim.callback_answers[-1]["text"]
    assert rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    user.send_text("Nog een verhaal")
    await settle(sim)
    assert "/start" in user.last.text and rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_after_finishing_a_resident_can_still_change_an_answer(sim, harness):

    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(760)
    await onboard(sim, user)
    await answer_all_text(sim, user, ["Via de buren.", "Ik ben minder alleen.", "De wijk is gezelliger.",
                                      "Omdat ik mensen ken.", "", "Samen schoonmaken.", "Niets meer."])
    assert user.last.text.startswith("🙏")
    user.send_text("/start")
    await settle(sim)
    user.press_button("Antwoorden veranderen")
    await settle(sim)
    assert "Niets meer." in user.messages[-2].text                     # the current answer is shown
    user.send_text("Toch nog iets: dank aan de vrijwilligers.")
    await settle(sim)
    assert rows(harness, "SELECT text, revision FROM answers WHERE item_id = 'msc.other'") == [
        ("Toch nog iets: dank aan de vrijwilligers.", 2)]
    assert user.last.text.startswith("🙏")


async def test_an_edited_story_message_replaces_the_story(sim, harness):
    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(761)
    await onboard(sim, user)
    user.send_text("Via de buren.")
    await settle(sim)
    update_count = len(user.messages)
    sent = user.send_message(text="Ik ben minder aleen.")
    await settle(sim)
    message_id = max(sim._incoming[user.chat_id])
    sim.inject_update({"edited_message": {
        "message_id": message_id, "from": user.as_user(), "chat": user.as_chat(), "date": 1700000000,
        "edit_date": 1700000100, "text": "Ik ben minder alleen."}})
    await settle(sim)
    assert sent and len(user.messages) > update_count
    assert rows(harness, "SELECT text FROM answers WHERE item_id = 'msc.change_self'") == [("Ik ben minder alleen.",)]
    assert "bewaard" in user.last.text


async def test_voice_gets_an_interview_hint_and_a_photo_caption_is_kept(sim, harness):
    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(770, language_code="tr")
    await onboard(sim, user)
    user.send_message(voice={"file_id": "v1", "file_unique_id": "u1", "duration": 3, "mime_type": "audio/ogg"})
    await settle(sim)
    replies = [m.text for m in user.messages[-2:]]
    assert any("merkez" in (t or "").lower() and "görüşme" in (t or "").lower() for t in replies)
    assert rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90, "file_size": 100}]
    user.send_message(photo=photo, caption="burada komşularımla tanıştım.")
    await settle(sim)
    assert rows(harness, "SELECT item_id, text FROM answers") == [("msc.contact", "burada komşularımla tanıştım.")]


# -- 8. scheduled events tell the coordinators -------------------------------------------
async def test_scheduled_open_reminder_and_close_tell_the_coordinators(sim, harness):
    from admin import scheduling
    from bot.roles import Roles
    from bot.storage import Storage
    from bot.times import reminder_time

    await harness.prepare(None)
    store = await Storage.open(harness.db_path)
    roles = Roles(store, frozenset())
    await roles.redeem_invite(await roles.create_invite("shalom"), COORD_A, "nl")
    for chat in range(780, 786):
        await store.save_contact(chat, language="nl", centre_code="shalom", consent_version="v")
        sim.user(chat)
    coord = sim.user(COORD_A)
    opens = utcnow() - timedelta(hours=1)
    closes = utcnow() + timedelta(days=3)
    await store.create_round("short", ["shalom"], opens_at=opens, closes_at=closes, status="scheduled")
    await store.set_round_plan(1, remind_days_before=1, created_by=COORD_A)
    await store.close()
    await harness.start()                                   # catches up: the round opens
    await settle(sim)
    assert "volgens plan opengegaan" in coord.last.text
    assert "Aantal bewoners dat een uitnodiging krijgt: 6" in coord.last.text
    told = len(coord.messages)
    at_ten = reminder_time(closes, 1, harness.settings.tz) + timedelta(minutes=1)
    report = await scheduling.apply_due(harness.application, now=at_ten)
    await settle(sim)
    assert report.reminded == [1] and len(coord.messages) == told + 1
    assert "herinnering" in coord.last.text and "Begonnen: 0" in coord.last.text
    report = await scheduling.apply_due(harness.application, now=closes + timedelta(minutes=1))
    await settle(sim)
    assert report.closed == [1]
    assert "volgens plan gesloten" in coord.last.text and "Klaar: 0" in coord.last.text


# -- 3. the final selection: preview, count, "send now?", held until the round closes ------
async def test_final_selection_previews_per_language_and_holds_until_the_round_closes(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 790, "shalom", "Ik ken nu mijn buren.", "Waarom 790.")
    await teller(harness.storage, round_.id, 791, "shalom", "Komşularımı tanıyorum.", "Neden 791.", lang="tr")
    users = {cid: sim.user(cid) for cid in (790, 791)}
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    ids = await story_ids(harness)
    await show(sim, admin, msg, ids["Ik ken nu mijn buren."])
    await press(sim, admin, msg, data(msg, "ad:stc:", ".0."))
    reason = "Dit verhaal laat zien dat buren elkaar weer kennen."
    await select_with_reason(sim, admin, msg, reason)
    start = len(admin.messages)
    admin.send_text(f"/stories {round_.id} final")
    await settle(sim)
    shown = admin.messages[start:]
    previews = [m.text for m in shown if m.text.startswith("👁")]
    assert len(previews) == 2
    turkish = next(t for t in previews if "in het Turks" in t)       # named in the reader's language
    assert "Hikâyen" in turkish or "Teşekkür" in turkish          # the Turkish text itself
    assert reason not in turkish                                   # no Dutch quote to a Turkish reader
    assert any(reason in t for t in previews if "Nederlands" in t)
    assert "Aantal vertellers dat een bericht krijgt: <5" in admin.last.text
    assert rows(harness, "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback'") == [(0,)]
    admin.press_button("versturen als de ronde sluit")
    await settle(sim)
    assert "/close 1" in admin.last.text and "(…)" not in admin.last.text  # no closing time set
    assert rows(harness, "SELECT selection_final_at IS NOT NULL FROM rounds") == [(1,)]
    assert rows(harness, "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback'") == [(0,)]   # held
    admin.send_text(f"/close {round_.id}")
    await settle(sim)
    admin.press_button("Ja, sluiten")
    await settle(sim)
    assert rows(harness, "SELECT chat_id FROM outbox WHERE kind = 'feedback' ORDER BY chat_id") == [(790,), (791,)]
    await harness.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    assert reason in users[790].last.text and reason not in users[791].last.text


# -- 9. the README answers the first questions ---------------------------------------
def test_readme_says_how_to_find_a_user_id_and_what_each_export_holds():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "getUpdates" in readme and '"from":{"id":' in readme
    for export in ("CSV (comma)", "Excel (xlsx)", "Codebook (CSV)", "verhalen.md", "effecten.csv"):
        assert export in readme
    assert "`/centres`" in readme and "`/cancel`" in readme


async def test_help_lists_centres_for_a_coordinator(sim, coordinated):
    coord = sim.user(COORD_A)
    coord.send_text("/help")
    await settle(sim)
    assert "/centres" in coord.last.text and "/cancel" in coord.last.text


# -- read-back of a story with a name in it (the scrubber's newer kinds) ------------------
def test_every_scrubber_placeholder_reads_back_in_the_residents_language():
    from bot.i18n import Translator
    from bot.privacy.scrub import PLACEHOLDERS
    from conversations.answering import shown_text

    shown = shown_text(" ".join(PLACEHOLDERS.values()), Translator("en"))
    for english in ("[name]", "[date of birth]", "[number plate]", "[social media account]", "[address]"):
        assert english in shown
    assert "[naam]" not in shown and "[kenteken]" not in shown


# -- 1. the coordinator's review work leaves the chat ----------------------------------
async def _reviewed_round(sim, harness):
    """Six Dutch tellers at Shalom; the admin approves and codes two, shortlists one and
    chooses one with a reason; the Polish teller's story (alone in Polish) is approved too."""

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    for i in range(6):
        await teller(harness.storage, round_.id, 800 + i, "shalom", f"Verhaal van buur {i}.", f"Waarom {i}.")
    await teller(harness.storage, round_.id, 810, "shalom", "Poznałam tu sąsiadów.", "Bo nie jestem sama.",
                 lang="pl")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    ids = await story_ids(harness)
    await show(sim, admin, msg, ids["Verhaal van buur 1."])
    await press(sim, admin, msg, data(msg, "ad:sta:"))
    await press(sim, admin, msg, data(msg, "ad:stc:", ".0."))
    await press(sim, admin, msg, data(msg, "ad:sts:"))
    await show(sim, admin, msg, ids["Verhaal van buur 2."])
    await press(sim, admin, msg, data(msg, "ad:stc:", ".0."))
    reason = "Buren kennen elkaar weer."
    await select_with_reason(sim, admin, msg, reason)
    await show(sim, admin, msg, ids["Poznałam tu sąsiadów."])
    await press(sim, admin, msg, data(msg, "ad:sta:"))
    return round_, admin, reason


async def test_export_offers_the_stories_document_and_the_effects_table(sim, harness):
    import csv
    import io

    from openpyxl import load_workbook

    from bot.exports.xlsx import DUTCH_HEADERS
    from bot.survey import load_catalogue

    round_, admin, reason = await _reviewed_round(sim, harness)
    effect = load_catalogue().effects[0].label["nl"]
    doc = await _export_file(sim, admin, round_.id, "Verhalen om te printen (HTML)")
    assert doc is not None and doc.document["file_name"].endswith(".html")
    page = doc.document_bytes.decode("utf-8")
    assert "Verhaal van buur 1." in page and "Verhaal van buur 2." in page
    assert "Op de shortlist" in page and reason in page and effect in page
    assert "Nederlands" in page                                    # each story's language
    assert "Verhaal van buur 3." not in page                       # not approved
    assert "Poznałam" not in page                                  # one Polish teller: not quotable
    assert "2 goedgekeurde verhalen" in doc.caption
    table = await _export_file(sim, admin, round_.id, "Effectentabel (CSV, Excel NL)")
    assert table is not None
    effects = list(csv.DictReader(io.StringIO(table.document_bytes.decode("utf-8-sig")), delimiter=";"))
    assert effects[0]["effect_nl"] == effect and effects[0]["mentioned"] == "<5"
    assert effects[0]["in_document"] == "2"        # what the stories document shows
    book = await _export_file(sim, admin, round_.id, "Excel (xlsx)")
    wb = load_workbook(io.BytesIO(book.document_bytes), read_only=True)   # values only
    assert "effecten" in wb.sheetnames
    sheet = list(wb["verhalen"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("ronde", "centrum", "maand", "taal")            # Dutch headers
    english = {dutch: name for name, dutch in DUTCH_HEADERS.items()}
    stories = [dict(zip([english.get(h, h) for h in sheet[0]], r)) for r in sheet[1:]]
    chosen = next(s for s in stories if s["text"] == "Verhaal van buur 2.")
    assert chosen["selected"] == "ja" and chosen["reason"] == reason and effect in chosen["effects"]
    assert next(s for s in stories if s["text"] == "Verhaal van buur 1.")["shortlist"] == "ja"
    assert "respondent" not in sheet[0] and all(len(s["month"]) == 7 for s in stories)


async def test_export_of_stories_without_an_approved_one_says_so_and_sends_nothing(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    for i in range(5):
        await teller(harness.storage, round_.id, 820 + i, "shalom", f"Verhaal {i}.", f"Waarom {i}.")
    admin = sim.user(ADMIN_ID)
    assert await _export_file(sim, admin, round_.id, "Verhalen om te printen (HTML)") is None
    assert "nog geen goedgekeurde verhalen" in admin.last.text and "/stories" in admin.last.text
    assert await _export_file(sim, admin, round_.id, "Effectentabel (CSV, Excel NL)") is None
    assert "nog geen verhalen met een effect" in admin.last.text


async def test_review_exports_resist_differencing_and_linking(sim, harness, tmp_path):
    """Attacks on the new outputs: one more teller changes no stories document, effects
    table or workbook stories sheet (differencing); a teller alone in her language is in
    none (singling out); the analyst's workbook cannot tie a story to a row (linking)."""
    from openpyxl import load_workbook

    from bot.exports.service import run_export
    from bot.survey import load_catalogue

    round_, _admin, _reason = await _reviewed_round(sim, harness)
    cat, tz = load_catalogue(), harness.settings.tz
    for chat in (*range(800, 806), 810):
        await harness.storage.finish_participation(round_.id, pseudonym(chat))

    def exports(tag: str) -> dict[str, object]:
        got = {}
        for audience in ("coordinator", "admin"):
            centres = ["shalom"] if audience == "coordinator" else None
            for fmt in ("stories", "effects", "xlsx"):
                out = tmp_path / f"{tag}-{audience}-{fmt}.{fmt}"
                run_export(harness.db_path, cat, out, fmt=fmt, tz=tz, audience=audience,
                           centres=centres, round_ids=[round_.id], min_cell_size=5)
                if fmt == "xlsx":
                    wb = load_workbook(out, read_only=True)   # values only: just these sheets read
                    try:
                        for sheet in ("verhalen", "effecten"):
                            got[f"{audience}-{sheet}"] = list(wb[sheet].iter_rows(values_only=True))
                        got[f"{audience}-answers"] = (list(wb["antwoorden"].iter_rows(values_only=True))
                                                      if "antwoorden" in wb.sheetnames else [])
                    finally:
                        wb.close()
                else:
                    got[f"{audience}-{fmt}"] = out.read_bytes()
        return got

    before = exports("before")
    await teller(harness.storage, round_.id, 830, "shalom", "Nog een verhaal.", "Nog een reden.")
    await teller(harness.storage, round_.id, 831, "shalom", "Druga historia.", "Bo tak.", lang="pl")
    for chat in (830, 831):
        await harness.storage.finish_participation(round_.id, pseudonym(chat))
    after = exports("after")
    for key in before:
        if not key.endswith("answers"):
            assert before[key] == after[key], key
    for key in ("coordinator-stories", "admin-stories"):           # the HTML documents
        assert b"Verhaal van buur 1." in after[key]
        assert "Poznałam".encode() not in after[key] and b"Druga" not in after[key]
    sheet = after["admin-verhalen"]
    assert all("Poznałam" not in str(row) for row in sheet)
    labels = {row[sheet[0].index("respondent")] if "respondent" in sheet[0] else None
              for row in sheet[1:]}
    assert labels == {None}
    answers = after["admin-answers"]
    respondents = {row[answers[0].index("respondent")] for row in answers[1:]}
    story_cells = {str(v) for row in sheet for v in row}
    # a story round's answers are free text and the domain pick: no row file shows them
    # (tests/integration/test_story_row_linking.py), so the answers sheet is a header alone
    assert len(answers) == 1 and not respondents & story_cells
    months = [row[sheet[0].index("maand")] for row in sheet[1:]]
    assert months and all(len(m) == 7 for m in months)       # month, never a day


# -- 5. /progress tells the truth; a command without a round number finds its round ------
async def _finished_resident(harness, round_id: int, n: int, *, skip: str = "") -> None:
    """A resident of Shalom who answered every question of the short survey (``skip``: that
    one skipped) and finished."""

    who = pseudonym(900 + n)
    await harness.storage.start_participation(round_id, who, centre_code="shalom", language="nl")
    for item in harness.settings.catalogue().survey_items("short"):
        kwargs = {"round_id": round_id, "respondent": who, "item_id": item.id, "status": "answered",
                  "language": "nl", "centre_code": "shalom"}
        if item.id == skip:
            kwargs["status"] = "skipped"
        elif item.type == "scale":
            kwargs["value"] = 4
        elif item.type in ("cards", "choice"):
            kwargs["choices"] = [item.options[0].id]
        else:
            kwargs["text"] = "Fijn hier."
        await harness.storage.record_answer(**kwargs)
    await harness.storage.finish_participation(round_id, who)


async def test_progress_reads_like_a_report_and_commands_find_their_round(sim, harness):
    from datetime import datetime

    from bot.i18n import Translator

    await harness.prepare(None)
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    planned = utcnow() + timedelta(days=2)
    for _ in range(2):
        await harness.storage.create_round("short", ["shalom"], opens_at=planned,
                                           closes_at=planned + timedelta(days=7), status="scheduled")
    coord = sim.user(COORD_A)
    coord.send_text("/open")                    # two planned rounds: which one?
    await settle(sim)
    assert "Welke ronde" in coord.last.text and len(coord.buttons(coord.last)) == 2
    coord.press_button("#2")
    await settle(sim)
    coord.press_button("Ja, nu openen")
    await settle(sim)
    assert rows(harness, "SELECT id, status FROM rounds ORDER BY id") == [(1, "scheduled"), (2, "open")]
    for n in range(10):
        await _finished_resident(harness, 2, n, skip="ind.cohesion.less_lonely" if n < 5 else "")
    coord.send_text("/progress")                # no number: the only open round
    await settle(sim)
    report = coord.last.text
    tr, tz = Translator("nl"), harness.settings.tz
    opened = datetime.fromisoformat(rows(harness, "SELECT opened_at FROM rounds WHERE id = 2")[0][0])
    assert report.startswith("#2") and tr.datetime(opened, tz, "short") in report
    assert tr.datetime(planned, tz, "short") not in report     # not the plan: when it really opened
    assert "Begonnen: 10" in report and "Klaar: 10" in report
    cat = harness.settings.catalogue()
    lonely = cat.items["ind.cohesion.less_lonely"].prompt["nl"].split("\n")[0][:40]
    assert lonely in report and "ind.cohesion" not in report   # the question, not its id
    lines = report.splitlines()
    at = next(i for i, line in enumerate(lines) if lonely in line)
    assert lines[at + 1].strip() == "beantwoord 5 · weet niet 0 · overgeslagen 5"
    # one more resident who skips another question: per question nothing moves
    await _finished_resident(harness, 2, 10, skip="ind.livability.at_home")
    coord.send_text("/progress 2")
    await settle(sim)
    again = coord.last.text.splitlines()
    assert "Begonnen: 11" in again and [line for line in again if line not in lines] == [
        "Begonnen: 11", "Klaar: 11", "  Nederlands: 11"]
    # /close without a number takes the only open round and asks first
    coord.send_text("/close")
    await settle(sim)
    assert "#2" in coord.last.text and "niet terugdraaien" in coord.last.text


# -- 10. the analyst can use the files as they come ---------------------------------------
async def test_analyst_files_one_row_per_respondent_only_what_was_asked(sim, harness):
    import csv
    import io

    from openpyxl import load_workbook

    from bot.exports.wide import WIDE_QUASI
    from bot.privacy import disclosure as dc

    round_ = await harness.prepare("short", ["shalom"])
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    for n in range(10):
        await _finished_resident(harness, round_.id, n, skip="ind.cohesion.less_lonely" if n < 3 else "")
    asked = [i.id for i in harness.settings.catalogue().survey_items("short")]
    scale = [i for i in asked if i.startswith("ind.")]
    admin = sim.user(ADMIN_ID)
    doc = await _export_file(sim, admin, round_.id, "Eén rij per bewoner (CSV)")
    wide = list(csv.DictReader(io.StringIO(doc.document_bytes.decode("utf-8-sig"))))
    assert len(wide) == 10 and len({r["respondent"] for r in wide}) == 10
    assert dc.smallest_class(wide, WIDE_QUASI) >= 5                  # k-anonymous like the long file
    assert [c for c in wide[0] if c.startswith("ind.") and not c.endswith("_status")] == scale
    assert sorted(r["ind.cohesion.less_lonely_status"] for r in wide) == ["beantwoord"] * 7 + ["overgeslagen"] * 3
    assert all(r["ind.livability.at_home"] == "4" for r in wide)
    assert "msc.change_self" not in wide[0] and "Fijn hier." not in doc.document_bytes.decode()
    long = await _export_file(sim, admin, round_.id, "CSV (komma)")
    labels = {r["respondent"] for r in csv.DictReader(io.StringIO(long.document_bytes.decode("utf-8-sig")))}
    assert labels and not labels & {r["respondent"] for r in wide}   # two exports share no label
    book = load_workbook(io.BytesIO((await _export_file(sim, admin, round_.id, "Excel (xlsx)")).document_bytes),
                         read_only=True)                               # values only: sheets read on use
    assert book.sheetnames[:3] == ["antwoorden", "antwoorden_breed", "samenvatting"]
    sheet = list(book["antwoorden_breed"].iter_rows(values_only=True))
    assert isinstance(sheet[1][sheet[0].index("ind.livability.at_home")], int)   # a number, not text
    summary = list(book["samenvatting"].iter_rows(values_only=True))
    assert [r[0] for r in summary[1:]] == scale                        # every indicator asked, no other
    # a coordinator gets no row file and no wide button; her table has the same indicators
    coord = sim.user(COORD_A)
    coord.send_text("/export")
    await settle(sim)
    coord.press_button(f"#{round_.id}")
    await settle(sim)
    assert not any("rij per bewoner" in text for row in coord.buttons(coord.last) for text, _d in row)
    table = await _export_file(sim, coord, round_.id, "CSV (komma)")
    rows_ = list(csv.DictReader(io.StringIO(table.document_bytes.decode("utf-8-sig"))))
    assert [r["item_id"] for r in rows_] == scale and "respondent" not in rows_[0]


# -- small: "send when the round closes", then "send now" after all ------------------------
async def test_held_final_selection_can_be_sent_now_after_all(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 792, "shalom", "Ik ken nu mijn buren.", "Waarom 792.")
    users = {792: sim.user(792)}
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    await press(sim, admin, msg, data(msg, "ad:stc:", ".0."))
    await select_with_reason(sim, admin, msg, "Buren kennen elkaar weer.")
    admin.send_text(f"/stories {round_.id} final")
    await settle(sim)
    admin.press_button("versturen als de ronde sluit")
    await settle(sim)
    held = admin.last
    assert rows(harness, "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback'") == [(0,)]
    admin.send_text(f"/stories {round_.id} final")          # asked again: still offers it
    await settle(sim)
    assert "al definitief" in admin.last.text and "Toch nu versturen" in str(admin.buttons(admin.last))
    admin.press_button("Toch nu versturen", held)
    await settle(sim)
    assert rows(harness, "SELECT status FROM rounds") == [("open",)]
    assert rows(harness, "SELECT chat_id FROM outbox WHERE kind = 'feedback'") == [(792,)]
    await harness.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    assert "Buren kennen elkaar weer." in users[792].last.text
    admin.send_text(f"/stories {round_.id} final")          # sent: no button any more
    await settle(sim)
    assert admin.buttons(admin.last) == []


# -- small: the teller's other free-text answers can be corrected or withheld too ----------
async def test_other_free_text_answers_can_be_corrected_and_withheld(sim, harness):

    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 615, "shalom", "Ik ken nu mijn buren.", "Omdat het fijn is.")
    for item, text in (("msc.contact", "Via Jan de Vries van nummer 12."), ("msc.other", "Kees drinkt te veel.")):
        await harness.storage.record_answer(round_id=round_.id, respondent=pseudonym(615), item_id=item,
                                            status="answered", language="nl", centre_code="shalom", text=text)
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    start = len(admin.messages)
    admin.press_button("Andere antwoorden", msg)
    await settle(sim)
    contact, other = admin.messages[start:start + 2]
    assert "Jan de Vries" in contact.text and "Kees" in other.text
    admin.press_button("Verbeteren", contact)
    await settle(sim)
    assert "Nu staat er" in admin.last.text
    admin.send_text("Via een buurman.")                     # a plain message, not a reply
    await settle(sim)
    assert "Aangepast" in admin.last.text
    admin.press_button("Achterhouden", other)
    await settle(sim)
    assert "Achtergehouden" in other.text and "Kees" not in other.text
    shown = dict(rows(harness, "SELECT item_id, text FROM answers_shown WHERE item_id IN ('msc.contact', 'msc.other')"))
    assert shown == {"msc.contact": "Via een buurman."}
    admin.press_button("Weer tonen", other)
    await settle(sim)
    assert "Kees" in other.text
    assert len(rows(harness, "SELECT 1 FROM answers_shown WHERE item_id = 'msc.other'")) == 1
