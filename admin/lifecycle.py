"""Round lifecycle shared by chat commands, the scheduler and the CLI: open, close,
cancel, remind — and the texts of invitations and reminders sent through the outbox.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import Translator
from bot.outbox import (
    BroadcastProgress,
    OutboxRow,
    enqueue,
    enqueue_round_invitations,
    progress,
    progress_messages,
    remember_progress_message,
)
from bot.services import Services
from bot.storage import Round
from bot.survey import Catalogue
from bot.survey.pinning import survey_pin
from conversations import keyboards

log = logging.getLogger(__name__)


def _services(application: Application) -> Services:
    return application.bot_data["services"]


def _wake(application: Application) -> None:
    sender = application.bot_data.get("outbox")
    if sender is not None:
        sender.wake()


async def open_round(application: Application, round_id: int, not_before: datetime | None = None) -> int:
    """Open a round and queue one invitation per opted-in, reachable resident.

    Args:
        application: The running application (its services and outbox sender).
        round_id: The round to open.
        not_before: If given (aware), the new invitations wait until then (a planned
            opening caught up at night goes out in the morning, :func:`admin.times.next_daytime`).

    Returns:
        Number of invitations queued now (0 if they were queued before).
    """
    svc = _services(application)
    round_ = await svc.storage.round(round_id)
    if round_ is None:
        raise ValueError(f"no round {round_id}")
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
    _wake(application)
    log.info("Round %s open; %s invitations queued", round_id, queued)
    return queued


async def close_round(application: Application, round_id: int, status: str = "closed") -> None:
    """Close (or cancel) a round; queued invitations that were not sent yet are dropped.

    If the round's story selection was made final while it was open, the feedback to the
    storytellers that was held until now is queued (each teller gets it once).
    """
    from bot import msc

    svc = _services(application)
    await svc.storage.set_round_status(round_id, status)
    async with svc.storage.transaction() as db:
        await db.execute(
            "UPDATE outbox SET status = 'skipped' WHERE round_id = ? AND status = 'pending'"
            " AND kind <> 'feedback'",
            (round_id,),
        )
    if await msc.final_at(svc.storage, round_id) is not None:
        if await msc.queue_feedback(svc.storage, svc.catalogue, round_id, svc.respondent):
            _wake(application)


async def remind(application: Application, round_id: int) -> int:
    """Queue a reminder for residents of the round's centres who have not finished it.

    Residents who used /stop (opted out) or blocked the bot get nothing. Returns the
    number of reminders queued.
    """
    svc = _services(application)
    round_ = await svc.storage.round(round_id)
    if round_ is None or not round_.is_open:
        raise ValueError(f"round {round_id} is not open")
    marks = ",".join("?" * len(round_.centres))
    async with svc.storage.db.execute(
        f"SELECT chat_id FROM contacts WHERE opted_in = 1 AND reachable = 1"
        f" AND centre_code IN ({marks})", round_.centres,
    ) as cur:
        chats = [row[0] for row in await cur.fetchall()]
    async with svc.storage.db.execute(
        "SELECT respondent FROM participations WHERE round_id = ? AND finished_at IS NOT NULL",
        (round_id,),
    ) as cur:
        finished = {row[0] for row in await cur.fetchall()}
    async with svc.storage.db.execute(
        "SELECT COUNT(DISTINCT kind) FROM outbox WHERE round_id = ? AND kind LIKE 'remind-%'",
        (round_id,),
    ) as cur:
        earlier = (await cur.fetchone())[0]
    targets = [chat for chat in chats if svc.respondent(chat) not in finished]
    queued = await enqueue(svc.storage, round_id, targets, f"remind-{earlier + 1}")
    _wake(application)
    return queued


async def reachable_residents(application: Application, centres) -> int:
    """Residents an invitation to a round of ``centres`` would reach now: opted in,
    reachable (not blocked), enrolled at one of the centres."""
    svc = _services(application)
    centres = list(centres)
    if not centres:
        return 0
    marks = ",".join("?" * len(centres))
    async with svc.storage.db.execute(
        f"SELECT COUNT(*) FROM contacts WHERE opted_in = 1 AND reachable = 1 AND centre_code IN ({marks})",
        centres,
    ) as cur:
        return (await cur.fetchone())[0]


async def respondent_counts(application: Application, round_id: int,
                            centres: list[str] | None = None) -> tuple[int, int]:
    """(respondents who started, respondents who finished) a round (unique respondents),
    at ``centres`` only if given."""
    svc = _services(application)
    only, params = "", [round_id]
    if centres is not None:
        only = f" AND centre_code IN ({','.join('?' * len(centres)) or 'NULL'})"
        params += list(centres)
    async with svc.storage.db.execute(
        "SELECT COUNT(DISTINCT respondent), COUNT(DISTINCT CASE WHEN finished_at IS NOT NULL"
        " THEN respondent END) FROM participations WHERE round_id = ?" + only, params,
    ) as cur:
        started, finished = await cur.fetchone()
    return started or 0, finished or 0


async def tell_coordinators(application: Application, round_id: int, event: str) -> int:
    """Tell the coordinators of a round's centres that a scheduled event happened, with
    the figures of their own centres (counts shown as ``<k`` below ``MIN_CELL_SIZE``).

    Args:
        application: The running bot.
        round_id: The round.
        event: ``opened`` (invitations go out), ``closed`` or ``reminded``.

    Returns:
        Number of coordinators told (one message each; a failed send is logged, not raised).
    """
    from admin.progress import shown

    svc = _services(application)
    round_ = await svc.storage.round(round_id)
    if round_ is None or not round_.centres:
        return 0
    marks = ",".join("?" * len(round_.centres))
    async with svc.storage.db.execute(
        f"SELECT user_id, language, centre_code FROM coordinators WHERE centre_code IN ({marks})"
        " ORDER BY user_id, centre_code", round_.centres,
    ) as cur:
        rows = await cur.fetchall()
    people: dict[int, tuple[str, list[str]]] = {}
    for user_id, language, centre in rows:
        people.setdefault(user_id, (language, []))[1].append(centre)
    k = svc.settings.min_cell_size
    told = 0
    for user_id, (language, centres) in people.items():
        tr = Translator(language)
        label = survey_label(round_, tr, svc.catalogue)
        if event == "opened":
            reach = await reachable_residents(application, centres)
            lines = ["📣 " + tr._("Ronde {round} is volgens plan opengegaan.", round=label),
                     tr._("Aantal bewoners dat een uitnodiging krijgt: {n}", n=shown(reach, k))]
        elif event == "closed":
            started, finished = await respondent_counts(application, round_id, centres)
            lines = ["🔒 " + tr._("Ronde {round} is volgens plan gesloten.", round=label),
                     tr._("Begonnen: {n}", n=shown(started, k)), tr._("Klaar: {n}", n=shown(finished, k)),
                     tr._("Nu kun je de verhalen lezen met /stories en exporteren met /export.")]
        else:
            started, finished = await respondent_counts(application, round_id, centres)
            lines = ["⏰ " + tr._("Ronde {round}: de geplande herinnering gaat naar wie nog niet klaar is.", round=label),
                     tr._("Begonnen: {n}", n=shown(started, k)), tr._("Klaar: {n}", n=shown(finished, k))]
        if round_.closes_at and event != "closed":
            lines.append(tr._("Sluit: {date}", date=tr.datetime(round_.closes_at, svc.settings.tz, "short")))
        try:
            await application.bot.send_message(user_id, "\n".join(lines))
            told += 1
        except TelegramError as exc:
            log.warning("Could not tell a coordinator about round %s: %s", round_id, type(exc).__name__)
    return told


async def reminded_recently(application: Application, round_id: int, hours: int = 24) -> bool:
    """True if a reminder for this round was queued in the last ``hours`` hours."""
    from datetime import timedelta

    from bot.storage import utcnow

    svc = _services(application)
    since = (utcnow() - timedelta(hours=hours)).isoformat(timespec="seconds")
    async with svc.storage.db.execute(
        "SELECT 1 FROM outbox WHERE round_id = ? AND kind LIKE 'remind-%' AND created_at >= ? LIMIT 1",
        (round_id, since),
    ) as cur:
        return await cur.fetchone() is not None


async def render(application: Application, row: OutboxRow) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and Start button of an invitation or reminder, in the resident's language."""
    svc = _services(application)
    tr = Translator(row.language)
    round_ = await svc.storage.round(row.round_id)
    if row.kind == "feedback" and row.payload:
        return row.payload.get(row.language) or row.payload.get("nl", ""), None
    survey = svc.catalogue.surveys.get(round_.survey) if round_ else None
    title = survey.title[tr.language] if survey else ""
    lines = []
    if row.kind.startswith("remind"):
        lines.append("⏰ " + tr._("Een herinnering: je hebt de vragen nog niet afgemaakt."))
    else:
        lines.append("👋 " + tr._("Er is een nieuwe vragenronde: {title}.", title=title))
    if round_ and round_.closes_at:
        lines.append(tr._("Laatste dag om mee te doen: {date}", date=tr.date(round_.closes_at, svc.settings.tz)))
    lines.append(tr._("Druk op Start om te beginnen. Met /stop krijg je geen berichten meer."))
    markup = keyboards.start_round(tr, row.round_id) if round_ and round_.is_open else None
    return "\n\n".join(lines), markup


async def report_progress(application: Application, round_id: int, kind: str, status: BroadcastProgress) -> None:
    """Edit the coordinators' progress messages ("sent 340 of 512, 3 unreachable"); they
    are stored (:func:`bot.outbox.remember_progress_message`), so this works after a restart
    too, and the last edit is the one with nothing pending."""
    svc = _services(application)
    for where in await progress_messages(svc.storage, round_id, kind, final=status.pending == 0):
        tr = Translator(where.language)
        text = tr._("Ronde {round}: {sent} van {total} berichten verstuurd, {unreachable} niet bereikbaar.",
                    round=round_id, sent=status.sent, total=status.total,
                    unreachable=status.blocked + status.failed)
        try:
            await application.bot.edit_message_text(text, chat_id=where.chat_id, message_id=where.message_id)
        except TelegramError as exc:  # "not modified", a deleted message: harmless here
            log.debug("progress message not edited: %s", type(exc).__name__)


async def announce_progress(application: Application, chat_id: int, language: str, round_id: int, kind: str) -> None:
    """Send the coordinator a progress message that the outbox sender keeps up to date."""
    svc = _services(application)
    tr = Translator(language)
    status = await progress(svc.storage, round_id, kind)
    message = await application.bot.send_message(
        chat_id, tr._("Ronde {round}: {sent} van {total} berichten verstuurd, {unreachable} niet bereikbaar.",
                      round=round_id, sent=status.sent, total=status.total,
                      unreachable=status.blocked + status.failed),
    )
    await remember_progress_message(svc.storage, round_id, kind, chat_id, message.message_id, language)
    sender = application.bot_data.get("outbox")
    if sender is not None:
        sender.watch(round_id, kind)


def round_label(round_: Round, tr: Translator, tz, cat: Catalogue) -> str:
    """One line describing a round: ``#3 · Korte vragenlijst · open · 1 dec. 10:00 – …``
    (id, the survey's title in the staff member's language, status, window in ``tz``)."""
    status = {
        "scheduled": tr._("gepland"), "open": tr._("open"), "closed": tr._("gesloten"),
        "cancelled": tr._("geannuleerd"),
    }[round_.status]
    window = ""
    if round_.opens_at or round_.closes_at:
        start = tr.datetime(round_.opens_at, tz, "short") if round_.opens_at else "…"
        end = tr.datetime(round_.closes_at, tz, "short") if round_.closes_at else "…"
        window = f" · {start} – {end}"
    return f"{survey_label(round_, tr, cat)} · {status}{window}"


def survey_label(round_: Round, tr: Translator, cat: Catalogue) -> str:
    """``#3 · Korte vragenlijst``: the round id and its survey's title (the name if the
    catalogue no longer has the survey)."""
    survey = cat.surveys.get(round_.survey)
    title = survey.title.get(tr.language, survey.title["nl"]) if survey else round_.survey
    return f"#{round_.id} · {title}"
