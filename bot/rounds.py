"""The round lifecycle, one path for the chat, the scheduler and the command line.

Open, close, cancel and remind, the scheduler's catch-up (:func:`apply_due`) and the
retention purge are functions of :class:`~bot.services.Services` (storage, settings,
clock and the outbox's wake-up call), not of a python-telegram-bot ``Application``. So
``/close`` in the chat, a closing time passing and ``python -m bot rounds close`` all
leave the same database: the round closed, its invitations and reminders that were not
sent yet ``skipped`` (a closed round must not invite anyone on the next ``run``).

Rules (DESIGN.md, "Rounds and scheduling"): a round's status only moves forward
(scheduled → open → closed | cancelled); the database is the source of truth, so a round
that should have opened or closed while the bot was down is caught up by the next
:func:`apply_due`. All times are time-zone aware (stored in UTC).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot import msc
from bot.outbox import enqueue, enqueue_round_invitations, reachable_chats
from bot.services import Services
from bot.storage import Round, Storage
from bot.survey.pinning import survey_pin
from bot.times import next_daytime, reminder_due

__all__ = [
    "CATCH_UP_LATE",
    "UPDATE_MEMORY",
    "DueReport",
    "RoundEnded",
    "RoundNotFound",
    "RoundNotOpen",
    "apply_due",
    "end_round",
    "open_round",
    "prune_processed_updates",
    "purge_free_text",
    "reachable_residents",
    "remind",
    "reminded_recently",
    "respondent_counts",
]

log = logging.getLogger(__name__)

#: How long update ids are remembered for deduplication. Telegram keeps undelivered
#: updates for 24 hours (Bot API, getUpdates), so a week is ample.
UPDATE_MEMORY = timedelta(days=7)
#: A round opened this much after its planned time is a catch-up (the bot was down): its
#: invitations then wait for the local daytime hours (:data:`bot.times.DAYTIME`). A
#: round a coordinator opens "now" in the evening is not held.
CATCH_UP_LATE = timedelta(hours=1)


class RoundNotFound(LookupError):
    """No round has this id."""


class RoundEnded(ValueError):
    """The round is already closed or cancelled (``status`` says which)."""

    def __init__(self, round_id: int, status: str) -> None:
        super().__init__(f"round {round_id} is {status}")
        self.status = status


class RoundNotOpen(ValueError):
    """The round is not open (reminders go only to open rounds)."""


async def _round(svc: Services, round_id: int) -> Round:
    round_ = await svc.storage.round(round_id)
    if round_ is None:
        raise RoundNotFound(f"no round {round_id}")
    return round_


async def open_round(svc: Services, round_id: int, not_before: datetime | None = None) -> int:
    """Open a round and queue one invitation per opted-in, reachable resident of its centres.

    Opening an open round again queues only residents not invited yet. Opening pins the
    survey as the pack has it now (:func:`bot.survey.pinning.survey_pin`), so the round's
    exports keep its wording after the pack changes.

    Args:
        svc: The services (storage, catalogue, outbox wake-up).
        round_id: The round to open.
        not_before: If given (aware), the new invitations wait until then (a planned
            opening caught up at night goes out in the morning, :func:`bot.times.next_daytime`).

    Returns:
        Number of invitations queued now.

    Raises:
        RoundNotFound: No such round.
        RoundEnded: The round is closed or cancelled.
    """
    round_ = await _round(svc, round_id)
    if round_.status in ("closed", "cancelled"):
        raise RoundEnded(round_id, round_.status)
    if round_.status != "open":
        await svc.storage.set_round_status(round_id, "open",
                                           pin=survey_pin(svc.catalogue, round_.survey))
    queued = await enqueue_round_invitations(svc.storage, round_id, round_.centres, kind="invite")
    if not_before is not None and queued:
        async with svc.storage.transaction() as db:
            await db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE round_id = ? AND kind = 'invite'"
                " AND status = 'pending' AND attempts = 0 AND next_attempt_at IS NULL",
                (not_before.astimezone(UTC).isoformat(timespec="microseconds"), round_id),
            )
    svc.wake_outbox()
    log.info("Round %s open; %s invitations queued", round_id, queued)
    return queued


async def end_round(svc: Services, round_id: int, status: str = "closed") -> None:
    """Close or cancel an open or planned round; messages of the round not sent yet are
    ``skipped`` (feedback to storytellers excepted: it is about a closed round).

    If the round's story selection was made final while it was open, the feedback to the
    storytellers that was held until now is queued (each teller gets it once).

    Raises:
        RoundNotFound: No such round.
        RoundEnded: The round is already closed or cancelled.
        bot.settings.SettingsError: Its selection is final (feedback held until now) and
            ``PSEUDONYM_SECRET`` is not set; nothing was changed.
        ValueError: ``status`` is neither ``closed`` nor ``cancelled``.
    """
    if status not in ("closed", "cancelled"):
        raise ValueError(f"a round ends as closed or cancelled, not {status!r}")
    round_ = await _round(svc, round_id)
    if round_.status not in ("open", "scheduled"):
        raise RoundEnded(round_id, round_.status)
    held = await msc.final_at(svc.storage, round_id) is not None
    if held:
        # the held feedback goes to storytellers found by their pseudonym: without the key
        # (the command line without PSEUDONYM_SECRET) stop before anything changes, not
        # after the round is closed, when the feedback could never be queued any more
        svc.settings.pseudonym_key()
    await svc.storage.set_round_status(round_id, status)
    async with svc.storage.transaction() as db:
        await db.execute(
            "UPDATE outbox SET status = 'skipped', last_error = 'round ended'"
            " WHERE round_id = ? AND status = 'pending' AND kind <> 'feedback'",
            (round_id,),
        )
    if held:
        if await msc.queue_feedback(svc.storage, svc.catalogue, round_id, svc.respondent):
            svc.wake_outbox()
    log.info("Round %s %s", round_id, status)


async def remind(svc: Services, round_id: int) -> int:
    """Queue a reminder for residents of the round's centres who have not finished it.

    Residents who used /stop (opted out) or blocked the bot get nothing. Each reminder
    of a round has its own kind (``remind-1``, ``remind-2`` …), so a second reminder
    reaches the same residents again.

    Returns:
        Number of reminders queued.

    Raises:
        RoundNotFound: No such round.
        RoundNotOpen: The round is not open.
    """
    round_ = await _round(svc, round_id)
    if not round_.is_open:
        raise RoundNotOpen(f"round {round_id} is not open")
    storage = svc.storage
    chats = await reachable_chats(storage, round_.centres)
    async with storage.db.execute(
        "SELECT respondent FROM participations WHERE round_id = ? AND finished_at IS NOT NULL",
        (round_id,),
    ) as cur:
        finished = {row[0] for row in await cur.fetchall()}
    async with storage.db.execute(
        "SELECT COUNT(DISTINCT kind) FROM outbox WHERE round_id = ? AND kind LIKE 'remind-%'",
        (round_id,),
    ) as cur:
        row = await cur.fetchone()
    earlier = row[0] if row else 0
    targets = [chat for chat in chats if svc.respondent(chat) not in finished]
    queued = await enqueue(storage, round_id, targets, f"remind-{earlier + 1}")
    svc.wake_outbox()
    return queued


async def reminded_recently(svc: Services, round_id: int, hours: int = 24) -> bool:
    """True if a reminder for this round was queued in the last ``hours`` hours."""
    since = (svc.clock.now() - timedelta(hours=hours)).isoformat(timespec="seconds")
    async with svc.storage.db.execute(
        "SELECT 1 FROM outbox WHERE round_id = ? AND kind LIKE 'remind-%' AND created_at >= ?"
        " LIMIT 1",
        (round_id, since),
    ) as cur:
        return await cur.fetchone() is not None


@dataclass
class DueReport:
    """What one :func:`apply_due` did (round ids)."""

    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)


async def apply_due(svc: Services, now: datetime | None = None) -> DueReport:
    """Open, close, remind and purge whatever is due at ``now`` (default: the clock's now).

    Planned reminders go out at 10:00 local time on their day (:func:`bot.times.reminder_due`);
    an opening caught up more than :data:`CATCH_UP_LATE` late outside the daytime hours
    holds its invitations until 09:00 local.
    """
    storage = svc.storage
    now = now or svc.clock.now()
    report = DueReport()
    for round_ in await storage.rounds():
        if round_.status == "scheduled" and round_.opens_at and round_.opens_at <= now:
            if round_.closes_at and round_.closes_at <= now:
                await end_round(svc, round_.id, "closed")
                report.closed.append(round_.id)
                continue
            # caught up at night (the bot was down when it should have opened), the round
            # opens now but its invitations wait for the morning
            late = now - round_.opens_at > CATCH_UP_LATE
            await open_round(svc, round_.id, next_daytime(now, svc.settings.tz) if late else None)
            report.opened.append(round_.id)
        elif round_.status == "open" and round_.closes_at and round_.closes_at <= now:
            await end_round(svc, round_.id, "closed")
            report.closed.append(round_.id)
    # the small rounds table, on the reader in the event loop's thread (Storage.fetch_here):
    # no hop to a connection's thread at every tick
    planned = await storage.fetch_here(
        "SELECT id, closes_at, remind_days_before FROM rounds WHERE status = 'open'"
        " AND remind_days_before IS NOT NULL AND reminded_at IS NULL AND closes_at IS NOT NULL"
    )
    for round_id, closes_at, days in planned:
        if reminder_due(datetime.fromisoformat(closes_at), days, now, svc.settings.tz):
            await remind(svc, round_id)
            async with storage.transaction() as db:
                await db.execute(
                    "UPDATE rounds SET reminded_at = ? WHERE id = ?", (now.isoformat(), round_id)
                )
            report.reminded.append(round_id)
    report.purged = await purge_free_text(storage, svc.settings.retention_days, now)
    await prune_processed_updates(storage, now)
    for name in ("opened", "closed", "reminded", "purged"):
        if getattr(report, name):
            log.info("Rounds %s: %s", name, getattr(report, name))
    return report


async def purge_free_text(storage: Storage, retention_days: int, now: datetime) -> list[int]:
    """Delete the free text of rounds closed more than ``retention_days`` ago.

    Storage limitation (GDPR art. 5(1)(e)): stories are kept only as long as needed.
    Scale answers and card picks stay.

    Returns:
        The purged round ids.
    """
    cutoff = (now - timedelta(days=retention_days)).isoformat()
    due = [row[0] for row in await storage.fetch_here(  # the small rounds table, here
        "SELECT id FROM rounds WHERE status IN ('closed', 'cancelled') AND closed_at IS NOT NULL"
        " AND closed_at <= ? AND text_purged_at IS NULL", (cutoff,),
    )]
    for round_id in due:
        async with storage.transaction() as db:
            await db.execute(
                "UPDATE answers SET text = NULL WHERE round_id = ? AND text IS NOT NULL",
                (round_id,),
            )
            await db.execute(
                "UPDATE msc_reviews SET redacted_text = NULL WHERE answer_id IN"
                " (SELECT id FROM answers WHERE round_id = ?)", (round_id,),
            )
            await db.execute(
                "UPDATE rounds SET text_purged_at = ? WHERE id = ?", (now.isoformat(), round_id)
            )
    if due:
        await storage.flush_erasure()  # the purged text must not linger in the WAL
    return due


async def prune_processed_updates(storage: Storage, now: datetime) -> int:
    """Forget update ids older than :data:`UPDATE_MEMORY`; returns how many were removed.

    Looks first on the reader: when none is that old (at every start of a new bot and on
    most ticks), no write transaction is made for nothing.
    """
    cutoff = ((now - UPDATE_MEMORY).isoformat(),)
    async with storage.db.execute(
        "SELECT 1 FROM processed_updates WHERE processed_at < ? LIMIT 1", cutoff
    ) as cur:
        if await cur.fetchone() is None:
            return 0
    async with storage.transaction() as db:
        cur = await db.execute("DELETE FROM processed_updates WHERE processed_at < ?", cutoff)
        return cur.rowcount


async def reachable_residents(svc: Services, centres: list[str] | tuple[str, ...]) -> int:
    """Residents an invitation to a round of ``centres`` would reach now: opted in,
    reachable (not blocked), enrolled at one of the centres (:data:`bot.outbox.REACHABLE`,
    the rule the invitations follow)."""
    return len(await reachable_chats(svc.storage, centres))


async def respondent_counts(svc: Services, round_id: int,
                            centres: list[str] | None = None) -> tuple[int, int]:
    """(respondents who started, respondents who finished) a round, each counted once, at
    ``centres`` only if given."""
    only = ""
    params: list[object] = [round_id]
    if centres is not None:
        only = f" AND centre_code IN ({','.join('?' * len(centres)) or 'NULL'})"
        params += list(centres)
    async with svc.storage.db.execute(
        "SELECT COUNT(DISTINCT respondent), COUNT(DISTINCT CASE WHEN finished_at IS NOT NULL"
        " THEN respondent END) FROM participations WHERE round_id = ?" + only, params,
    ) as cur:
        row = await cur.fetchone()
    started, finished = row if row is not None else (0, 0)
    return started or 0, finished or 0
