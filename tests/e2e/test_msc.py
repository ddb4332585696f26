"""Most Significant Change (issue 6): review, codes, selection with reasons, feedback, outputs.

Residents with stories are inserted directly (storage.record_answer / save_contact, with the
harness's pseudonym secret); everything a coordinator or admin does goes through the real
bot and the Bot API simulator.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bot import msc
from bot.exports import stories_doc
from bot.survey import catalogue
from tests.support.chat import (  # noqa: F401 - also imported from here by other tests
    SECRET,
    answer_id,
    buttons,
    data,
    open_stories,
    press,
    pseudonym,
    select_with_reason,
    show,
    story_ids,
    teller,
    visit_all,
)
from tests.support.harness import ADMIN_ID, settle, until
from tests.support.harness import db_rows as rows

COORDINATOR = 900000050


# -- tests -----------------------------------------------------------------------------
async def test_withheld_story_appears_in_no_output(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    secret = "Mijn buurman Kees van nummer 12 drinkt te veel."
    await teller(harness.storage, round_.id, 301, "shalom", "Ik ken nu mijn buren.", "Omdat ik minder alleen ben.")
    await teller(harness.storage, round_.id, 302, "shalom", secret, "Geheime reden van de verteller.")
    await teller(harness.storage, round_.id, 303, "shalom", "Ik help in de keuken.", "Ik doe ertoe.")
    # the same teller's other free text (not reviewed in /stories) goes with the story
    for chat_id, text in ((302, "Kees woont op nummer 12, vraag hem maar."), (301, "Gezellig hier.")):
        await harness.storage.record_answer(
            round_id=round_.id, respondent=pseudonym(chat_id), item_id="msc.other", status="answered",
            language="nl", centre_code="shalom", text=text)
    ids = await story_ids(harness)
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    for _ in range(3):
        aid = answer_id(msg)
        await press(sim, admin, msg, data(msg, "ad:stc:", f"{aid}.0."))
        await press(sim, admin, msg, data(msg, "ad:stw:" if aid == ids[secret] else "ad:sta:"))
        nxt = [d for t, d in buttons(msg) if t == "▶"]
        if nxt:
            await press(sim, admin, msg, nxt[0])
    # the withheld story shows no text in the chat any more
    admin.send_text(f"/stories {round_.id}")
    await settle(sim)
    msg = admin.last
    await show(sim, admin, msg, ids[secret])
    assert secret not in msg.text and "⛔" in msg.text
    assert [t for t, _d in buttons(msg) if t.startswith("↩")]
    conn = sqlite3.connect(harness.db_path)
    try:
        cat = catalogue()
        too_few = stories_doc.load_stories(conn, cat)
        records = stories_doc.load_stories(conn, cat, k=2)
        md = stories_doc.stories_markdown(records, cat)
        page = stories_doc.stories_html(records, cat)
        table = stories_doc.effects_table(conn, cat, k=1)
        withheld = msc.withheld_answer_ids(conn)
        shown = [r[0] for r in conn.execute("SELECT text FROM answers_shown")]
    finally:
        conn.close()
    assert len(records) == 2
    for output in (md, page, "\n".join(str(r) for r in table), "\n".join(map(str, shown))):
        assert secret not in output and "Kees" not in output
        assert "Geheime reden" not in output          # its "why", too (the teller's only story)
    assert "Gezellig hier." in "\n".join(map(str, shown))   # other tellers' text stays
    assert "Ik ken nu mijn buren." in md and "Ik help in de keuken." in page
    assert table[0]["mentioned"] == 2                   # the withheld story's code does not count
    # two Dutch speakers left at Shalom: with k = 5 no story may be quoted; with k = 2 they are,
    # with their language
    assert too_few == [] and all(r.language == "nl" for r in records) and "Nederlands" in md
    # the month, not the day
    from babel.dates import format_date

    month = format_date(records[0].answered_on, "LLLL y", locale="nl")
    assert f"· {month}" in md and str(records[0].answered_on.day) + " " + month not in md
    assert ids[secret] in withheld


async def test_coordinator_sees_only_own_centre(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom", "bijbetje"])
    await harness.start()
    mine = ["Shalom verhaal een.", "Shalom verhaal twee."]
    theirs = ["Bij Betje verhaal geheim.", "Bij Betje tweede verhaal."]
    for i, text in enumerate(mine):
        await teller(harness.storage, round_.id, 310 + i, "shalom", text, "Waarom A.")
    for i, text in enumerate(theirs):
        await teller(harness.storage, round_.id, 320 + i, "bijbetje", text, "Waarom B geheim.")
    async with harness.storage.transaction() as db:
        await db.execute("INSERT INTO coordinators (user_id, centre_code, language, added_at)"
                         " VALUES (?, 'shalom', 'nl', '2026-01-01')", (COORDINATOR,))
    ids = await story_ids(harness)
    coordinator = sim.user(COORDINATOR)
    msg = await open_stories(sim, coordinator, round_.id)
    seen = await visit_all(sim, coordinator, msg)
    assert sorted(aid for aid, _t in seen) == sorted(ids[t] for t in mine)
    everything = "\n".join(m.text or "" for m in coordinator.messages) + "\n".join(t for _a, t in seen)
    assert all(t not in everything for t in theirs) and "Waarom B geheim." not in everything
    # a forged button for another centre's story does nothing
    answered = len(sim.callback_answers)
    coordinator.press(msg, f"ad:sta:{ids[theirs[0]]}.a")
    coordinator.press(msg, f"ad:stc:{ids[theirs[0]]}.0.a")
    await settle(sim)
    await until(lambda: len(sim.callback_answers) >= answered + 2)
    assert rows(harness, "SELECT COUNT(*) FROM msc_reviews WHERE answer_id = ?", (ids[theirs[0]],)) == [(0,)]
    assert rows(harness, "SELECT COUNT(*) FROM msc_codes") == [(0,)]
    # a redaction reply to a forged story marker of the other centre is refused
    coordinator.send_message(text="Nieuwe tekst", reply_to_message={
        **msg.raw, "text": f"📖 Verhaal 1 van 1 · #{ids[theirs[0]]}"})
    await settle(sim)
    assert "niet van jouw centrum" in coordinator.last.text
    # the admin sees every centre
    admin = sim.user(ADMIN_ID)
    all_seen = await visit_all(sim, admin, await open_stories(sim, admin, round_.id))
    assert len(all_seen) == 4


async def test_selection_without_reason_is_refused(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 330, "shalom", "Ik ben minder alleen.", "Fijn.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    for empty in ("   ", "/cancel"):
        await select_with_reason(sim, admin, msg, empty)
        assert "Zonder reden" in admin.last.text and "niets opgeslagen" in admin.last.text
        assert rows(harness, "SELECT COUNT(*) FROM msc_selections") == [(0,)]
    with pytest.raises(msc.ReasonRequired):
        await msc.select(harness.storage, catalogue(), answer_id=answer_id(msg), level="centre",
                         reason=" \n ", user_id=ADMIN_ID)
    conn = sqlite3.connect(harness.db_path)
    with pytest.raises(sqlite3.IntegrityError):       # the schema refuses it too
        conn.execute("INSERT INTO msc_selections (round_id, level, centre_code, domain, answer_id,"
                     " reason, selected_by, selected_at) VALUES (?, 'centre', 'shalom', 'self', ?, '  ', 1, 'x')",
                     (round_.id, answer_id(msg)))
    conn.close()
    # after a refusal the next text is an ordinary message again, not a reason
    admin.send_text("Zomaar een bericht.")
    await settle(sim)
    assert rows(harness, "SELECT COUNT(*) FROM msc_selections") == [(0,)]
    await select_with_reason(sim, admin, msg, "Dit laat zien dat mensen elkaar vinden.")
    assert rows(harness, "SELECT level, centre_code, domain, reason FROM msc_selections") == [
        ("centre", "shalom", "self", "Dit laat zien dat mensen elkaar vinden.")]
    assert "🏆" in admin.last.text
    assert rows(harness, "SELECT state FROM msc_reviews") == [("approved",)]  # selecting approves


async def test_feedback_reaches_exactly_the_opted_in_storytellers_once(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    store = harness.storage
    texts = {401: "Ik heb nieuwe vrienden gemaakt.", 402: "Benim hikayem burada.",
             403: "Ik wil geen bericht.", 405: "Ik ben gestopt."}
    await teller(store, round_.id, 401, "shalom", texts[401], "Waarom 401.")
    await teller(store, round_.id, 402, "shalom", texts[402], "Neden 402.", lang="tr")
    await teller(store, round_.id, 403, "shalom", texts[403], "Waarom 403.", feedback=False)
    await teller(store, round_.id, 405, "shalom", texts[405], "Waarom 405.")
    await store.update_contact(405, opted_in=False)                   # used /stop
    await store.save_contact(404, language="nl", centre_code="shalom", consent_version="test")
    await store.update_contact(404, feedback_opt_in=True)             # no story in this round
    users = {cid: sim.user(cid) for cid in (401, 402, 403, 404, 405)}
    ids = await story_ids(harness)
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    await show(sim, admin, msg, ids[texts[401]])
    await press(sim, admin, msg, data(msg, "ad:stc:", ".0."))
    reason = "Dit verhaal laat zien hoe het centrum eenzaamheid doorbreekt."
    await select_with_reason(sim, admin, msg, reason)
    admin.send_text(f"/stories {round_.id} final")
    await settle(sim)
    admin.press_button("Definitief en nu versturen")
    await settle(sim)
    admin.send_text(f"/stories {round_.id} final")                   # again: still one message each
    await settle(sim)
    assert "🔒" in admin.last.text
    assert rows(harness, "SELECT chat_id FROM outbox WHERE kind = 'feedback' ORDER BY chat_id") == [(401,), (402,)]
    await until(lambda: users[401].messages and users[402].messages)
    await settle(sim, 0.3)
    for cid, user in users.items():
        assert len(user.messages) == (1 if cid in (401, 402) else 0)
    for cid in (401, 402):
        body = users[cid].messages[0].text
        assert (reason in body) == (cid == 401)                       # no Dutch quote to a Turkish reader
        effect, lang = catalogue().effects[0], {401: "nl", 402: "tr"}[cid]
        # residents read the plain label, not the analysts' coding label
        assert effect.resident[lang] in body and effect.label[lang] not in body
        assert all(t not in body for t in texts.values())
        assert "Waarom 401." not in body and "Neden 402." not in body
    # the selection is final: a stale 🏆 button changes nothing
    await press(sim, admin, msg, data(msg, "ad:stx:"), redraws=False)
    assert "definitief" in sim.callback_answers[-1]["text"]
    admin.send_text("Toch een ander verhaal.")
    await settle(sim)
    assert rows(harness, "SELECT reason FROM msc_selections") == [(reason,)]
    assert rows(harness, "SELECT selection_final_at IS NOT NULL FROM rounds") == [(1,)]


async def test_effects_table_counts_equal_the_codes_entered(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    for i in range(6):
        await teller(harness.storage, round_.id, 500 + i, "shalom", f"Verhaal nummer {i}.", f"Waarom {i}.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    plan = {0: 5, 1: 2, 2: 1}          # effect index -> on how many stories
    for position in range(6):
        aid = answer_id(msg)
        for effect, times in plan.items():
            if position < times:
                await press(sim, admin, msg, data(msg, "ad:stc:", f"{aid}.{effect}."))
        if position == 0:               # toggled on and off again: not a code
            await press(sim, admin, msg, data(msg, "ad:stc:", f"{aid}.3."))
            await press(sim, admin, msg, data(msg, "ad:stc:", f"{aid}.3."))
        assert msg.text.count("🔖") == (1 if position < 5 else 0)
        await press(sim, admin, msg, data(msg, "ad:sta:"))
        nxt = [d for t, d in buttons(msg) if t == "▶"]
        if nxt:
            await press(sim, admin, msg, nxt[0])
    cat = catalogue()
    conn = sqlite3.connect(harness.db_path)
    try:
        exact = stories_doc.effects_table(conn, cat, k=1)
        safe = stories_doc.effects_table(conn, cat, k=5)
        db_counts = dict(conn.execute("SELECT effect_id, COUNT(*) FROM msc_codes GROUP BY effect_id"))
    finally:
        conn.close()
    assert [r["mentioned"] for r in exact[:4]] == [5, 2, 1, 0]
    assert {r["effect"]: r["mentioned"] for r in exact if r["mentioned"]} == db_counts
    assert [r["mentioned"] for r in safe[:4]] == [5, "<5", "<5", 0]
    assert len(exact) == 14 and exact[0]["kinds_nl"] == cat.effects[0].kinds_nl
    assert exact[0]["main_goal_nl"] == cat.main_goals[cat.effects[0].main_goal].text["nl"]


async def test_forget_removes_review_codes_and_selections(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    store, cat = harness.storage, catalogue()
    await teller(store, round_.id, 601, "shalom", "Ik vertel en vergeet.", "Daarom.")
    await teller(store, round_.id, 602, "shalom", "Ik blijf.", "Daarom ook.")
    ids = await story_ids(harness)
    for text in ("Ik vertel en vergeet.", "Ik blijf."):
        await msc.toggle_code(store, ids[text], "cohesion.contacts", ADMIN_ID)
        await msc.toggle_shortlist(store, ids[text], ADMIN_ID)
    await msc.select(store, cat, answer_id=ids["Ik vertel en vergeet."], level="centre",
                     reason="Sterk verhaal.", user_id=ADMIN_ID)
    assert rows(harness, "SELECT COUNT(*) FROM msc_codes") == [(2,)]
    resident = sim.user(601)
    resident.send_text("/forget")
    await settle(sim)
    resident.press(resident.last, "f:y")
    await settle(sim)
    gone = ids["Ik vertel en vergeet."]
    for table in ("msc_reviews", "msc_codes", "msc_selections"):
        assert rows(harness, f"SELECT COUNT(*) FROM {table} WHERE answer_id = ?", (gone,)) == [(0,)]
    kept = ids["Ik blijf."]
    assert rows(harness, "SELECT COUNT(*) FROM msc_codes WHERE answer_id = ?", (kept,)) == [(1,)]
    assert rows(harness, "SELECT shortlisted FROM msc_reviews WHERE answer_id = ?", (kept,)) == [(1,)]
    assert rows(harness, "SELECT COUNT(*) FROM answers WHERE id = ?", (gone,)) == [(0,)]


def _raw_bytes(db_path) -> bytes:
    """The database file and its WAL as they lie on disk (no SQL: what a disk image holds)."""
    data = b""
    for suffix in ("", "-wal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


async def test_forget_leaves_no_bytes_in_database_or_wal(sim, harness):
    """/forget: the story, the coordinator's correction and the selection reason are gone
    from the raw database and WAL bytes (secure_delete + TRUNCATE checkpoint, issue 11)."""
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    store, cat = harness.storage, catalogue()
    # lower-case markers: the scrubber leaves them as they are (no name, no number)
    story = "ik vertel het zebrapad-verhaal over de moestuin."
    why = "omdat de zebrapad-reden ertoe doet."
    correction = "ik vertel het gecorrigeerde xylofoon-verhaal."
    reason = "selectiereden vuurvlinder: sterk verhaal."
    await teller(store, round_.id, 611, "shalom", story, why)
    await teller(store, round_.id, 612, "shalom", "Ik blijf bewaard.", "Daarom blijf ik.")
    aid = (await story_ids(harness))[story]
    await msc.set_redaction(store, aid, correction, ADMIN_ID)
    await msc.toggle_code(store, aid, "cohesion.contacts", ADMIN_ID)
    await msc.select(store, cat, answer_id=aid, level="centre", reason=reason, user_id=ADMIN_ID)
    secrets = [t.encode() for t in (story, why, correction, reason)]
    before = _raw_bytes(harness.db_path)
    assert all(s in before for s in secrets), "the test must see the texts before /forget"

    resident = sim.user(611)
    resident.send_text("/forget")
    await settle(sim)
    resident.press(resident.last, "f:y")
    await settle(sim)
    await until(lambda: "verwijderd" in resident.last.text)

    after = _raw_bytes(harness.db_path)
    assert [s for s in secrets if s in after] == []
    assert b"Ik blijf bewaard." in after  # the other resident's story is still there
    async with store.db.execute("PRAGMA secure_delete") as cur:
        assert (await cur.fetchone())[0] == 1


async def test_a_possible_name_is_redacted_with_one_tap(sim, harness):
    """The scrubber marks words it is not sure about; ✂️ replaces one everywhere with [naam]
    (story and "why it matters", every occurrence); a second tap cuts nothing else (issue 11)."""
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    told = "We gingen naar Wyck en naar Brunssum met de bus. Later weer naar Wyck."
    await teller(harness.storage, round_.id, 721, "shalom", told, "Omdat het in Wyck gezellig is.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    assert "«Wyck», «Brunssum»" in msg.text
    cuts = [(t, d) for t, d in buttons(msg) if d.startswith("ad:stn:")]
    assert [t for t, _d in cuts] == ["✂️ Wyck", "✂️ Brunssum"]
    wyck = cuts[0][1]
    await press(sim, admin, msg, wyck)
    assert "Weggehaald." in sim.callback_answers[-1].get("text", "")
    assert "Wyck" not in msg.text and "naar [naam] en naar Brunssum" in msg.text
    assert [t for t, d in buttons(msg) if d.startswith("ad:stn:")] == ["✂️ Brunssum"]
    # a double tap (the old button pressed again) must not cut Brunssum instead
    await press(sim, admin, msg, wyck, redraws=False)
    assert sim.callback_answers[-1].get("text") == "Deze knop werkt niet meer."
    shown = dict(rows(harness, "SELECT item_id, text FROM answers_shown WHERE item_id IN"
                               " ('msc.change_self', 'msc.why')"))
    assert shown == {"msc.change_self": "We gingen naar [naam] en naar Brunssum met de bus. Later weer naar [naam].",
                     "msc.why": "Omdat het in [naam] gezellig is."}
    await press(sim, admin, msg, data(msg, "ad:sta:"))
    conn = sqlite3.connect(harness.db_path)
    try:
        md = stories_doc.stories_markdown(stories_doc.load_stories(conn, catalogue(), k=1), catalogue())
    finally:
        conn.close()
    assert "Wyck" not in md and r"naar \[naam\] en naar Brunssum" in md and r"in \[naam\] gezellig" in md


async def test_a_cut_button_of_a_withheld_story_does_nothing(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await teller(harness.storage, round_.id, 722, "shalom", "Ik ging met de bus naar Wyck.", "Fijn.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    cut = data(msg, "ad:stn:")
    await press(sim, admin, msg, data(msg, "ad:stw:"))
    await press(sim, admin, msg, cut, redraws=False)
    assert "achtergehouden" in sim.callback_answers[-1].get("text", "")
    assert rows(harness, "SELECT state, redacted_text FROM msc_reviews") == [("withheld", None)]


async def test_redaction_by_reply_replaces_the_text_everywhere(sim, harness):
    round_ = await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    original = "Jan de Vries van de bakker hielp mij."
    await teller(harness.storage, round_.id, 701, "shalom", original, "Omdat het fijn was.")
    admin = sim.user(ADMIN_ID)
    msg = await open_stories(sim, admin, round_.id)
    before = msg.edits
    admin.send_message(text="Een buurman hielp mij. Bel 06-12345678.", reply_to_message=msg.raw)
    await settle(sim)
    await until(lambda: msg.edits > before)
    assert "Aangepast" in admin.last.text
    assert "Een buurman hielp mij." in msg.text and original not in msg.text
    assert "06-12345678" not in msg.text and "[telefoon]" in msg.text
    await press(sim, admin, msg, data(msg, "ad:sta:"))
    conn = sqlite3.connect(harness.db_path)
    try:
        md = stories_doc.stories_markdown(stories_doc.load_stories(conn, catalogue(), k=1), catalogue())
        shown = [r[0] for r in conn.execute("SELECT text FROM answers_shown WHERE item_id = 'msc.change_self'")]
    finally:
        conn.close()
    assert "Een buurman hielp mij." in md and "Jan de Vries" not in md
    assert shown == ["Een buurman hielp mij. Bel [telefoon]."]
    # an ordinary resident message is not taken for a reason or a redaction
    assert rows(harness, "SELECT COUNT(*) FROM msc_selections") == [(0,)]


async def test_resident_feedback_opt_in_buttons(sim, harness):
    await harness.prepare("praatplaat", ["shalom"])
    await harness.start()
    await harness.storage.save_contact(801, language="nl", centre_code="shalom", consent_version="t")
    resident = sim.user(801)
    from admin.opt_in import ask_feedback_opt_in
    from bot.i18n import Translator

    class Ctx:
        bot = harness.application.bot

    await ask_feedback_opt_in(Ctx, 801, Translator("nl"))
    await settle(sim)
    assert [d for _t, d in buttons(resident.last)] == ["ad:stfb:y", "ad:stfb:n"]
    resident.press(resident.last, "ad:stfb:y")
    await settle(sim)
    assert rows(harness, "SELECT feedback_opt_in FROM contacts WHERE chat_id = 801") == [(1,)]
    assert buttons(resident.last)[0][1] == "x"
    stranger = sim.user(802)                       # no contact: nothing stored
    stranger.send_text("/help")
    await settle(sim)
    stranger.press(stranger.last, "ad:stfb:y")
    await settle(sim)
    assert rows(harness, "SELECT COUNT(*) FROM contacts WHERE chat_id = 802") == [(0,)]


async def test_simulated_panel_runs_the_whole_process(sim, harness, tmp_path):
    from bot.demo_msc import simulate_panel

    round_ = await harness.prepare("praatplaat", ["shalom", "bijbetje"])
    await harness.start()
    for i in range(6):
        centre = "shalom" if i % 2 else "bijbetje"
        await teller(harness.storage, round_.id, 900 + i, centre, f"Demo verhaal {i}.", f"Demo waarom {i}.",
                     item="msc.change_self" if i < 4 else "msc.change_neighbourhood")
        sim.user(900 + i)
    counts = await simulate_panel(sim, ADMIN_ID, round_.id, random.Random(3))
    assert counts["stories"] == 6 and counts["withheld"] == 1 and counts["approved"] == 5
    assert counts["final"] == 1 and counts["selected_centre"] >= 2 and counts["selected_all"] >= 1
    assert rows(harness, "SELECT COUNT(*) FROM msc_codes") == [(counts["codes"],)]
    levels = dict(rows(harness, "SELECT level, COUNT(*) FROM msc_selections GROUP BY level"))
    assert levels == {"centre": counts["selected_centre"], "all": counts["selected_all"]}
    conn = sqlite3.connect(harness.db_path)
    try:
        paths = stories_doc.write_stories_files(conn, catalogue(), tmp_path, k=2)
    finally:
        conn.close()
    assert [p.name for p in paths] == ["verhalen.md", "verhalen.html", "effecten.csv"]
    assert paths[1].read_text(encoding="utf-8").count('<article class="story') == 5
    assert counts["feedback"] == rows(harness, "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback'")[0][0] > 0
