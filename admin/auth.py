"""Who may use coordinator and admin commands.

Admins are the user ids in ``ADMIN_IDS`` plus admins added in the chat; coordinators
belong to one or more centres. Commands work only in private chats; anyone else gets
the same polite reply as for an unknown command, and the attempt is logged without its
text (issue 7).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.chat import unknown_command
from bot.context import BuurtContext, buurt
from bot.i18n import Translator, negotiate_language
from bot.roles import Role

log = logging.getLogger(__name__)

#: ``async (update, context, role)``: a staff command's handler.
StaffHandler = Callable[[Update, BuurtContext, Role], Coroutine[Any, Any, None]]
#: ``async (update, context)``: a handler as python-telegram-bot calls it.
Handler = Callable[[Update, BuurtContext], Coroutine[Any, Any, None]]


def staff_tr(update: Update) -> Translator:
    """Translator for a coordinator/admin (from their Telegram language)."""
    user = update.effective_user
    return Translator(negotiate_language(user.language_code if user else None))


async def role_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Role:
    """The role of the update's sender (read once per update: :meth:`BuurtContext.role`)."""
    return await buurt(context).role()


def staff_only(*, admin: bool = False) -> Callable[[StaffHandler], Handler]:
    """Decorator: run the handler only for coordinators (or only admins), in private chats.

    The wrapped handler receives the sender's :class:`~bot.roles.Role` as third argument.
    """

    def decorate(func: StaffHandler) -> Handler:
        @functools.wraps(func)
        async def wrapper(update: Update, context: BuurtContext) -> None:
            chat = update.effective_chat
            role = await context.role()
            allowed = role.admin if admin else role.is_staff
            if chat is None or chat.type != ChatType.PRIVATE or not allowed:
                log.info("Refused /%s for a user without the role", func.__name__)
                await unknown_command(update, context)
                return
            await func(update, context, role)

        return wrapper

    return decorate


admin_only = staff_only(admin=True)
