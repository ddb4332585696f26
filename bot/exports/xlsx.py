"""Excel workbook export: answers, stories, codebook, summary and notes in one file.

Sheets, in order (Dutch names, for the people who open them):

* ``antwoorden`` — the analyst's (admin's) workbook only: the k-anonymous row file,
  :data:`~bot.exports.rows.ANSWER_COLUMNS`, one row per answer (scale values as
  numbers; ``datum`` always an Excel date, a month the file generalised to as its first
  day shown ``yyyy-mm``, :func:`date_value`; no free text).
* ``antwoorden_breed`` — the analyst's workbook only: the same answers, one row per
  respondent and round (:mod:`bot.exports.wide`), numbers as numbers, ``datum`` as above.
* ``samenvatting`` — :func:`bot.exports.summary.summary_table`: counts, medians, 3-point
  collapse; a withheld count is an empty cell, named in the ``verborgen`` (withheld) column.
* ``kaarten`` — :func:`bot.exports.summary.card_table` (coordinator's workbook).
* ``verhalen`` — the coordinator's workbook: approved stories that may be quoted
  (:func:`bot.exports.stories_doc.load_stories`): round, centre, month, language (where
  at least k share it), domain, text, why, effects, and the review work on it: on the
  shortlist, selected, by whom (``centre`` or ``all centres``) and the selector's reason.
  No respondent, no day.
* ``effecten`` — the coordinator's workbook: the effects table
  (:func:`bot.exports.stories_doc.effects_table`), a withheld count an empty cell named
  in the ``verborgen`` (withheld) column.
* ``codeboek`` — :func:`bot.exports.codebook.codebook_rows`.
* ``toelichting`` — notes: time zone, suppression legend, the disclosure notes of the export.

What goes in is decided by :mod:`bot.privacy.disclosure` (see :func:`bot.exports.service.run_export`).

Column headers are Dutch (:data:`DUTCH_HEADERS`; the codebook keeps its keys, item columns
their ids). Every sheet has a bold header row that stays in view (``freeze_panes = "A2"``) and
columns sized to their content (capped at :data:`MAX_WIDTH` characters).

Safety: every text cell is neutralised (OWASP CSV-injection rule, see
:mod:`bot.exports.safety`) *and* written with the explicit cell type ``s`` (string), so
neither a leading ``=`` (openpyxl would store a formula) nor an Excel error literal such as
``#N/A`` changes the type. Control characters that XML 1.0 cannot hold are removed.

The workbook is written in openpyxl's write-only mode: rows are streamed to temporary
files, but openpyxl keeps the shared-strings table in memory, and a sheet holds at most
1,048,576 rows (Excel's limit), so use the CSV export for very large data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, islice, zip_longest
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot import msc
from bot.exports.codebook import CODEBOOK_COLUMNS, codebook_rows
from bot.exports.rows import ANSWER_COLUMNS, AnswerRow
from bot.exports.safety import neutralise
from bot.exports.summary import (
    CARD_COLUMNS,
    SECONDARY_MARK,
    TABLE_COLUMNS,
    breakdown_columns,
    count_answers,
    summary_table_of,
    table_columns,
)
from bot.i18n import Translator
from bot.privacy.disclosure import cell, describe_collapse
from bot.survey.catalogue import Catalogue

#: Column order of the ``verhalen`` sheet (coordinator's workbook).
STORY_COLUMNS: tuple[str, ...] = (
    "round", "centre", "month", "language", "domain", "text", "why", "effects", "shortlist",
    "selected", "chosen_by", "reason",
)

#: Extra columns of the ``verhalen`` sheet when stories are machine-translated (Dutch).
MACHINE_COLUMNS: tuple[str, ...] = ("machinevertaling_nl", "waarom_machinevertaling_nl")

#: Columns of the ``effecten`` sheet (coordinator's workbook).
EFFECT_SHEET_COLUMNS: tuple[str, ...] = ("main_goal", "effect", "kinds", "mentioned", "withheld",
                                         "in_document")

#: Columns of the ``samenvatting`` sheet of a 5-point scale (a pack's own scale:
#: :func:`bot.exports.summary.table_columns`).
SUMMARY_SHEET_COLUMNS: tuple[str, ...] = TABLE_COLUMNS

#: Column headers as the workbook shows them: Dutch, for the people who open it (the CSV
#: files keep the English names scripts rely on; the codebook's ``item_id`` stays the key,
#: and item columns keep their ids). Names not listed are shown as they are.
DUTCH_HEADERS: dict[str, str] = {
    "round": "ronde", "centre": "centrum", "language": "taal", "item_type": "soort",
    "main_goal": "hoofddoel", "sub_goal": "subdoel", "value": "waarde",
    "value_label_nl": "waarde_label", "text": "tekst", "mode": "modus", "answered_on": "datum",
    "indicator_nl": "indicator", "dont_know": "weet_niet", "skipped": "overgeslagen",
    "median": "mediaan", "withheld": "verborgen", "low": "laag", "middle": "midden",
    "high": "hoog", "withheld_3pt": "verborgen_3pt", "card": "kaart", "card_nl": "kaart_nl",
    "respondents": "bewoners", "picked": "keer_gekozen", "month": "maand", "domain": "domein",
    "why": "waarom", "effects": "effecten", "selected": "gekozen", "chosen_by": "gekozen_door",
    "reason": "reden", "kinds": "soort_antwoorden", "mentioned": "genoemd",
    "in_document": "in_verhalendocument", "level": "niveau", "unit": "centrum_of_wijk",
}

#: Widest column, in characters.
MAX_WIDTH = 60

#: Excel's maximum rows per sheet (header included) and characters per cell.
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767

#: Rows read ahead to size the columns of the streamed sheets.
_SAMPLE_ROWS = 1000

_BOLD = Font(bold=True)

#: Number formats of the ``datum`` column: a day, or a month the row file generalised to.
DAY_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"


def date_value(value: date | str | None) -> tuple[date | None, str]:
    """A row file's ``answered_on`` as an Excel date and the number format to show it with.

    The analyst's row file shows a day (``2026-03-04``), a month where it generalised the
    date (``2026-03``) or nothing (round only). In the workbook each is a real date, so the
    ``datum`` column has one type and sorts and filters as dates in Excel and LibreOffice:
    a day as that day (``yyyy-mm-dd``), a month as its first day shown ``yyyy-mm`` (the
    format tells the two apart), round only as an empty cell.

    Args:
        value: A :class:`datetime.date`, an ISO day or month, or ``""`` / None.

    Returns:
        ``(date or None, number format)``.

    Raises:
        ValueError: For text that is neither an ISO day nor an ISO month.
    """
    if value is None or value == "":
        return None, DAY_FORMAT
    if isinstance(value, date):
        return value, DAY_FORMAT
    if len(value) == 7:
        return date.fromisoformat(value + "-01"), MONTH_FORMAT
    return date.fromisoformat(value), DAY_FORMAT


def _date_cell(ws, value: date | str | None) -> WriteOnlyCell:
    day, number_format = date_value(value)
    cell = WriteOnlyCell(ws, value=day)
    if day is not None:
        cell.number_format = number_format
    return cell


def clean_text(value: str) -> str:
    """Make a string safe for an XLSX text cell.

    Removes control characters XML 1.0 cannot store (all below U+0020 except tab, LF,
    CR), truncates to Excel's 32,767-character cell limit, then applies
    :func:`~bot.exports.safety.neutralise`.
    """
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) >= MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 2] + "…"
    return neutralise(value)


def _text_cell(ws, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=clean_text(value))
    cell.data_type = "s"
    return cell


class _Texts(dict):
    """The cleaned text (:func:`clean_text`) of each distinct string of one workbook, or
    None for one that must be a cell typed as text (:func:`_text_cell`).

    openpyxl stores a plain string as text unless it reads as a formula (``=…``) or an
    error value (``#N/A`` …): only those need a typed cell; the rest stay plain strings,
    which ``append`` writes the same way without the cost of a cell object of their own
    (it tries each value as a cell value first, and a cell object fails that try). A
    sheet repeats the same few strings (item ids, goals, statuses, centres) in every
    row; each is cleaned once. Kept per workbook, so no answer outlives its export.
    """

    def __missing__(self, value: str) -> str | None:
        text = clean_text(value)
        plain = None if text.startswith("=") or text in ERROR_CODES else text
        self[value] = plain
        return plain


def _cells(ws, values: Sequence, texts: _Texts) -> list:
    """Values -> row for ``ws.append``: strings become their cleaned text (``texts``), or a
    cell typed as text where that reads as a formula or an error value."""
    return [(_text_cell(ws, v) if (t := texts[v]) is None else t) if isinstance(v, str) else v
            for v in values]


def _display_len(value) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    return max(map(len, str(value).splitlines()), default=0)


def _size_columns(ws, header: Sequence[str], sample: Iterable[Sequence]) -> None:
    """Set column widths from the header and a sample of rows (before the first append)."""
    widths = [len(h) + 2 for h in header]
    # column by column; a short row's missing cells count as empty (None: width 0)
    for i, column in enumerate(zip_longest(*sample)):
        widths[i] = max(widths[i], max(map(_display_len, column)) + 2)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(width, MAX_WIDTH)


def _dutch_collapse(text: str) -> str:
    """``low = 1+2, middle = 3, …`` with the workbook's Dutch column names."""
    for name in ("low", "middle", "high"):
        text = text.replace(f"{name} =", f"{DUTCH_HEADERS[name]} =")
    return text


def _start_sheet(wb: Workbook, title: str, header: Sequence[str], sample: Iterable[Sequence],
                 *, dutch: bool = True):
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    if dutch:
        header = [DUTCH_HEADERS.get(name, name) for name in header]
    _size_columns(ws, header, sample)
    head = []
    for name in header:
        cell = _text_cell(ws, name)
        cell.font = _BOLD
        head.append(cell)
    ws.append(head)
    return ws


def _answer_values(row: AnswerRow) -> tuple:
    values = list(row.as_tuple())
    values[-1] = row.answered_on
    if row.item_type == "scale" and row.value.isdigit():
        values[ANSWER_COLUMNS.index("value")] = int(row.value)
    return tuple(values)


def write_xlsx(
    rows: Iterable[AnswerRow] | None,
    cat: Catalogue,
    out: Path | str | BinaryIO,
    *,
    k: int = 5,
    notes: Sequence[str] = (),
    summary: list[dict] | None = None,
    cards: list[dict] | None = None,
    stories: Sequence | None = None,
    effects: Sequence[dict] | None = None,
    wide: tuple[Sequence[str], Sequence[Sequence]] | None = None,
    breakdown: list[dict] | None = None,
) -> None:
    """Write the export workbook (see the module docstring for the sheets).

    Args:
        rows: The k-anonymous answers for the ``antwoorden`` sheet (analyst), or None for a
            workbook without one (coordinator); consumed once.
        cat: The survey catalogue (codebook, indicator texts).
        out: Destination path or a binary file object open for writing.
        k: Minimum cell size of the summary (default 5).
        notes: Extra lines for the ``toelichting`` sheet.
        summary: The ``samenvatting`` sheet (:func:`bot.exports.summary.summary_table` of the
            released respondents); None: computed from ``rows``.
        cards: The ``kaarten`` sheet (:func:`bot.exports.summary.card_table`), or None.
        breakdown: The ``per_wijk`` sheet (:func:`bot.exports.summary.breakdown_table`:
            the summary per centre and per district, districts rolled up from their
            centres), or None (no centre of the scope lies in a district).
        stories: :class:`bot.exports.stories_doc.StoryRecord` s for a ``verhalen`` sheet,
            or None.
        effects: :func:`bot.exports.stories_doc.effects_table` rows for an ``effecten``
            sheet, or None.
        wide: ``(header, rows)`` of :func:`bot.exports.wide.wide_rows` for an
            ``antwoorden_breed`` sheet (one row per respondent), or None.

    Raises:
        ValueError: If the answers do not fit in one sheet (more than 1,048,575 rows).
        OSError: If ``out`` cannot be written.
    """
    wb = Workbook(write_only=True)
    texts = _Texts()
    counts = None
    if rows is not None:
        it: Iterator[AnswerRow] = iter(rows)
        head = list(islice(it, _SAMPLE_ROWS))
        head_values = [_answer_values(r) for r in head]   # sized from, then written
        answers = _start_sheet(wb, "antwoorden", ANSWER_COLUMNS, head_values)
        written = 0

        def stream() -> Iterator[AnswerRow]:
            nonlocal written
            rest = ((row, _answer_values(row)) for row in it)
            for row, row_values in chain(zip(head, head_values), rest):
                written += 1
                if written >= MAX_ROWS:
                    raise ValueError(
                        f"more than {MAX_ROWS - 1:,} answers do not fit in an XLSX sheet; use CSV"
                    )
                values = _cells(answers, row_values, texts)
                values[-1] = _date_cell(answers, row.answered_on)
                answers.append(values)
                yield row

        counts = count_answers(stream(), cat)
    if wide is not None:
        header, table = wide
        ws = _start_sheet(wb, "antwoorden_breed", header, table[:_SAMPLE_ROWS])
        at = list(header).index("datum") if "datum" in header else None
        for values in table:
            cells = _cells(ws, values, texts)
            if at is not None:
                cells[at] = _date_cell(ws, values[at])
            ws.append(cells)
    if summary is None:
        summary = summary_table_of(counts or count_answers((), cat), cat, k=k)

    columns = table_columns(cat.scale.values)
    table = [[r[c] for c in columns] for r in summary]
    ws = _start_sheet(wb, "samenvatting", columns, table)
    for values in table:
        ws.append(_cells(ws, values, texts))

    if breakdown:
        columns = breakdown_columns(cat.scale.values)
        table = [[r[c] for c in columns] for r in breakdown]
        ws = _start_sheet(wb, "per_wijk", columns, table)
        for values in table:
            ws.append(_cells(ws, values, texts))

    if cards is not None:
        table = [[r[c] for c in CARD_COLUMNS] for r in cards]
        ws = _start_sheet(wb, "kaarten", CARD_COLUMNS, table)
        for values in table:
            ws.append(_cells(ws, values, texts))

    if stories is not None:
        tr = Translator("nl")
        story_rows: list[list] = []
        for s in stories:
            picks = s.selections
            story_rows.append([
                s.round_id, s.centre_name, s.answered_on.strftime("%Y-%m"), s.language,
                msc.domain_label(cat, s.domain, tr), s.text, s.why,
                "; ".join(msc.effect_label(cat, e, "nl") for e in s.codes),
                "ja" if s.shortlisted else "", "ja" if s.selected else "",
                "; ".join("alle centra" if n.level == "all" else n.centre_name for n in picks),
                "\n".join(n.reason for n in picks)])
        story_columns = STORY_COLUMNS
        if any(s.translation for s in stories):   # only with TRANSLATE_URL set
            story_columns = (*STORY_COLUMNS, *MACHINE_COLUMNS)
            for line, s in zip(story_rows, stories, strict=True):
                line += [s.translation, s.why_translation]
        ws = _start_sheet(wb, "verhalen", story_columns, story_rows)
        for line in story_rows:
            ws.append(_cells(ws, line, texts))

    if effects is not None:
        table = []
        for row in effects:
            mentioned, flag = cell(row["mentioned"])
            table.append([row["main_goal_nl"], row["effect_nl"], row["kinds_nl"], mentioned, flag,
                          row["in_document"]])
        ws = _start_sheet(wb, "effecten", EFFECT_SHEET_COLUMNS, table)
        for values in table:
            ws.append(_cells(ws, values, texts))

    book = [[r[c] for c in CODEBOOK_COLUMNS] for r in codebook_rows(cat)]
    ws = _start_sheet(wb, "codeboek", CODEBOOK_COLUMNS, book, dutch=False)  # the codebook's keys
    for values in book:
        ws.append(_cells(ws, values, texts))

    points = [f"{p.value} = {p.label['nl']}" for p in cat.scale.points]
    no_middle = "" if len(points) % 2 else " (even aantal punten: geen midden, midden blijft leeg)"
    about = [
        ["Datums zijn kalenderdatums in Europe/Amsterdam; er worden geen tijden geëxporteerd."],
        [("Kolom datum (antwoorden, antwoorden_breed): altijd een datum. Waar het bestand alleen "
          "de maand laat zien, is het de eerste dag van die maand, getoond als jjjj-mm; leeg: "
          "alleen de ronde.")],
        [(f"Tabblad samenvatting: een lege cel is een verborgen aantal; de kolom verborgen zegt welke "
          f"en waarom: \"<{k}\" = 1 tot {k - 1} antwoorden, \"{SECONDARY_MARK}\" = verborgen zodat "
          f"een kleine cel niet uit n is terug te rekenen. Schaal van {len(points)} "
          f"punten: {', '.join(points)}. Samengevat (laag/midden/hoog): "
          f"{_dutch_collapse(describe_collapse(cat.scale.values))}{no_middle} "
          f"(ook verborgen waar nodig, kolom verborgen_3pt). De mediaan staat er alleen als "
          f"geen cel verborgen is.")],
        [(f"Cijfers tellen bewoners in groepjes van {k} per ronde en centrum: een nieuwe "
          f"deelnemer komt er pas bij als er {k} nieuwe zijn (zo is niemand uit twee exports "
          f"terug te rekenen).")],
        [("Cellen die met = + - @ of een tab beginnen, krijgen een ' ervoor "
          "(bescherming tegen formule-injectie, OWASP).")],
        *([note] for note in notes),
    ]
    ws = _start_sheet(wb, "toelichting", ["toelichting"], [])
    ws.column_dimensions["A"].width = 120
    for values in about:
        ws.append(_cells(ws, values, texts))

    try:
        wb.save(str(out) if isinstance(out, (str, Path)) else out)
    except BaseException:
        _finish_sheets(wb)
        raise


def _finish_sheets(wb: Workbook) -> None:
    """End the write-only sheets of ``wb`` that a failed save left open (no file is written).

    Each sheet streams its rows into a temporary file through a generator; left open, the
    garbage collector closed it later, after that file, so the sheet's XML end failed
    ("I/O operation on closed file") as an ignored error in the middle of other work.
    """
    for ws in wb.worksheets:
        if not ws.closed:
            ws.close()
