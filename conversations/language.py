"""``/language``: change the language at any time, mid-round too."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat import lang_of as _lang_of
from bot.i18n import Translator, language_name
from bot.services import services
from bot.session import interview_guard
from conversations import keyboards


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the six language buttons with the current one marked."""
    if await interview_guard(update, context):
        return
    svc = services(context)
    contact = await svc.storage.contact(update.effective_chat.id)
    lang = contact.language if contact else _lang_of(update)
    tr = Translator(lang)
    await update.effective_message.reply_text(
        "🌐 " + tr._("Kies je taal.") + " (" + language_name(lang) + ")",
        reply_markup=keyboards.languages(lang),
    )
