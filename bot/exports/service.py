"""One export, end to end: database → anonymised rows → file. Shared by chat and CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.exports.query import connect_readonly, iter_answer_rows
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
    """

    path: Path
    rows: int
    respondents: int


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
        rows = iter_answer_rows(
            conn, cat, tz=tz, round_ids=round_ids, centres=centres,
            panel_secret=panel_secret, respondent_label=labeller,
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
                ],
            )
            n = len(materialised)
            respondents = len({r.respondent for r in materialised})
        else:
            from bot.exports.sql_csv import write_answers_csv_sql

            n, respondents = write_answers_csv_sql(
                conn, cat, out, tz=tz, dialect="excel-nl" if fmt == "excel-nl" else "rfc4180",
                round_ids=round_ids, centres=centres, panel_secret=panel_secret,
                workers=workers, db_path=Path(db_path),
            )
    finally:
        conn.close()
    return ExportResult(out, n, respondents)
