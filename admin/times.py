"""Time choices of the /newround wizard (pure, time-zone aware: Europe/Amsterdam)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Opening choices offered as buttons.
OPENING_CHOICES = ("now", "tomorrow", "monday", "week")


def opening_time(choice: str, now: datetime, tz: ZoneInfo) -> datetime:
    """When a round opens for a wizard choice, as an aware UTC datetime.

    ``now``; ``tomorrow`` 09:00; next ``monday`` 09:00; in a ``week`` at 09:00 — local time.

    Raises:
        ValueError: For an unknown choice.
    """
    local = now.astimezone(tz)
    if choice == "now":
        return now.astimezone(UTC)
    if choice == "tomorrow":
        day = local.date() + timedelta(days=1)
    elif choice == "monday":
        day = local.date() + timedelta(days=(7 - local.weekday()) or 7)
    elif choice == "week":
        day = local.date() + timedelta(days=7)
    else:
        raise ValueError(f"unknown opening choice {choice!r}")
    return datetime.combine(day, time(9, 0), tz).astimezone(UTC)


def closing_time(opens: datetime, days: int, tz: ZoneInfo) -> datetime:
    """A round open for ``days`` closes at 23:59 local time on the last day (UTC result).

    Raises:
        ValueError: If ``days`` < 1.
    """
    if days < 1:
        raise ValueError("a round is open at least one day")
    last = opens.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last, time(23, 59), tz).astimezone(UTC)
