"""``python -m bot pack check | export``, the round trip through a workbook, and the demo on
another city's pack (issue 13)."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.survey.catalogue import DATA_DIR, PACKS_DIR, load_pack
from bot.survey.xlsform import load_xlsform
from tests.e2e.test_xlsform_e2e import _broken_form
from tests.support.chat import consent_yes, last_with

MAASTRICHT = PACKS_DIR / "maastricht"


def test_check_accepts_the_shipped_packs(capsys) -> None:
    assert main(["pack", "check", str(DATA_DIR)]) == 0
    assert main(["pack", "check", str(MAASTRICHT / "buurtenquete.xlsx")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("4 survey(s), 35 item(s), 11 centre(s) in 1 district(s), 5 main goal(s)")
    assert "languages nl, en, tr, ar (source nl); 1 survey(s), 12 item(s), 7 centre(s) in 3 district(s)" in out[1]


def test_check_names_sheet_and_row_of_each_problem(tmp_path, capsys) -> None:
    assert main(["pack", "check", str(_broken_form(tmp_path / "broken.xlsx"))]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert lines[0] == ("broken.xlsx: survey sheet, row 16: type 'geopoint' asks for a location;"
                        " the bot cannot ask it")
    assert [line.split(",")[1].split(":")[0] for line in lines] == [
        " row 16", " row 17", " row 18", " row 18", " row 19"]


def test_check_of_a_broken_folder_pack(tmp_path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["pack", "check", str(tmp_path / "empty")]) == 1
    assert "needs surveys.toml or one .xlsx workbook" in capsys.readouterr().out


def test_default_pack_round_trips_through_a_workbook(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SURVEY_PACK", raising=False)
    assert main(["pack", "export", str(tmp_path / "out")]) == 0
    book = tmp_path / "out" / "den-haag-zuidwest.xlsx"
    assert capsys.readouterr().out.strip() == f"wrote {book}"
    assert sorted(p.name for p in (tmp_path / "out" / "pictures").iterdir()) == sorted(
        p.name for p in (DATA_DIR / "pictures").iterdir())
    original = load_pack()
    back = load_xlsform(book)
    assert back.version.startswith(original.version + "-")
    assert dataclasses.replace(back, data_dir=original.data_dir, version=original.version) == original


def test_maastricht_pack_has_its_districts_and_place_filters() -> None:
    cat = load_pack(MAASTRICHT)
    assert cat.name == "buurtenquete" and cat.districts == ["Noord", "Noord-West", "Oost"]
    places = {c.code: (c.neighbourhood, c.district) for c in cat.centres}
    assert places["awsjaol"] == ("Itteren", "Noord") and places["atrium"] == ("Daalhof", "Noord-West")
    items = cat.items
    assert "district" not in items and "centre" not in items  # asked at sign-up, not in the round
    assert (items["youth_idea"].shown_if.item, items["youth_idea"].shown_if.includes) == ("youth", "no")
    assert items["activities"].type == "cards" and items["per_month"].type == "number"
    assert list(cat.main_goals) == ["activities", "reach", "place", "communication", "volunteers"]


@pytest.mark.slow
async def test_demo_runs_another_citys_pack(tmp_path) -> None:
    from bot.demo import run_demo

    summary = await run_demo(residents=12, seed=3, out_dir=tmp_path, pack=MAASTRICHT)
    assert summary.ok, summary.errors
    codebook = next(p for p in summary.files if "codeboek" in p.name)
    with codebook.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["item_id"] for r in rows} >= {"visit", "welcome", "activities", "per_month", "youth"}
    assert next(r for r in rows if r["item_id"] == "per_month")["code"] == "0..31"
    answers = next(p for p in summary.files if p.suffix == ".csv" and "alle-rondes" in p.name
                   and "excel" not in p.name)
    with answers.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["centre"] for r in exported} <= {"awsjaol", "atrium", "Noord", "Noord-West", "other", "*"}
    assert {r["item_id"] for r in exported} & {"welcome", "activities", "per_month"}
    assert Path(tmp_path / "indicators.png").exists()
    # the residents come to centres in two districts (the first two centres both lie in
    # Noord: the figures per district showed one district)
    from openpyxl import load_workbook

    book = next(p for p in summary.files if p.name == "cijfers-coordinator.xlsx")
    per_wijk = list(load_workbook(book, read_only=True)["per_wijk"].iter_rows(values_only=True))
    assert {r[1] for r in per_wijk[1:] if r[0] == "wijk"} == {"Noord", "Noord-West"}
    assert {r[1] for r in per_wijk[1:] if r[0] == "centrum"} == {"awsjaol", "atrium"}


async def test_many_centres_in_districts_are_picked_district_first(sim, tmp_path) -> None:
    from tests.support.harness import BotHarness, settle

    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=MAASTRICHT / "buurtenquete.xlsx")
    try:
        await harness.prepare("buurtenquete", ["haarderhof"])
        await harness.start()
        user = sim.user(5151, language_code="nl")
        user.send_text("/start")
        await settle(sim)
        await consent_yes(sim, user)
        assert user.last.text == "In welk deel van de stad is je centrum?"
        assert [b for row in user.buttons() for b, _ in row] == ["Noord", "Noord-West", "Oost", "Zuidwest"]  # + the installation's
        user.press_button("Noord", user.last)
        await settle(sim)
        assert [b for row in user.buttons() for b, _ in row] == [
            "Buurtcentrum Nazareth", "Gemeenschapshuis Aw Sjaol", "Haarderhof", "↩️ Terug"]
        user.press_button("Haarderhof", user.last)
        await settle(sim)
        assert any("Haarderhof" in (m.text or "") for m in user.messages[-3:])
        assert "Deel 1 van 3: U en de ontmoetingsplek" in last_with(user, "a:").text
    finally:
        await harness.stop()
