"""Round scheduling: the database is the source of truth; jobs are rebuilt at start-up.

A round whose opening or closing time passed while the bot was down is opened or
closed at start (DESIGN.md, "Rounds and scheduling").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.storage import utcnow

log = logging.getLogger(__name__)

#: How often the scheduler checks the database for rounds due to open or close.
TICK = timedelta(seconds=30)


async def apply_due(application: Application) -> tuple[list[int], list[int]]:
    """Open scheduled rounds whose time has come and close open rounds past their end.

    Returns:
        ``(opened, closed)`` round ids.
    """
    storage = application.bot_data["services"].storage
    now = utcnow()
    opened, closed = [], []
    for round_ in await storage.rounds():
        if round_.status == "scheduled" and round_.opens_at and round_.opens_at <= now:
            await storage.set_round_status(round_.id, "open")
            opened.append(round_.id)
        elif round_.status == "open" and round_.closes_at and round_.closes_at <= now:
            await storage.set_round_status(round_.id, "closed")
            closed.append(round_.id)
    for round_id in opened:
        log.info("Opened round %s", round_id)
    for round_id in closed:
        log.info("Closed round %s", round_id)
    return opened, closed


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await apply_due(context.application)


async def on_startup(application: Application) -> None:
    """Catch up on rounds due while the bot was down, then check every :data:`TICK`."""
    await apply_due(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_tick, interval=TICK, first=TICK, name="rounds")
