"""The analyst's wide file: one row per respondent and round, one column per question.

The long row file (:data:`bot.exports.rows.ANSWER_COLUMNS`, one row per answer) is what
a database wants; a spreadsheet or SPSS user wants one row per person. This module pivots
the *same* k-anonymous rows (:func:`bot.exports.query.iter_answer_rows` with the export's
row plan), so the wide file shows exactly what the long one shows, with the same
generalised centre, language, mode and date and the same random labels within one export.

Columns, in order (Dutch names; item columns are the codebook's ``item_id``):

* ``ronde``, ``respondent``, ``centrum``, ``taal``, ``modus``, ``datum``;
* per question asked (:func:`bot.exports.query.asked_items`), in survey order:

  - picture question (``scale``) and number (``number``): ``<item_id>`` as a number
    (1 … 5 for the scale; empty when not answered with a value) and
    ``<item_id>_status``;
  - pick one (``single``): ``<item_id>`` with the option code, and ``<item_id>_status``;
  - pick several (``choice``, ``cards``): ``<item_id>.<option>`` = 1 picked, 0 not
    picked (empty when the question was not answered), and ``<item_id>_status``;
  - free text (``text``): ``<item_id>_status`` only — no free text in a row file; the
    stories, "why it matters" and the choice deciding a story question (``msc.domains``)
    get no column at all — the export leaves them out of ``items`` (they would tie a
    quoted story to its teller's row, :func:`bot.privacy.disclosure.row_file_hidden_items`).

``_status`` holds ``beantwoord``, ``weet niet``, ``overgeslagen`` or is empty (not
reached). Numbers are numbers, so a spreadsheet can average a column at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.exports.rows import AnswerRow
from bot.survey.catalogue import Catalogue

#: The columns before the questions.
WIDE_FIXED: tuple[str, ...] = ("ronde", "respondent", "centrum", "taal", "modus", "datum")

#: Answer status as the wide file says it.
STATUS_NL: dict[str, str] = {"answered": "beantwoord", "dont_know": "weet niet", "skipped": "overgeslagen"}

#: The quasi-identifier columns of the wide file (for the k-anonymity check).
WIDE_QUASI: tuple[str, ...] = ("ronde", "centrum", "taal", "modus", "datum")


def wide_header(cat: Catalogue, items: Sequence[str]) -> list[str]:
    """The wide file's columns for ``items`` (item ids in order; unknown ids are skipped)."""
    header = list(WIDE_FIXED)
    for item_id in items:
        item = cat.items.get(item_id)
        if item is None:
            continue
        if item.type in ("scale", "number", "single"):
            header.append(item.id)
        elif item.type in ("choice", "cards"):
            header += [f"{item.id}.{opt.id}" for opt in item.options]
        header.append(f"{item.id}_status")
    return header


def _number(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def wide_rows(rows: Iterable[AnswerRow], cat: Catalogue, items: Sequence[str]
              ) -> tuple[list[str], list[list]]:
    """Pivot long answer rows into the wide file.

    Args:
        rows: The long rows of one export (one per answer; one per picked option for
            ``choice``/``cards``), in the order the long file has them.
        cat: The catalogue the rounds asked (pinned).
        items: The item ids to give columns (:func:`bot.exports.query.asked_items`).

    Returns:
        ``(header, table)``: :func:`wide_header` and one list of values per respondent and
        round, in order of first appearance.
    """
    header = wide_header(cat, items)
    at = {name: i for i, name in enumerate(header)}
    columns = _item_columns(cat, at)
    width, fixed = len(header), len(WIDE_FIXED)
    table: dict[tuple[int, str], list] = {}
    for row in rows:
        key = (row.round, row.respondent)
        values = table.get(key)
        if values is None:
            values = [None] * width
            values[:fixed] = [row.round, row.respondent, row.centre, row.language,
                              row.mode, str(row.answered_on)]
            table[key] = values
        plan = columns.get(row.item_id)
        if plan is None:
            continue
        kind, status_at, value_at, options = plan
        values[status_at] = STATUS_NL.get(row.status, row.status)
        if row.status != "answered":
            continue
        if kind == "number":
            values[value_at] = _number(row.value)
        elif kind == "single":
            values[value_at] = row.value
        elif kind == "several":
            for column in options.values():       # answered: every option is 1 or 0
                if values[column] is None:
                    values[column] = 0
            if row.value in options:
                values[options[row.value]] = 1
    return header, list(table.values())


def _item_columns(cat: Catalogue, at: dict[str, int]) -> dict[str, tuple]:
    """Item id -> (kind, status column, value column, option id -> column) of the items
    with a ``_status`` column in ``at`` (the header's column numbers), worked out once per
    file instead of once per row. Kind: ``number`` (scale, number), ``single``,
    ``several`` (choice, cards; ``options`` in catalogue order) or ``status`` (the rest)."""
    out: dict[str, tuple] = {}
    for item_id, item in cat.items.items():
        status_at = at.get(f"{item_id}_status")
        if status_at is None:
            continue
        if item.type in ("scale", "number"):
            out[item_id] = ("number", status_at, at[item.id], {})
        elif item.type == "single":
            out[item_id] = ("single", status_at, at[item.id], {})
        elif item.type in ("choice", "cards"):
            options = {opt.id: at[f"{item.id}.{opt.id}"] for opt in item.options}
            out[item_id] = ("several", status_at, None, options)
        else:
            out[item_id] = ("status", status_at, None, {})
    return out
