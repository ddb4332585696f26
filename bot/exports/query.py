"""Read answers from the database as anonymised :class:`~bot.exports.rows.AnswerRow` s.

Runs on a plain ``sqlite3`` read connection (WAL lets it read while the bot writes), so
the chat command, the CLI and the benchmark share one streaming code path. Rows come in
``(round, respondent, item)`` order with a constant memory footprint.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import msc
from bot.exports.rows import AnswerRow, new_answer_row
from bot.exports.scope import scope_sql, where
from bot.privacy.disclosure import (
    QUASI_IDENTIFIERS,
    Levels,
    Published,
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
                    yield new_answer_row(round_id, centre, who, language, item_id, item_type,
                                         opt_goal or main_goal, sub_goal, status, option,
                                         opt_label, "", mode, day)
                continue
            value_label = option_info.get(("_scale", value), ("", ""))[0] if value else ""
            yield new_answer_row(round_id, centre, who, language, item_id, item_type, main_goal,
                                 sub_goal, status, "" if value is None else str(value),
                                 value_label, text or "", mode, day)


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
    return respondents_and_release(conn, round_ids, centres, k)[1]


def respondents_and_release(conn: sqlite3.Connection, round_ids: Sequence[int] | None = None,
                            centres: Sequence[str] | None = None, k: int = 5):
    """The number of respondents in the scope and :func:`released_respondents`, from one
    read of ``answers_shown`` (an export needs both).

    Returns:
        ``(respondents, release)``: distinct respondents with an answer shown in the scope
        (a person in two rounds counts once) and the
        :class:`bot.privacy.disclosure.Release`.
    """
    conditions, params = scope_sql(round_ids, centres, alias="a")
    # LEFT JOIN rounds: an answer whose round row is missing still counts as a respondent
    # of the scope, but is never released (an inner join left it out of the release)
    sql = (
        "SELECT a.round_id, MIN(a.centre_code), a.respondent,"
        " COALESCE(MAX(p.finished_at), MAX(a.answered_at)), MIN(a.id),"
        " MAX(p.finished_at IS NOT NULL OR r.status IN ('closed', 'cancelled')),"
        " MAX(r.id IS NOT NULL)"
        " FROM answers_shown a LEFT JOIN rounds r ON r.id = a.round_id"
        " LEFT JOIN participations p ON p.round_id = a.round_id AND p.respondent = a.respondent"
        + where(conditions) + " GROUP BY a.round_id, a.respondent"
    )
    rows = conn.execute(sql, params).fetchall()
    if not rows:                     # nobody: nothing to release, whatever the gaps
        return 0, release((), k)
    # order: finishing time, ties broken by the first answer's id (kept by an erasure's gap)
    participants = [(r, c, p, (key, first), bool(done))
                    for r, c, p, key, first, done, has_round in rows if has_round]
    gap_conditions, gap_params = scope_sql(round_ids, centres)
    gaps = [(r, c, (key, first)) for r, c, key, first in conn.execute(
        "SELECT round_id, centre_code, order_key, first_answer FROM release_gaps"
        + where(gap_conditions), gap_params)]
    return len({row[2] for row in rows}), release(participants, k, gaps)


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
        """Distinct people in the file (a label stands for a respondent-round, so one
        person in two rounds has two labels but counts once here, as the caption says
        "deelnemers")."""
        return len({pseudonym for _round, pseudonym in self.rows})


def _plan_records(conn: sqlite3.Connection, *, tz: ZoneInfo, round_ids: Sequence[int] | None,
                  hidden: frozenset[str]) -> list[Record]:
    """One :class:`~bot.privacy.disclosure.Record` per respondent-round of whole rounds
    (every centre: classes are the round's), less the answers no row file shows."""
    conditions, params = scope_sql(round_ids, None)
    if hidden:
        conditions = [*conditions, f"item_id NOT IN ({','.join('?' * len(hidden))})"]
        params = [*params, *sorted(hidden)]
    records = []
    days: dict[str, str] = {}      # first answer's time -> local day (few distinct times)
    for round_id, pseudonym, centre, language, mode, first in conn.execute(
        "SELECT round_id, respondent, MIN(centre_code), MIN(language), MIN(mode), MIN(answered_at)"
        f" FROM answers_shown{where(conditions)} GROUP BY round_id, respondent", params,
    ):
        day = days.get(first)
        if day is None:
            day = days[first] = datetime.fromisoformat(first).astimezone(tz).date().isoformat()
        records.append(Record((round_id, pseudonym), round_id, centre, language, mode, day))
    return records


def published_levels(conn: sqlite3.Connection,
                     round_ids: Sequence[int] | None = None) -> dict[int, Published] | None:
    """What the row files of the rounds have shown so far (tables ``row_levels`` and
    ``row_values``, migration 0015), per round; None on a database without them."""
    conditions, params = scope_sql(round_ids, None)
    try:
        levels = {r: Levels(date, centre, language, mode) for r, date, centre, language, mode
                  in conn.execute("SELECT round_id, date, centre, language, mode FROM row_levels"
                                  + where(conditions), params)}
        values: dict[int, dict[object, dict[str, str]]] = {r: {} for r in levels}
        for r, pseudonym, centre, language, mode, day in conn.execute(
                "SELECT round_id, respondent, centre, language, mode, answered_on FROM row_values"
                + where(conditions), params):
            if r in values:
                values[r][(r, pseudonym)] = {"centre": centre, "language": language, "mode": mode,
                                             "answered_on": day}
    except sqlite3.OperationalError:   # a database from before migration 0015
        return None
    return {r: Published(lv, values[r]) for r, lv in levels.items()}


def settle_row_levels(conn: sqlite3.Connection, *, tz: ZoneInfo, k: int, cat: Catalogue,
                      round_ids: Sequence[int] | None = None,
                      district_of: Callable[[str], str | None] | None = None,
                      now: datetime | None = None) -> bool:
    """Decide and store what the next row file of the rounds shows (before it is written).

    In one write transaction: the rounds' respondent-rounds and what their earlier row
    files showed (:func:`published_levels`) go through
    :func:`bot.privacy.disclosure.generalise_by_round` with that state, and the result is
    stored: a round's levels (fixed by its first file that shows anyone, afterwards only
    coarser) and the values shown for every respondent-round. The export then reads them
    in its own snapshot (:func:`row_plan` with ``settled=True``), so two exports never
    decide differently for the same respondent, however they interleave.

    Args:
        conn: A read-write ``sqlite3`` connection outside a transaction.
        tz, k, cat, round_ids, district_of: As :func:`row_plan` (whole rounds: centres
            are not limited here).
        now: The time to record (default: now, UTC).

    Returns:
        True when the export is to show what is stored (also when another writer held the
        database past the time-out, or it is read-only and holds a stored state: nothing
        new is stored then, and newcomers wait for the next file); False when the
        database cannot keep them (before migration 0015, or read-only without a stored
        state): nothing is stored, and the file is decided on its own.
    """
    hidden = row_file_hidden_items(cat.items.values(), msc.quoted_item)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        # busy past the time-out: the file shows what is stored (newcomers wait for the
        # next one); never a decision of its own that the next file might not nest with
        return "locked" in str(exc) and published_levels(conn, round_ids) is not None
    try:
        state = published_levels(conn, round_ids)
        if state is None:
            return False
        records = _plan_records(conn, tz=tz, round_ids=round_ids, hidden=hidden)
        result = generalise_by_round(records, k, district_of or (lambda _c: None), published=state)
        stamp = (now or datetime.now(UTC)).isoformat()
        for round_id, levels in result.by_round.items():
            if state.get(round_id) is not None and state[round_id].levels == levels:
                continue
            conn.execute(
                "INSERT INTO row_levels VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (round_id) DO"
                " UPDATE SET date = excluded.date, centre = excluded.centre, language ="
                " excluded.language, mode = excluded.mode, changed_at = excluded.changed_at",
                (round_id, levels.date, levels.centre, levels.language, levels.mode, stamp, stamp))
        changed = []
        for key, v in result.published.items():
            assert isinstance(key, tuple)  # (round, pseudonym)
            before = state.get(key[0])
            if before is None or before.values.get(key) != v:
                changed.append((*key, v["centre"], v["language"], v["mode"], v["answered_on"]))
        conn.executemany("INSERT OR REPLACE INTO row_values VALUES (?, ?, ?, ?, ?, ?)", changed)
        conn.execute("COMMIT")
        return True
    except sqlite3.OperationalError:   # read-only file or directory
        # a round an earlier row file fixed shows what is stored, as when busy: a decision
        # of its own (newcomers, a move to coarser levels) is not kept, so the next file
        # could decide otherwise and not nest with this one; nothing stored yet: its own
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return bool(published_levels(conn, round_ids))
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def row_plan(conn: sqlite3.Connection, *, tz: ZoneInfo, k: int, cat: Catalogue,
             round_ids: Sequence[int] | None = None, centres: Sequence[str] | None = None,
             panel_secret: bytes | None = None,
             district_of: Callable[[str], str | None] | None = None,
             settled: bool = False) -> RowPlan:
    """Plan a k-anonymous row file: generalised quasi-identifiers and labels.

    Args:
        conn: A ``sqlite3`` connection.
        tz: Time zone of the dates.
        k: ``MIN_CELL_SIZE``.
        cat: The catalogue as the rounds asked it (pinned): its quoted free-text
            questions (stories, "why") and the choices deciding them are left out of the file
            (:func:`bot.privacy.disclosure.row_file_hidden_items`), and a respondent-round
            with nothing else is not in it (nor in its classes).
        round_ids: Only these rounds. centres: Only these centres: classes are still the
            whole round's, and only the classes that lie wholly in these centres are shown
            (a class split by the scope would be smaller in this file than in the round's).
        panel_secret: Stable panel keys (``--panel``) instead of random labels.
        district_of: Centre code -> district (survey packs with districts), else None.
        settled: :func:`settle_row_levels` stored this export's values just before: show
            exactly those (a respondent-round without stored values, or whose class
            shrank under k since, is left out). False: decide here from the stored state
            without storing (a database that cannot keep it, the benchmark).

    Returns:
        The :class:`RowPlan`; labels are drawn at random for this plan
        (:class:`bot.privacy.disclosure.RandomLabeller`), one per respondent-round: a
        person's rounds share none (panel keys, ``panel_secret``, link them on purpose).
    """
    hidden = row_file_hidden_items(cat.items.values(), msc.quoted_item)
    records = _plan_records(conn, tz=tz, round_ids=round_ids, hidden=hidden)
    state = published_levels(conn, round_ids)
    # per round: the same respondent-round looks the same in a one-round and an
    # all-rounds file, and in a file before and after more residents answered
    result = generalise_by_round(records, k, district_of or (lambda _c: None),
                                 published=state or {}, fixed=settled and state is not None)
    if centres is not None:
        _limit(result, records, set(centres))
    labeller = RandomLabeller()
    rows: dict[tuple[int, str], PlanRow] = {}
    for key, v in result.values.items():
        assert isinstance(key, tuple)  # row_plan's records are keyed (round, pseudonym)
        round_id, pseudonym = key
        # one label per respondent-round: a label shared by a person's rounds tied their
        # round-1 values to their round-2 values (say centre from one, language or day
        # from the other), a combination no round's classes protect; panel keys (the one
        # explicit exception) link them on purpose
        label = (panel_key(panel_secret, pseudonym) if panel_secret
                 else labeller(f"{round_id}:{pseudonym}"))
        rows[key] = (label, v["centre"], v["language"], v["mode"], v["answered_on"])
    return RowPlan(rows, result, hidden)


def _limit(result, records: Sequence[Record], centres: set[str]) -> None:
    """Keep the classes of ``result`` that lie wholly in ``centres``; counts for the scope."""
    def cls(record: Record) -> tuple:
        v = result.values[record.key]
        return (record.round, *(v[c] for c in QUASI_IDENTIFIERS))

    outside = {cls(r) for r in records if r.key in result.values and r.centre not in centres}
    in_scope = [r for r in records if r.centre in centres]
    result.values = {r.key: result.values[r.key] for r in in_scope
                     if r.key in result.values and cls(r) not in outside}
    result.total = len(in_scope)
    result.left_out = len(in_scope) - len(result.values)
