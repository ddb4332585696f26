"""Per-indicator frequency table with small-cell suppression.

Statistical disclosure control (SDC): in a small neighbourhood a count of 1 or 2 can point
to a person ("the one resident who answered 'not at all'"). Following the common practice
of national statistical offices (Statistics Netherlands, CBS, publishes no cells under a
minimum frequency and marks withheld cells), the table applies:

1. **Primary suppression** — a count of ``1 .. k-1`` is shown as ``"<k"`` (``"<5"``).
   Zero is shown: it tells nothing about an individual.
2. **Secondary suppression** — the five value cells add up to ``n``, which is shown, so
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
   five value cells.
4. **Median** — an order statistic tells how many answers lie on either side of it, so it
   is shown only when no value cell is withheld.

This protects each small cell from exact recovery within one table; it is not a full
audit across tables (cf. τ-ARGUS, Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012): a reader who combines several tables of the same people, or knows the rule,
can still narrow a hidden cell. It is meant for the small tables of one centre and round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.exports.rows import AnswerRow
from bot.exports.safety import suppress
from bot.survey.catalogue import Catalogue

#: Scale values, as strings (the export's ``value`` column and the summary's keys).
VALUES: tuple[str, ...] = ("1", "2", "3", "4", "5")

#: Column order of :func:`indicator_summary` dicts.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "item_id", "main_goal", "n", *VALUES, "dont_know", "skipped", "median",
)

#: Mark of a secondary-suppressed (or row-suppressed) cell.
SECONDARY_MARK = "x"


@dataclass
class Counts:
    """Raw, unsuppressed answer counts of one scale item.

    Attributes:
        values: Scale value (``"1"`` … ``"5"``) -> number of ``answered`` rows.
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
        lo = hi = None
        seen = 0
        for value in VALUES:
            seen += self.values[value]
            if lo is None and seen > lo_pos:
                lo = int(value)
            if seen > hi_pos:
                hi = int(value)
                break
        mid = (lo + hi) / 2
        return int(mid) if mid.is_integer() else mid


def count_answers(rows: Iterable[AnswerRow], cat: Catalogue) -> dict[str, Counts]:
    """Count answers per scale item, without any suppression (internal use only).

    Args:
        rows: Answers (any rounds/centres; filter before calling).
        cat: Catalogue; only its scale items (:attr:`Catalogue.indicators`) are counted.

    Returns:
        Item id -> :class:`Counts`, for every indicator of ``cat`` in catalogue order
        (zero counts if none answered). Rows of other items, and ``answered`` rows whose
        value is not ``1``–``5``, are ignored.
    """
    counts = {item.id: Counts() for item in cat.indicators}
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
        Dict with keys ``n``, ``"1"`` … ``"5"``, ``dont_know``, ``skipped``, ``median``:
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
        out.update(dict.fromkeys(VALUES, SECONDARY_MARK))
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


def indicator_summary(rows: Iterable[AnswerRow], cat: Catalogue, *, k: int = 5) -> list[dict]:
    """Frequency table of every indicator, safe to publish (see the module docstring).

    Args:
        rows: Answers of the group to summarise (e.g. one centre, one round).
        cat: The survey catalogue.
        k: Minimum cell size (default 5); ``k <= 1`` disables suppression.

    Returns:
        One dict per scale item in catalogue order, keys :data:`SUMMARY_COLUMNS`:
        ``item_id``, ``main_goal``, ``n`` (answers with a value 1–5), ``"1"`` … ``"5"``,
        ``dont_know``, ``skipped`` (int, ``"<k"`` or ``"x"``) and ``median`` (int, float
        such as 3.5, or ``None``).
    """
    counts = count_answers(rows, cat)
    out = []
    for item in cat.indicators:
        row = {"item_id": item.id, "main_goal": item.main_goal or ""}
        row.update(suppress_counts(counts[item.id], k))
        out.append({key: row[key] for key in SUMMARY_COLUMNS})
    return out
