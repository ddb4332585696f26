"""``/interview``: a coordinator enters a round for a resident without a phone.

Like the paper interview sheet: the coordinator reads the questions aloud and enters
the answers. They are stored with ``mode = "assisted"`` under a fresh pseudonym; no
contact is created (issue 7). ``/interview stop`` leaves assisted mode.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from admin import round_views
from admin.auth import role_of, staff_only, staff_tr
from bot import callback_data as cd
from bot.context import BuurtContext
from bot.i18n import Translator, offered_languages
from bot.roles import Role
from bot.session import deletion_code_note, end_assisted, start_assisted


@staff_only()
async def interview(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks which open round the interview is for."""
    svc = context.svc
    tr = staff_tr(update)
    if context.arguments and context.arguments[0] == "stop":
        ended = await end_assisted(context, context.chat_id)
        text = tr._("Interview gestopt.")
        if ended is not None and ended.deletion_code and await svc.storage.respondent_exists(ended.respondent):
            # answers given so far are kept: the resident gets the code that erases them
            text += "\n\n" + deletion_code_note(Translator(ended.language), ended.deletion_code)
        await context.message.reply_text(text)
        return
    rounds = [r for r in await svc.storage.rounds() if r.is_open and set(r.centres) & role.centres]
    if not rounds:
        await context.message.reply_text(tr._("Er is geen open ronde voor jouw centrum."))
        return
    buttons = [[InlineKeyboardButton(round_views.survey_label(r, tr, svc.catalogue), callback_data=cd.admin("ivr", str(r.id)))] for r in rounds[:10]]
    await context.message.reply_text(
        tr._("Interview voor iemand zonder telefoon. Voor welke ronde?"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def on_interview(update: Update, context: BuurtContext, cb: cd.Interview) -> None:
    """Round → centre → language → the questions, in this chat, in assisted mode."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await role_of(update, context)
    verb, arg = cb.verb, cb.arg
    parts = arg.split(".")
    round_id = cd.parse_id(parts[0])
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if not role.is_staff or round_ is None or not round_.is_open:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    await query.answer()
    centres = [c for c in round_.centres if c in role.centres]
    if verb == "ivr":
        if len(centres) == 1:
            verb, parts = "ivc", [parts[0], centres[0]]
        else:
            names = dict(await svc.storage.centres())
            buttons = [[InlineKeyboardButton(names.get(c, c), callback_data=cd.admin("ivc", f"{round_.id}.{c}"))] for c in centres]
            await query.edit_message_text(tr._("Bij welk centrum?"), reply_markup=InlineKeyboardMarkup(buttons))
            return
    if verb == "ivc" and len(parts) >= 2 and parts[1] in centres:
        buttons = [[InlineKeyboardButton(name, callback_data=cd.admin("ivl", f"{round_.id}.{parts[1]}.{code}"))]
                   for code, name in offered_languages().items()]
        await query.edit_message_text(tr._("In welke taal stel je de vragen?"), reply_markup=InlineKeyboardMarkup(buttons))
        return
    if verb == "ivl" and len(parts) == 3 and parts[1] in centres and parts[2] in offered_languages():
        await query.edit_message_reply_markup(reply_markup=None)
        session = await start_assisted(context, context.chat_id, round_.id, parts[1], parts[2])
        await context.bot.send_message(
            context.chat_id,
            tr._("Interview gestart. De antwoorden worden zonder naam opgeslagen. Stoppen: /interview stop"),
        )
        if svc.begin_answering is None:  # set by bot.app to the resident flow's begin
            raise RuntimeError("Services.begin_answering is not wired")
        await svc.begin_answering(context, session, round_)
