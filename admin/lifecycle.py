"""What staff see of a round in the chat: its one-line label and the broadcast progress
message that the outbox keeps up to date.

Opening, closing, cancelling and reminding are :mod:`bot.rounds` (one path for the chat,
the scheduler and the command line); the invitation text is
:mod:`conversations.invitations`.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import Translator
from bot.outbox import BroadcastProgress, progress, progress_messages, remember_progress_message
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
