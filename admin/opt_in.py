"""A resident's answer to "one message about what was chosen, and why?" asked outside a
round (the ``ad:stfb:y|n`` buttons, :class:`bot.callback_data.FeedbackOptIn`); stored in
``contacts.feedback_opt_in``, read when the selection's feedback is sent (:mod:`bot.msc`)."""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest

from admin.story_card import stale
from bot import callback_data as cd
from bot.context import BuurtContext
from bot.i18n import Translator

log = logging.getLogger(__name__)


async def ask_feedback_opt_in(context: BuurtContext, chat_id: int, tr: Translator) -> None:
    """Ask a resident whether they want one message about what the panel chose, and why.

    The answer is stored in ``contacts.feedback_opt_in`` by the ``ad:stfb:y|n`` buttons.
    """
    await context.bot.send_message(
        chat_id,
        tr._("Het ontmoetingscentrum leest de verhalen en kiest de verhalen die het meest laten zien wat er verandert. Wil je daarna één bericht krijgen over wat er gekozen is, en waarom?"),
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton("👍 " + tr._("Ja, graag"), callback_data=cd.admin("stfb", "y")),
            InlineKeyboardButton("👋 " + tr._("Nee, dank je"), callback_data=cd.admin("stfb", "n")),
        ]]),
    )


async def on_opt_in(update: Update, context: BuurtContext, cb: cd.FeedbackOptIn) -> None:
    """``ad:stfb:y|n``: only in the resident's own private chat, only with a contact."""
    query = context.query
    contact = context.contact
    tr = Translator(contact.language if contact else "nl")
    if contact is None or context.user_id != context.chat_id or cb.arg not in ("y", "n"):
        await query.answer(stale(tr))
        return
    yes = cb.arg == "y"
    await context.storage.update_contact(context.chat_id, feedback_opt_in=yes)
    await query.answer()
    label = "✅ " + (tr._("Ja, graag") if yes else tr._("Nee, dank je"))
    try:
        await query.edit_message_reply_markup(
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cd.NOOP)]])
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
