"""The long-format CSV export, built by SQLite itself (the fast path for large rounds).

Same output, byte for byte, as :func:`bot.exports.csv_writer.write_answers_csv` over
:func:`bot.exports.query.iter_answer_rows` (a test checks this), but the joins with
the catalogue, the expansion of card picks, CSV quoting and the OWASP guard run inside
SQLite, so Python only touches free text (scrubbed again, a registered function) and
whole output lines. This keeps a 1,000,000-answer export within a small factor of the
``sqlite3`` shell's own ``.mode csv`` (see ``bench/export.py``).
"""

from __future__ import annotations

import codecs
import multiprocessing
import re
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.csv_writer import BUFFER_SIZE, DIALECTS
from bot.exports.query import row_plan
from bot.exports.rows import ANSWER_COLUMNS
from bot.exports.safety import neutralise
from bot.exports.scope import scope_sql, where
from bot.privacy.scrub import scrub
from bot.survey import Catalogue
from bot.survey.pinning import CatalogueKey

#: What exports read: the answers without withheld stories, with coordinators' redactions
#: in place (a view, see migration 0003).
SOURCE = "answers_shown"


def _neutral(expr: str) -> str:
    """SQL: OWASP guard — prefix ``'`` when the cell starts with = + - @ TAB CR."""
    return (f"(CASE WHEN substr({expr}, 1, 1) IN ('=', '+', '-', '@', char(9), char(13))"
            f" THEN '''' || {expr} ELSE {expr} END)")


def _quoted(expr: str, delimiter: str) -> str:
    """SQL: minimal CSV quoting (quote if the cell holds the delimiter, a quote, CR or LF)."""
    return (f"(CASE WHEN {expr} GLOB '*[\"{delimiter}' || char(10) || char(13) || ']*'"
            f" THEN '\"' || replace({expr}, '\"', '\"\"') || '\"' ELSE {expr} END)")


#: Text without any of these cannot hold what :func:`bot.privacy.scrub.scrub` replaces
#: (every kind needs a digit, an ``@``, a ``/`` or a dot followed by a letter), so
#: re-scrubbing it at export can be skipped.
_MAYBE_PII = re.compile(r"[0-9@/]|\.[^\W\d_]|www", re.IGNORECASE)


def csv_field(value: str, delimiter: str) -> str:
    """One CSV cell as :mod:`csv` writes it with minimal quoting, after the OWASP guard."""
    value = neutralise(value)
    if delimiter in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _tables(conn: sqlite3.Connection, cat: Catalogue, plan, d: str, *,
            as_cells: bool = True) -> dict[str, list[tuple]]:
    """Rows of the helper tables: catalogue values as ready CSV cells (``as_cells=False``:
    plain values, for ``bench/export.py``'s shell run) and the row plan (label and
    generalised centre, language, mode and date per respondent-round, see
    :func:`bot.exports.query.row_plan`).

    Cells that always stand side by side in a line are also joined here, once per item,
    option or respondent-round (``meta``: type, main goal, sub-goal; ``value_label``:
    an option's value and label; ``head``: centre, label, language; ``tail``: mode, date),
    so SQLite concatenates five pieces fewer per line. The catalogue's tables are made once
    per catalogue (:func:`_catalogue_tables`).
    """

    def cell(value: str) -> str:
        return csv_field(value, d) if as_cells else value

    labels = []
    for (round_id, pseudonym), (label, centre, language, mode, day) in plan.rows.items():
        centre, language, mode = cell(centre), cell(language), cell(mode)
        labels.append((round_id, pseudonym, label, centre, language, mode, day,
                       f"{centre}{d}{label}{d}{language}", f"{mode}{d}{day}"))
    return {
        **_catalogue_tables(CatalogueKey(cat), d, as_cells),
        "bs_labels": labels,
        # questions no row file shows (free text and what decides it: they would tie a
        # quoted story to its teller's row, bot.privacy.disclosure.row_file_hidden_items)
        "bs_hidden": [(item_id,) for item_id in sorted(plan.hidden_items)],
    }


@lru_cache(maxsize=8)
def _catalogue_tables(base: CatalogueKey, d: str, as_cells: bool) -> dict[str, list[tuple]]:
    """The catalogue's helper tables of :func:`_tables` (``bs_items``, ``bs_scale``,
    ``bs_options``), made once per catalogue (immutable: a pinned one is a new object,
    :func:`bot.survey.pinning.pinned_catalogue`), delimiter and ``as_cells``; the lists are
    only read."""

    def cell(value: str) -> str:
        return csv_field(value, d) if as_cells else value

    items, options = [], []
    for i in base.cat.items.values():
        kind, goal, sub = cell(i.type), cell(i.main_goal or ""), cell(i.sub_goal or "")
        items.append((i.id, kind, goal, sub, f"{kind}{d}{goal}{d}{sub}"))
        for o in i.options:
            value, label, own = cell(o.id), cell(o.label["nl"]), cell(o.main_goal or i.main_goal or "")
            options.append((i.id, o.id, value, label, own, f"{kind}{d}{own}{d}{sub}",
                            f"{value}{d}{label}"))
    return {"bs_items": items,
            "bs_scale": [(p.value, cell(p.label["nl"])) for p in base.cat.scale.points],
            "bs_options": options}


_SCHEMA = {
    "bs_items": "(item_id TEXT PRIMARY KEY, item_type TEXT, main_goal TEXT, sub_goal TEXT,"
                " meta TEXT)",
    "bs_scale": "(value INTEGER PRIMARY KEY, label TEXT)",
    "bs_options": "(item_id TEXT, option_id TEXT, value TEXT, label TEXT, main_goal TEXT,"
                  " meta TEXT, value_label TEXT, PRIMARY KEY (item_id, option_id))",
    "bs_labels": "(round_id INTEGER, respondent TEXT, label TEXT, centre TEXT, language TEXT,"
                 " mode TEXT, day TEXT, head TEXT, tail TEXT, PRIMARY KEY (round_id, respondent))",
    "bs_hidden": "(item_id TEXT PRIMARY KEY)",
}


def _install(conn: sqlite3.Connection, tables: dict[str, list[tuple]], d: str,
             include_text: bool = True) -> None:
    """Create the temp tables and the text-cell function on a connection."""

    def text_cell(text: str | None) -> str:
        if not text or not include_text:
            return ""
        if _MAYBE_PII.search(text):
            text = scrub(text).text
        return csv_field(text, d)

    conn.create_function("bs_text_cell", 1, text_cell, deterministic=True)
    for name, schema in _SCHEMA.items():
        conn.execute(f"CREATE TEMP TABLE {name} {schema}")
        rows = tables[name]
        if rows:
            marks = ",".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    conn.execute("CREATE INDEX temp.bs_labels_order ON bs_labels(round_id, label)")


def _filters(round_ids, centres) -> tuple[str, str, list]:
    """(WHERE on answers, WHERE on answers aliased ``a``, parameters)."""
    plain, params = scope_sql(round_ids, centres)
    aliased, _ = scope_sql(round_ids, centres, alias="a")
    return where(plain), where(aliased), params


def _text_sql(d: str, include_text: bool) -> str:
    """SQL for the text cell. Text that cannot hold personal data (see :data:`_MAYBE_PII`:
    no ASCII digit, ``@``, ``/``, ``www`` or dot followed by a non-space) is guarded and
    quoted by SQLite itself; only the rest goes through Python (scrubbed again)."""
    if not include_text:
        return "''"
    maybe_pii = ("a.text GLOB '*[0-9@/]*' OR a.text LIKE '%www%'"
                 " OR a.text GLOB '*.[^ ' || char(9) || char(10) || char(13) || ']*'")
    return (f"(CASE WHEN j.value IS NOT NULL OR a.text IS NULL THEN ''"
            f" WHEN {maybe_pii} THEN bs_text_cell(a.text)"
            f" ELSE {_quoted(_neutral('a.text'), d)} END)")


def _line_sql(d: str, a_where: str, ranged: bool, include_text: bool = True) -> str:
    sep = f" || '{d}' || "
    cells = [
        "a.round_id",
        # centre codes, languages, item ids, statuses and modes are constrained ASCII ids
        # (see the CHECKs and the pydantic patterns): nothing to quote or guard.
        "l.head",                                    # centre, label, language
        "a.item_id",
        # type, main goal (a picked option's own where it has one), sub-goal; an item
        # not in the catalogue: three empty cells
        f"COALESCE(CASE WHEN j.value IS NOT NULL THEN o.meta END, i.meta, '{d}{d}')",
        "a.status",
        # value and its Dutch label: a picked option's, else the scale value's
        (f"(CASE WHEN j.value IS NOT NULL THEN COALESCE(o.value_label, '{d}')"
         f" ELSE COALESCE(a.value, ''){sep}COALESCE(s.label, '') END)"),
        _text_sql(d, include_text),
        "l.tail",                                    # mode, date
    ]
    hidden = "a.item_id NOT IN (SELECT item_id FROM bs_hidden)"
    where = (a_where + " AND " + hidden) if a_where else " WHERE " + hidden
    if ranged:
        cond = "(l.round_id, l.label) >= (?, ?) AND (l.round_id, l.label) < (?, ?)"
        where = (where + " AND " + cond) if where else " WHERE " + cond
    # Respondents come in the order of their export label (random per export), not of
    # their stored pseudonym: in pseudonym order the n-th respondent of one export is the
    # n-th of the next, and row order alone would link two exports whose labels differ.
    # SQLite walks bs_labels by its (round, label) index and each respondent's answers by
    # the answers_export index (id order), so there is still no sort. json_each yields a
    # card pick list in array order inside the nested loop.
    return (
        "SELECT " + sep.join(cells) + " || char(13) || char(10)"
        f" FROM bs_labels l JOIN {SOURCE} a ON a.round_id = l.round_id AND a.respondent = l.respondent"
        " LEFT JOIN json_each(CASE WHEN a.choices IS NULL OR a.choices = '[]' THEN NULL ELSE a.choices END) j"
        " LEFT JOIN bs_items i ON i.item_id = a.item_id"
        " LEFT JOIN bs_scale s ON s.value = a.value"
        " LEFT JOIN bs_options o ON o.item_id = a.item_id AND o.option_id = j.value"
        + where + " ORDER BY l.round_id, l.label, a.id"
    )


def _write_lines(conn: sqlite3.Connection, sql: str, params: list, fh) -> int:
    rows = 0
    cursor = conn.execute(sql, params)
    while batch := cursor.fetchmany(10000):
        fh.write("".join([r[0] for r in batch]).encode("utf-8"))
        rows += len(batch)
    return rows


def _part_worker(db_path: str, out_part: str, d: str, tables: dict, a_where: str, params: list,
                 bounds: list, include_text: bool = True) -> int:
    """Child process: write the lines of one key range (no BOM, no header)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    _install(conn, tables, d, include_text)
    with open(out_part, "wb", buffering=BUFFER_SIZE) as fh:
        rows = _write_lines(conn, _line_sql(d, a_where, True, include_text), params + bounds, fh)
    conn.close()
    return rows


#: Below this many answers an export runs in one process (starting workers costs ~0.5 s).
PARALLEL_THRESHOLD = 200_000


def write_answers_csv_sql(
    conn: sqlite3.Connection,
    cat: Catalogue,
    out: Path,
    *,
    tz: ZoneInfo,
    dialect: str = "rfc4180",
    round_ids: Sequence[int] | None = None,
    centres: Sequence[str] | None = None,
    plan=None,
    workers: int = 1,
    db_path: Path | None = None,
    include_text: bool = False,
    k: int = 5,
    drop_tables: bool = True,
) -> tuple[int, int]:
    """Write the answers export with SQLite doing the heavy lifting.

    Args:
        conn: A connection to the Buurtstem database (temp tables are created on it).
        cat: Survey catalogue (types, goals, Dutch labels).
        out: Destination file (UTF-8 with BOM, CRLF).
        tz: Time zone of ``answered_on``.
        dialect: ``rfc4180`` (comma) or ``excel-nl`` (semicolon).
        round_ids: Only these rounds.
        centres: Only these centres.
        plan: The k-anonymous row plan (:func:`bot.exports.query.row_plan`; made here
            with random labels and ``k`` if None).
        workers: Processes to split a large export over (key ranges of
            ``(round, label)``, written in order, so the file is the same).
        db_path: The database file (needed for ``workers > 1``).
        include_text: False (the default) leaves every free-text cell empty: the
            analyst's row file carries no free text (a story quoted elsewhere with its
            centre and language would undo the generalisation).
        k: ``MIN_CELL_SIZE`` for a plan made here.
        drop_tables: Drop the temporary helper tables at the end (False: the caller
            closes ``conn`` right after, which drops them anyway).

    Returns:
        ``(rows written, respondents)``.

    Raises:
        ValueError: For an unknown dialect.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}")
    d = DIALECTS[dialect]["delimiter"]
    where, a_where, params = _filters(round_ids, centres)
    if plan is None:
        plan = row_plan(conn, tz=tz, k=k, cat=cat, round_ids=round_ids, centres=centres)
    tables = _tables(conn, cat, plan, d)
    _install(conn, tables, d, include_text)
    # Only decides whether to split: the table's count (cheap) is close enough.
    total = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    header = d.join(ANSWER_COLUMNS) + "\r\n"
    with open(out, "wb", buffering=BUFFER_SIZE) as fh:
        fh.write(codecs.BOM_UTF8 + header.encode("utf-8"))
        if workers > 1 and db_path is not None and total >= PARALLEL_THRESHOLD:
            rows = _write_parallel(conn, fh, workers, total, where, a_where, params,
                                   str(db_path), d, tables, out, include_text)
        else:
            rows = _write_lines(conn, _line_sql(d, a_where, False, include_text), params, fh)
    respondents = plan.respondents
    if drop_tables:
        for table in _SCHEMA:
            conn.execute(f"DROP TABLE temp.{table}")
    return rows, respondents


def _write_parallel(conn, fh, workers, total, where, a_where, params, db_path, d, tables,
                    out: Path, include_text: bool) -> int:
    # Split at respondent boundaries, equal numbers of respondents per part (respondents
    # answer about as many items each), in (round, label) order, the file's row order.
    pairs = sorted({(row[0], row[2]) for row in tables["bs_labels"]})
    if len(pairs) < workers:
        return _write_lines(conn, _line_sql(d, a_where, False, include_text), params, fh)
    cuts = [list(pairs[len(pairs) * k // workers]) for k in range(1, workers)]
    low, high = [-1, ""], [2**62, ""]
    ranges = list(zip([low] + cuts, cuts + [high]))
    parts = [out.with_name(f".{out.name}.part{k}") for k in range(len(ranges))]
    # fork is cheap and safe in a single-threaded process (the CLI); inside the bot (event
    # loop, aiosqlite threads) start clean interpreters instead.
    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_part_worker, db_path, str(part), d, tables, a_where, params,
                            lo + hi, include_text)
                for part, (lo, hi) in zip(parts, ranges)
            ]
            rows = sum(f.result() for f in futures)
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, fh, BUFFER_SIZE)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return rows
