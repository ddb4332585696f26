"""Linking attack: a quoted story against the analyst's row files (issue 16, tester).

The stories document and the workbook's ``verhalen`` sheet quote a story with its centre,
language, month and domain, and show whether it has a "why it matters". The analyst's row
files (long CSV, wide CSV, the workbook's ``antwoorden`` and ``antwoorden_breed``, which sit
in the same workbook as ``verhalen``) carried the status of every free-text question
(answered / skipped) and the pick of story domains (``msc.domains``). Among the residents of
the story's centre and language, the one who answered the story question and skipped
"why" was then alone in the row file: the quoted story was tied to that resident's row,
with every picture answer and meaning card. Row files now leave out free-text questions
and the choices that decide which story question is asked
(:func:`bot.privacy.disclosure.row_file_hidden_items`).
"""

from __future__ import annotations

import csv
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot import msc
from bot.exports.service import run_export
from bot.privacy.pseudonym import respondent_pseudonym
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.templates import copy_of

TZ = ZoneInfo("Europe/Amsterdam")
K = 5


def pseudonym(chat_id: int) -> str:
    return respondent_pseudonym(b"test-secret-0123456789", chat_id)


@pytest.fixture
async def db(tmp_path):
    """Eight Dutch residents at Shalom answer the praatplaat survey; resident 1 tells a
    story about the neighbourhood (the only one to pick that domain) and skips "why", says
    yes to quoting, and the story is approved; the others tell no story (filled once per
    process, copied per test)."""
    return await copy_of(_fill, tmp_path / "l.sqlite3")


async def _fill(path):
    store = await Storage.open(path)
    cat = catalogue()
    await store.seed_centres(cat.centres)
    round_ = await store.create_round("full", ["shalom"])
    for chat in range(1, 9):
        who = pseudonym(chat)
        await store.save_contact(chat, language="nl", centre_code="shalom", consent_version="test")
        await store.start_participation(round_.id, who, centre_code="shalom", language="nl")
        for item in cat.survey_items("full"):
            kwargs = {"round_id": round_.id, "respondent": who, "item_id": item.id,
                      "language": "nl", "centre_code": "shalom", "status": "skipped"}
            if item.type == "scale":
                kwargs.update(status="answered", value=chat % 5 + 1)
            elif item.type in ("choice", "cards"):
                picks = ([item.options[-1].id] if chat == 1 and item.id == "msc.domains"
                         else [item.options[0].id])
                kwargs.update(status="answered", choices=picks)
            elif item.shown_if is not None:                  # a domain's story question
                mine = item.shown_if.includes == _last_domain(cat)
                if (chat == 1) != mine:
                    continue                                 # not asked: domain not picked
                if chat == 1:
                    kwargs.update(status="answered", text="Ik ken nu de buren in mijn straat.")
            await store.record_answer(**kwargs)
        if chat == 1:
            await store.set_quote_consent(round_.id, who, True)
        await store.finish_participation(round_.id, who)
    story_item = f"msc.domain.{_last_domain(cat)}"
    await store.close()
    conn = sqlite3.connect(path)
    answer_id = conn.execute("SELECT id FROM answers WHERE item_id = ? AND status = 'answered'",
                             (story_item,)).fetchone()[0]
    conn.execute("INSERT INTO msc_reviews (answer_id, state, answer_revision) VALUES (?, 'approved', 1)",
                 (answer_id,))
    conn.commit()
    conn.close()


def _last_domain(cat) -> str:
    return cat.items["msc.domains"].options[-1].id


def _candidates(rows: list[dict], *, story_item: str, domain: str) -> set[str]:
    """Respondents of the row file a quoted story (Shalom, Dutch, this domain, no "why")
    could belong to, reading every column the row file offers."""
    out = set()
    for r in rows:
        if r["centre"] not in ("shalom", "") or r["language"] not in ("nl", "other", ""):
            continue
        if r.get(f"{story_item}_status") not in (None, "", "beantwoord"):
            continue                                         # an empty cell tells nothing
        if r.get("msc.why_status") == "beantwoord":
            continue                                         # the story shows no "why"
        if r.get(f"msc.domains.{domain}") == 0:
            continue
        out.add(r["respondent"])
    return out


def _long_to_respondents(rows) -> list[dict]:
    people: dict[str, dict] = {}
    status_nl = {"answered": "beantwoord", "skipped": "overgeslagen", "dont_know": "weet niet"}
    for r in rows:
        p = people.setdefault(r["respondent"], {"respondent": r["respondent"], "centre": r["centre"],
                                                "language": r["language"]})
        p[f"{r['item_id']}_status"] = status_nl.get(r["status"], r["status"])
        if r["item_id"] == "msc.domains":
            p.setdefault(f"msc.domains.{r['value']}", 1)
    domains = [k for p in people.values() for k in p if k.startswith("msc.domains.")]
    for p in people.values():                   # a domain not listed for someone who picked some
        if "msc.domains_status" in p:
            for key in domains:
                p.setdefault(key, 0)
    return list(people.values())


def test_a_quoted_story_cannot_be_tied_to_a_row(db, tmp_path):
    cat = catalogue()
    domain = _last_domain(cat)
    story_item = f"msc.domain.{domain}"
    xlsx = tmp_path / "a.xlsx"
    run_export(db, cat, xlsx, fmt="xlsx", tz=TZ, audience="admin", min_cell_size=K)
    wb = load_workbook(xlsx)
    stories = list(wb["verhalen"].iter_rows(values_only=True))
    assert len(stories) == 2 and "buren" in str(stories[1])        # the story is quoted
    sheet = list(wb["antwoorden_breed"].iter_rows(values_only=True))
    sheet_wide_header = sheet[0]
    wide = [dict(zip(["respondent" if h == "respondent" else h for h in sheet[0]], row))
            for row in sheet[1:]]
    for row in wide:
        row["centre"], row["language"] = row["centrum"], row["taal"]
    assert len(_candidates(wide, story_item=story_item, domain=domain)) >= K
    sheet = list(wb["antwoorden"].iter_rows(values_only=True))
    names = {"centrum": "centre", "taal": "language", "waarde": "value"}
    long_rows = [{names.get(h, h): ("" if v is None else str(v)) for h, v in zip(sheet[0], row)}
                 for row in sheet[1:]]
    assert len(_candidates(_long_to_respondents(long_rows), story_item=story_item,
                           domain=domain)) >= K
    for fmt in ("csv", "wide"):
        out = tmp_path / f"a-{fmt}.csv"
        run_export(db, cat, out, fmt=fmt, tz=TZ, audience="admin", min_cell_size=K)
        with out.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if fmt == "csv":
            people = _long_to_respondents(rows)
        else:
            people = [{**r, "centre": r["centrum"], "language": r["taal"]} for r in rows]
            for r in people:
                for key, value in r.items():
                    if key.startswith("msc.domains.") and value in ("0", "1"):
                        r[key] = int(value)
        assert len(_candidates(people, story_item=story_item, domain=domain)) >= K, fmt
    # no story question, "why" or story domain in any row file, not even as an empty column
    assert not {r["item_id"] for r in long_rows} & {story_item, "msc.why", "msc.domains"}
    assert not [h for h in sheet_wide_header
                if h.startswith(("msc.why", "msc.change", "msc.domain"))]


def test_row_files_leave_out_quoted_free_text_and_story_gates():
    from bot.privacy.disclosure import row_file_hidden_items

    cat = catalogue()
    hidden = row_file_hidden_items(cat.items.values(), msc.quoted_item)
    assert {"msc.change_self", "msc.change_neighbourhood", "msc.why", "msc.domain.livability"} <= hidden
    assert "msc.domains" in hidden                         # decides which story is asked
    assert "msc.contact" not in hidden and "msc.other" not in hidden   # never quoted
    assert "ind.cohesion.less_lonely" not in hidden and "cards.meaning" not in hidden
    assert "msc.contact" in row_file_hidden_items(cat.items.values())   # default: all free text


async def test_a_story_only_round_gets_a_clear_refusal_not_too_few(tmp_path):
    """Rounds that asked only story questions leave a row file nothing to show: the analyst
    is told so (and where the stories are), not that there are too few residents."""
    from admin.commands.export import refusal_text
    from bot.exports.service import ExportRefused
    from bot.i18n import Translator

    path = tmp_path / "p.sqlite3"
    store = await Storage.open(path)
    cat = catalogue()
    await store.seed_centres(cat.centres)
    round_ = await store.create_round("praatplaat", ["shalom"])
    for chat in range(1, 9):
        await store.record_answer(round_id=round_.id, respondent=pseudonym(chat), item_id="msc.change_self",
                                  status="answered", text="Fijn hier.", language="nl", centre_code="shalom")
    await store.close()
    for fmt in ("csv", "wide", "excel-nl"):
        with pytest.raises(ExportRefused) as refused:
            run_export(path, cat, tmp_path / f"p.{fmt}", fmt=fmt, tz=TZ, audience="admin")
        assert refused.value.reason == "only_stories"
        assert not (tmp_path / f"p.{fmt}").exists()
    assert "alleen om verhalen" in refusal_text(Translator("nl"), refused.value, K)
    assert "only for stories" in refusal_text(Translator("en"), refused.value, K)
    book = run_export(path, cat, tmp_path / "p.xlsx", fmt="xlsx", tz=TZ, audience="admin")
    wb = load_workbook(book.path)                    # the workbook: stories and effects sheets
    assert "verhalen" in wb.sheetnames and wb["antwoorden"].max_row == 1
