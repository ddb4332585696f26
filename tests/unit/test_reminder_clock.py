"""Planned reminders across daylight-saving changes (issue 18.1), with an injected clock.

The scheduler's check (:func:`admin.scheduling.apply_due`) takes ``now``; the tests move
that clock over the spring and autumn changes of Europe/Amsterdam instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from admin.scheduling import apply_due
from bot.services import Services
from bot.settings import Settings
from bot.storage import Storage
from bot.survey import catalogue
from bot.times import closing_time, next_daytime, opening_time, reminder_due, reminder_time

AMS = ZoneInfo("Europe/Amsterdam")


def local(text: str) -> datetime:
    """``'2025-03-29 10:00'`` in Amsterdam, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def test_the_issue_round_reminds_on_saturday_at_ten_local():
    # Created Tuesday 2025-03-25 12:00 CET: now, one week, reminder 3 days before closing.
    created = local("2025-03-25 12:00")
    closes = closing_time(opening_time("now", created, AMS), 7, AMS)
    assert closes.astimezone(AMS).strftime("%Y-%m-%d %H:%M %Z") == "2025-04-01 23:59 CEST"
    when = reminder_time(closes, 3, AMS)
    assert when.astimezone(AMS).strftime("%Y-%m-%d %H:%M %Z") == "2025-03-29 10:00 CET"
    assert when == datetime(2025, 3, 29, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("closing_day", "days", "expected"), [
    ("2025-04-01", 3, "2025-03-29 10:00 CET"),     # spring change (30 March) in between
    ("2025-03-30", 1, "2025-03-29 10:00 CET"),     # closes on the change day itself
    ("2025-03-31", 1, "2025-03-30 10:00 CEST"),    # reminds on the change day
    ("2025-10-28", 3, "2025-10-25 10:00 CEST"),    # autumn change (26 October) in between
    ("2025-10-27", 1, "2025-10-26 10:00 CET"),     # reminds on the autumn change day
    ("2025-06-10", 0, "2025-06-10 10:00 CEST"),    # on the closing day itself
])
def test_reminder_is_at_ten_local_whatever_the_clock_change(closing_day, days, expected):
    closes = local(f"{closing_day} 23:59")
    assert reminder_time(closes, days, AMS).astimezone(AMS).strftime("%Y-%m-%d %H:%M %Z") == expected


def test_a_reminder_missed_at_night_waits_for_the_morning_and_never_after_closing():
    closes = local("2025-04-01 23:59")
    assert not reminder_due(closes, 3, local("2025-03-29 09:59"), AMS)
    assert reminder_due(closes, 3, local("2025-03-29 10:00"), AMS)
    assert reminder_due(closes, 3, local("2025-03-29 20:59"), AMS)
    assert not reminder_due(closes, 3, local("2025-03-29 21:00"), AMS)   # bot was down all day
    assert not reminder_due(closes, 3, local("2025-03-30 03:30"), AMS)   # not at night
    assert reminder_due(closes, 3, local("2025-03-30 09:00"), AMS)       # next morning
    assert not reminder_due(closes, 3, local("2025-04-02 10:00"), AMS)   # closed by then


async def _ticks(tmp_path, opens: datetime, closes: datetime, days: int, step: timedelta) -> list[datetime]:
    """Run the scheduler's check every ``step`` from ``opens`` to ``closes`` (an injected
    clock); return the moments at which it queued the planned reminder."""
    storage = await Storage.open(tmp_path / "clock.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        round_ = await storage.create_round("short", ["shalom"], opens_at=opens, closes_at=closes,
                                            status="open")
        await storage.set_round_plan(round_.id, remind_days_before=days, created_by=None)
        await storage.save_contact(700, language="nl", centre_code="shalom", consent_version="v")
        settings = Settings(telegram_bot_token="123456:TEST-TOKEN-abcdef", pseudonym_secret="test-secret-0123456789",
                            database_path=tmp_path / "clock.sqlite3", _env_file=None)
        app = SimpleNamespace(bot_data={"services": Services(settings, storage, catalogue())})
        reminded, now = [], opens
        while now < closes + step:
            report = await apply_due(app, now=now)
            reminded += [now] * len(report.reminded)
            now += step
        async with storage.db.execute("SELECT kind, COUNT(*) FROM outbox GROUP BY kind") as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [("remind-1", 1)]
        return reminded
    finally:
        await storage.close()


@pytest.mark.parametrize(("opened", "closing_day", "expected"), [
    ("2025-03-25 12:00", "2025-04-01", "2025-03-29 10:00 CET"),     # over the spring change
    ("2025-10-21 12:00", "2025-10-28", "2025-10-25 10:00 CEST"),    # over the autumn change
    ("2025-03-25 12:00", "2025-03-31", "2025-03-28 10:00 CET"),
    ("2025-10-20 12:00", "2025-10-29", "2025-10-26 10:00 CET"),     # on the autumn change day
])
async def test_scheduler_moved_over_both_clock_changes_reminds_once_at_ten(
        tmp_path, opened, closing_day, expected):
    reminded = await _ticks(tmp_path, local(opened), local(f"{closing_day} 23:59"), 3,
                            step=timedelta(hours=1))
    assert [t.astimezone(AMS).strftime("%Y-%m-%d %H:%M %Z") for t in reminded] == [expected]


async def _open_late(tmp_path, opens: datetime, now: datetime) -> list[tuple[str, str | None]]:
    """Let the scheduler's check open a round planned for ``opens`` at ``now``; return the
    invitations' (status, next_attempt_at in Amsterdam time)."""
    storage = await Storage.open(tmp_path / "late.sqlite3")
    try:
        await storage.seed_centres(catalogue().centres)
        await storage.create_round("short", ["shalom"], opens_at=opens, closes_at=opens + timedelta(days=7),
                                   status="scheduled")
        await storage.save_contact(701, language="nl", centre_code="shalom", consent_version="v")
        settings = Settings(telegram_bot_token="123456:TEST-TOKEN-abcdef", pseudonym_secret="test-secret-0123456789",
                            database_path=tmp_path / "late.sqlite3", _env_file=None)
        app = SimpleNamespace(bot_data={"services": Services(settings, storage, catalogue())})
        assert (await apply_due(app, now=now)).opened
        async with storage.db.execute("SELECT status, next_attempt_at FROM outbox WHERE kind = 'invite'") as cur:
            rows = await cur.fetchall()
        return [(status, datetime.fromisoformat(at).astimezone(AMS).strftime("%Y-%m-%d %H:%M %Z") if at else None)
                for status, at in rows]
    finally:
        await storage.close()


@pytest.mark.parametrize(("now", "held_until"), [
    ("2025-03-29 23:30", "2025-03-30 09:00 CEST"),   # back at night, before the spring change
    ("2025-03-30 04:00", "2025-03-30 09:00 CEST"),   # back after it
    ("2025-03-29 14:00", None),                       # back in the daytime: invite at once
])
async def test_an_opening_caught_up_at_night_invites_in_the_morning(tmp_path, now, held_until):
    # planned for Saturday 09:00; the bot was down until `now`. Before, 400 residents got
    # their invitation at 23:30 (the issue's "when nobody should get a message")
    assert await _open_late(tmp_path, local("2025-03-29 09:00"), local(now)) == [("pending", held_until)]


async def test_a_round_opened_now_in_the_evening_is_not_held(tmp_path):
    # a coordinator's "now" at 22:00 (the wizard took a minute): sent at once, as chosen
    assert await _open_late(tmp_path, local("2025-03-29 22:00"), local("2025-03-29 22:01")) == [("pending", None)]


def test_next_daytime_is_nine_local_on_the_next_morning():
    assert next_daytime(local("2025-10-25 21:00"), AMS).astimezone(AMS).strftime("%d %H:%M %Z") == "26 09:00 CET"
    assert next_daytime(local("2025-10-26 02:30"), AMS).astimezone(AMS).strftime("%d %H:%M %Z") == "26 09:00 CET"
    assert next_daytime(local("2025-10-26 09:00"), AMS) is None
