"""Round scheduling in the running bot: the database is the source of truth; the job is
rebuilt at start-up.

One repeating job (python-telegram-bot's JobQueue, i.e. APScheduler) runs
:func:`bot.rounds.apply_due` every :data:`TICK`: rounds whose opening time has come are
opened (and invite), rounds past their closing time are closed, planned reminders are
queued, and free text of rounds closed more than ``RETENTION_DAYS`` ago is purged. A round
that should have opened or closed while the bot was down is caught up at start (DESIGN.md,
"Rounds and scheduling"). The rules themselves are in :mod:`bot.rounds`, shared with the
chat commands and the command line. The coordinators of a round's centres get one short
message per scheduled opening, closing or reminder, with their centres' figures
(:func:`admin.round_views.tell_coordinators`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram.ext import Application, ContextTypes

from admin import round_views
from bot import rounds
from bot.rounds import CATCH_UP_LATE, DueReport, prune_processed_updates, purge_free_text
from bot.services import Services

__all__ = ["CATCH_UP_LATE", "TICK", "DueReport", "apply_due", "on_startup", "prune_processed_updates", "purge_free_text"]

#: How often the scheduler checks the database.
TICK = timedelta(seconds=30)


def _services(application: Application) -> Services:
    return application.bot_data["services"]


async def apply_due(application: Application, now: datetime | None = None) -> DueReport:
    """:func:`bot.rounds.apply_due` for a running application (tests move ``now``); the
    coordinators of each round that opened, closed or reminded hear it, with figures."""
    report = await rounds.apply_due(_services(application), now)
    for name in ("opened", "closed", "reminded"):
        for round_id in getattr(report, name):
            await round_views.tell_coordinators(application, round_id, name)
    return report


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await apply_due(context.application)


async def on_startup(application: Application) -> None:
    """Catch up on what was due while the bot was down, then check every :data:`TICK`."""
    await apply_due(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_tick, interval=TICK, first=TICK, name="rounds")
