"""What staff see of a round in the chat: its one-line label, the broadcast progress
message that the outbox keeps up to date, and which round a command without a round
number means (:func:`pick_round`).

Opening, closing, cancelling and reminding are :mod:`bot.rounds` (one path for the chat,
the scheduler and the command line); the invitation text is
:mod:`conversations.invitations`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext

from admin.progress import shown
from bot import callback_data as cd
from bot import rounds
from bot.context import BuurtContext, buurt
from bot.i18n import Translator
from bot.outbox import BroadcastProgress, progress, progress_messages, remember_progress_message
from bot.roles import Role
from bot.services import Services
from bot.storage import Round
from bot.survey import Catalogue

log = logging.getLogger(__name__)


def _services(application: Application) -> Services:
    return application.bot_data["services"]


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
    (id, the survey's title in the staff member's language, status, window in ``tz``; the
    window starts when the round really opened, else when it is planned to)."""
    status = {
        "scheduled": tr._("gepland"), "open": tr._("open"), "closed": tr._("gesloten"),
        "cancelled": tr._("geannuleerd"),
    }[round_.status]
    window = ""
    # an opened round shows when it really opened (by hand: not the plan, which may be empty)
    opened = round_.opened_at if round_.status != "scheduled" and round_.opened_at else round_.opens_at
    if opened or round_.closes_at:
        start = tr.datetime(opened, tz, "short") if opened else "…"
        end = tr.datetime(round_.closes_at, tz, "short") if round_.closes_at else "…"
        window = f" · {start} – {end}"
    return f"{survey_label(round_, tr, cat)} · {status}{window}"


def survey_label(round_: Round, tr: Translator, cat: Catalogue) -> str:
    """``#3 · Korte vragenlijst``: the round id and its survey's title (the name if the
    catalogue no longer has the survey)."""
    survey = cat.surveys.get(round_.survey)
    title = survey.title.get(tr.language, survey.title["nl"]) if survey else round_.survey
    return f"#{round_.id} · {title}"


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
            reach = await rounds.reachable_residents(svc, centres)
            lines = ["📣 " + tr._("Ronde {round} is volgens plan opengegaan.", round=label),
                     tr._("Aantal bewoners dat een uitnodiging krijgt: {n}", n=shown(reach, k))]
        elif event == "closed":
            started, finished = await rounds.respondent_counts(svc, round_id, centres)
            lines = ["🔒 " + tr._("Ronde {round} is volgens plan gesloten.", round=label),
                     tr._("Begonnen: {n}", n=shown(started, k)), tr._("Klaar: {n}", n=shown(finished, k)),
                     tr._("Nu kun je de verhalen lezen met /stories en exporteren met /export.")]
        else:
            started, finished = await rounds.respondent_counts(svc, round_id, centres)
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


#: What each command needing a round acts on: command -> round states it takes when no
#: round is named (the only such round, else the newest open one, else buttons).
ROUND_STATES: dict[str, tuple[str, ...]] = {
    "open": ("scheduled",),
    "close": ("open", "scheduled"),
    "cancel": ("open", "scheduled"),
    "remind": ("open",),
    "progress": ("open", "closed"),
    "chart": ("open", "closed"),
    "stories": ("open", "closed"),
}

#: Buttons offered when no round is named and none can be taken for granted.
MAX_ROUND_BUTTONS = 8


async def pick_round(update: Update, context: CallbackContext[Any, Any, Any, Any], role: Role, tr: Translator,
                     command: str, *, view: bool = False, intro: str = "") -> Round | None:
    """The round a command without a round number means, or None after asking.

    Takes the only round the command can act on (:data:`ROUND_STATES`), else the newest
    open one; otherwise replies with one button per round (pressing one runs the command
    for it, :func:`admin.commands.on_pick`) or, if there is none, says so.

    Args:
        update: The command's update.
        context: Its context.
        role: The staff member's role.
        tr: Their language.
        command: The command name (a key of :data:`ROUND_STATES`).
        view: Rounds the user looks at (their centres' share) instead of acts on.
        intro: A line above the question or the "no round" reply (how to use the command).
    """
    ctx = buurt(context)
    svc = ctx.svc
    allowed = role.sees if view else role.covers
    states = ROUND_STATES[command]
    candidates = [r for r in await svc.storage.rounds() if allowed(r.centres) and r.status in states]
    if len(candidates) == 1:
        return candidates[0]
    open_ = [r for r in candidates if r.status == "open"]
    if open_:
        return open_[0]                       # rounds come newest first
    message = ctx.message
    lead = f"{intro}\n\n" if intro else ""
    if not candidates:
        await message.reply_text(lead + tr._("Er is geen ronde waarvoor dit kan. Bekijk de rondes met /rounds."))
        return None
    buttons = [[InlineKeyboardButton(round_label(r, tr, svc.settings.tz, svc.catalogue)[:60],
                                     callback_data=cd.admin("pk", f"{command}.{r.id}"))]
               for r in candidates[:MAX_ROUND_BUTTONS]]
    await message.reply_text(lead + tr._("Welke ronde?"), reply_markup=InlineKeyboardMarkup(buttons))
    return None


async def round_arg(update: Update, context: BuurtContext, role: Role, tr: Translator,
                    *, command: str, view: bool = False) -> Round | None:
    """The round named by the first argument, if the user may act on it (``view``: look
    at their centres' share of it); without one, :func:`pick_round`. Replies otherwise."""
    svc = context.svc
    allowed = role.sees if view else role.covers
    if not context.arguments:
        return await pick_round(update, context, role, tr, command, view=view)
    round_id = cd.parse_id(context.arguments[0])
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if round_ is None or not role.sees(round_.centres):
        await context.message.reply_text(tr._("Die ronde bestaat niet, of is niet van jouw centrum."))
        return None
    if not allowed(round_.centres):
        await context.message.reply_text(
            tr._("Deze ronde loopt ook in andere centra. Alleen een beheerder kan hem openen, sluiten of herinneringen sturen."))
        return None
    return round_
