"""Resident flows: onboarding and consent, answering a round, language, withdraw/forget.

:func:`register` adds this package's handlers to an application; ``bot.app`` composes it
with ``admin.register`` and the cross-cutting handlers (the order is explained there).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot import callback_data as cd
from bot.context import BuurtContext, PayloadHandler
from bot.taps import RecentTaps
from conversations import answering, language, media, onboarding, withdraw
from conversations import help as help_

__all__ = ["TextClaim", "register"]

#: ``async (update, context) -> bool``: typed text someone else handles (True: handled).
TextClaim = Callable[[Update, BuurtContext], Awaitable[bool]]

#: The resident buttons, one handler per payload kind (:mod:`bot.callback_data`).
_BUTTONS: tuple[tuple[type[cd.Payload], Callable[..., Awaitable[None]]], ...] = (
    (cd.Lang, onboarding.on_language),
    (cd.Consent, onboarding.on_consent),
    (cd.Centre, onboarding.on_centre),
    (cd.Go, answering.on_go),
    (cd.Change, answering.on_change),
    (cd.Answer, answering.on_answer),
    (cd.Forget, withdraw.on_forget),
)


def register(application: Application[Any, Any, Any, Any, Any, Any], *,
             staff_help: help_.StaffHelp, claim_text: TextClaim) -> None:
    """Add the resident handlers to group 0, after the staff's (``admin.register``).

    Args:
        application: The application being built.
        staff_help: The staff part of ``/help`` for a coordinator or admin, else None
            (``admin``'s, wired by ``bot.app``: this package does not import ``admin``).
        claim_text: Asked first for typed text (a coordinator's selection reason kept
            across a restart); text it does not claim is a typed consent or an answer.
    """
    application.bot_data["taps"] = RecentTaps()

    async def help_command(update: Update, context: BuurtContext) -> None:
        """``/help``: the resident's commands, and the staff's for coordinators and admins."""
        await help_.help_command(update, context, staff_help=staff_help)

    async def on_text(update: Update, context: BuurtContext) -> None:
        """Typed text: claimed by ``claim_text``, a typed yes/no under the consent question
        ("Evet", "ja", "نعم" …), else an answer."""
        if await claim_text(update, context):
            return
        if await onboarding.typed_consent(update, context):
            return
        await answering.on_text(update, context)

    add = application.add_handler
    add(CommandHandler("start", onboarding.start))
    add(CommandHandler("language", language.language))
    add(CommandHandler("stop", withdraw.stop))
    add(CommandHandler("forget", withdraw.forget))
    add(CommandHandler("help", help_command))
    for kind, handler in _BUTTONS:
        add(PayloadHandler(kind, _once_per_tap(handler)))
    add(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    add(MessageHandler(filters.COMMAND, help_.unknown_command))
    add(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, media.on_other))
    add(ChatMemberHandler(withdraw.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))


def _once_per_tap(handler: Callable[[Update, BuurtContext, Any], Awaitable[None]]
                  ) -> Callable[[Update, BuurtContext, Any], Awaitable[None]]:
    """``handler``, except that the same press again within seconds (a double tap) is only
    answered (:mod:`bot.taps`); a press whose handler failed is forgotten, so the next one
    brings the reply that did not go out."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BuurtContext, payload: Any) -> None:
        query = context.query
        taps: RecentTaps = context.bot_data["taps"]
        key = (context.chat_id, context.pressed_message_id, query.data or "")
        if taps.is_repeat(key):
            await query.answer()
            return
        try:
            await handler(update, context, payload)
        except BaseException:
            taps.failed(key[0])  # a reply did not go out: the next tap must bring it
            raise
        taps.handled(key)

    return guarded
