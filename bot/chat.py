"""What both Telegram adapters (``conversations`` and ``admin``) need about a chat.

The resident command menu, the language to answer someone in who has no contact yet, and
the polite reply to a command the bot does not know (also given to a resident who tries a
staff command, so staff commands stay invisible). Kept here, below both adapters, so
neither has to import the other.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from bot.context import buurt
from bot.i18n import N_, Translator, negotiate_language

__all__ = ["RESIDENT_COMMANDS", "lang_of", "translator_for", "unknown_command"]

#: Resident commands, shown in the menu of every private chat (setMyCommands).
RESIDENT_COMMANDS = [
    ("start", N_("meedoen of verdergaan")),
    ("language", N_("taal kiezen")),
    ("stop", N_("geen berichten meer")),
    ("forget", N_("alles van mij verwijderen")),
    ("help", N_("uitleg")),
]


def lang_of(update: Update) -> str:
    """Language for someone without a contact: negotiated from Telegram's language_code."""
    user = update.effective_user
    return negotiate_language(user.language_code if user else None)


async def translator_for(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> Translator:
    """The resident's language if they have a contact, else their Telegram language
    (:attr:`bot.context.BuurtContext.tr`, as the update found it)."""
    return buurt(context).tr


async def unknown_command(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Answers a command the bot does not know (or that is not for this user) politely."""
    message = update.effective_message
    if message is None:
        return
    tr = await translator_for(update, context)
    await message.reply_text(
        tr._("Dit commando ken ik niet. Stuur /help voor wat ik kan.")
    )
