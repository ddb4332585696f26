"""One export, end to end: database → anonymised rows → file. Shared by chat and CLI."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports import stories_doc
from bot.exports.codebook import write_codebook_csv
from bot.exports.csv_writer import Dialect, write_table_csv
from bot.exports.files import written_whole
from bot.exports.query import (
    asked_items,
    connect_readonly,
    iter_answer_rows,
    pinned,
    respondents_and_release,
    row_plan,
    settle_row_levels,
)
from bot.exports.scope import scope_sql, where
from bot.exports.sql_csv import write_answers_csv_sql
from bot.exports.stories_doc import effects_table, load_stories, translate_records
from bot.exports.summary import (
    breakdown_table,
    card_table,
    summary_table,
    write_breakdown_csv,
    write_summary_csv,
)
from bot.exports.wide import wide_rows
from bot.i18n import Translator
from bot.privacy.disclosure import Audience, Grant, grant
from bot.survey import Catalogue

#: Export formats: name -> (file suffix, description).
FORMATS: dict[str, tuple[str, str]] = {
    "csv": (".csv", "CSV, comma (RFC 4180)"),
    "excel-nl": (".csv", "CSV, semicolon (Dutch Excel)"),
    "xlsx": (".xlsx", "Excel workbook"),
    "codebook": (".csv", "Codebook"),
    "wide": (".csv", "One row per respondent (wide CSV)"),
    "stories": (".html", "Stories document (printable HTML)"),
    "effects": (".csv", "Effects table (CSV, semicolon, Dutch Excel)"),
    "breakdown": (".csv", "Figures per centre and per district (CSV)"),
}


class ExportRefused(Exception):
    """An export that is not made, with a reason the chat and CLI can say politely.

    Nothing is written when this is raised (no partial file).

    Attributes:
        reason: ``empty`` (no answers in the scope), ``too_small`` (fewer than k
            respondents can be shown: aggregates are released in batches of k per centre,
            and the row file leaves out classes under k), ``no_stories`` (the stories
            document would hold no story: none approved that may be quoted) or
            ``no_codes`` (the effects table would be all zeros: no story coded yet),
            ``only_stories`` (an analyst's CSV row file of a scope whose answers are all
            stories: a row file shows none of them, see
            :func:`bot.privacy.disclosure.row_file_hidden_items`).
        respondents: Respondents in the scope.
        held_back: Respondents not (yet) in the figures.
        notes: Notes of the scope (e.g. free text deleted after the retention period).
    """

    def __init__(self, reason: str, respondents: int = 0, held_back: int = 0,
                 notes: Sequence[str] = ()) -> None:
        self.reason, self.respondents, self.held_back = reason, respondents, held_back
        self.notes = tuple(notes)
        super().__init__(f"export not made: {reason} ({respondents} respondents)")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        path: The file written.
        rows: Rows written (answers in a row file, indicators in an aggregate table,
            items x codes in the codebook).
        respondents: Distinct respondents in the file (row file) or in the figures.
        notes: Things the reader must know (English, for logs and the CLI).
        audience: Who it was made for (:class:`bot.privacy.disclosure.Audience`).
        held_back: Respondents not (yet) in the figures (differencing guard).
        left_out: Respondent-rounds left out of a row file for k-anonymity.
    """

    path: Path
    rows: int
    respondents: int
    notes: tuple[str, ...] = ()
    audience: str = Audience.ADMIN
    held_back: int = 0
    left_out: int = 0


def export_filename(fmt: str, round_id: int | None, today: date) -> str:
    """``buurtstem-ronde-3-2026-11-30.csv`` style file name (no personal data)."""
    scope = f"ronde-{round_id}" if round_id is not None else "alle-rondes"
    kind = {"codebook": "codeboek", "stories": f"verhalen-{scope}",
            "effects": f"effecten-{scope}", "breakdown": f"per-wijk-{scope}"}.get(fmt, scope)
    return f"buurtstem-{kind}-{today.isoformat()}{FORMATS[fmt][0]}"


def district_lookup(conn, cat: Catalogue) -> Callable[[str], str | None]:
    """Centre code -> district, for generalising centres in the row file.

    From the ``centres`` table (filled from the survey pack, ``centres.district``), else
    from the catalogue's centres; a centre without a district maps to None and the row
    file generalises it from centre straight to all centres.
    """
    districts = {c.code: getattr(c, "district", None) for c in cat.centres}
    try:
        districts.update({code: d for code, d in conn.execute("SELECT code, district FROM centres") if d})
    except sqlite3.OperationalError:  # a database from before migration 0007
        pass
    return lambda code: districts.get(code)


def run_export(
    db_path: Path | str,
    cat: Catalogue,
    out: Path,
    *,
    fmt: str = "csv",
    tz: ZoneInfo,
    audience: Audience | str = Audience.ADMIN,
    round_ids: Sequence[int] | None = None,
    centres: Sequence[str] | None = None,
    panel_secret: bytes | None = None,
    min_cell_size: int = 5,
    workers: int = 1,
    include_small_stories: bool = False,
    language: str = "nl",
    translator=None,
) -> ExportResult:
    """Write one export file as the disclosure policy allows (blocking; run it in a thread).

    What is written depends on the audience (:func:`bot.privacy.disclosure.grant`):

    * admin, ``csv`` / ``excel-nl`` / ``xlsx``: the k-anonymous row file (generalised
      centre, language, mode, date; small classes left out and counted in the notes;
      random labels, or panel keys with ``panel_secret``; no free text), the xlsx with
      the summary of released respondents, the quotable approved stories with their
      review (as in the stories document, no respondent label), the effects table and
      the codebook.
    * coordinator, ``csv`` / ``excel-nl``: the aggregate table
      (:func:`bot.exports.summary.summary_table`); ``xlsx``: summary, meaning cards,
      quotable approved stories with their review (shortlist, selection, reason), the
      effects table, codebook. Figures count released respondents only
      (batches of k per round and centre, :func:`bot.exports.query.released_respondents`).
    * ``codebook``: the catalogue only.
    * admin, ``wide``: the same k-anonymous rows pivoted to one row per respondent and
      round (:mod:`bot.exports.wide`); coordinator: the aggregate table.
    * ``stories`` (both audiences): the printable stories document
      (:func:`bot.exports.stories_doc.stories_html`): approved stories that may be quoted,
      with their effect codes, shortlist mark, selection and the selector's reason.
    * ``effects`` (both audiences): the effects table
      (:func:`bot.exports.stories_doc.effects_table`), Dutch-Excel CSV.

    The file is written next to ``out`` and renamed into place, so a failure leaves no
    partial file.

    Args:
        db_path: The SQLite database.
        cat: Survey catalogue.
        out: Destination file.
        fmt: One of :data:`FORMATS`.
        tz: Time zone of the exported dates.
        audience: ``admin`` (the default: the command line is run by the operator) or
            ``coordinator`` (the chat passes the user's role).
        round_ids: Only these rounds (None: all).
        centres: Only these centres (None: all) — a coordinator's scope.
        panel_secret: Stable panel keys instead of random labels (admins only; the one
            explicit exception to unlinkable exports).
        min_cell_size: k.
        workers: Processes for a large CSV export (the CLI uses the CPU count).
        include_small_stories: Kept for callers; free text is no longer part of the
            row file (stories go through the stories document and their own rules).
        language: Language of the stories document's headings and labels.
        translator: A :class:`bot.translation.MachineTranslator` (``TRANSLATE_URL``):
            stories in the document (into ``language``) and the workbook (into Dutch)
            get a machine translation beside the original; None: none.

    Raises:
        ValueError: For an unknown format.
        ExportRefused: Nothing to show (``empty``) or too few to show safely
            (``too_small``); nothing is written.
        bot.privacy.disclosure.NotDisclosable: The output is not for this audience.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    allowed = grant(f"export.{fmt}", audience, min_cell_size)
    k = allowed.k
    out = Path(out)
    with written_whole(out) as (part,):
        result = _write(db_path, cat, part, allowed, fmt=fmt, tz=tz, round_ids=round_ids,
                        centres=centres, panel_secret=panel_secret, k=k, workers=workers,
                        language=language, translator=translator)
    return ExportResult(out, *result[1:])


def _write(db_path, cat: Catalogue, out: Path, allowed: Grant, *, fmt: str, tz: ZoneInfo,
           round_ids, centres, panel_secret, k: int, workers: int, language: str = "nl",
           translator=None) -> tuple:
    if fmt == "codebook":
        if Path(db_path).exists():  # the codebook of the pack alone needs no database
            conn = connect_readonly(db_path)
            try:
                cat = pinned(conn, cat, round_ids)  # an old round reads the survey it asked
            finally:
                conn.close()
        return (out, write_codebook_csv(cat, out), 0, (), allowed.audience)
    # The analyst's row file: what it shows of each respondent-round is decided and stored
    # first (write transaction of its own), then read in the export's snapshot, so every
    # row file of a round nests with every other (docs/privacy.md, "k-anonymity").
    settled = allowed.row_level and _settle(db_path, cat, tz=tz, k=k, round_ids=round_ids)
    conn = connect_readonly(db_path)
    # One read transaction for the whole export: every query sees the same snapshot, so
    # an answer or a /forget committed by the bot meanwhile cannot make the rows differ
    # from the k-anonymity plan and the counts (a class shrunk below k). Parallel CSV
    # workers (command line, large exports) open their own connections.
    conn.execute("BEGIN")
    try:
        cat = pinned(conn, cat, round_ids)  # an old round reads the survey it asked
        notes = purge_notes(conn, round_ids)
        purged = tuple(notes)
        if fmt in ("stories", "effects"):
            if _respondents(conn, round_ids, centres) == 0:
                raise ExportRefused("empty", notes=notes)
            return _write_msc(conn, cat, out, allowed, fmt=fmt, tz=tz, round_ids=round_ids,
                              centres=centres, k=k, language=language, notes=notes,
                              translator=translator)
        # the scope's respondents and those aggregates may show, from one query
        respondents, released = respondents_and_release(conn, round_ids, centres, k)
        if respondents == 0:
            raise ExportRefused("empty", notes=notes)
        dialect: Dialect = "excel-nl" if fmt == "excel-nl" else "rfc4180"
        if released.held_back:
            notes.append(f"{released.held_back} respondent(s) not yet in the figures: aggregates"
                         f" count respondents in batches of {k} per round and centre.")
        if allowed.row_level:
            plan = row_plan(conn, tz=tz, k=k, cat=cat, round_ids=round_ids, centres=centres,
                            panel_secret=panel_secret, district_of=district_lookup(conn, cat),
                            settled=settled)
            if not plan.rows:
                if _rows_to_show(conn, round_ids, centres, plan.hidden_items):
                    raise ExportRefused("too_small", respondents, respondents, purged)
                if fmt != "xlsx":
                    # only story questions asked: nothing a row file may show
                    raise ExportRefused("only_stories", respondents, notes=notes)
                # the workbook still has the stories and effects (answer sheets empty)
            notes.append(plan.generalisation.note(k))
            notes.append("Free text is not in the row file, nor whether the story questions and"
                         " 'why it matters' were answered or which story domains were picked"
                         " (they would tie a quoted story to a row); stories are in the stories"
                         " document.")
            notes.append(
                "Panel keys (--panel, EXPORT_SECRET): the same person has the same key in every"
                " panel export - the one explicit exception to unlinkable exports."
                if panel_secret else
                "Respondent labels are drawn at random for this export only; two exports share none.")
            left_out = plan.generalisation.left_out
            asked = asked_items(conn, cat, round_ids, centres)
            if fmt == "wide":
                rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids,
                                             centres=centres, plan=plan, include_text=False))
                header, table = wide_rows(rows, cat, _columns(cat, asked, rows, plan.hidden_items))
                write_table_csv(header, table, out, dialect="rfc4180")
                return (out, len(table), plan.respondents, tuple(notes), allowed.audience,
                        released.held_back, left_out)
            if fmt == "xlsx":
                from bot.exports.xlsx import write_xlsx  # noqa: PLC0415 - lazy: openpyxl only for an XLSX

                figures_rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids,
                                                     centres=centres, only=released))
                summary = summary_table(figures_rows, cat, k=k, items=asked)
                rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids,
                                             centres=centres, plan=plan, include_text=False))
                write_xlsx(rows, cat, out, k=k, summary=summary,
                           breakdown=_by_district(conn, cat, figures_rows, k, asked),
                           wide=wide_rows(rows, cat, _columns(cat, asked, rows, plan.hidden_items)),
                           stories=translate_records(load_stories(conn, cat, round_ids, centres,
                                                                  tz=tz, k=k), translator, "nl"),
                           effects=effects_table(conn, cat, round_ids, centres, k=k),
                           notes=[f"Dates are calendar dates in {tz.key}; no times are exported.",
                                  *notes])
                n = len(rows)
            else:
                n, _ = write_answers_csv_sql(
                    conn, cat, out, tz=tz, dialect=dialect, round_ids=round_ids, centres=centres,
                    plan=plan, workers=workers, db_path=Path(db_path),
                    drop_tables=False)   # the connection is closed right after
            return (out, n, plan.respondents, tuple(notes), allowed.audience, released.held_back,
                    left_out)
        if not released:
            raise ExportRefused("too_small", respondents, released.held_back, purged)
        rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids, centres=centres,
                                     only=released, include_text=False))
        if fmt == "breakdown":  # per centre and per district, districts rolled up
            units = breakdown_table(rows, cat, k=k, district_of=district_lookup(conn, cat),
                                    items=asked_items(conn, cat, round_ids, centres))
            write_breakdown_csv(units, out, dialect=dialect, values=cat.scale.values)
            return (out, len(units), len(released), tuple(notes), allowed.audience,
                    released.held_back, 0)
        figures = summary_table(rows, cat, k=k, items=asked_items(conn, cat, round_ids, centres))
        if fmt == "xlsx":
            from bot.exports.xlsx import write_xlsx  # noqa: PLC0415 - lazy: openpyxl only for an XLSX

            stories = translate_records(load_stories(conn, cat, round_ids, centres, tz=tz, k=k),
                                        translator, "nl")
            write_xlsx(None, cat, out, k=k, summary=figures, cards=card_table(rows, cat, k=k),
                       breakdown=_by_district(conn, cat, rows, k,
                                              asked_items(conn, cat, round_ids, centres)),
                       stories=stories, effects=effects_table(conn, cat, round_ids, centres, k=k),
                       notes=notes)
        else:
            write_summary_csv(figures, out, dialect=dialect, values=cat.scale.values)
        return (out, len(figures), len(released), tuple(notes), allowed.audience,
                released.held_back, 0)
    finally:
        conn.close()


def _settle(db_path, cat: Catalogue, *, tz: ZoneInfo, k: int, round_ids) -> bool:
    """Store what the row file about to be written shows (:func:`settle_row_levels`) on a
    read-write connection of its own; False when the database cannot keep it (missing,
    read-only, or from before migration 0015: the file is then decided on its own)."""
    try:
        conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=rw", uri=True, timeout=5.0,
                               isolation_level=None)
    except sqlite3.OperationalError:
        return False
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        cat = pinned(conn, cat, round_ids)
        return settle_row_levels(conn, tz=tz, k=k, cat=cat, round_ids=round_ids,
                                 district_of=district_lookup(conn, cat))
    finally:
        conn.close()


def _rows_to_show(conn, round_ids, centres, hidden: frozenset[str]) -> bool:
    """Does the scope hold an answer to a question a row file may show?"""
    conditions, params = scope_sql(round_ids, centres)
    if hidden:
        conditions.append(f"item_id NOT IN ({','.join('?' * len(hidden))})")
        params += sorted(hidden)
    return conn.execute(f"SELECT 1 FROM answers_shown{where(conditions)} LIMIT 1",
                        params).fetchone() is not None


def _by_district(conn, cat: Catalogue, rows, k: int, asked) -> list[dict] | None:
    """The workbook's ``per_wijk`` sheet: :func:`bot.exports.summary.breakdown_table` of
    the released respondents' answers, or None when no centre of them lies in a district."""
    table = breakdown_table(rows, cat, k=k, district_of=district_lookup(conn, cat), items=asked)
    return table if any(r["level"] == "wijk" for r in table) else None


def _columns(cat: Catalogue, asked: list[str] | None, rows, hidden: frozenset[str]) -> list[str]:
    """Items of the wide file: those asked, else those answered (catalogue order), less
    the ``hidden`` ones (:func:`bot.privacy.disclosure.row_file_hidden_items`)."""
    if asked is not None:
        return [item_id for item_id in asked if item_id not in hidden]
    seen = {r.item_id for r in rows}
    return [item_id for item_id in cat.items if item_id in seen and item_id not in hidden]


def _write_msc(conn, cat: Catalogue, out: Path, allowed: Grant, *, fmt: str, tz: ZoneInfo,
               round_ids, centres, k: int, language: str, notes: list[str], translator=None) -> tuple:
    """The stories document (HTML) or the effects table (CSV) of a scope, or a refusal."""
    if fmt == "stories":
        grant("export.effects", allowed.audience, k)   # the document shows effect codes
        records = stories_doc.load_stories(conn, cat, round_ids, centres, tz=tz, k=k)
        if not records:
            raise ExportRefused("no_stories", notes=notes)
        records = translate_records(records, translator, language)
        out.write_text(stories_doc.stories_html(records, cat, language=language), encoding="utf-8")
        return (out, len(records), 0, tuple(notes), allowed.audience, 0, 0)
    table = stories_doc.effects_table(conn, cat, round_ids, centres, k=k)
    if not any(row["mentioned"] for row in table):
        raise ExportRefused("no_codes", notes=notes)
    columns = stories_doc.EFFECT_COLUMNS
    write_table_csv(columns, ([row[c] for c in columns] for row in table), out, dialect="excel-nl")
    return (out, len(table), 0, tuple(notes), allowed.audience, 0, 0)


def purge_notes(conn, round_ids) -> list[str]:
    """Notes naming rounds whose free text was deleted after the retention period."""
    notes: list[str] = []
    conditions, params = scope_sql(round_ids, None, round_column="id")
    extra = "".join(f" AND {c}" for c in conditions)
    for round_id, purged in conn.execute(
        f"SELECT id, text_purged_at FROM rounds WHERE text_purged_at IS NOT NULL{extra}", params
    ):
        notes.append(f"Round {round_id}: free text was deleted on {purged[:10]} "
                     "(retention period ended); stories are not in this export.")
    return notes


def small_export(db_path: Path | str, *, round_ids=None, centres=None, k: int = 5) -> bool:
    """True if an export of this scope has 1 to ``k - 1`` respondents (ask before stories)."""
    conn = connect_readonly(db_path)
    try:
        n = _respondents(conn, round_ids, centres)
        return 0 < n < k
    finally:
        conn.close()


def _respondents(conn, round_ids, centres) -> int:
    conditions, params = scope_sql(round_ids, centres)
    return conn.execute(
        f"SELECT COUNT(DISTINCT respondent) FROM answers_shown{where(conditions)}", params
    ).fetchone()[0]


def chart_caption(conn, cat: Catalogue, *, round_ids: Sequence[int] | None,
                  centres: Sequence[str] | None, language: str, tz: ZoneInfo,
                  now: datetime | None = None) -> str:
    """What a chart covers, in ``language``: ``#3 Korte vragenlijst · Bij Betje · 30 nov 2026``.

    Rounds by id and survey title (``Alle rondes`` when not limited), the centres when
    limited to some, and the day the chart was made (in ``tz``).
    """
    from bot.exports.charts import chart_language  # noqa: PLC0415 - lazy: charts load matplotlib

    tr = Translator(chart_language(language))
    parts = []
    if round_ids is None:
        parts.append(tr._("Alle rondes"))
    else:
        named = []
        for round_id in round_ids:
            row = conn.execute("SELECT survey FROM rounds WHERE id = ?", (round_id,)).fetchone()
            survey = cat.surveys.get(row[0]) if row else None
            named.append(f"#{round_id} {survey.title.get(tr.language, survey.title['nl'])}" if survey
                         else f"#{round_id}")
        parts.append(", ".join(named))
    if centres:
        names = dict(conn.execute("SELECT code, name FROM centres").fetchall())
        shown = [names.get(code, code) for code in centres]
        parts.append(", ".join(shown[:3]) + (f" +{len(shown) - 3}" if len(shown) > 3 else ""))
    parts.append(tr.date(now or datetime.now(tz), tz, "medium"))
    return " · ".join(parts)


def run_chart(
    db_path: Path | str,
    cat: Catalogue,
    out: Path,
    *,
    tz: ZoneInfo,
    round_ids: Sequence[int] | None = None,
    centres: Sequence[str] | None = None,
    k: int = 5,
    language: str = "nl",
    only: Sequence[str] | None = None,
    audience: Audience | str = Audience.ADMIN,
    by_district: bool = False,
) -> Path | list[Path]:
    """Draw the indicator chart of an export scope (blocking; shared by chat, CLI, demo).

    Args:
        db_path: The SQLite database.
        cat: Survey catalogue.
        out: Destination PNG.
        tz: Time zone (as for exports).
        round_ids: Only these rounds.
        centres: Only these centres.
        k: Bars with fewer answers are not drawn (small-cell suppression).
        language: Language of the chart (see :data:`bot.exports.charts.CHART_LANGUAGES`).
        only: Indicators to draw; default: the picture questions that have answers.
        audience: Who gets it (``chat.chart`` in :mod:`bot.privacy.disclosure`).
        by_district: One chart per district instead (``out`` with ``-wijk-1`` … before
            its suffix), each from the district rows of
            :func:`bot.exports.summary.breakdown_table`: rolled up from the centres, so no
            district chart tells more than its centres' charts.

    Returns:
        The PNG written; with ``by_district`` the list of PNGs, one per district.

    The heading's second line says what the chart covers (:func:`chart_caption`). The bars
    count released respondents only (batches of k per round and centre), so a chart made
    just before and just after one resident finishes is the same chart.

    Raises:
        ExportRefused: ``empty`` (no answers) or ``too_small`` (no respondent released
            yet), ``no_districts`` (by district, but no centre of the scope has one);
            nothing is drawn.
    """
    from bot.exports.charts import draw_indicator_chart  # noqa: PLC0415 - lazy: charts load matplotlib

    k = grant("chat.chart", audience, k).k
    conn = connect_readonly(db_path)
    try:
        cat = pinned(conn, cat, round_ids)  # an old round reads the survey it asked
        respondents, released = respondents_and_release(conn, round_ids, centres, k)
        if respondents == 0:
            raise ExportRefused("empty")
        if not released:
            raise ExportRefused("too_small", respondents, released.held_back)
        rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids, centres=centres,
                                     only=released, include_text=False))
        caption = chart_caption(conn, cat, round_ids=round_ids, centres=centres, language=language, tz=tz)
        asked = asked_items(conn, cat, round_ids, centres)
        district_of = district_lookup(conn, cat)
    finally:
        conn.close()
    if only is None:  # the picture questions the rounds asked (else: those with answers)
        scale = {i.id for i in cat.indicators}
        only = ([i for i in asked if i in scale] if asked is not None
                else sorted({r.item_id for r in rows if r.item_type == "scale"})) or None
    if not by_district:
        summary = summary_table(rows, cat, k=k)  # the coordinator's table, collapse included
        return draw_indicator_chart(summary, cat, out, k=k, language=language, only=only,
                                    caption=caption)
    table = breakdown_table(rows, cat, k=k, district_of=district_of)
    districts = list(dict.fromkeys(r["unit"] for r in table if r["level"] == "wijk"))
    if not districts:
        raise ExportRefused("no_districts", respondents, released.held_back)
    paths = []
    for number, district in enumerate(districts, 1):
        summary = [r for r in table if r["level"] == "wijk" and r["unit"] == district]
        path = out.with_name(f"{out.stem}-wijk-{number}{out.suffix}")
        paths.append(draw_indicator_chart(summary, cat, path, k=k, language=language, only=only,
                                          caption=f"{district} · {caption}"))
    return paths
