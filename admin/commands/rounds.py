"""The round commands: ``/rounds``, ``/open``, ``/close``, ``/cancel``, ``/remind`` and
``/progress``, and the yes/no before an irreversible one (the :class:`~bot.callback_data.Confirm`
buttons). What they do is :mod:`bot.rounds`, the same for the chat, the scheduler and
the command line."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from admin import round_views
from admin.auth import role_of, staff_only, staff_tr
from admin.progress import (
    item_status_counts,
    progress_items,
    question_text,
    render_progress,
    round_progress,
    shown,
)
from admin.round_views import round_arg
from bot import callback_data as cd
from bot import rounds as rounds_service
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.disclosure import audience_of, grant
from bot.roles import Role
from bot.services import Services
from bot.storage import Round


@staff_only()
async def list_rounds(update: Update, context: BuurtContext, role: Role) -> None:
    """Lists the rounds of the user's centres with their status."""
    svc = context.svc
    tr = staff_tr(update)
    found = [r for r in await svc.storage.rounds() if role.sees(r.centres)]
    if not found:
        await context.message.reply_text(tr._("Er zijn nog geen rondes. Maak er een met /newround."))
        return
    shared = tr._("ook in andere centra")
    lines = [round_views.round_label(r, tr, svc.settings.tz, svc.catalogue) + ("" if role.covers(r.centres) else f" · {shared}")
             for r in found[:30]]
    await context.message.reply_text("\n".join(lines))


@staff_only()
async def open_(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm opening a round now (it messages every resident of its centres)."""
    tr = staff_tr(update)
    round_ = await round_arg(update, context, role, tr, command="open")
    if round_ is None:
        return
    if round_.status == "closed":
        await context.message.reply_text(tr._("Deze ronde is al gesloten."))
        return
    if round_.status == "cancelled":
        await context.message.reply_text(tr._("Deze ronde is geannuleerd."))
        return
    if round_.status == "open":
        await context.message.reply_text(tr._("Deze ronde is al open."))
        return
    await _ask_confirmation(update, context, round_, "open", tr)


#: Irreversible round actions that ask first: action -> callback verb of "yes".
CONFIRM_VERBS = {"open": "rko", "closed": "rkc", "cancelled": "rkx"}


async def _ask_confirmation(update: Update, context: BuurtContext, round_: Round, action: str,
                            tr: Translator) -> None:
    """Say what opening, closing or cancelling will do, and to how many residents; ask yes/no."""
    svc = context.svc
    k = svc.settings.min_cell_size
    label = round_views.round_label(round_, tr, svc.settings.tz, svc.catalogue)
    started, finished = await rounds_service.respondent_counts(svc, round_.id)
    if action == "open":
        reach = await rounds_service.reachable_residents(svc, round_.centres)
        lines = [tr._("Ronde {round} nu openen?", round=round_.id), label, "",
                 tr._("Alle bewoners van het centrum krijgen meteen een uitnodiging. Dat kun je niet terugdraaien."),
                 tr._("Aantal bewoners dat nu een bericht krijgt: {n}", n=shown(reach, k))]
        yes = "📨 " + tr._("Ja, nu openen en uitnodigen")
    elif action == "closed":
        lines = [tr._("Ronde {round} sluiten?", round=round_.id), label, "",
                 tr._("Daarna kan niemand meer antwoorden. Dat kun je niet terugdraaien."),
                 tr._("Begonnen: {n}", n=shown(started, k)),
                 tr._("Nog niet klaar (kunnen dan niet meer verder): {n}", n=shown(started - finished, k))]
        yes = "🔒 " + tr._("Ja, sluiten")
    else:
        lines = [tr._("Ronde {round} annuleren?", round=round_.id), label, "",
                 tr._("Niemand kan dan nog antwoorden, en uitnodigingen die nog wachten gaan niet meer weg. Dat kun je niet terugdraaien."),
                 tr._("Begonnen: {n}", n=shown(started, k))]
        yes = "🗑 " + tr._("Ja, annuleren")
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(yes, callback_data=cd.admin(CONFIRM_VERBS[action], str(round_.id)))],
        [InlineKeyboardButton("✖️ " + tr._("Nee, niets doen"), callback_data=cd.admin("rkn", str(round_.id)))],
    ])
    await context.message.reply_text("\n".join(lines), reply_markup=markup)


async def on_confirm(update: Update, context: BuurtContext, cb: cd.Confirm) -> None:
    """``ad:rk?:<round>``: the answer to "open / close / cancel round N?"."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await role_of(update, context)
    round_id = cd.parse_id(cb.arg)
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    action = {verb: action for action, verb in CONFIRM_VERBS.items()}.get(cb.verb)
    if not role.is_staff or round_ is None or not role.covers(round_.centres) or (
            action is None and cb.verb != "rkn"):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    await query.answer()
    if action is None:
        await query.edit_message_text(tr._("Goed, er is niets veranderd."))
        return
    if action == "open":
        if round_.status != "scheduled":
            await query.edit_message_text(tr._("Deze ronde is al open.") if round_.status == "open"
                                          else tr._("Deze ronde is al gesloten."))
            return
        await rounds_service.open_round(svc, round_.id)
        await query.edit_message_text(tr._("Ronde {round} is open.", round=round_.id))
        await round_views.announce_progress(context.application, context.chat_id, tr.language,
                                          round_.id, "invite")
        return
    if round_.status not in ("open", "scheduled"):
        await query.edit_message_text(
            tr._("Deze ronde is al gesloten.") if round_.status == "closed" else tr._("Deze ronde is geannuleerd."))
        return
    await rounds_service.end_round(svc, round_.id, action)
    await query.edit_message_text(tr._("Ronde {round} is gesloten.", round=round_.id) if action == "closed"
                                  else tr._("Ronde {round} is geannuleerd.", round=round_.id))


async def _end_round(update: Update, context: BuurtContext, role: Role, status: str) -> None:
    """Ask to close or cancel the round named in the command; only an open or planned round."""
    tr = staff_tr(update)
    round_ = await round_arg(update, context, role, tr, command="close" if status == "closed" else "cancel")
    if round_ is None:
        return
    if round_.status not in ("open", "scheduled"):
        await context.message.reply_text(
            tr._("Deze ronde is al gesloten.") if round_.status == "closed" else tr._("Deze ronde is geannuleerd."))
        return
    await _ask_confirmation(update, context, round_, status, tr)


@staff_only()
async def close(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm closing a round (no more answers)."""
    await _end_round(update, context, role, "closed")


@staff_only()
async def cancel(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm cancelling a round."""
    await _end_round(update, context, role, "cancelled")


@staff_only()
async def remind(update: Update, context: BuurtContext, role: Role) -> None:
    """Reminds residents who have not finished the round."""
    tr = staff_tr(update)
    round_ = await round_arg(update, context, role, tr, command="remind")
    if round_ is None:
        return
    if not round_.is_open:
        await context.message.reply_text(tr._("Deze ronde is niet open."))
        return
    if await rounds_service.reminded_recently(context.svc, round_.id):
        await context.message.reply_text(
            tr._("Er is de afgelopen 24 uur al een herinnering gestuurd. Probeer het morgen opnieuw."))
        return
    queued = await rounds_service.remind(context.svc, round_.id)
    await context.message.reply_text(
        tr.ngettext("{n} herinnering klaargezet.", "{n} herinneringen klaargezet.", queued)
    )


@staff_only()
async def progress_(update: Update, context: BuurtContext, role: Role) -> None:
    """Shows counts for a round: invited, started, finished, per language, per item."""
    svc = context.svc
    tr = staff_tr(update)
    grant("chat.progress", audience_of(role.admin), svc.settings.min_cell_size)
    round_ = await round_arg(update, context, role, tr, command="progress", view=True)
    if round_ is None:
        return
    k = svc.settings.min_cell_size
    share = role.share(round_.centres)
    counts = await round_progress(svc.storage, round_.id, share)
    counts.released, counts.by_status = await asyncio.to_thread(
        item_status_counts, svc.settings.database_path, round_.id, share, k)
    survey_items = svc.catalogue.survey_items(round_.survey)
    items = progress_items(survey_items)
    questions = {i.id: question_text(i, tr.language) for i in survey_items}
    label = round_views.round_label(round_, tr, svc.settings.tz, svc.catalogue)
    await context.message.reply_text(
        render_progress(counts, label, items, tr, k,
                        scope=await _share_line(svc, role, round_, tr), questions=questions)
    )


async def _share_line(svc: Services, role: Role, round_: Round, tr: Translator) -> str | None:
    """"Only your centre: …" when the user sees a share of a round of several centres."""
    share = role.share(round_.centres)
    if share is None:
        return None
    names = [await svc.storage.centre_name(code) or code for code in share]
    return tr.ngettext("Alleen jouw centrum: {centres}", "Alleen jouw centra: {centres}", len(names),
                       centres=", ".join(names))
