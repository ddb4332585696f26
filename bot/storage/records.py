"""The records the storage reads rows into, and how it writes and reads times.

Frozen dataclasses, one per kind of row a handler works with (:class:`Contact`,
:class:`Round`, :class:`Answer`, :class:`Participation`); times are stored as UTC ISO
8601 strings to the second (:func:`iso`) and read back as datetimes (:func:`parse_dt`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Answer", "Contact", "Participation", "Round", "iso", "parse_dt", "utcnow"]


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """``value`` as stored: UTC ISO 8601 to the second, or None."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def parse_dt(value: str | None) -> datetime | None:
    """A stored time (:func:`iso`) back as a datetime, or None."""
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class Contact:
    """A resident who consented: what is needed to send invitations, nothing more."""

    chat_id: int
    language: str
    centre_code: str | None
    opted_in: bool
    reachable: bool
    consent_version: str
    feedback_opt_in: bool


@dataclass(frozen=True, slots=True)
class Round:
    """A survey round: a survey, its centres and its window (UTC datetimes).

    ``opens_at`` is the planned opening (None for a round made to be opened by hand);
    ``opened_at`` the moment it really opened (by plan, ``/open`` or the wizard).
    """

    id: int
    survey: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    centres: tuple[str, ...]
    text_purged_at: datetime | None = None
    opened_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True while answers are taken."""
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer of one respondent to one item."""

    item_id: str
    status: str
    value: int | None
    choices: tuple[str, ...]
    text: str | None
    revision: int


@dataclass(frozen=True, slots=True)
class Participation:
    """A respondent's take part in a round."""

    round_id: int
    respondent: str
    centre_code: str
    language: str
    mode: str
    finished: bool
