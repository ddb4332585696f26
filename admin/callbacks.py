"""Dispatch of admin button presses (kinds not handled by the resident flow)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from admin import commands
from conversations import callback_data as cd


async def dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Callback) -> None:
    """Route an admin callback; unknown kinds get the stale-button notice."""
    if cb.kind == "export":
        await commands.on_export(update, context, cb)
        return
    await update.callback_query.answer()
