"""Rounds remember what they asked (issue 13 point 6): a round pins the survey it was
opened with; its exports and codebook stay right after the survey pack changes."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.exports.service import run_export
from bot.storage import Storage
from bot.survey import catalogue
from bot.survey.pinning import survey_pin
from bot.survey.xlsform import load_xlsform

TZ = ZoneInfo("Europe/Amsterdam")


def _form(path: Path, *, welcome: str, weekly: str, four: str, wishes: bool) -> Path:
    """A one-language Kobo-style form; version 2 rewords, relabels and drops a question."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    rows = [["type", "name", "label", "appearance"],
            ["select_one often", "visit", "Hoe vaak kom je in het buurthuis?"],
            ["select_one agree", "welcome", welcome, "likert"]]
    if wishes:
        rows.append(["select_multiple wish", "wishes", "Wat wil je doen?"])
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [["list_name", "name", "label"],
                ["often", "weekly", weekly], ["often", "never", "Nooit"],
                ["agree", "1", "Helemaal niet"], ["agree", "2", "Een beetje"],
                ["agree", "3", "Redelijk"], ["agree", "4", four], ["agree", "5", "Heel erg"],
                ["wish", "cook", "Samen koken"], ["wish", "repair", "Repair café"]]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Buurtenquête", "buurt"])
    book.save(path)
    return path


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


async def _answer(store: Storage, round_id: int, *, wishes: bool) -> None:
    for n in range(6):  # more than k, one class: the row file shows every answer
        who = f"{round_id}{n}".ljust(64, "a")
        await store.start_participation(round_id, who, centre_code="shalom", language="nl")
        common = dict(round_id=round_id, respondent=who, status="answered", language="nl",
                      centre_code="shalom")
        await store.record_answer(item_id="visit", choices=["weekly"], **common)
        await store.record_answer(item_id="welcome", value=4, **common)
        if wishes:
            await store.record_answer(item_id="wishes", choices=["cook"], **common)
        await store.finish_participation(round_id, who)


async def test_an_old_round_exports_what_it_asked_after_the_pack_changed(tmp_path) -> None:
    old = load_xlsform(_form(tmp_path / "v1.xlsx", welcome="Voel je je welkom?",
                             weekly="Elke week", four="Veel", wishes=True))
    new = load_xlsform(_form(tmp_path / "v2.xlsx", welcome="Hoe welkom voel je je hier?",
                             weekly="Wekelijks", four="Best veel", wishes=False))
    assert old.version != new.version and "wishes" not in new.items
    db = tmp_path / "bot.sqlite3"
    store = await Storage.open(db)
    await store.seed_centres(catalogue().centres)
    first = await store.create_round("buurt", ["shalom"], pin=survey_pin(old, "buurt"))
    await _answer(store, first.id, wishes=True)
    await store.set_round_status(first.id, "closed")
    # the pack changed; a new round asks the new survey
    second = await store.create_round("buurt", ["shalom"], pin=survey_pin(new, "buurt"))
    await _answer(store, second.id, wishes=False)
    await store.close()

    # the old round's row file, with the new pack in use: the old labels and the old item
    run_export(db, new, tmp_path / "r1.csv", fmt="csv", tz=TZ, round_ids=[first.id])
    rows = {r["item_id"]: r for r in _rows(tmp_path / "r1.csv")}
    assert rows["visit"]["value_label_nl"] == "Elke week"
    assert rows["welcome"]["value_label_nl"] == "Veel"
    assert (rows["wishes"]["item_type"], rows["wishes"]["value_label_nl"]) == ("choice", "Samen koken")

    run_export(db, new, tmp_path / "cb1.csv", fmt="codebook", tz=TZ, round_ids=[first.id])
    book = _rows(tmp_path / "cb1.csv")
    texts = {r["item_id"]: r["text_nl"] for r in book}
    assert texts["welcome"] == "Voel je je welkom?" and texts["wishes"] == "Wat wil je doen?"
    assert ("visit", "weekly", "Elke week") in {(r["item_id"], r["code"], r["code_label_nl"]) for r in book}

    # the new round reads the new pack
    run_export(db, new, tmp_path / "cb2.csv", fmt="codebook", tz=TZ, round_ids=[second.id])
    texts = {r["item_id"]: r["text_nl"] for r in _rows(tmp_path / "cb2.csv")}
    assert texts["welcome"] == "Hoe welkom voel je je hier?" and "wishes" not in texts
    # both rounds: questions read as now, the dropped one is still explained
    run_export(db, new, tmp_path / "all.csv", fmt="csv", tz=TZ)
    both = _rows(tmp_path / "all.csv")
    assert {r["value_label_nl"] for r in both if r["item_id"] == "wishes"} == {"Samen koken"}
    assert {r["value_label_nl"] for r in both if r["item_id"] == "visit"} == {"Wekelijks"}


async def test_a_round_opened_later_pins_the_survey_it_opens_with(tmp_path) -> None:
    """A scheduled round pins again when it opens (the pack may change in between)."""
    import sqlite3

    old = load_xlsform(_form(tmp_path / "v1.xlsx", welcome="Voel je je welkom?",
                             weekly="Elke week", four="Veel", wishes=True))
    new = load_xlsform(_form(tmp_path / "v2.xlsx", welcome="Hoe welkom voel je je hier?",
                             weekly="Wekelijks", four="Best veel", wishes=False))
    db = tmp_path / "bot.sqlite3"
    store = await Storage.open(db)
    await store.seed_centres(catalogue().centres)
    later = await store.create_round("buurt", [], status="scheduled", pin=survey_pin(old, "buurt"))
    await store.set_round_status(later.id, "open", pin=survey_pin(new, "buurt"))
    await store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT pack_version FROM round_surveys").fetchall() == [(new.version,)]
    conn.close()
