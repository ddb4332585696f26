"""``/help`` and the reply to unknown commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Translator, is_rtl, isolate
from bot.services import services
from conversations.answering import lang_of as _lang_of


def help_text(tr: Translator) -> str:
    """The resident's command list in their language.

    For right-to-left languages the description comes first, so each line starts with a
    right-to-left letter and the phone lays it out right to left (UAX 9, rule P2).
    """
    entries = [
        ("/start", tr._("meedoen of verdergaan")),
        ("/language", tr._("taal kiezen")),
        ("/stop", tr._("geen berichten meer")),
        ("/forget", tr._("alles van mij verwijderen")),
        ("/help", tr._("deze uitleg")),
    ]
    if is_rtl(tr.language):
        lines = [f"{desc} – {isolate(cmd, tr.language)}" for cmd, desc in entries]
    else:
        lines = [f"{cmd} – {desc}" for cmd, desc in entries]
    return "\n".join([tr._("Zo werkt Buurtstem:"), *lines])


async def _tr(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    contact = await services(context).storage.contact(update.effective_chat.id)
    return Translator(contact.language if contact else _lang_of(update))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the commands (and, for coordinators and admins, theirs)."""
    from admin.auth import role_of
    from admin.commands import staff_help, staff_tr

    text = help_text(await _tr(update, context))
    role = await role_of(update, context)
    if role.is_staff:
        text += "\n\n" + staff_help(staff_tr(update), role)
    await update.effective_message.reply_text(text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a command the bot does not know (or that is not for this user) politely."""
    tr = await _tr(update, context)
    await update.effective_message.reply_text(
        tr._("Dit commando ken ik niet. Stuur /help voor wat ik kan.")
    )
