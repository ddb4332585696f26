"""Codebook: what every ``item_id`` and every code in the answers export means.

Shape: one row per (item, code), in :data:`CODEBOOK_COLUMNS` order.

* ``scale`` items: one row per point of the pack's scale (code ``1`` … ``5``, ``code_label_nl`` the
  Dutch label residents saw next to the picture).
* ``choice`` / ``cards`` items: one row per option (code = option id).
* ``text`` items: one row with an empty code (the answer is free text).
* Trailing rows document the columns that are not items: ``_status`` (codes
  ``answered``, ``skipped``, ``dont_know``), ``_mode`` (``self``, ``assisted``) and
  ``_about`` (general notes, in ``text_nl``, e.g. that dates are calendar dates in
  Europe/Amsterdam and no times are exported).

``source_nl`` is the indicator verbatim from the theory of change (or the question as
printed on the praatplaat); ``text_nl`` is the Dutch wording residents were shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from bot.exports.csv_writer import Dialect, write_table_csv
from bot.survey.catalogue import Catalogue
from bot.survey.models import Item

#: Column order of the codebook.
CODEBOOK_COLUMNS: tuple[str, ...] = (
    "item_id",
    "item_type",
    "main_goal",
    "main_goal_nl",
    "sub_goal",
    "sub_goal_nl",
    "source_nl",
    "text_nl",
    "code",
    "code_label_nl",
)

#: General notes, written as ``_about`` rows (Dutch, for the coordinators).
ABOUT_NL: tuple[str, ...] = (
    "Eén rij per antwoord (long format); een gekozen betekeniskaart is één rij per kaart.",
    "Datums zijn kalenderdatums in Europe/Amsterdam; er worden geen tijden geëxporteerd.",
    "respondent is een label per export (R0001 …), geen telefoonnummer of Telegram-id.",
    (
        "Cellen die met = + - @ of een tab beginnen, krijgen een ' ervoor (bescherming "
        "tegen formule-injectie, OWASP)."
    ),
)

_STATUS_NL = {"answered": "beantwoord"}
_MODE_NL = {
    "self": "zelf ingevuld op eigen telefoon",
    "assisted": "ingevoerd door een coördinator (met de bewoner)",
}


def codebook_rows(cat: Catalogue, items: list[Item] | None = None) -> list[dict]:
    """Build the codebook as a list of dicts keyed by :data:`CODEBOOK_COLUMNS`.

    Args:
        cat: The survey catalogue.
        items: Items to document, in order; default all items of ``cat`` (MSC items
            first, then the indicators).

    Returns:
        One dict per (item, code), then the ``_status``, ``_mode`` and ``_about`` rows.
        All values are ``str`` (empty string where not applicable).
    """
    items = list(cat.items.values()) if items is None else items
    out: list[dict] = []
    for item in items:
        goal = cat.main_goals.get(item.main_goal or "")
        sub = cat.sub_goals.get(item.sub_goal or "")
        base = {
            "item_id": item.id,
            "item_type": item.type,
            "main_goal": item.main_goal or "",
            "main_goal_nl": goal.text["nl"] if goal else "",
            "sub_goal": item.sub_goal or "",
            "sub_goal_nl": sub.text["nl"] if sub else "",
            "source_nl": item.source_nl or "",
            "text_nl": item.prompt["nl"],
        }
        if item.type == "scale":
            codes = [(str(p.value), p.label["nl"]) for p in cat.scale.points]
        elif item.type in ("choice", "cards", "single"):
            codes = [(o.id, o.label["nl"]) for o in item.options]
        elif item.type == "number":
            low = "" if item.min_value is None else str(item.min_value)
            high = "" if item.max_value is None else str(item.max_value)
            codes = [(f"{low}..{high}", "geheel getal")]
        else:
            codes = [("", "vrije tekst (geanonimiseerd)")]
        out.extend({**base, "code": code, "code_label_nl": label} for code, label in codes)

    def meta(item_id: str, code: str, label: str, text: str = "") -> dict:
        row = dict.fromkeys(CODEBOOK_COLUMNS, "")
        row.update(item_id=item_id, text_nl=text, code=code, code_label_nl=label)
        return row

    status_nl = {
        **_STATUS_NL,
        "skipped": cat.scale.skip["nl"],
        "dont_know": cat.scale.dont_know["nl"],
    }
    for code, label in status_nl.items():
        out.append(meta("_status", code, label, "kolom status"))
    for code, label in _MODE_NL.items():
        out.append(meta("_mode", code, label, "kolom mode"))
    for note in ABOUT_NL:
        out.append(meta("_about", "", "", note))
    return out


def write_codebook_csv(
    cat: Catalogue,
    out: BinaryIO | Path | str,
    *,
    dialect: Dialect = "rfc4180",
    items: list[Item] | None = None,
) -> int:
    """Write :func:`codebook_rows` as CSV (same dialects and guards as the answers CSV).

    Args:
        cat: The survey catalogue.
        out: Destination path, or a binary file object open for writing (left open).
        dialect: ``"rfc4180"`` (comma) or ``"excel-nl"`` (semicolon).
        items: As in :func:`codebook_rows`.

    Returns:
        Number of data rows written.
    """
    rows = codebook_rows(cat, items)
    return write_table_csv(
        CODEBOOK_COLUMNS, ([r[c] for c in CODEBOOK_COLUMNS] for r in rows), out, dialect=dialect
    )
