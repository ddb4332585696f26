"""Dispatch of staff button presses (kinds not handled by the resident flow)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from admin import commands, interview, stories, wizard
from bot import callback_data as cd


async def dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Callback) -> None:
    """Route a staff callback; unknown kinds get a silent answer."""
    if cb.kind == "export":
        await commands.on_export(update, context, cb)
        return
    if cb.kind == "admin" and (cb.action or "").startswith("nr"):
        await wizard.on_wizard(update, context, cb)
        return
    if cb.kind == "admin" and (cb.action or "").startswith("iv"):
        await interview.on_interview(update, context, cb)
        return
    if cb.kind == "admin" and cb.action == "pk":
        await commands.on_pick(update, context, cb)
        return
    if cb.kind == "admin" and (cb.action or "").startswith("rk"):
        await commands.on_confirm(update, context, cb)
        return
    if cb.kind == "admin" and (cb.action or "").startswith("st"):
        await stories.on_stories(update, context, cb)
        return
    await update.callback_query.answer()
