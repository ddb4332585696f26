"""``/help`` and the reply to unknown commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.chat import translator_for, unknown_command
from bot.context import BuurtContext
from bot.i18n import Translator, is_rtl, isolate

__all__ = ["help_command", "help_text", "unknown_command"]

#: ``async (update, context) -> str | None``: the staff part of /help for this user.
StaffHelp = Callable[[Update, BuurtContext], Awaitable[str | None]]


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


async def help_command(
    update: Update, context: BuurtContext, staff_help: StaffHelp | None = None
) -> None:
    """Lists the commands (and, for coordinators and admins, theirs).

    Args:
        update: The /help message.
        context: The handler context.
        staff_help: Gives the staff lines for a coordinator or admin, else None (wired by
            :mod:`bot.app` from ``admin``, which this package does not import).
    """
    message = update.effective_message
    if message is None:
        return
    text = help_text(await translator_for(update, context))
    extra = await staff_help(update, context) if staff_help is not None else None
    if extra:
        text += "\n\n" + extra
    await message.reply_text(text)
