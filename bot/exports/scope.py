"""The scope of an export as SQL: which rounds and which centres (a coordinator's own)."""

from __future__ import annotations

from collections.abc import Sequence


def scope_sql(
    round_ids: Sequence[int] | None, centres: Sequence[str] | None, *, alias: str = "",
    round_column: str = "round_id",
) -> tuple[list[str], list]:
    """Conditions and parameters limiting rows to ``round_ids`` and ``centres``.

    Args:
        round_ids: Round ids, or None for all rounds.
        centres: Centre codes, or None for all centres.
        alias: Table alias to prefix the columns with (``"a"`` → ``a.round_id``).
        round_column: Name of the round column (``id`` when filtering ``rounds``).

    Returns:
        ``(conditions, params)`` to join with ``AND``; empty when nothing is limited.
    """
    prefix = f"{alias}." if alias else ""
    conditions: list[str] = []
    params: list = []
    if round_ids is not None:
        conditions.append(f"{prefix}{round_column} IN ({','.join('?' * len(round_ids))})")
        params.extend(round_ids)
    if centres is not None:
        conditions.append(f"{prefix}centre_code IN ({','.join('?' * len(centres))})")
        params.extend(centres)
    return conditions, params


def where(conditions: list[str]) -> str:
    """``" WHERE c1 AND c2"`` or ``""``."""
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""
