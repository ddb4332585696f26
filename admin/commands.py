"""Coordinator/admin chat commands: ``/rounds``, ``/export``."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from admin.auth import admin_only
from bot.i18n import Translator
from bot.services import services
from bot.exports.service import export_filename, run_export
from conversations import callback_data as cd

#: Export formats offered as buttons: callback code -> (service format, button label).
EXPORT_BUTTONS = {
    "csv": ("csv", "CSV (komma)"),
    "nl": ("excel-nl", "CSV (Excel NL, puntkomma)"),
    "xlsx": ("xlsx", "Excel (xlsx)"),
    "book": ("codebook", "Codeboek (CSV)"),
}


def admin_commands(tr: Translator) -> list[tuple[str, str]]:
    """The admin command menu ``(command, description)`` in the admin's language."""
    return [
        ("rounds", tr._("rondes bekijken")),
        ("export", tr._("antwoorden exporteren")),
        ("help", tr._("uitleg")),
    ]


async def _tr(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    from bot.i18n import negotiate_language

    return Translator(negotiate_language(update.effective_user.language_code))


@admin_only
async def rounds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the rounds with survey, status and centres."""
    svc = services(context)
    tr = await _tr(update, context)
    found = await svc.storage.rounds()
    if not found:
        await update.effective_message.reply_text(tr._("Er zijn nog geen rondes."))
        return
    lines = [
        f"#{r.id} · {r.survey} · {r.status} · {len(r.centres)} " + tr.ngettext("centrum", "centra", len(r.centres))
        for r in found[:30]
    ]
    await update.effective_message.reply_text("\n".join(lines))


@admin_only
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks which round to export (then which format)."""
    svc = services(context)
    tr = await _tr(update, context)
    buttons = [[InlineKeyboardButton(tr._("Alle rondes"), callback_data=cd.export(None))]]
    for r in (await svc.storage.rounds())[:10]:
        buttons.append([InlineKeyboardButton(f"#{r.id} · {r.survey} · {r.status}", callback_data=cd.export(r.id))])
    await update.effective_message.reply_text(
        tr._("Welke ronde wil je exporteren?"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def on_export(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Callback) -> None:
    """Second step: pick a format; third step: build the file and send it as a document."""
    query = update.callback_query
    svc = services(context)
    tr = await _tr(update, context)
    if not svc.is_admin(update.effective_user.id):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    if cb.action is None:
        await query.answer()
        await query.edit_message_text(
            tr._("Welk formaat?"),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=cd.export(cb.round_id, code))]
                 for code, (_fmt, label) in EXPORT_BUTTONS.items()]
            ),
        )
        return
    fmt = EXPORT_BUTTONS[cb.action][0]
    await query.answer(tr._("Even geduld…"))
    settings = svc.settings
    name = export_filename(fmt, cb.round_id, datetime.now(settings.tz).date())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        result = await asyncio.to_thread(
            run_export, settings.database_path, svc.catalogue, out, fmt=fmt, tz=settings.tz,
            round_ids=None if cb.round_id is None else [cb.round_id],
            min_cell_size=settings.min_cell_size,
        )
        with out.open("rb") as fh:
            await context.bot.send_document(
                query.message.chat.id, document=fh, filename=name,
                caption=tr.ngettext("{n} antwoord", "{n} antwoorden", result.rows)
                + " · " + tr.ngettext("{n} deelnemer", "{n} deelnemers", result.respondents),
            )
    await query.edit_message_reply_markup(reply_markup=None)


def handlers() -> list[BaseHandler]:
    """The admin command handlers, registered in group 0 before the unknown-command reply."""
    return [
        CommandHandler("rounds", rounds),
        CommandHandler("export", export),
    ]
