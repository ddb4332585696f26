"""Who may use coordinator and admin commands.

Admins are the user ids in ``ADMIN_IDS``. Commands work only in private chats; anyone
else gets the same polite reply as for an unknown command, and the attempt is logged
without its text.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.services import services
from conversations.help import unknown_command

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def admin_only(func: Handler) -> Handler:
    """Run ``func`` only for an admin in a private chat; others get the unknown-command reply."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or not services(context).is_admin(user and user.id):
            log.info("Refused %s for a non-admin", func.__name__)
            await unknown_command(update, context)
            return
        await func(update, context)

    return wrapper
