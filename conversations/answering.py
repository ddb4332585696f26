"""Answering a round: ask the next item, take answers from buttons and typed text.

Every answer is committed before the next question is sent, and the position is derived
from the database (:mod:`conversations.flow`), so a restart resumes at the next
unanswered item. Callback data is checked against the respondent's open item: a stale,
forged or double-tapped button gets a short notice and stores nothing.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import N_, Translator
from bot.privacy.scrub import cap, scrub
from bot.services import Services, services
from bot.storage import Contact, Round
from bot.survey.models import Item
from conversations import callback_data as cd
from conversations import flow, keyboards
from conversations.questions import send_question

log = logging.getLogger(__name__)


async def _edit_markup(query: CallbackQuery, markup) -> None:
    """Replace a message's keyboard; "message is not modified" is not an error here."""
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def current_round(svc: Services, contact: Contact) -> Round | None:
    """The open round of the resident's centre, or None."""
    if not contact.centre_code:
        return None
    return await svc.storage.open_round_for(contact.centre_code)


async def begin(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, contact: Contact, round_: Round
) -> None:
    """Start (or resume) ``round_`` for a resident and ask the next item."""
    svc = services(context)
    respondent = svc.respondent(chat_id)
    await svc.storage.start_participation(
        round_.id, respondent, centre_code=contact.centre_code or "", language=contact.language
    )
    await ask_next(context, chat_id, contact, round_)


async def ask_next(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, contact: Contact, round_: Round
) -> None:
    """Ask the first unanswered item, or thank the resident when the round is complete."""
    svc = services(context)
    tr = Translator(contact.language)
    respondent = svc.respondent(chat_id)
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, respondent)
    pos = flow.next_position(items, answers)
    if pos is None:
        await svc.storage.finish_participation(round_.id, respondent)
        await context.bot.send_message(
            chat_id,
            "🙏 " + tr._("Dank je wel! Je antwoorden zijn opgeslagen, zonder je naam.")
            + "\n\n" + tr._("Wil je iets veranderen of alles laten verwijderen? Stuur /forget."),
        )
        return
    done, total = flow.progress(items, answers)
    await send_question(context, svc, chat_id, tr, round_, pos, items[pos], done + 1, total)


async def on_go(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Callback) -> None:
    """Starts a round from an invitation's Start button."""
    query = update.callback_query
    svc = services(context)
    chat_id = query.message.chat.id
    contact = await svc.storage.contact(chat_id)
    round_ = await svc.storage.round(cb.round_id or 0)
    if contact is None:
        await query.answer(Translator("nl")._("Stuur eerst /start."))
        return
    tr = Translator(contact.language)
    if round_ is None or not round_.is_open or contact.centre_code not in round_.centres:
        await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
        return
    await query.answer()
    await _edit_markup(query, None)
    await begin(context, chat_id, contact, round_)


def _option_label(item: Item, choices: list[str], lang: str) -> str:
    labels = [opt.label[lang] for opt in item.options if opt.id in choices]
    return ", ".join(labels)


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Callback) -> None:
    """Stores a button answer after checking it belongs to the respondent's open item."""
    query = update.callback_query
    svc = services(context)
    chat_id = query.message.chat.id
    contact = await svc.storage.contact(chat_id)
    tr = Translator(contact.language if contact else "nl")
    if contact is None:
        await query.answer(tr._("Stuur eerst /start."))
        return
    round_ = await svc.storage.round(cb.round_id or 0)
    if round_ is None or not round_.is_open:
        await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
        await _edit_markup(query, None)
        return
    respondent = svc.respondent(chat_id)
    participation = await svc.storage.participation(round_.id, respondent)
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, respondent)
    pos = flow.next_position(items, answers)
    if participation is None or pos is None or cb.pos != pos:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    item = items[pos]
    lang = contact.language
    status, value, choices = "answered", None, []
    if cb.action == "skip":
        status, label = "skipped", svc.catalogue.scale.skip[lang]
    elif cb.action == "dont_know" and item.type == "scale":
        status, label = "dont_know", svc.catalogue.scale.dont_know[lang]
    elif cb.action == "value" and item.type == "scale":
        point = next((p for p in svc.catalogue.scale.points if p.value == cb.value), None)
        if point is None:
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
        value, label = point.value, f"{point.emoji} {point.label[lang]}"
    elif cb.action in ("toggle", "done") and item.type in ("choice", "cards"):
        limit = 1 << len(item.options)
        if cb.mask >= limit or (cb.action == "toggle" and (cb.value or 0) >= len(item.options)):
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
        if cb.action == "toggle":
            new_mask = cb.mask ^ (1 << (cb.value or 0))
            await query.answer()
            await _edit_markup(query, keyboards.choices(item, tr, round_.id, pos, new_mask))
            return
        choices = flow.mask_to_choices(item, cb.mask)
        if not choices:
            status, label = "skipped", svc.catalogue.scale.skip[lang]
        else:
            label = _option_label(item, choices, lang)
    else:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    try:
        await svc.storage.record_answer(
            round_id=round_.id, respondent=respondent, item_id=item.id, status=status,
            value=value, choices=choices, language=lang,
            centre_code=participation.centre_code, mode=participation.mode,
            update_id=update.update_id,
        )
    except ValueError:
        await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
        return
    await query.answer()
    await _edit_markup(query, keyboards.chosen(label[:60]))
    await ask_next(context, chat_id, contact, round_)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stores typed text as the answer to an open free-text item (scrubbed and capped)."""
    message = update.effective_message
    svc = services(context)
    chat_id = message.chat.id
    contact = await svc.storage.contact(chat_id)
    if contact is None:
        tr = Translator(_lang_of(update))
        await message.reply_text(tr._("Hallo! Stuur /start om mee te doen."))
        return
    tr = Translator(contact.language)
    if message.forward_origin is not None or "forward_from" in (message.api_kwargs or {}) or message.via_bot:
        await message.reply_text(tr._("Typ alsjeblieft je eigen antwoord. Doorgestuurde berichten gebruik ik niet."))
        return
    state = await _state(svc, chat_id, contact)
    if state is None:
        await _no_round(message, svc, contact, tr)
        return
    round_, participation, items, pos = state
    item = items[pos]
    if item.type != "text":
        await message.reply_text(tr._("Druk alsjeblieft op een van de knoppen."))
        await ask_next(context, chat_id, contact, round_)
        return
    scrubbed = scrub(message.text or "")
    text, was_cut = cap(scrubbed.text, item.max_length)
    if not text.strip():
        await message.reply_text(tr._("Typ je antwoord. Of druk op Overslaan."))
        return
    try:
        await svc.storage.record_answer(
            round_id=round_.id, respondent=svc.respondent(chat_id), item_id=item.id,
            status="answered", text=text, language=contact.language,
            centre_code=participation.centre_code, mode=participation.mode,
            update_id=update.update_id,
        )
    except ValueError:
        await message.reply_text(tr._("Deze ronde is gesloten. Dank je wel!"))
        return
    notes = []
    if scrubbed.changed:
        notes.append("🔒 " + tr._("Ik heb persoonlijke gegevens (zoals een telefoonnummer) uit je antwoord gehaald. Zo blijf je anoniem."))
    if was_cut:
        notes.append("✂️ " + tr._("Je antwoord was erg lang. Ik heb de eerste {limit} tekens bewaard.", limit=tr.number(item.max_length)))
    if notes:
        await message.reply_text("\n\n".join(notes))
    await ask_next(context, chat_id, contact, round_)


#: What to say for each kind of non-text message in a text step.
_KIND_HINTS = {
    "voice": N_("Spraakberichten kan ik niet gebruiken, want een stem is herkenbaar. Typ je antwoord, of druk op Overslaan."),
    "location": N_("Een locatie is niet nodig, en ik bewaar hem niet. Typ je antwoord, of druk op Overslaan."),
    "contact": N_("Een telefoonnummer is niet nodig, en ik bewaar het niet. Typ je antwoord, of druk op Overslaan."),
    "other": N_("Ik kan alleen getypte tekst gebruiken. Typ je antwoord, of druk op Overslaan."),
}


def _message_kind(message: Message) -> str:
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.location or message.venue:
        return "location"
    if message.contact:
        return "contact"
    return "other"


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a sticker, photo, voice note, location, contact… politely; stores nothing."""
    message = update.effective_message
    if message.media_group_id:
        seen = context.chat_data.setdefault("media_groups", [])
        if message.media_group_id in seen:
            return
        seen.append(message.media_group_id)
        del seen[:-20]
    svc = services(context)
    contact = await svc.storage.contact(message.chat.id)
    tr = Translator(contact.language if contact else _lang_of(update))
    if contact is None:
        await message.reply_text(tr._("Hallo! Stuur /start om mee te doen."))
        return
    state = await _state(svc, message.chat.id, contact)
    if state is None:
        await _no_round(message, svc, contact, tr)
        return
    round_, _participation, items, pos = state
    if items[pos].type == "text":
        kind = _message_kind(message)
        await message.reply_text(tr._(_KIND_HINTS[kind]))
    else:
        await message.reply_text(tr._("Druk alsjeblieft op een van de knoppen."))
    await ask_next(context, message.chat.id, contact, round_)


async def _state(svc: Services, chat_id: int, contact: Contact):
    """(round, participation, items, pos) of a resident answering now, else None."""
    round_ = await current_round(svc, contact)
    if round_ is None:
        return None
    respondent = svc.respondent(chat_id)
    participation = await svc.storage.participation(round_.id, respondent)
    if participation is None or participation.finished:
        return None
    items = svc.catalogue.survey_items(round_.survey)
    pos = flow.next_position(items, await svc.storage.answers(round_.id, respondent))
    if pos is None:
        return None
    return round_, participation, items, pos


async def _no_round(message: Message, svc: Services, contact: Contact, tr: Translator) -> None:
    """Tell a resident who is not answering a round what they can do."""
    round_ = await current_round(svc, contact)
    if round_ is not None:
        participation = await svc.storage.participation(round_.id, svc.respondent(message.chat.id))
        if participation is None:
            await message.reply_text(
                tr._("Er is een nieuwe vragenronde. Druk op Start om te beginnen."),
                reply_markup=keyboards.start_round(tr, round_.id),
            )
            return
        await message.reply_text(tr._("Je hebt alle vragen van deze ronde beantwoord. Dank je wel!"))
        return
    await message.reply_text(
        tr._("Er is nu geen vragenronde. Je krijgt een bericht als er een nieuwe ronde is.")
    )


def _lang_of(update: Update) -> str:
    from bot.i18n import negotiate_language

    user = update.effective_user
    return negotiate_language(user.language_code if user else None)
