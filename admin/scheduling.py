"""Round scheduling: the database is the source of truth; jobs are rebuilt at start-up.

One repeating job (python-telegram-bot's JobQueue, i.e. APScheduler) checks the database
every :data:`TICK`: rounds whose opening time has come are opened (and invite), rounds
past their closing time are closed, planned reminders are queued (at 10:00 local
time on their day, :func:`admin.times.reminder_time`), and free text of
rounds closed more than ``RETENTION_DAYS`` ago is purged. A round that should have opened
or closed while the bot was down is caught up at start (DESIGN.md, "Rounds and
scheduling"); an opening caught up outside 09:00-21:00 local holds its invitations until
09:00. All times are time-zone aware (stored in UTC). The coordinators of a round's
centres get one short message per scheduled opening, closing or reminder, with their
centres' figures (:func:`admin.lifecycle.tell_coordinators`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes

from admin import lifecycle
from admin.times import next_daytime, reminder_due
from bot.storage import utcnow

log = logging.getLogger(__name__)

#: How often the scheduler checks the database.
TICK = timedelta(seconds=30)
#: A round opened this much after its planned time is a catch-up (the bot was down): its
#: invitations then wait for the local daytime hours (:data:`admin.times.DAYTIME`). A
#: round a coordinator opens "now" in the evening is not held.
CATCH_UP_LATE = timedelta(hours=1)


@dataclass
class DueReport:
    """What one check did (round ids)."""

    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)


async def apply_due(application: Application, now: datetime | None = None) -> DueReport:
    """Open, close, remind and purge whatever is due at ``now`` (default: the current time)."""
    svc = application.bot_data["services"]
    storage = svc.storage
    now = now or utcnow()
    report = DueReport()
    for round_ in await storage.rounds():
        if round_.status == "scheduled" and round_.opens_at and round_.opens_at <= now:
            if round_.closes_at and round_.closes_at <= now:
                await lifecycle.close_round(application, round_.id, "closed")
                report.closed.append(round_.id)
                continue
            # caught up at night (the bot was down when it should have opened), the round
            # opens now but its invitations wait for the morning
            late = now - round_.opens_at > CATCH_UP_LATE
            await lifecycle.open_round(application, round_.id,
                                       next_daytime(now, svc.settings.tz) if late else None)
            report.opened.append(round_.id)
        elif round_.status == "open" and round_.closes_at and round_.closes_at <= now:
            await lifecycle.close_round(application, round_.id, "closed")
            report.closed.append(round_.id)
    async with storage.db.execute(
        "SELECT id, closes_at, remind_days_before FROM rounds WHERE status = 'open'"
        " AND remind_days_before IS NOT NULL AND reminded_at IS NULL AND closes_at IS NOT NULL"
    ) as cur:
        planned = await cur.fetchall()
    for round_id, closes_at, days in planned:
        if reminder_due(datetime.fromisoformat(closes_at), days, now, svc.settings.tz):
            await lifecycle.remind(application, round_id)
            async with storage.transaction() as db:
                await db.execute("UPDATE rounds SET reminded_at = ? WHERE id = ?", (now.isoformat(), round_id))
            report.reminded.append(round_id)
    report.purged = await purge_free_text(storage, svc.settings.retention_days, now)
    await prune_processed_updates(storage, now)
    for name in ("opened", "closed", "reminded", "purged"):
        if getattr(report, name):
            log.info("Rounds %s: %s", name, getattr(report, name))
    for name in ("opened", "closed", "reminded"):  # the coordinators hear it, with figures
        for round_id in getattr(report, name):
            await lifecycle.tell_coordinators(application, round_id, name)
    return report


async def purge_free_text(storage, retention_days: int, now: datetime) -> list[int]:
    """Delete the free text of rounds closed more than ``retention_days`` ago.

    Storage limitation (GDPR art. 5(1)(e)): stories are kept only as long as needed.
    Scale answers and card picks stay. Returns the purged round ids.
    """
    cutoff = (now - timedelta(days=retention_days)).isoformat()
    async with storage.db.execute(
        "SELECT id FROM rounds WHERE status IN ('closed', 'cancelled') AND closed_at IS NOT NULL"
        " AND closed_at <= ? AND text_purged_at IS NULL", (cutoff,),
    ) as cur:
        due = [row[0] for row in await cur.fetchall()]
    for round_id in due:
        async with storage.transaction() as db:
            await db.execute("UPDATE answers SET text = NULL WHERE round_id = ? AND text IS NOT NULL", (round_id,))
            await db.execute("UPDATE msc_reviews SET redacted_text = NULL WHERE answer_id IN"
                             " (SELECT id FROM answers WHERE round_id = ?)", (round_id,))
            await db.execute("UPDATE rounds SET text_purged_at = ? WHERE id = ?", (now.isoformat(), round_id))
    if due:
        await storage.flush_erasure()  # the purged text must not linger in the WAL
    return due


#: How long update ids are remembered for deduplication. Telegram keeps undelivered
#: updates for 24 hours (Bot API, getUpdates), so a week is ample.
UPDATE_MEMORY = timedelta(days=7)


async def prune_processed_updates(storage, now: datetime) -> int:
    """Forget update ids older than :data:`UPDATE_MEMORY`; returns how many were removed."""
    async with storage.transaction() as db:
        cur = await db.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?", ((now - UPDATE_MEMORY).isoformat(),)
        )
        return cur.rowcount


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await apply_due(context.application)


async def on_startup(application: Application) -> None:
    """Catch up on what was due while the bot was down, then check every :data:`TICK`."""
    await apply_due(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_tick, interval=TICK, first=TICK, name="rounds")
