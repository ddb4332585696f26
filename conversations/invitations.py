"""What a resident reads when the outbox sends an invitation, a reminder or feedback.

The outbox (:mod:`bot.outbox`) sends the rows; :mod:`bot.app` hands it :func:`render`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.outbox import OutboxRow
from bot.services import Services
from conversations import keyboards


async def render(svc: Services, row: OutboxRow) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and Start button of an invitation or reminder, in the resident's language.

    A ``feedback`` row carries its text per language in the payload (no button). The
    Start button is left off when the round is no longer open.
    """
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
