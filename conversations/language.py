"""``/language``: change the language at any time, mid-round too."""

from __future__ import annotations

from telegram import Update

from bot.context import BuurtContext
from bot.i18n import language_name
from bot.session import interview_guard
from conversations import keyboards


async def language(update: Update, context: BuurtContext) -> None:
    """Shows the six language buttons with the current one marked."""
    if await interview_guard(update, context):
        return
    lang = context.tr.language  # the contact's language, else the Telegram one
    tr = context.tr
    await context.message.reply_text(
        "🌐 " + tr._("Kies je taal.") + " (" + language_name(lang) + ")",
        reply_markup=keyboards.languages(lang),
    )
