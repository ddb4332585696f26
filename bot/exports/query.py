"""Read answers from the database as anonymised :class:`~bot.exports.rows.AnswerRow` s.

Runs on a plain ``sqlite3`` read connection (WAL lets it read while the bot writes), so
the chat command, the CLI and the benchmark share one streaming code path. Rows come in
``(round, respondent, item)`` order with a constant memory footprint.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.rows import AnswerRow
from bot.exports.scope import scope_sql, where
from bot.privacy.pseudonym import RespondentLabeller, panel_key
from bot.privacy.scrub import scrub
from bot.survey import Catalogue


def connect_readonly(path: Path | str) -> sqlite3.Connection:
    """Open the database read-only (``mode=ro`` URI)."""
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)


def _labels(cat: Catalogue) -> tuple[dict, dict]:
    items = {}
    options = {}
    scale_nl = {p.value: p.label["nl"] for p in cat.scale.points}
    for item in cat.items.values():
        items[item.id] = (item.type, item.main_goal or "", item.sub_goal or "")
        for opt in item.options:
            options[(item.id, opt.id)] = (opt.label["nl"], opt.main_goal or item.main_goal or "")
    return items, options | {("_scale", v): (label, "") for v, label in scale_nl.items()}


def iter_answer_rows(
    conn: sqlite3.Connection,
    cat: Catalogue,
    *,
    tz: ZoneInfo,
    round_ids: Sequence[int] | None = None,
    centres: Sequence[str] | None = None,
    panel_secret: bytes | None = None,
    rescrub: bool = True,
    respondent_label: Callable[[str], str] | None = None,
    include_text: bool = True,
) -> Iterator[AnswerRow]:
    """Yield one row per answer (one per picked option for ``choice``/``cards`` items).

    Args:
        conn: A ``sqlite3`` connection to the Buurtstem database.
        cat: The survey catalogue (item types, goals, Dutch labels).
        tz: Time zone for ``answered_on`` (dates only, never times).
        round_ids: Only these rounds (all if None).
        centres: Only these centre codes (all if None) — a coordinator's scope.
        panel_secret: If given, respondents get a stable HMAC panel key instead of a
            per-export label (``export --panel``).
        rescrub: Scrub free text again at export (defence in depth).
        respondent_label: Labeller to use (a fresh :class:`RespondentLabeller` if None).
        include_text: False leaves free text out (small rounds without confirmation).
    """
    item_info, option_info = _labels(cat)
    label = respondent_label or RespondentLabeller()
    conditions, params = scope_sql(round_ids, centres)
    sql = (
        "SELECT round_id, centre_code, respondent, language, item_id, status, value, choices,"
        " text, mode, answered_at FROM answers_shown a"
        + where(conditions)
        + " ORDER BY round_id, respondent, id"
    )
    day_cache: dict[str, str] = {}
    cursor = conn.execute(sql, params)
    while True:
        batch = cursor.fetchmany(5000)
        if not batch:
            break
        for (round_id, centre, pseudonym, language, item_id, status, value, choices,
             text, mode, answered_at) in batch:
            who = panel_key(panel_secret, pseudonym) if panel_secret else label(pseudonym)
            stamp = answered_at[:13]
            day = day_cache.get(stamp)
            if day is None:
                day = datetime.fromisoformat(answered_at).astimezone(tz).date()
                day_cache[stamp] = day
            item_type, main_goal, sub_goal = item_info.get(item_id, ("", "", ""))
            if not include_text:
                text = ""
            elif text and rescrub:
                text = scrub(text).text
            if choices:
                for option in json.loads(choices):
                    opt_label, opt_goal = option_info.get((item_id, option), ("", ""))
                    yield AnswerRow(round_id, centre, who, language, item_id, item_type,
                                    opt_goal or main_goal, sub_goal, status, option, opt_label,
                                    "", mode, day)
                continue
            value_label = option_info.get(("_scale", value), ("", ""))[0] if value else ""
            yield AnswerRow(round_id, centre, who, language, item_id, item_type, main_goal,
                            sub_goal, status, "" if value is None else str(value), value_label,
                            text or "", mode, day)
