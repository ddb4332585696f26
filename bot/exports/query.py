"""Read answers from the database as anonymised :class:`~bot.exports.rows.AnswerRow` s.

Runs on a plain ``sqlite3`` read connection (WAL lets it read while the bot writes), so
the chat command, the CLI and the benchmark share one streaming code path. Rows come in
``(round, respondent, item)`` order with a constant memory footprint.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import msc
from bot.exports.rows import AnswerRow
from bot.exports.scope import scope_sql, where
from bot.privacy.disclosure import (
    RandomLabeller,
    Record,
    generalise_by_round,
    release,
    row_file_hidden_items,
)
from bot.privacy.pseudonym import RespondentLabeller, panel_key
from bot.privacy.scrub import scrub
from bot.survey import Catalogue
from bot.survey.pinning import pinned_catalogue


def connect_readonly(path: Path | str) -> sqlite3.Connection:
    """Open the database read-only (``mode=ro`` URI)."""
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)


def round_snapshots(conn: sqlite3.Connection, round_ids: Sequence[int] | None = None) -> list[str]:
    """The survey snapshots pinned to ``round_ids`` (None: every round), oldest round first.

    A round made before snapshots existed has none (it reads the pack in use).
    """
    sql = "SELECT snapshot FROM round_surveys"
    params: tuple = ()
    if round_ids is not None:
        sql += f" WHERE round_id IN ({','.join('?' * len(round_ids))})"
        params = tuple(round_ids)
    try:
        return [row[0] for row in conn.execute(sql + " ORDER BY round_id", params)]
    except sqlite3.OperationalError:  # a database from before migration 0010
        return []


def pinned(conn: sqlite3.Connection, cat: Catalogue, round_ids: Sequence[int] | None = None) -> Catalogue:
    """``cat`` as the rounds in scope asked it (:func:`bot.survey.pinning.pinned_catalogue`)."""
    return pinned_catalogue(cat, round_snapshots(conn, round_ids))


def asked_items(conn: sqlite3.Connection, cat: Catalogue, round_ids: Sequence[int] | None = None,
                centres: Sequence[str] | None = None) -> list[str] | None:
    """The item ids the rounds in scope asked (their surveys), in catalogue order.

    A round counts once it opened (a planned round asked nothing yet); with ``centres``,
    only rounds that ran at one of them.

    Returns:
        The ids, or None when a round's survey is not in ``cat`` (then the caller keeps
        every item: better a row too many than a question asked and left out).
    """
    sql = "SELECT DISTINCT r.survey FROM rounds r WHERE r.status != 'scheduled'"
    params: list = []
    if round_ids is not None:
        sql += f" AND r.id IN ({','.join('?' * len(round_ids)) or 'NULL'})"
        params += list(round_ids)
    if centres is not None:
        sql += (" AND r.id IN (SELECT round_id FROM round_centres WHERE centre_code IN"
                f" ({','.join('?' * len(centres)) or 'NULL'}))")
        params += list(centres)
    asked: set[str] = set()
    for (survey,) in conn.execute(sql, params):
        if survey not in cat.surveys:
            return None
        asked.update(item.id for item in cat.survey_items(survey))
    return [item_id for item_id in cat.items if item_id in asked]


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
    plan: RowPlan | None = None,
    only=None,
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
        include_text: False leaves free text out (the analyst's row file never has it).
        plan: The k-anonymous row plan (:func:`row_plan`): rows of respondent-rounds not
            in it are skipped, and label, centre, language, mode and date come from it.
        only: Only ``(round_id, pseudonym)`` pairs in this collection (e.g. the
            :func:`released_respondents` of an aggregate).
    """
    if plan is not None:
        # the row file's order: by round, then label (random per export), as the SQL writer
        # (bot.exports.sql_csv) — never by stored pseudonym, which would link two exports
        rows = list(_answer_rows(conn, cat, tz=tz, round_ids=round_ids, centres=centres,
                                 panel_secret=panel_secret, rescrub=rescrub,
                                 respondent_label=respondent_label, include_text=include_text,
                                 plan=plan, only=only))
        rows.sort(key=lambda r: (r.round, r.respondent))
        yield from rows
        return
    yield from _answer_rows(conn, cat, tz=tz, round_ids=round_ids, centres=centres,
                            panel_secret=panel_secret, rescrub=rescrub,
                            respondent_label=respondent_label, include_text=include_text,
                            plan=plan, only=only)


def _answer_rows(conn, cat, *, tz, round_ids, centres, panel_secret, rescrub, respondent_label,
                 include_text, plan, only) -> Iterator[AnswerRow]:
    item_info, option_info = _labels(cat)
    label = respondent_label or RespondentLabeller()
    conditions, params = scope_sql(round_ids, centres)
    sql = (
        "SELECT round_id, centre_code, respondent, language, item_id, status, value, choices,"
        " text, mode, answered_at FROM answers_shown a"
        + where(conditions)
        + " ORDER BY round_id, respondent, id"
    )
    day_cache: dict[str, date] = {}
    cursor = conn.execute(sql, params)
    while True:
        batch = cursor.fetchmany(5000)
        if not batch:
            break
        for (round_id, centre, pseudonym, language, item_id, status, value, choices,
             text, mode, answered_at) in batch:
            if only is not None and (round_id, pseudonym) not in only:
                continue
            if plan is not None:
                if item_id in plan.hidden_items:
                    continue            # would tie a quoted story to this row
                planned = plan.rows.get((round_id, pseudonym))
                if planned is None:
                    continue
                who, centre, language, mode, day = planned
            else:
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


# -- disclosure: who aggregates may include, and the k-anonymous row plan -----------------
def released_respondents(conn: sqlite3.Connection, round_ids: Sequence[int] | None = None,
                         centres: Sequence[str] | None = None, k: int = 5):
    """The respondents aggregates of this scope may include now (differencing guard).

    Reads every respondent-round of the scope from ``answers_shown`` with its
    participation and round status and hands them to
    :func:`bot.privacy.disclosure.release` (batches of ``k`` per round and centre; only
    respondents who finished, or whose round is closed).

    Returns:
        A :class:`bot.privacy.disclosure.Release`.
    """
    conditions, params = scope_sql(round_ids, centres, alias="a")
    sql = (
        "SELECT a.round_id, MIN(a.centre_code), a.respondent,"
        " COALESCE(MAX(p.finished_at), MAX(a.answered_at)), MIN(a.id),"
        " MAX(p.finished_at IS NOT NULL OR r.status IN ('closed', 'cancelled'))"
        " FROM answers_shown a JOIN rounds r ON r.id = a.round_id"
        " LEFT JOIN participations p ON p.round_id = a.round_id AND p.respondent = a.respondent"
        + where(conditions) + " GROUP BY a.round_id, a.respondent"
    )
    # order: finishing time, ties broken by the first answer's id (kept by an erasure's gap)
    participants = [(r, c, p, (key, first), bool(done))
                    for r, c, p, key, first, done in conn.execute(sql, params)]
    gap_conditions, gap_params = scope_sql(round_ids, centres)
    gaps = [(r, c, (key, first)) for r, c, key, first in conn.execute(
        "SELECT round_id, centre_code, order_key, first_answer FROM release_gaps"
        + where(gap_conditions), gap_params)]
    return release(participants, k, gaps)


#: One respondent-round of a row file: (label, centre, language, mode, answered_on), the
#: last four generalised (see :func:`bot.privacy.disclosure.generalise`).
PlanRow = tuple[str, str, str, str, str]


class RowPlan:
    """What the analyst's row file shows for each respondent-round (shared by the SQL and
    Python writers, so both write the same file).

    Attributes:
        rows: ``(round_id, pseudonym)`` -> :data:`PlanRow`; respondent-rounds left out
            for k-anonymity are absent.
        generalisation: The :class:`bot.privacy.disclosure.Generalisation` made.
        hidden_items: Item ids no row of the file shows (free-text questions and what
            decides them, :func:`bot.privacy.disclosure.row_file_hidden_items`).
    """

    def __init__(self, rows: dict[tuple[int, str], PlanRow], generalisation,
                 hidden_items: frozenset[str] = frozenset()) -> None:
        self.rows = rows
        self.generalisation = generalisation
        self.hidden_items = hidden_items

    @property
    def respondents(self) -> int:
        """Distinct labels in the file."""
        return len({v[0] for v in self.rows.values()})


def row_plan(conn: sqlite3.Connection, *, tz: ZoneInfo, k: int, cat: Catalogue,
             round_ids: Sequence[int] | None = None, centres: Sequence[str] | None = None,
             panel_secret: bytes | None = None,
             district_of: Callable[[str], str | None] | None = None) -> RowPlan:
    """Plan a k-anonymous row file: generalised quasi-identifiers and labels.

    Args:
        conn: A ``sqlite3`` connection.
        tz: Time zone of the dates.
        k: ``MIN_CELL_SIZE``.
        cat: The catalogue as the rounds asked it (pinned): its quoted free-text
            questions (stories, "why") and the choices deciding them are left out of the file
            (:func:`bot.privacy.disclosure.row_file_hidden_items`), and a respondent-round
            with nothing else is not in it (nor in its classes).
        round_ids: Only these rounds. centres: Only these centres.
        panel_secret: Stable panel keys (``--panel``) instead of random labels.
        district_of: Centre code -> district (survey packs with districts), else None.

    Returns:
        The :class:`RowPlan`; labels are drawn at random for this plan
        (:class:`bot.privacy.disclosure.RandomLabeller`), the same for one person across
        the rounds of this export only.
    """
    hidden = row_file_hidden_items(cat.items.values(), msc.quoted_item)
    conditions, params = scope_sql(round_ids, centres)
    if hidden:
        conditions = [*conditions, f"item_id NOT IN ({','.join('?' * len(hidden))})"]
        params = [*params, *sorted(hidden)]
    records = []
    for round_id, pseudonym, centre, language, mode, first in conn.execute(
        "SELECT round_id, respondent, MIN(centre_code), MIN(language), MIN(mode), MIN(answered_at)"
        f" FROM answers_shown{where(conditions)} GROUP BY round_id, respondent", params,
    ):
        day = datetime.fromisoformat(first).astimezone(tz).date().isoformat()
        records.append(Record((round_id, pseudonym), round_id, centre, language, mode, day))
    # per round: the same respondent-round looks the same in a one-round and an
    # all-rounds file, so linking the two by their answers tells nothing new
    result = generalise_by_round(records, k, district_of or (lambda _c: None))
    labeller = RandomLabeller()
    rows: dict[tuple[int, str], PlanRow] = {}
    for key, v in result.values.items():
        assert isinstance(key, tuple)  # row_plan's records are keyed (round, pseudonym)
        pseudonym = key[1]
        label = panel_key(panel_secret, pseudonym) if panel_secret else labeller(pseudonym)
        rows[key] = (label, v["centre"], v["language"], v["mode"], v["answered_on"])
    return RowPlan(rows, result, hidden)
