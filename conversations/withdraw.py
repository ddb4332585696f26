"""``/stop`` (no more invitations) and ``/forget`` (delete everything of mine).

Both always work, whatever the resident is doing (DESIGN.md, "Privacy model"; GDPR
art. 7(3) withdrawal of consent and art. 17 right to erasure). ``/forget CODE`` erases
an assisted interview (``/interview``) with the deletion code the coordinator handed
the resident on paper; anyone who holds the code can send it (the resident on any
phone, or the coordinator on their behalf).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot import callback_data as cd
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.pseudonym import normalise_deletion_code
from bot.session import interview_guard
from bot.telegram_bot import answer_alongside
from conversations import keyboards


async def stop(update: Update, context: BuurtContext) -> None:
    """Stops invitations and reminders; answers already given stay (anonymous)."""
    if await interview_guard(update, context):
        return
    contact, tr = context.contact, context.tr
    if contact is not None:
        await context.storage.update_contact(context.chat_id, opted_in=False)
    await context.message.reply_text(
        tr._("Je krijgt geen berichten meer van mij.") + "\n\n"
        + tr._("Wil je ook je antwoorden laten verwijderen? Stuur /forget. Wil je weer meedoen? Stuur /start.")
    )


async def forget(update: Update, context: BuurtContext) -> None:
    """Asks for confirmation before deleting everything."""
    if await interview_guard(update, context):
        return
    contact, tr = context.contact, context.tr
    if context.arguments:
        await _forget_interview(update, context, tr, " ".join(context.arguments))
        return
    if contact is None:
        await context.message.reply_text(tr._("Er is niets van je bewaard."))
        return
    await context.message.reply_text(
        tr._("Wil je echt alles verwijderen wat je hebt gegeven? Dit kan niet ongedaan gemaakt worden."),
        reply_markup=keyboards.forget_confirm(tr),
    )


async def _forget_interview(update: Update, context: BuurtContext, tr: Translator, typed: str) -> None:
    """``/forget CODE``: ask to confirm erasing the assisted interview of that code."""
    svc = context.svc
    code = normalise_deletion_code(typed)
    if code is None or not await svc.storage.respondent_exists(svc.assisted_respondent(code)):
        await context.message.reply_text(
            tr._("Ik ken deze code niet. Kijk of je hem goed hebt overgetypt, bijvoorbeeld: /forget K7MX-3RPA")
        )
        return
    await context.message.reply_text(
        tr._("Wil je echt het interview met code {code} verwijderen? Dit kan niet ongedaan gemaakt worden.").format(code=code),
        reply_markup=keyboards.forget_confirm(tr, code),
    )


async def on_forget(update: Update, context: BuurtContext, cb: cd.Forget) -> None:
    """Deletes the contact and every answer (after "yes"), or does nothing (after "no")."""
    query = context.query
    svc = context.svc
    chat_id = context.chat_id
    tr = context.tr
    async with answer_alongside(query):
        if not cb.yes:
            await query.edit_message_reply_markup(reply_markup=keyboards.chosen(tr._("Nee, niets verwijderen")))
            await context.bot.send_message(chat_id, tr._("Goed, ik heb niets verwijderd."))
            return
        if cb.code:
            await svc.storage.erase_respondent(svc.assisted_respondent(cb.code))
            await query.edit_message_reply_markup(reply_markup=keyboards.chosen(tr._("Ja, verwijder alles")))
            await context.bot.send_message(chat_id, tr._("Het interview is verwijderd. Er is niets meer van bewaard."))
            return
        await svc.storage.forget(chat_id, svc.respondent(chat_id))
        if context.user_data is not None:  # python-telegram-bot's, if it kept any
            context.user_data.clear()
        await query.edit_message_reply_markup(reply_markup=keyboards.chosen(tr._("Ja, verwijder alles")))
        await context.bot.send_message(
            chat_id, tr._("Alles is verwijderd: je gegevens en je antwoorden. Dank je wel voor je tijd.")
        )


async def on_my_chat_member(update: Update, context: BuurtContext) -> None:
    """Marks a resident unreachable when they block the bot, reachable when they unblock."""
    change = update.my_chat_member  # the ChatMemberHandler(MY_CHAT_MEMBER) guarantees it
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status in ("kicked", "left")
    await context.storage.update_contact(change.chat.id, reachable=not blocked)
