"""One export, end to end: database → anonymised rows → file. Shared by chat and CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.query import connect_readonly, iter_answer_rows
from bot.exports.scope import scope_sql, where
from bot.privacy.pseudonym import RespondentLabeller
from bot.survey import Catalogue

#: Export formats: name -> (file suffix, description).
FORMATS: dict[str, tuple[str, str]] = {
    "csv": (".csv", "CSV, comma (RFC 4180)"),
    "excel-nl": (".csv", "CSV, semicolon (Dutch Excel)"),
    "xlsx": (".xlsx", "Excel workbook"),
    "codebook": (".csv", "Codebook"),
}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        path: The file written.
        rows: Answer rows written (codebook: item rows).
        respondents: Distinct respondents in the export.
        notes: Things the reader must know (text purged after retention, text left out).
    """

    path: Path
    rows: int
    respondents: int
    notes: tuple[str, ...] = ()


def export_filename(fmt: str, round_id: int | None, today: date) -> str:
    """``buurtstem-ronde-3-2026-11-30.csv`` style file name (no personal data)."""
    scope = f"ronde-{round_id}" if round_id is not None else "alle-rondes"
    kind = "codeboek" if fmt == "codebook" else scope
    return f"buurtstem-{kind}-{today.isoformat()}{FORMATS[fmt][0]}"


def run_export(
    db_path: Path | str,
    cat: Catalogue,
    out: Path,
    *,
    fmt: str = "csv",
    tz: ZoneInfo,
    round_ids: Sequence[int] | None = None,
    centres: Sequence[str] | None = None,
    panel_secret: bytes | None = None,
    min_cell_size: int = 5,
    workers: int = 1,
    include_small_stories: bool = False,
) -> ExportResult:
    """Write one export file (blocking; run it in a thread from async code).

    Args:
        db_path: The SQLite database.
        cat: Survey catalogue.
        out: Destination file.
        fmt: One of :data:`FORMATS`.
        tz: Time zone of the exported dates.
        round_ids: Only these rounds (None: all).
        centres: Only these centres (None: all) — a coordinator's scope.
        panel_secret: Stable panel keys instead of per-export labels (admins only).
        min_cell_size: k for small-cell suppression in aggregate sheets.
        workers: Processes for a large CSV export (the CLI uses the CPU count).
        include_small_stories: Export free text even when fewer than ``min_cell_size``
            respondents are in the export (only after an explicit confirmation: with so
            few storytellers a story can point to a person).

    Raises:
        ValueError: For an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "codebook":
        from bot.exports.codebook import write_codebook_csv

        n = write_codebook_csv(cat, out)
        return ExportResult(out, n, 0)
    labeller = RespondentLabeller()
    conn = connect_readonly(db_path)
    try:
        notes, include_text = export_notes(
            conn, round_ids=round_ids, centres=centres, k=min_cell_size,
            include_small_stories=include_small_stories,
        )
        rows = iter_answer_rows(
            conn, cat, tz=tz, round_ids=round_ids, centres=centres,
            panel_secret=panel_secret, respondent_label=labeller, include_text=include_text,
        )
        if fmt == "xlsx":
            from bot.exports.xlsx import write_xlsx

            materialised = list(rows)
            write_xlsx(
                materialised, cat, out, k=min_cell_size,
                notes=[
                    f"Dates are calendar dates in {tz.key}; no times are exported.",
                    f"Cells below {min_cell_size} are suppressed in the summary sheet.",
                    "Respondent labels are made for this export only.",
                    *notes,
                ],
            )
            n = len(materialised)
            respondents = len({r.respondent for r in materialised})
        else:
            from bot.exports.sql_csv import write_answers_csv_sql

            n, respondents = write_answers_csv_sql(
                conn, cat, out, tz=tz, dialect="excel-nl" if fmt == "excel-nl" else "rfc4180",
                round_ids=round_ids, centres=centres, panel_secret=panel_secret,
                workers=workers, db_path=Path(db_path), include_text=include_text,
                )
    finally:
        conn.close()
    return ExportResult(out, n, respondents, tuple(notes))


def export_notes(conn, *, round_ids, centres, k: int, include_small_stories: bool) -> tuple[list[str], bool]:
    """Notes for an export and whether free text may be included.

    Returns:
        ``(notes, include_text)``: notes name rounds whose free text was purged after the
        retention period, and say when text was left out because fewer than ``k``
        respondents are in the export.
    """
    notes: list[str] = []
    conditions, params = scope_sql(round_ids, None, round_column="id")
    extra = "".join(f" AND {c}" for c in conditions)
    for round_id, purged in conn.execute(
        f"SELECT id, text_purged_at FROM rounds WHERE text_purged_at IS NOT NULL{extra}", params
    ):
        notes.append(f"Round {round_id}: free text was deleted on {purged[:10]} "
                     "(retention period ended); stories are not in this export.")
    respondents = _respondents(conn, round_ids, centres)
    include_text = True
    if 0 < respondents < k and not include_small_stories:
        include_text = False
        notes.append(f"Fewer than {k} respondents: free text left out to protect anonymity "
                     "(export again with explicit confirmation to include it).")
    return notes, include_text


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
    from bot.charts import chart_language
    from bot.i18n import Translator

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
) -> Path:
    """Draw the indicator chart of an export scope (blocking; shared by chat, CLI, demo).

    Args:
        db_path: The SQLite database.
        cat: Survey catalogue.
        out: Destination PNG.
        tz: Time zone (as for exports).
        round_ids: Only these rounds. centres: Only these centres.
        k: Bars with fewer answers are not drawn (small-cell suppression).
        language: Language of the chart (see :data:`bot.charts.CHART_LANGUAGES`).
        only: Indicators to draw; default: the picture questions that have answers.

    The heading's second line says what the chart covers (:func:`chart_caption`).
    """
    from bot.charts import draw_indicator_chart
    from bot.exports.summary import indicator_summary

    conn = connect_readonly(db_path)
    try:
        rows = list(iter_answer_rows(conn, cat, tz=tz, round_ids=round_ids, centres=centres))
        caption = chart_caption(conn, cat, round_ids=round_ids, centres=centres, language=language, tz=tz)
    finally:
        conn.close()
    if only is None:
        only = sorted({r.item_id for r in rows if r.item_type == "scale"}) or None
    summary = indicator_summary(rows, cat, k=k)
    return draw_indicator_chart(summary, cat, out, k=k, language=language, only=only, caption=caption)
