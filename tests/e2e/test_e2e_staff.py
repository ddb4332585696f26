"""End-to-end: coordinator and admin commands through the simulator (issue 7)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from bot.roles import Roles
from bot.storage import Storage, utcnow
from bot.times import closing_time, opening_time
from tests.support.chat import (  # noqa: F401 - also imported from here by other tests
    COORD_A,
    COORD_B,
    confirm_readbacks,
    consent_yes,
    data_of,
    last_with,
    make_coordinator,
    onboard,
    start_interview,
)
from tests.support.harness import ADMIN_ID, settle, until
from tests.support.harness import db_rows as rows

RESIDENT = 910000003

STAFF_COMMANDS = ["/rounds", "/newround", "/open 1", "/close 1", "/cancel 1", "/remind 1", "/progress 1",
                  "/centres", "/qr shalom", "/interview", "/export", "/chart 1"]
ADMIN_COMMANDS = ["/invite_coordinator shalom", "/add_admin 5"]


@pytest.fixture
async def staffed(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    await make_coordinator(harness, COORD_B, "bijbetje")
    return harness


@pytest.mark.parametrize("command", STAFF_COMMANDS + ADMIN_COMMANDS)
async def test_resident_gets_the_unknown_command_reply(sim, staffed, command):
    user = sim.user(RESIDENT)
    user.send_text(command)
    await settle(sim)
    assert "ken ik niet" in user.last.text
    assert not any(m.document for m in user.messages)


@pytest.mark.parametrize("command", ["/open 1", "/close 1", "/cancel 1", "/remind 1", "/progress 1", "/qr shalom", "/chart 1"])
async def test_coordinator_of_other_centre_sees_and_changes_nothing(sim, staffed, command):
    other = sim.user(COORD_B)
    before = rows(staffed, "SELECT status FROM rounds")
    other.send_text(command)
    await settle(sim)
    assert rows(staffed, "SELECT status FROM rounds") == before
    assert not any(m.document for m in other.messages)
    text = other.last.text
    assert "Shalom" not in text and "short" not in text and "Korte vragenlijst" not in text


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_coordinator_cannot_use_admin_commands(sim, staffed, command):
    coord = sim.user(COORD_A)
    coord.send_text(command)
    await settle(sim)
    assert "ken ik niet" in coord.last.text


async def test_coordinator_and_admin_use_their_commands(sim, staffed):
    coord = sim.user(COORD_A)
    coord.send_text("/rounds")
    await settle(sim)
    assert "#1" in coord.last.text and "Korte vragenlijst · open" in coord.last.text
    coord.send_text("/progress 1")
    await settle(sim)
    assert "Begonnen: 0" in coord.last.text
    admin = sim.user(ADMIN_ID)
    admin.send_text("/rounds")
    await settle(sim)
    assert "#1" in admin.last.text
    admin.send_text("/invite_coordinator bijbetje")
    await settle(sim)
    assert "/coordinator" in admin.last.text


async def test_invite_code_works_once_and_not_after_48h(sim, harness):
    await harness.prepare("short")
    await harness.start()
    roles = Roles(harness.storage, frozenset())
    code = await roles.create_invite("shalom")
    assert await roles.redeem_invite(code, 1, "nl") == "shalom"
    assert await roles.redeem_invite(code, 2, "nl") is None
    old = await roles.create_invite("shalom", now=utcnow() - timedelta(hours=49))
    assert await roles.redeem_invite(old, 3, "nl") is None
    assert (await roles.role(2)).centres == frozenset()
    stored = rows(harness, "SELECT code_hash FROM invite_codes")
    assert all(code.replace("-", "") not in h for (h,) in stored)


async def test_round_scheduled_in_the_past_opens_at_startup_and_invites_once(sim, harness):
    await harness.prepare(None)
    store = await Storage.open(harness.db_path)
    for chat in (801, 802, 803):
        await store.save_contact(chat, language="nl", centre_code="shalom", consent_version="v")
        sim.user(chat)
    await store.update_contact(803, opted_in=False)
    # less than CATCH_UP_LATE ago, so the invitations go out at once at any hour (a later
    # catch-up at night waits for 09:00: tests/unit/test_reminder_clock.py)
    past = utcnow() - timedelta(minutes=30)
    await store.create_round("short", ["shalom"], opens_at=past, closes_at=past + timedelta(days=7), status="scheduled")
    await store.close()
    await harness.start()
    await harness.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    assert rows(harness, "SELECT status FROM rounds") == [("open",)]
    invited = [m.chat_id for m in sim.sent if m.chat_id in (801, 802, 803)]
    assert sorted(invited) == [801, 802]
    await harness.restart()
    await harness.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    assert sorted(m.chat_id for m in sim.sent if m.chat_id in (801, 802, 803)) == [801, 802]


async def test_reminder_reaches_only_non_finishers_and_never_stop_residents(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    finisher, starter, stopper = sim.user(811), sim.user(812), sim.user(813)
    for user in (finisher, starter, stopper):
        await onboard(sim, user)
    for _ in range(22):
        q = last_with(finisher, "a:")
        finisher.press(q, next(d for d in data_of(q) if d.endswith(":v3")))
        await settle(sim, 0.01)
    assert finisher.last.text.startswith("🙏")
    stopper.send_text("/stop")
    await settle(sim)
    admin = sim.user(ADMIN_ID)
    admin.send_text("/remind 1")
    await settle(sim)
    assert "1 herinnering" in admin.last.text
    await harness.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    reminded = [m.chat_id for m in sim.sent if "herinnering" in (m.text or "").lower() and m.chat_id in (811, 812, 813)]
    assert reminded == [812]


async def test_qr_poster_decodes_to_the_deep_link(sim, staffed):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    coord = sim.user(COORD_A)
    coord.send_text("/qr shalom")
    await settle(sim, 0.3)
    await until(lambda: any(m.document for m in coord.messages))
    doc = [m for m in coord.messages if m.document][-1]
    image = Image.open(io.BytesIO(doc.document_bytes))
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == ["https://t.me/buurtstem_bot?start=shalom"]


async def test_closed_round_takes_no_late_answers(sim, harness):
    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(820)
    await onboard(sim, user)
    q = last_with(user, "a:")
    admin = sim.user(ADMIN_ID)
    admin.send_text("/close 1")
    await settle(sim)
    admin.press_button("Ja, sluiten")
    await settle(sim)
    user.send_text("Te laat.")
    await settle(sim)
    assert "gesloten" in user.last.text
    user.press(q, next(d for d in data_of(q) if d.endswith(":sk")))
    await settle(sim)
    assert rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_interview_stores_assisted_answers_without_a_contact(sim, staffed):
    coord = sim.user(COORD_A)
    await start_interview(sim, coord, "Türkçe")
    coord.send_text("Daha az yalnızım.")
    await settle(sim)
    await confirm_readbacks(sim, coord)
    stored = rows(staffed, "SELECT item_id, mode, language, centre_code FROM answers")
    assert stored == [("msc.change_self", "assisted", "tr", "shalom")]
    assert rows(staffed, "SELECT COUNT(*) FROM contacts") == [(0,)]


def test_wizard_times_are_amsterdam_local():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Amsterdam")
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)          # Saturday, day before DST starts
    opens = opening_time("tomorrow", now, tz)
    assert opens.astimezone(tz).hour == 9 and opens == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert opening_time("monday", now, tz).astimezone(tz).weekday() == 0
    closes = closing_time(opens, 7, tz)
    assert closes.astimezone(tz).strftime("%Y-%m-%d %H:%M") == "2026-04-05 23:59"


async def test_newround_wizard_creates_an_open_round_and_invites(sim, staffed):
    store = staffed.storage
    for chat in (831, 832):
        await store.save_contact(chat, language="pl", centre_code="shalom", consent_version="v")
        sim.user(chat, language_code="pl")
    coord = sim.user(COORD_A)
    coord.send_text("/newround")
    await settle(sim)
    coord.press(coord.last, next(d for d in data_of(coord.last) if d.endswith(".indicators")))
    await settle(sim)
    coord.press_button("Nu")                  # one centre: no centre step
    await settle(sim)
    coord.press_button("2 weken")
    await settle(sim)
    coord.press_button("3 dagen")
    await settle(sim)
    assert "Klopt dit?" in coord.last.text and "Vragen met plaatjes" in coord.last.text
    coord.press_button("Aanmaken")
    await settle(sim)
    (status, remind, closes, opens) = rows(staffed, "SELECT status, remind_days_before, closes_at, opens_at FROM rounds WHERE id = 2")[0]
    assert (status, remind) == ("open", 3)
    # the round pinned the survey it opened with (issue 13 point 6)
    import json

    (version, snapshot), = rows(staffed, "SELECT pack_version, snapshot FROM round_surveys WHERE round_id = 2")
    assert version == staffed.settings.catalogue().version
    assert json.loads(snapshot)["survey"]["items"] == staffed.settings.catalogue().surveys["indicators"].items
    from datetime import datetime

    assert (datetime.fromisoformat(closes) - datetime.fromisoformat(opens)).days in (14, 15)
    await staffed.application.bot_data["outbox"].drain(timeout=10)
    await settle(sim)
    invited = [m for m in sim.sent if m.chat_id in (831, 832)]
    assert len(invited) == 2 and all("go:2" in str(m.reply_markup) for m in invited)
    assert any("2 van 2" in m.text for m in coord.messages if m.text and "Ronde 2" in m.text)


async def test_retention_purges_free_text_and_exports_say_so(sim, harness, tmp_path):
    from zoneinfo import ZoneInfo

    from admin.scheduling import purge_free_text
    from bot.exports.service import run_export
    from bot.survey import catalogue

    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    user = sim.user(840)
    await onboard(sim, user)
    user.send_text("Mijn verhaal.")
    await settle(sim)
    await harness.storage.set_round_status(1, "closed")
    assert await purge_free_text(harness.storage, 365, utcnow()) == []
    assert await purge_free_text(harness.storage, 365, utcnow() + timedelta(days=366)) == [1]
    assert rows(harness, "SELECT COUNT(*) FROM answers WHERE text IS NOT NULL") == [(0,)]
    from bot.exports.service import ExportRefused

    with pytest.raises(ExportRefused) as refused:    # one respondent: too few, and the notes say why
        run_export(harness.db_path, catalogue(), tmp_path / "x.csv", tz=ZoneInfo("Europe/Amsterdam"))
    assert refused.value.reason == "too_small" and any("retention" in note for note in refused.value.notes)


async def test_staff_command_in_a_group_gets_a_private_only_notice(sim, staffed):
    group = {"id": -1001234567890, "type": "supergroup", "title": "Buurtgroep"}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    sim.inject_update({"message": {"message_id": 5, "date": 1700000000, "chat": group, "from": anonymous,
                                   "sender_chat": group, "text": "/export",
                                   "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}})
    sim.inject_update({"message": {"message_id": 6, "date": 1700000000, "chat": group, "from": anonymous,
                                   "sender_chat": group, "text": "/report",
                                   "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}})
    await settle(sim)
    replies = [m for m in sim.sent if m.chat_id == group["id"]]
    assert len(replies) == 1 and "privégesprek" in replies[0].text
    assert not any(m.document for m in sim.sent)


async def test_an_older_wizard_cannot_act_on_a_newer_one(sim, staffed):
    coord = sim.user(COORD_A)
    coord.send_text("/newround")
    await settle(sim)
    first = coord.last
    coord.send_text("/newround")
    await settle(sim)
    coord.press(first, next(d for d in data_of(first) if d.endswith(".indicators")))
    await settle(sim)
    assert any("werkt niet meer" in (a.get("text") or "") for a in sim.callback_answers)
    assert rows(staffed, "SELECT COUNT(*) FROM rounds") == [(1,)]


async def test_bad_centre_codes_are_refused(sim, staffed):
    admin = sim.user(ADMIN_ID)
    admin.send_text("/centres add " + "c" * 40 + " Veertig")
    await settle(sim)
    admin.send_text("/centres add -dash Streep")
    await settle(sim)
    assert rows(staffed, "SELECT COUNT(*) FROM centres") == [(11,)]
    admin.send_text("/centres add nieuw Het Nieuwe Huis")
    await settle(sim)
    assert rows(staffed, "SELECT name FROM centres WHERE code = 'nieuw'") == [("Het Nieuwe Huis",)]


async def test_round_status_only_moves_forward_and_reminders_have_a_cooldown(sim, staffed):
    await staffed.storage.save_contact(850, language="nl", centre_code="shalom", consent_version="v")
    sim.user(850)
    admin = sim.user(ADMIN_ID)
    admin.send_text("/remind 1")
    await settle(sim)
    admin.send_text("/remind 1")
    await settle(sim)
    assert "24 uur" in admin.last.text
    admin.send_text("/cancel 1")
    await settle(sim)
    admin.press_button("Ja, annuleren")
    await settle(sim)
    admin.send_text("/close 1")
    await settle(sim)
    assert "geannuleerd" in admin.last.text
    assert rows(staffed, "SELECT status FROM rounds WHERE id = 1") == [("cancelled",)]
    admin.send_text("/progress 99999999999999999999999")
    await settle(sim)
    assert "bestaat niet" in admin.last.text


async def test_interview_survives_a_restart_and_blocks_resident_commands(sim, staffed):
    coord = sim.user(COORD_A)
    await start_interview(sim, coord, "Nederlands")
    await staffed.restart()
    coord.send_text("/stop")
    await settle(sim)
    assert "/interview stop" in coord.last.text
    coord.send_text("Ik voel me minder alleen.")
    await settle(sim)
    await confirm_readbacks(sim, coord)
    assert rows(staffed, "SELECT item_id, mode FROM answers") == [("msc.change_self", "assisted")]


async def test_coordinator_sees_their_share_of_a_round_of_several_centres(sim, harness, tmp_path):
    await harness.prepare("short", ["shalom", "bijbetje"])
    await harness.start()
    await make_coordinator(harness, COORD_A, "shalom")
    await make_coordinator(harness, COORD_B, "bijbetje")
    people = ([("shalom", "nl")] * 6 + [("shalom", "tr")] * 7 + [("shalom", "en")] * 2
              + [("bijbetje", "pl")] * 3)
    async with harness.storage.transaction() as db:
        for n, (centre, lang) in enumerate(people):
            await db.execute(
                "INSERT INTO participations (round_id, respondent, centre_code, language, started_at,"
                " finished_at) VALUES (1, ?, ?, ?, '2026-11-01T10:00:00+00:00', '2026-11-01T10:06:00+00:00')",
                (f"r{n}", centre, lang))
            await db.execute(   # an answer each, so the chart has figures to show
                "INSERT INTO answers (round_id, respondent, item_id, status, value, language, centre_code,"
                " answered_at) VALUES (1, ?, 'ind.cohesion.less_lonely', 'answered', 3, ?, ?,"
                " '2026-11-01T10:05:00+00:00')", (f"r{n}", lang, centre))
    coord = sim.user(COORD_A)
    coord.send_text("/rounds")
    await settle(sim)
    assert "#1" in coord.last.text and "ook in andere centra" in coord.last.text
    coord.send_text("/progress 1")
    await settle(sim)
    text = coord.last.text
    assert "Alleen jouw centrum: Buurt- en Kerkhuis Shalom" in text
    assert "Begonnen: 15" in text and "Polski" not in text
    # English (2) is hidden; the smallest other language (Nederlands, 6) is withheld too,
    # or 15 - 7 - 6 would give the English count away.
    assert "English: <5" in text and "Nederlands: x" in text and "Türkçe: 7" in text
    other = sim.user(COORD_B)
    other.send_text("/progress 1")
    await settle(sim)
    assert "Begonnen: <5" in other.last.text and "Polski: <5" in other.last.text
    assert "Nederlands" not in other.last.text and "Alleen jouw centrum: Bij Betje" in other.last.text
    # managing the round reaches the other centre's residents: admins only
    coord.send_text("/close 1")
    await settle(sim)
    assert "ook in andere centra" in coord.last.text
    assert rows(harness, "SELECT status FROM rounds WHERE id = 1") == [("open",)]
    coord.send_text("/export")
    await settle(sim)
    assert any("#1" in b["text"] for row in coord.last.reply_markup["inline_keyboard"] for b in row)
    admin = sim.user(ADMIN_ID)
    admin.send_text("/progress 1")
    await settle(sim)
    assert "Begonnen: 18" in admin.last.text and "Alleen" not in admin.last.text
    # the chart says what it covers: this round, only the coordinator's centre
    coord.send_text("/chart 1")
    await settle(sim)
    await until(lambda: any(m.document for m in coord.messages))
    from PIL import Image

    png = [m for m in coord.messages if m.document][-1].document_bytes
    with Image.open(io.BytesIO(png)) as im:
        caption = im.text["Description"]
    assert caption.startswith("#1 Korte vragenlijst · Buurt- en Kerkhuis Shalom · ")
    assert "Bij Betje" not in caption


@pytest.mark.parametrize("command", ["/stories 99999999999999999999999", "/stories #99999999999",
                                     "/add_admin 99999999999999999999999", "/progress ١٢"])
async def test_huge_or_foreign_numbers_get_a_polite_reply(sim, staffed, command):
    admin = sim.user(ADMIN_ID)
    admin.send_text(command)
    await settle(sim)
    assert "mis" not in admin.last.text              # not "Sorry, er ging iets mis"
    assert "bestaat niet" in admin.last.text or "Gebruik" in admin.last.text


async def test_forged_huge_ids_in_buttons_are_stale(sim, staffed):
    admin = sim.user(ADMIN_ID)
    admin.send_text("/rounds")
    await settle(sim)
    answered = len(sim.callback_answers)
    for payload in ("ad:stp:99999999999999999999.0.a", "ad:sta:99999999999999999999.a", "ad:ivr:99999999999999999999"):
        admin.press(admin.last, payload)
    await settle(sim)
    assert len(sim.callback_answers) == answered + 3
    assert "mis" not in admin.last.text


def _deletion_code(text: str) -> str:
    import re

    found = re.findall(r"/forget ([A-Z0-9]{4}-[A-Z0-9]{4})", text or "")
    assert found, f"no deletion code in {text!r}"
    return found[0]


async def test_finished_interview_hands_out_a_code_that_erases_it(sim, staffed):
    coord = sim.user(COORD_A)
    await start_interview(sim, coord, "Nederlands")
    coord.send_text("Het verhaal van Zebrina over de tuin.")
    await settle(sim)
    for _ in range(12):                              # skip the rest of the round
        await confirm_readbacks(sim, coord)
        if any("Klaar!" in (m.text or "") for m in coord.messages):
            break
        question = last_with(coord, "a:")
        sent = len(coord.messages)
        coord.press(question, next(d for d in data_of(question) if d.endswith(":sk")))
        await until(lambda: len(coord.messages) > sent)
        await settle(sim)
    done = next(m for m in coord.messages if "Klaar!" in (m.text or ""))
    code = _deletion_code(done.text)
    assert rows(staffed, "SELECT COUNT(*) FROM answers WHERE mode = 'assisted'") != [(0,)]
    assert rows(staffed, "SELECT COUNT(*) FROM chat_state") == [(0,)]   # the code is not kept

    resident = sim.user(RESIDENT, language_code="en")  # later, on a borrowed phone
    resident.send_text("/forget " + code.lower().replace("-", " "))
    await settle(sim)
    assert code in resident.last.text
    resident.press(resident.last, f"f:y:{code}")
    await settle(sim)
    await until(lambda: "interview has been deleted" in (resident.last.text or ""))
    assert rows(staffed, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert rows(staffed, "SELECT COUNT(*) FROM participations") == [(0,)]
    raw = b"".join(p.read_bytes() for p in (staffed.db_path, staffed.db_path.with_name(
        staffed.db_path.name + "-wal")) if p.exists())
    assert b"Zebrina" not in raw

    resident.send_text(f"/forget {code}")              # once erased, the code is unknown
    await settle(sim)
    assert "don't know this code" in resident.last.text


async def test_stopped_interview_gets_a_code_and_a_wrong_code_erases_nothing(sim, staffed):
    coord = sim.user(COORD_A)
    await start_interview(sim, coord, "Türkçe")
    coord.send_text("Daha az yalnızım.")
    await settle(sim)
    await confirm_readbacks(sim, coord)
    coord.send_text("/interview stop")
    await settle(sim)
    code = _deletion_code(coord.last.text)
    assert "kağıda" in coord.last.text                  # the note is in the interview's language
    wrong = ("ACDE-FHJK" if code != "ACDE-FHJK" else "KJHF-EDCA")
    coord.send_text(f"/forget {wrong}")
    await settle(sim)
    assert "ken deze code niet" in coord.last.text
    coord.send_text("/forget nonsense")
    await settle(sim)
    assert "ken deze code niet" in coord.last.text
    assert rows(staffed, "SELECT COUNT(*) FROM answers") == [(1,)]
    coord.send_text(f"/forget {code}")                 # the coordinator, on the resident's behalf
    await settle(sim)
    coord.press(coord.last, f"f:n:{code}")
    await settle(sim)
    assert rows(staffed, "SELECT COUNT(*) FROM answers") == [(1,)]
    coord.send_text(f"/forget {code}")
    await settle(sim)
    coord.press(coord.last, f"f:y:{code}")
    await settle(sim)
    await until(lambda: "interview is verwijderd" in (coord.last.text or ""))
    assert rows(staffed, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_admin_help_says_how_to_keep_the_centres_and_archive_works(sim, staffed):
    """Issue 13 point 7: /centres add, rename and archive are in the admin's /help (not in a
    coordinator's); an archived centre is not offered at sign-up nor by its deep link, its
    answers stay; restore brings it back."""
    admin = sim.user(ADMIN_ID)
    admin.send_text("/help")
    await settle(sim)
    assert "/centres add CODE Naam – een centrum toevoegen" in admin.last.text
    assert "/centres rename CODE Naam" in admin.last.text
    assert "/centres archive CODE" in admin.last.text
    coord = sim.user(COORD_A)
    coord.send_text("/help")
    await settle(sim)
    assert "/centres archive" not in coord.last.text and "/centres –" in coord.last.text

    admin.send_text("/centres archive bijbetje")
    await settle(sim)
    assert admin.last.text.startswith("Bij Betje is gearchiveerd.")
    assert rows(staffed, "SELECT active FROM centres WHERE code = 'bijbetje'") == [(0,)]
    admin.send_text("/centres")
    await settle(sim)
    assert "• Bij Betje" not in admin.last.text and "Gearchiveerd: Bij Betje (bijbetje)" in admin.last.text
    resident = sim.user(RESIDENT)
    resident.send_text("/start")
    await settle(sim)
    await consent_yes(sim, resident)
    offered = [b["text"] for row in last_with(resident, "ce:").reply_markup["inline_keyboard"] for b in row]
    assert "Bij Betje" not in offered and "Buurt- en Kerkhuis Shalom" in offered

    coord.send_text("/centres archive shalom")
    await settle(sim)
    assert "Alleen beheerders" in coord.last.text
    admin.send_text("/centres archive nergens")
    await settle(sim)
    assert admin.last.text == "Dat centrum bestaat niet."
    admin.send_text("/centres restore bijbetje")
    await settle(sim)
    assert admin.last.text == "Bij Betje is terug."
    assert rows(staffed, "SELECT active FROM centres WHERE code = 'bijbetje'") == [(1,)]
