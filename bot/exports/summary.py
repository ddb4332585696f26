"""Per-indicator frequency table with small-cell suppression.

Statistical disclosure control (SDC): in a small neighbourhood a count of 1 or 2 can point
to a person ("the one resident who answered 'not at all'"). Following the common practice
of national statistical offices (Statistics Netherlands, CBS, publishes no cells under a
minimum frequency and marks withheld cells), the table applies:

1. **Primary suppression** — a count of ``1 .. k-1`` is shown as ``"<k"`` (``"<5"``).
   Zero is shown: it tells nothing about an individual.
2. **Secondary suppression** — the value cells (one per point of the pack's scale: five in
   the Den Haag pack, four in the Maastricht pack) add up to ``n``, which is shown, so
   ``n`` minus the shown cells gives the total of the hidden ones. A reader knows every
   ``"<k"`` cell holds 1 to ``k - 1`` and every ``"x"`` cell at least ``k``; from those
   bounds and the hidden total they can compute the range each ``"<k"`` cell must lie in
   (the feasibility interval, as τ-ARGUS's audit does). While that range is a single value
   (one ``"<5"`` cell, or two ``"<5"`` totalling 2 or 8, or a ``"<5"`` next to an ``"x"``
   that leaves no room) the smallest other non-zero value cell (ties: lowest scale value)
   is withheld too, shown as ``"x"`` (CBS's sign for "geheim"). ``dont_know`` and
   ``skipped`` are not part of ``n`` and get primary suppression only.
3. **Row suppression** — if ``0 < n < k``, or if even hiding every value cell leaves a
   ``"<k"`` cell pinned down, ``n`` is withheld too (``"<k"`` or ``"x"``) and so are the
   value cells.
4. **Median** — an order statistic tells how many answers lie on either side of it, so it
   is shown only when no value cell is withheld.

This protects each small cell from exact recovery within one table; it is not a full
audit across tables (cf. τ-ARGUS, Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012): a reader who combines several tables of the same people, or knows the rule,
can still narrow a hidden cell. It is meant for the small tables of one centre and round.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from bot.exports.csv_writer import Dialect, write_table_csv
from bot.exports.rows import AnswerRow
from bot.exports.safety import suppress
from bot.privacy.disclosure import cell, collapse3, roll_up
from bot.survey.catalogue import Catalogue

#: Values of the default pack's 5-point scale, as strings. A pack declares its own scale:
#: code takes the values from :attr:`bot.survey.models.Scale.values` (``cat.scale.values``).
VALUES: tuple[str, ...] = ("1", "2", "3", "4", "5")


def summary_columns(values: Sequence[str] = VALUES) -> tuple[str, ...]:
    """Column order of :func:`indicator_summary` dicts for a scale with ``values``."""
    return ("item_id", "main_goal", "n", *values, "dont_know", "skipped", "median")


#: Column order of :func:`indicator_summary` dicts (5-point scale; see :func:`summary_columns`).
SUMMARY_COLUMNS: tuple[str, ...] = summary_columns()

#: Mark of a secondary-suppressed (or row-suppressed) cell.
SECONDARY_MARK = "x"


@dataclass
class Counts:
    """Raw, unsuppressed answer counts of one scale item.

    Attributes:
        values: Scale value (``"1"`` … ``"5"`` on a 5-point scale), lowest first ->
            number of ``answered`` rows. Its keys are the scale's values.
        dont_know: Number of ``dont_know`` rows.
        skipped: Number of ``skipped`` rows.
    """

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VALUES, 0))
    dont_know: int = 0
    skipped: int = 0

    @property
    def n(self) -> int:
        """Number of answers with a scale value."""
        return sum(self.values.values())

    def median(self) -> float | int | None:
        """Median scale value (mean of the two middle answers if ``n`` is even)."""
        n = self.n
        if n == 0:
            return None
        lo_pos, hi_pos = (n - 1) // 2, n // 2
        lo: int | None = None
        hi: int | None = None
        seen = 0
        for value, count in self.values.items():
            seen += count
            if lo is None and seen > lo_pos:
                lo = int(value)
            if seen > hi_pos:
                hi = int(value)
                break
        assert lo is not None and hi is not None  # n > 0: both middle positions are reached
        mid = (lo + hi) / 2
        return int(mid) if mid.is_integer() else mid


def count_answers(rows: Iterable[AnswerRow], cat: Catalogue) -> dict[str, Counts]:
    """Count answers per scale item, without any suppression (internal use only).

    Args:
        rows: Answers (any rounds/centres; filter before calling).
        cat: Catalogue; only its scale items (:attr:`Catalogue.indicators`) are counted.

    Returns:
        Item id -> :class:`Counts`, for every indicator of ``cat`` in catalogue order
        (zero counts if none answered), with one value per point of ``cat.scale``. Rows
        of other items, and ``answered`` rows whose value is not on the scale, are ignored.
    """
    values = cat.scale.values
    counts = {item.id: Counts(dict.fromkeys(values, 0)) for item in cat.indicators}
    for row in rows:
        c = counts.get(row.item_id)
        if c is None:
            continue
        if row.status == "answered":
            if row.value in c.values:
                c.values[row.value] += 1
        elif row.status == "dont_know":
            c.dont_know += 1
        elif row.status == "skipped":
            c.skipped += 1
    return counts


def pinned(hidden_total: int, primary: int, secondary: int, k: int) -> bool:
    """True if a reader can tell the exact value of a ``"<k"`` cell.

    Args:
        hidden_total: Sum of the withheld cells (the published total minus the shown cells).
        primary: Number of ``"<k"`` cells (each 1 to ``k - 1``).
        secondary: Number of ``"x"`` cells (each at least ``k``).
        k: Threshold.

    Returns:
        Whether the feasibility interval of a ``"<k"`` cell (the same for each of them) is
        a single value.
    """
    if primary == 0:
        return False
    others_min = (primary - 1) + secondary * k
    high = min(k - 1, hidden_total - others_min)
    if secondary:
        low = 1
    else:
        low = max(1, hidden_total - (primary - 1) * (k - 1))
    return low >= high


def suppress_cells(cells: dict[str, int], k: int = 5) -> tuple[dict[str, int | str], bool]:
    """Primary and secondary suppression of cells whose total is published.

    Args:
        cells: Label -> count (e.g. scale value -> answers, language -> respondents);
            insertion order breaks ties.
        k: Threshold (``k <= 1`` disables suppression).

    Returns:
        ``(cells, total_shown)``: label -> the count, ``"<k"`` (primary: 1 to ``k - 1``)
        or ``"x"`` (secondary: withheld so that no ``"<k"`` cell can be computed back, see
        :func:`pinned`); ``total_shown`` is False when no choice of ``"x"`` cells protects
        the small ones, so the total must be withheld as well (then every non-zero cell is
        withheld).

    Example:
        ``{"nl": 9, "en": 2, "tr": 6}`` with k = 5 -> ``({"nl": 9, "en": "<5", "tr": "x"},
        True)``: with only ``en`` hidden, 17 - 9 - 6 would give 2; with ``tr`` hidden
        too, ``en`` could be 1 to 3.
    """
    out: dict[str, int | str] = {v: suppress(c, k) for v, c in cells.items()}
    primary = [v for v, c in out.items() if isinstance(c, str)]
    order = list(cells)
    candidates = sorted((v for v, c in cells.items() if c >= k), key=lambda v: (cells[v], order.index(v)))
    secondary: list[str] = []
    while pinned(sum(cells[v] for v in primary + secondary), len(primary), len(secondary), k):
        if not candidates:
            return {v: (SECONDARY_MARK if c else 0) for v, c in cells.items()}, False
        secondary.append(candidates.pop(0))
    for v in secondary:
        out[v] = SECONDARY_MARK
    return out, True


def suppress_counts(counts: Counts, k: int = 5) -> dict:
    """Apply primary, secondary and row suppression to one item's counts.

    Args:
        counts: Raw counts of one item.
        k: Threshold (``k <= 1`` disables suppression).

    Returns:
        Dict with keys ``n``, the scale's values (``"1"`` … ``"5"``), ``dont_know``,
        ``skipped``, ``median``:
        ``int`` where shown, ``"<k"`` or ``"x"`` where withheld, ``median`` ``None`` if
        any value cell is withheld or there are no answers.

    Example:
        Counts 1:2, 2:0, 3:7, 4:10, 5:6 (n = 25), k = 5: ``"1"`` is ``"<5"`` (primary),
        ``"5"`` (6, the smallest other non-zero cell) is ``"x"`` (secondary); ``"2"``
        stays 0; n 25 is shown, the median is not.
    """
    n = counts.n
    out: dict = {"n": n}
    if 0 < n < k:
        out["n"] = suppress(n, k)
        out.update(dict.fromkeys(counts.values, SECONDARY_MARK))
        out["median"] = None
    else:
        cells, total_shown = suppress_cells(counts.values, k)
        if not total_shown:
            out["n"] = SECONDARY_MARK
        out.update(cells)
        withheld = any(isinstance(c, str) for c in cells.values())
        out["median"] = None if withheld else counts.median()
    out["dont_know"] = suppress(counts.dont_know, k)
    out["skipped"] = suppress(counts.skipped, k)
    return out


def disclose_counts(counts: Counts, k: int = 5) -> tuple[dict, dict]:
    """The one decision between the full distribution and the 3-point collapse of an item.

    Works for a scale of any length (:func:`bot.privacy.disclosure.collapse3`: a 4-point
    scale collapses to low and high). Showing a suppressed full row *and* its collapse
    would undo the suppression (``low`` minus a shown ``"2"`` gives a withheld ``"1"``),
    and the chart and the table go to the same people. So exactly one of them carries
    information:

    * full row with nothing withheld: both (the collapse follows from it).
    * full row with a withheld value cell, collapse clean: the collapse; every non-zero
      value cell of the full row is withheld (``"x"``) and so is the median.
    * both with withheld cells: the suppressed full row; the collapse all withheld.

    Args:
        counts: Raw counts of one item.
        k: ``MIN_CELL_SIZE``.

    Returns:
        ``(full, three)``: ``full`` as :func:`suppress_counts` returns it (possibly with
        more cells withheld), ``three`` mapping ``low``/``middle``/``high`` (no ``middle``
        on a scale with an even number of points) to a count or a mark.
    """
    five = suppress_counts(counts, k)
    raw3 = collapse3(counts.values)
    five_clean = not any(isinstance(five[v], str) for v in counts.values)
    if counts.n == 0 or five_clean:
        return five, dict(raw3)
    if isinstance(five["n"], str):  # n itself withheld: nothing else either
        return five, dict.fromkeys(raw3, SECONDARY_MARK)
    three, total_shown = suppress_cells(raw3, k)
    if total_shown and not any(isinstance(c, str) for c in three.values()):
        for v in counts.values:
            if counts.values[v]:
                five[v] = SECONDARY_MARK
        five["median"] = None
        return five, three
    return five, dict.fromkeys(raw3, SECONDARY_MARK)


def indicator_summary(rows: Iterable[AnswerRow], cat: Catalogue, *, k: int = 5) -> list[dict]:
    """Frequency table of every indicator, safe to publish (see the module docstring).

    Args:
        rows: Answers of the group to summarise (e.g. one centre, one round).
        cat: The survey catalogue.
        k: Minimum cell size (default 5); ``k <= 1`` disables suppression.

    Returns:
        One dict per scale item in catalogue order, keys
        ``summary_columns(cat.scale.values)``: ``item_id``, ``main_goal``, ``n`` (answers
        with a value on the scale), one key per scale value (``"1"`` … ``"5"``),
        ``dont_know``, ``skipped`` (int, ``"<k"`` or ``"x"``) and ``median`` (int, float
        such as 3.5, or ``None``).
    """
    counts = count_answers(rows, cat)
    columns = summary_columns(cat.scale.values)
    out = []
    for item in cat.indicators:
        row = {"item_id": item.id, "main_goal": item.main_goal or ""}
        row.update(disclose_counts(counts[item.id], k)[0])
        out.append({key: row[key] for key in columns})
    return out


# -- the coordinator's aggregate table ------------------------------------------------
def table_columns(values: Sequence[str] = VALUES) -> tuple[str, ...]:
    """Columns of the aggregate table a coordinator gets instead of a row file.

    CSV and the ``summary`` sheet: numeric columns hold a number or nothing; ``withheld``
    says which cells are empty and why (``3:<5 5:x``: ``<5`` = 1 to 4 answers, ``x`` =
    withheld so the small one cannot be computed back); ``low``/``middle``/``high`` are the
    3-point collapse (on a 5-point scale 1+2, 3, 4+5; see
    :func:`bot.privacy.disclosure.collapse3`), with its own flag column. A row carries
    either the full or the 3-point distribution where one of them must be withheld
    (:func:`disclose_counts`).

    Args:
        values: The scale's values (``cat.scale.values``): one value column each.
    """
    return ("item_id", "main_goal", "indicator_nl", "n", *values, "dont_know", "skipped",
            "median", "withheld", "low", "middle", "high", "withheld_3pt")


#: :func:`table_columns` of a 5-point scale (the default pack).
TABLE_COLUMNS: tuple[str, ...] = table_columns()

#: Columns of the meaning-card table: how many respondents picked each card.
CARD_COLUMNS: tuple[str, ...] = ("item_id", "card", "card_nl", "respondents", "picked", "withheld")


def _flags(cells: dict, keys) -> str:
    return " ".join(f"{key}:{cells[key]}" for key in keys if isinstance(cells[key], str))


def summary_table(rows: Iterable[AnswerRow], cat: Catalogue, *, k: int = 5,
                  items: Collection[str] | None = None) -> list[dict]:
    """The aggregate table of every indicator asked (see :data:`TABLE_COLUMNS`).

    Args:
        rows: Answers of the released respondents of the scope (see
            :func:`bot.exports.query.released_respondents`).
        cat: The catalogue.
        k: ``MIN_CELL_SIZE``.
        items: The item ids the scope's rounds asked (:func:`bot.exports.query.asked_items`):
            every indicator among them gets a row, even with no answer, and no other
            does; None: every indicator of the catalogue.

    Returns:
        One dict per indicator, keys ``table_columns(cat.scale.values)``: counts as
        ``int`` or ``None`` (withheld), the median as a number or ``None``, ``withheld`` /
        ``withheld_3pt`` as flag text. The 3-point collapse is computed with the same
        primary and secondary suppression, so where five bars would be mostly grey, three
        often can be shown. ``middle`` is ``None`` on a scale with an even number of points
        (there is no middle), without a flag.

    A scope of several centres is *rolled up* from its centres' tables, as a district is
    (:func:`breakdown_table`, :func:`bot.privacy.disclosure.roll_up`): a cell is the sum of
    the centres' cells where every one is shown, else withheld. Suppressed on its own, the
    total minus the centres shown in the ``per_wijk`` sheet of the same workbook (or in a
    breakdown export) gave a withheld centre cell back (linked tables).
    """
    rows = list(rows)
    if len({row.centre for row in rows}) <= 1:
        return summary_table_of(count_answers(rows, cat), cat, k=k, items=items)
    columns = table_columns(cat.scale.values)
    return [{key: line[key] for key in columns}
            for line in breakdown_table(rows, cat, k=k, district_of=lambda _code: WHOLE_SCOPE, items=items)
            if line["level"] == "wijk"]


#: The one parent a scope's centres are rolled up into by :func:`summary_table`.
WHOLE_SCOPE = "*"


def summary_table_of(counts: dict[str, Counts], cat: Catalogue, *, k: int = 5,
                     items: Collection[str] | None = None) -> list[dict]:
    """:func:`summary_table` from counts already made (:func:`count_answers`)."""
    values = cat.scale.values
    columns = table_columns(values)
    out = []
    for item in cat.indicators:
        if items is not None and item.id not in items:
            continue
        cells, three = disclose_counts(counts[item.id], k)
        row: dict = {"item_id": item.id, "main_goal": item.main_goal or "",
                     "indicator_nl": item.source_nl or item.prompt["nl"],
                     "low": None, "middle": None, "high": None}
        for key in ("n", *values, "dont_know", "skipped"):
            row[key] = cell(cells[key])[0]
        row["median"] = cells["median"]
        row["withheld"] = _flags(cells, ("n", *values, "dont_know", "skipped"))
        for key in three:
            row[key] = cell(three[key])[0]
        row["withheld_3pt"] = _flags(three, three)
        out.append({key: row[key] for key in columns})
    return out


def card_table(rows: Iterable[AnswerRow], cat: Catalogue, *, k: int = 5) -> list[dict]:
    """How many respondents picked each meaning card (``cards`` items), small cells withheld.

    A card count is withheld (``None``, flag ``<k``) when 1 to k-1 respondents picked it,
    and also when 1 to k-1 respondents did *not* pick it (then the few who left it out
    would be singled out). With fewer than k respondents the whole item is withheld.
    """
    items = [i for i in cat.items.values() if i.type == "cards"]
    who: dict[str, set] = {i.id: set() for i in items}
    picks: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.item_id in who and row.status == "answered":
            who[row.item_id].add(row.respondent)
            if row.value:
                picks[(row.item_id, row.value)] = picks.get((row.item_id, row.value), 0) + 1
    out = []
    for item in items:
        n = len(who[item.id])
        if n == 0:
            continue
        for opt in item.options:
            count = picks.get((item.id, opt.id), 0)
            hidden = 0 < n < k or 0 < count < k or 0 < n - count < k
            mark = suppress(n, k) if 0 < n < k else f"<{k}" if hidden else 0
            out.append({"item_id": item.id, "card": opt.id, "card_nl": opt.label["nl"],
                        "respondents": cell(suppress(n, k))[0], "picked": None if hidden else count,
                        "withheld": f"picked:{mark}" if hidden else ""})
    return out


def write_summary_csv(table: list[dict], out, *, dialect: Dialect = "rfc4180",
                      values: Sequence[str] = VALUES) -> int:
    """Write :func:`summary_table` as CSV (same dialects and guards as every export).

    Args:
        table: Rows of :func:`summary_table`.
        out: Destination path or text file.
        dialect: ``rfc4180`` or ``excel-nl``.
        values: The scale's values (``cat.scale.values``): one column each.

    Returns:
        Rows written.
    """
    columns = table_columns(values)
    return write_table_csv(columns, ([row[c] for c in columns] for row in table),
                           out, dialect=dialect)


# -- by centre and by district ----------------------------------------------------------
def breakdown_columns(values: Sequence[str] = VALUES) -> tuple[str, ...]:
    """Columns of :func:`breakdown_table`: ``level`` (``centrum`` / ``wijk``), ``unit``
    (the centre's code or the district's name), then :func:`table_columns`."""
    return ("level", "unit", *table_columns(values))


def breakdown_table(rows: Iterable[AnswerRow], cat: Catalogue, *, k: int = 5,
                    district_of: Callable[[str], str | None] = lambda _code: None,
                    items: Collection[str] | None = None) -> list[dict]:
    """The aggregate table per centre and per district (issue 13 point 7).

    Centre rows are :func:`summary_table` of each centre's released respondents. District
    rows are *rolled up* from the centre rows (:func:`bot.privacy.disclosure.roll_up`): a
    district cell is the sum of its centres' cells where every one of them is shown, else
    withheld; its median only where all its value cells are shown (then it follows from
    them). So a district row tells nothing its centre rows do not: no cell of 1 … k-1, and
    district minus the sum of its centres never gives a withheld centre cell.

    Args:
        rows: Answers of the released respondents of the scope.
        cat: The catalogue.
        k: ``MIN_CELL_SIZE``.
        district_of: Centre code -> district (None: the centre has no district and gets
            no district row).
        items: As :func:`summary_table`.

    Returns:
        Dicts with keys :func:`breakdown_columns`: the centre rows (by code), then the
        district rows (by name); withheld cells ``None``, named in ``withheld`` /
        ``withheld_3pt`` (``x``: withheld).
    """
    values = cat.scale.values
    by_centre: dict[str, list[AnswerRow]] = {}
    for row in rows:
        by_centre.setdefault(row.centre, []).append(row)
    centre_rows: dict[str, list[dict]] = {
        code: summary_table_of(count_answers(by_centre[code], cat), cat, k=k, items=items)
        for code in sorted(by_centre)}
    out = [{"level": "centrum", "unit": code, **row}
           for code, table in centre_rows.items() for row in table]
    counted = ("n", *values, "dont_know", "skipped")
    three = ("low", "middle", "high")
    first = next(iter(centre_rows.values()), [])
    for index, template in enumerate(first):
        cells = {code: table[index] for code, table in centre_rows.items()}
        for district, rolled in roll_up(cells, district_of, (*counted, *three)).items():
            line: dict = {"level": "wijk", "unit": district, **template, **rolled}
            full = [rolled[v] for v in values]
            known = [c for c in full if c is not None]
            if len(known) == len(full) and sum(known) > 0:
                counts = Counts(dict(zip(values, known, strict=True)))
                line["median"] = counts.median()
            else:
                line["median"] = None
            if len(values) % 2 == 0:
                line["middle"] = None  # an even scale has no middle, withheld or not
            line["withheld"] = " ".join(f"{key}:{SECONDARY_MARK}" for key in counted
                                       if rolled[key] is None)
            line["withheld_3pt"] = " ".join(f"{key}:{SECONDARY_MARK}" for key in three
                                           if rolled[key] is None and line[key] is None
                                           and not (key == "middle" and len(values) % 2 == 0))
            out.append(line)
    columns = breakdown_columns(values)
    return [{c: r[c] for c in columns} for r in out]


def write_breakdown_csv(table: list[dict], out, *, dialect: Dialect = "rfc4180",
                        values: Sequence[str] = VALUES) -> int:
    """Write :func:`breakdown_table` as CSV (same dialects and guards as every export)."""
    columns = breakdown_columns(values)
    return write_table_csv(columns, ([row[c] for c in columns] for row in table),
                           out, dialect=dialect)
