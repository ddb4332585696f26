"""Exports from a real database: fast SQL path == Python path, anonymity rules."""

from __future__ import annotations

import csv
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from bot.exports import sql_csv
from bot.exports.csv_writer import write_answers_csv
from bot.exports.query import connect_readonly, iter_answer_rows, row_plan
from bot.exports.service import run_export
from bot.privacy.disclosure import QUASI_IDENTIFIERS, smallest_class
from bot.privacy.pseudonym import respondent_pseudonym
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.templates import copy_of

TZ = ZoneInfo("Europe/Amsterdam")
SECRET = b"test-secret-0123456789"
TRICKY = ["=HYPERLINK(\"http://x\");\"quoted\"\nnew line, comma", "-1", "@sum", "gewoon goed",
          "Bel 06-12345678", "\tTab", "Çok güzel", "الحمد لله ١٢٣", ""]


async def _fill(path):
    store = await Storage.open(path)
    cat = catalogue()
    await store.seed_centres(cat.centres)
    round_ = await store.create_round("full", ["shalom", "bijbetje"])
    second = await store.create_round("short", ["shalom"])
    items = cat.survey_items("full")
    for chat in range(1, 13):
        who = respondent_pseudonym(SECRET, chat)
        centre = "shalom" if chat % 2 else "bijbetje"
        for k, item in enumerate(items):
            kwargs = {"round_id": round_.id, "respondent": who, "item_id": item.id, "language": "nl",
                          "centre_code": centre, "status": "answered"}
            if item.type == "scale":
                kwargs["value"] = (chat + k) % 5 + 1
            elif item.type in ("choice", "cards"):
                kwargs["choices"] = [o.id for o in item.options[: (chat % 3) + 1]]
            else:
                kwargs["text"] = TRICKY[(chat + k) % len(TRICKY)] or None
                if kwargs["text"] is None:
                    kwargs["status"] = "skipped"
            await store.record_answer(**kwargs)
        if chat <= 3:
            await store.record_answer(round_id=second.id, respondent=who, item_id="msc.why",
                                      status="answered", text="Omdat het fijn is.", language="tr",
                                      centre_code="shalom")
            await store.record_answer(round_id=second.id, respondent=who, item_id="ind.cohesion.less_lonely",
                                      status="answered", value=4, language="tr", centre_code="shalom")
    await store.close()
    conn = sqlite3.connect(path)
    # answers at 23:30 UTC on 31 March are 1 April in Amsterdam (summer time)
    conn.execute("UPDATE answers SET answered_at = '2026-03-31T23:30:00+00:00' WHERE id % 7 = 0")
    conn.commit()
    conn.close()


@pytest.fixture
async def db(tmp_path):
    """Twelve residents of two centres answer the full survey (free text with CSV traps),
    three of them a little of a second round (filled once per process, copied per test)."""
    return await copy_of(_fill, tmp_path / "e.sqlite3")


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-nl"])
def test_sql_export_is_byte_identical_to_python_writer(db, tmp_path, dialect):
    cat = catalogue()
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    plan = row_plan(connect_readonly(db), tz=TZ, k=5, cat=catalogue())
    rows, respondents = sql_csv.write_answers_csv_sql(connect_readonly(db), cat, fast, tz=TZ,
                                                      dialect=dialect, plan=plan)
    n = write_answers_csv(iter_answer_rows(connect_readonly(db), cat, tz=TZ, plan=plan, include_text=False),
                          slow, dialect=dialect)
    assert rows == n > 250 and respondents == 12   # no story questions (test_story_row_linking.py)
    assert fast.read_bytes() == slow.read_bytes()


def test_parallel_export_writes_the_same_file(db, tmp_path, monkeypatch):
    cat = catalogue()
    monkeypatch.setattr(sql_csv, "PARALLEL_THRESHOLD", 1)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    plan = row_plan(connect_readonly(db), tz=TZ, k=5, cat=catalogue())
    sql_csv.write_answers_csv_sql(connect_readonly(db), cat, one, tz=TZ, plan=plan)
    sql_csv.write_answers_csv_sql(connect_readonly(db), cat, two, tz=TZ, workers=2, db_path=db, plan=plan)
    assert one.read_bytes() == two.read_bytes()


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_row_file_is_anonymous_k_anonymous_and_has_no_free_text(db, tmp_path):
    out = tmp_path / "a.csv"
    result = run_export(db, catalogue(), out, tz=TZ)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"sep=")
    rows = _read(out)
    pseudonyms = {respondent_pseudonym(SECRET, c) for c in range(1, 13)}
    text = raw.decode("utf-8-sig")
    assert not any(p in text for p in pseudonyms)
    labels = {r["respondent"] for r in rows}
    assert len(labels) == 12 and all(re.fullmatch(r"R[0-9a-f]{8}", label) for label in labels)
    assert "T" not in "".join(r["answered_on"] for r in rows)
    assert all(r["text"] == "" for r in rows) and "06-12345678" not in text
    assert smallest_class(rows, ("round", *QUASI_IDENTIFIERS)) >= 5
    assert any("k-anonymous" in note for note in result.notes)
    cards = [r for r in rows if r["item_id"] == "cards.meaning"]
    assert cards and all(r["value_label_nl"] and r["main_goal"] for r in cards)
    scale = [r for r in rows if r["item_type"] == "scale"]
    assert all(r["value"] in "12345" and r["main_goal"] and r["value_label_nl"] for r in scale)


def test_two_exports_share_no_label_but_panel_keys_join(db, tmp_path):
    cat = catalogue()
    run_export(db, cat, tmp_path / "r1.csv", tz=TZ, min_cell_size=1)
    run_export(db, cat, tmp_path / "r2.csv", tz=TZ, min_cell_size=1)
    first = {r["respondent"] for r in _read(tmp_path / "r1.csv")}
    second = {r["respondent"] for r in _read(tmp_path / "r2.csv")}
    # one label per respondent-round (12 people, 3 of them in round 2 as well: 15 labels)
    assert len(first) == len(second) == 15 and first.isdisjoint(second)   # linkage: 0 shared
    run_export(db, cat, tmp_path / "p1.csv", tz=TZ, round_ids=[1], panel_secret=b"k" * 16, min_cell_size=1)
    run_export(db, cat, tmp_path / "p2.csv", tz=TZ, round_ids=[2], panel_secret=b"k" * 16, min_cell_size=1)
    p1 = {r["respondent"] for r in _read(tmp_path / "p1.csv")}
    p2 = {r["respondent"] for r in _read(tmp_path / "p2.csv")}
    assert len(p2) == 3 and p2 <= p1 and all(k.startswith("P") for k in p2)


def test_centre_scope_limits_the_export(db, tmp_path):
    run_export(db, catalogue(), tmp_path / "s.csv", tz=TZ, centres=["shalom"], min_cell_size=1)
    assert {r["centre"] for r in _read(tmp_path / "s.csv")} == {"shalom"}


async def test_forget_removes_answers_from_later_exports(db, tmp_path):
    store = await Storage.open(db)
    await store.forget(1, respondent_pseudonym(SECRET, 1))
    await store.close()
    run_export(db, catalogue(), tmp_path / "f.csv", tz=TZ, min_cell_size=1)
    # 11 people left; a label per respondent-round: round 1 holds 11, round 2 the other two
    assert len({r["respondent"] for r in _read(tmp_path / "f.csv")}) == 13


def test_xlsx_has_no_formula_cells(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "x.xlsx"
    run_export(db, catalogue(), out, fmt="xlsx", tz=TZ)
    book = openpyxl.load_workbook(out)
    assert {"antwoorden", "antwoorden_breed", "codeboek", "samenvatting", "verhalen", "effecten",
            "toelichting"} == set(book.sheetnames)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert book["antwoorden"].freeze_panes == "A2"


SEED = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_247d37e3fda62fae.txt"


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/seeds is not present (it lives outside the repo)")
def test_codebook_csv_indicators_match_the_seed_verbatim(tmp_path):
    from bot.exports.codebook import write_codebook_csv

    write_codebook_csv(catalogue(), tmp_path / "book.csv")
    rows = _read(tmp_path / "book.csv")
    indicator_rows = {r["item_id"]: r for r in rows if r["item_id"].startswith("ind.")}
    assert len(indicator_rows) == 22
    seed_lines = {line.strip().lstrip("- ").strip() for line in SEED.read_text(encoding="utf-8").splitlines()}
    for item_id, row in indicator_rows.items():
        assert row["source_nl"] in seed_lines, item_id
        assert row["main_goal"] in {"cohesion", "livability", "resilience", "participation", "trust"}


@pytest.mark.parametrize("text", ["Gewoon, met \"quotes\"", "=1+1 en\tzo", "-min", "+plus", "@home", "\ttab",
                                  "regel\r\nnieuw", "zie www.voorbeeld.nl", "mail a@b.nl", "Bel 0612345678",
                                  "einde.", "a.b", "Ümit.Öz", "x" * 50, "é;è", "\u200bzero"])
def test_text_cells_match_the_python_writer(tmp_path, text):
    import asyncio

    async def make():
        store = await Storage.open(tmp_path / "t.sqlite3")
        await store.seed_centres(catalogue().centres)
        r = await store.create_round("praatplaat", ["shalom"])
        await store.record_answer(round_id=r.id, respondent="p", item_id="msc.why", status="answered",
                                  text=text, language="nl", centre_code="shalom")
        await store.close()

    asyncio.run(make())
    db = tmp_path / "t.sqlite3"
    for dialect in ("rfc4180", "excel-nl"):
        fast, slow = tmp_path / "f.csv", tmp_path / "s.csv"
        plan = row_plan(connect_readonly(db), tz=TZ, k=1, cat=catalogue())
        sql_csv.write_answers_csv_sql(connect_readonly(db), catalogue(), fast, tz=TZ, dialect=dialect,
                                      plan=plan, include_text=True)
        write_answers_csv(iter_answer_rows(connect_readonly(db), catalogue(), tz=TZ, plan=plan), slow,
                          dialect=dialect)
        assert fast.read_bytes() == slow.read_bytes(), (text, dialect)


def test_an_export_reads_one_snapshot_while_residents_forget(db, tmp_path, monkeypatch):
    """A resident's /forget commits while an export runs (between the k-anonymity plan and
    the rows): the file must still be the plan's, not a class shrunk below k."""
    from bot.exports import service

    planned = service.row_plan

    def plan_then_forget(conn, **kwargs):
        plan = planned(conn, **kwargs)
        other = sqlite3.connect(db)  # the bot's writer, another connection
        gone = [respondent_pseudonym(SECRET, chat) for chat in (2, 4)]  # two of bijbetje's six
        other.execute("DELETE FROM answers WHERE respondent IN (?, ?)", gone)
        other.commit()
        other.close()
        return plan

    monkeypatch.setattr(service, "row_plan", plan_then_forget)
    out = tmp_path / "during.csv"
    result = run_export(db, catalogue(), out, tz=TZ)
    rows = _read(out)
    assert len({r["respondent"] for r in rows}) == result.respondents == 12  # as planned
    assert smallest_class(rows, ("round", *QUASI_IDENTIFIERS)) >= 5
    after = tmp_path / "after.csv"
    run_export(db, catalogue(), after, tz=TZ, min_cell_size=1)
    # the next export has them gone: 10 in round 1 and 2 in round 2 (chat 2 was in both;
    # a label per respondent-round)
    assert len({r["respondent"] for r in _read(after)}) == 12
