"""Coordinator and admin commands (issue 7), one small handler per command, by what they
own: the menu and ``/help`` (:mod:`.menu`), who is staff (:mod:`.enrolment`), centres
and posters (:mod:`.centres`), rounds (:mod:`.rounds`), exports and charts
(:mod:`.export`).

Every command works only in a private chat and only for its role (see
:mod:`admin.auth`); a coordinator sees, changes and exports only their own centres.
"""

from __future__ import annotations

from telegram import Update

from admin import stories
from admin.commands import rounds
from admin.commands.export import chart
from bot import callback_data as cd
from bot.context import BuurtContext

__all__ = ["on_pick"]


async def on_pick(update: Update, context: BuurtContext, cb: cd.Pick) -> None:
    """A round button of :func:`admin.round_views.pick_round`: run the command for that round."""
    query = context.query
    command, _, raw = cb.arg.partition(".")
    handler = {"open": rounds.open_, "close": rounds.close, "cancel": rounds.cancel,
               "remind": rounds.remind, "progress": rounds.progress_, "chart": chart,
               "stories": stories.stories}.get(command)
    await query.answer()
    if handler is None or cd.parse_id(raw) is None:
        return
    await query.edit_message_reply_markup(reply_markup=None)
    context.args = [raw]
    await handler(update, context)
