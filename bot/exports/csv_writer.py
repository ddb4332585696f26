"""Streaming CSV writer for the long-format answers export.

Two dialects, both UTF-8 with a byte-order mark (BOM), CRLF line ends and minimal quoting
(a field is quoted only if it holds the delimiter, a quote, CR or LF; quotes are doubled):

* ``rfc4180`` — comma-separated, as in RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180).
  For R, pandas, SPSS and LibreOffice.
* ``excel-nl`` — semicolon-separated. Excel with Dutch regional settings uses ``;`` as
  list separator, so this file opens in columns on a double-click. There is deliberately
  no ``sep=;`` first line: Excel then ignores the BOM and shows UTF-8 text (é, ğ, ї, ع)
  garbled.

The BOM is what makes Excel read the file as UTF-8; Python reads it back with
``encoding="utf-8-sig"``. Every text cell passes through
:func:`bot.exports.safety.neutralise` (OWASP CSV-injection rule). Answers may contain
newlines; they are kept inside a quoted field and survive a round trip through
:mod:`csv` (read with ``newline=""``).

Rows are streamed: memory use does not grow with the number of rows.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, Literal

from bot.exports.rows import ANSWER_COLUMNS, AnswerRow
from bot.exports.safety import ROW_TRIGGER_RE, neutralise

Dialect = Literal["excel-nl", "rfc4180"]

#: :func:`csv.writer` keyword arguments per dialect.
DIALECTS: dict[str, dict] = {
    "rfc4180": {"delimiter": ",", "quotechar": '"', "lineterminator": "\r\n",
                "quoting": csv.QUOTE_MINIMAL, "doublequote": True},
    "excel-nl": {"delimiter": ";", "quotechar": '"', "lineterminator": "\r\n",
                 "quoting": csv.QUOTE_MINIMAL, "doublequote": True},
}

#: Bytes buffered before each write to the underlying file.
BUFFER_SIZE = 1 << 20

# The twelve string fields of AnswerRow, in ANSWER_COLUMNS order (between round and date).
_STRING_FIELDS = ANSWER_COLUMNS[1:-1]
_get_strings = attrgetter(*_STRING_FIELDS)


def _writer_kwargs(dialect: str) -> dict:
    try:
        return DIALECTS[dialect]
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown CSV dialect {dialect!r}; use one of {known}") from None


@contextmanager
def open_csv_text(out: BinaryIO | Path | str) -> Iterator[io.TextIOWrapper]:
    """Open ``out`` for CSV text: write the UTF-8 BOM and yield a buffered text stream.

    Args:
        out: A path (created or truncated) or a binary file object open for writing. A
            file object is flushed but not closed.

    Yields:
        A text stream (UTF-8, no newline translation) to hand to :func:`csv.writer`.
    """
    if isinstance(out, (str, Path)):
        raw: BinaryIO = open(out, "wb", buffering=BUFFER_SIZE)  # noqa: SIM115
        owned = True
    else:
        raw, owned = out, False
    try:
        raw.write(codecs.BOM_UTF8)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False)
        # Larger internal chunks: fewer hand-overs to the byte buffer (CPython honours it).
        with suppress(AttributeError):  # other Python implementations
            text._CHUNK_SIZE = BUFFER_SIZE  # type: ignore[attr-defined]
        try:
            yield text
        finally:
            text.flush()
            text.detach()
            raw.flush()
    finally:
        if owned:
            raw.close()


class _IsoDates(dict):
    """``date -> "YYYY-MM-DD"``, computed on first use (an export spans few distinct days)."""

    def __missing__(self, day: date | str) -> str:
        text = self[day] = day if isinstance(day, str) else day.isoformat()
        return text


def _answer_cells(rows: Iterable[AnswerRow], counter: list[int]) -> Iterator[tuple]:
    """Rows as cell tuples, neutralised; counts rows in ``counter[0]``.

    The injection test runs once per row on the twelve string cells joined by U+001F
    (one C-level regex search); only rows that may hold a trigger are checked cell by cell.
    Dates are formatted once per distinct day.
    """
    search = ROW_TRIGGER_RE.search
    join = "\x1f".join
    iso = _IsoDates()
    n = 0
    for row in rows:
        cells = _get_strings(row)
        if search("\x1f" + join(cells)):
            cells = tuple(map(neutralise, cells))
        n += 1
        yield (row.round, *cells, iso[row.answered_on])
    counter[0] = n


def write_answers_csv(
    rows: Iterable[AnswerRow],
    out: BinaryIO | Path | str,
    *,
    dialect: Dialect = "rfc4180",
) -> int:
    """Write the long-format answers export (header :data:`ANSWER_COLUMNS`).

    Args:
        rows: Answers, already anonymised; consumed once, never held in memory.
        out: Destination path, or a binary file object open for writing (left open).
        dialect: ``"rfc4180"`` (comma) or ``"excel-nl"`` (semicolon, for Dutch Excel).

    Returns:
        Number of data rows written (the header not counted).

    Raises:
        ValueError: If ``dialect`` is unknown.
        OSError: If the file cannot be written.
    """
    kwargs = _writer_kwargs(dialect)
    counter = [0]
    with open_csv_text(out) as text:
        writer = csv.writer(text, **kwargs)
        writer.writerow(ANSWER_COLUMNS)
        writer.writerows(_answer_cells(rows, counter))
    return counter[0]


def write_table_csv(
    header: Sequence[str],
    rows: Iterable[Sequence],
    out: BinaryIO | Path | str,
    *,
    dialect: Dialect = "rfc4180",
) -> int:
    """Write a small generic table (codebook, summary) with the same dialects and guards.

    Args:
        header: Column names.
        rows: Cell sequences; ``str`` cells are neutralised, ``None`` becomes an empty
            cell, other values are written with ``str()``.
        out: Destination path, or a binary file object open for writing (left open).
        dialect: ``"rfc4180"`` or ``"excel-nl"``.

    Returns:
        Number of data rows written.
    """
    kwargs = _writer_kwargs(dialect)
    n = 0
    with open_csv_text(out) as text:
        writer = csv.writer(text, **kwargs)
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow(
                ["" if c is None else neutralise(c) if isinstance(c, str) else c for c in row]
            )
            n += 1
    return n


def write_readme(path: Path | str, lines: Iterable[str]) -> Path:
    """Write a plain-text note to ship next to a CSV (e.g. ``LEESMIJ.txt``).

    Notes such as "free text purged after retention" or "dates are calendar dates in
    Europe/Amsterdam" do not belong in the CSV body (they would break the rectangular
    shape); put them here instead. UTF-8 with BOM and CRLF, so Windows Notepad shows it.

    Args:
        path: Destination file.
        lines: One note per line.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="\r\n") as fh:
        for line in lines:
            fh.write(line.rstrip("\r\n") + "\n")
    return path
