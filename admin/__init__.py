"""Coordinator and admin commands: rounds, exports, scheduling, stories, interviews.

:func:`register` adds this package's handlers to an application; ``bot.app`` composes it
with ``conversations.register`` and the cross-cutting handlers (the order is explained
there).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from admin import commands, interview, opt_in, stories, story_text, wizard
from admin.commands import centres, enrolment, export, rounds
from admin.story_text import TextHandler
from bot import callback_data as cd
from bot.context import BuurtContext, PayloadHandler

__all__ = ["register"]

#: The staff commands and their handlers; the menu's texts are
#: :data:`admin.commands.menu.STAFF_COMMANDS`.
_COMMANDS = (
    ("coordinator", enrolment.coordinator),
    ("invite_coordinator", enrolment.invite_coordinator),
    ("add_admin", enrolment.add_admin),
    ("centres", centres.centres),
    ("qr", centres.qr),
    ("rounds", rounds.list_rounds),
    ("newround", wizard.newround),
    ("open", rounds.open_),
    ("close", rounds.close),
    ("cancel", rounds.cancel),
    ("remind", rounds.remind),
    ("progress", rounds.progress_),
    ("interview", interview.interview),
    ("export", export.export),
    ("chart", export.chart),
    ("stories", stories.stories),
)


def register(application: Application[Any, Any, Any, Any, Any, Any], *,
             resident_text: TextHandler) -> None:
    """Add the staff handlers to group 0, before the resident's (``conversations.register``).

    First the text a story is owed (a corrected story or a selection reason must not be
    taken for a command or a resident's answer), then the staff commands, then one button handler per staff payload kind; an ``ad:`` button of a verb
    no kind knows is answered silently.

    Args:
        application: The application being built.
        resident_text: Where typed text goes that turns out not to be a reason or a
            correction (the resident flow's, wired by ``bot.app``: this package does not
            import ``conversations``).
    """
    add = application.add_handler
    add(story_text.text_handler(resident_text))
    for name, command in _COMMANDS:
        add(CommandHandler(name, command))
    add(PayloadHandler(cd.Export, export.on_export))
    add(PayloadHandler(cd.Wizard, wizard.on_wizard))
    add(PayloadHandler(cd.Interview, interview.on_interview))
    add(PayloadHandler(cd.Pick, commands.on_pick))
    add(PayloadHandler(cd.Confirm, rounds.on_confirm))
    add(PayloadHandler(cd.Stories, stories.on_stories))
    add(PayloadHandler(cd.FeedbackOptIn, opt_in.on_opt_in))
    add(PayloadHandler(cd.Staff, _unknown_verb))


async def _unknown_verb(update: Update, context: BuurtContext, cb: cd.Staff) -> None:
    """A staff button of a verb no handler knows (an old version's): stop the spinner."""
    await context.query.answer()
