"""Time choices of the /newround wizard and the reminder plan (pure, time-zone aware:
Europe/Amsterdam by default, the ``TIMEZONE`` setting).

Days are counted on the local calendar, never as multiples of 24 hours in UTC, so a
reminder planned across a daylight-saving change still goes out at the same local hour.
"""

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


#: Local time at which a planned reminder goes out on its day.
REMINDER_TIME = time(10, 0)
#: Local hours in which a planned reminder may go out (start inclusive, end exclusive):
#: a reminder that was due while the bot was down waits for the next morning rather than
#: reaching residents at night.
DAYTIME = (time(9, 0), time(21, 0))


def reminder_time(closes: datetime, days_before: int, tz: ZoneInfo) -> datetime:
    """When a reminder planned ``days_before`` days before closing goes out (UTC result).

    At :data:`REMINDER_TIME` local time on the local calendar day ``days_before`` days
    before the closing day: a round closing Tuesday 1 April 23:59 CEST with a reminder
    "3 days before" reminds on Saturday 29 March 10:00 CET (09:00 UTC), whatever clock
    change lies in between.

    Args:
        closes: The round's closing time (aware).
        days_before: Days before the closing day (≥ 0).
        tz: The round's time zone.

    Raises:
        ValueError: If ``days_before`` is negative.
    """
    if days_before < 0:
        raise ValueError("a reminder comes before the closing day")
    day = closes.astimezone(tz).date() - timedelta(days=days_before)
    return datetime.combine(day, REMINDER_TIME, tz).astimezone(UTC)


def reminder_due(closes: datetime, days_before: int, now: datetime, tz: ZoneInfo) -> bool:
    """True if a planned reminder should be queued at ``now``.

    Due from :func:`reminder_time` on, but only in the local :data:`DAYTIME` hours and
    before the round closes; a reminder missed at night goes out the next morning.
    """
    if now < reminder_time(closes, days_before, tz) or now >= closes:
        return False
    start, end = DAYTIME
    return start <= now.astimezone(tz).time() < end


def next_daytime(now: datetime, tz: ZoneInfo) -> datetime | None:
    """``None`` inside the local :data:`DAYTIME` hours, else when they start next (UTC):
    today's 09:00 before it, tomorrow's 09:00 after 21:00 (local calendar, so a
    daylight-saving change in between does not move it)."""
    local = now.astimezone(tz)
    start, end = DAYTIME
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tz).astimezone(UTC)
