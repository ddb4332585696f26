"""Answering a round: ask the next item, take answers from buttons and typed text.

Every answer is committed before the next question is sent, and the position is derived
from the database (:mod:`conversations.flow`), so a restart resumes at the next
unanswered item. Callback data is checked against the respondent's open item: a stale,
forged or double-tapped button gets a short notice and stores nothing. "Previous
question" lets a resident change an answer while the round is open; the new answer
replaces the old one and its revision goes up (recorded as a change).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callback_data as cd
from bot import msc
from bot.chat import lang_of
from bot.i18n import N_, Translator
from bot.privacy.scrub import PLACEHOLDERS, cap, scrub
from bot.services import services
from bot.session import Session, current_round, deletion_code_note, end_assisted, session_for
from bot.storage import Round
from bot.survey.models import Item
from bot.survey.state import ChatState, Mode, TypedAnswer
from bot.taps import RecentTaps
from bot.telegram_bot import answer_alongside
from conversations import flow, keyboards
from conversations.questions import audio_of, number_hint, send_question, send_voice, with_audio

log = logging.getLogger(__name__)


#: Direction overrides and isolates (U+202A–U+202E, U+2066–U+2069): removed from typed
#: text before it is stored, as they can make an exported cell display as something else.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))

#: Characters that look like nothing on a phone (zero-width, fillers, direction marks).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u180e\u2800\u3164\uffa0")


def has_content(text: str) -> bool:
    """True if ``text`` has at least one visible character (letters, digits, emoji…).

    Zero-width spaces, direction marks, Hangul and Braille fillers and the like do not
    count, so an answer made only of them is not stored as a story.
    """
    return any(
        not ch.isspace() and ch not in _INVISIBLE
        and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me")
        for ch in text
    )


def has_words(text: str) -> bool:
    """True if ``text`` has a letter or a digit ("👍", "…" or "-" has none).

    Used for stories (an answer of only punctuation is not stored) and under a read-back
    (an emoji there means "right", not more story).
    """
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)


#: Whole messages that mean "yes, that is right" under a read-back, per language
#: (lower case, without punctuation or emoji); checked together with English and Dutch,
#: which many residents mix in. An emoji-only message (👍, ✅) counts as well.
CONFIRMATIONS: dict[str, frozenset[str]] = {
    "nl": frozenset({"ja", "klopt", "ja klopt", "het klopt", "dat klopt", "ok", "oké", "oke", "goed", "prima", "ja hoor"}),
    "en": frozenset({"yes", "ok", "okay", "right", "correct", "fine", "yes right", "yes correct", "thats right"}),
    "tr": frozenset({"evet", "tamam", "doğru", "evet doğru", "tamamdır"}),
    "ar": frozenset({"نعم", "صحيح", "تمام", "حسنا", "نعم صحيح", "اي", "أجل"}),
    "pl": frozenset({"tak", "dobrze", "zgadza się", "tak zgadza się", "ok", "okej", "w porządku"}),
    "uk": frozenset({"так", "добре", "правильно", "вірно", "так правильно", "гаразд"}),
}


def is_confirmation(text: str, language: str) -> bool:
    """True if a whole message under a read-back means "right" ("Ja, klopt!", "Tamam", "👍").

    Args:
        text: The typed message.
        language: The resident's language (its words, plus Dutch and English).
    """
    words = "".join(ch if unicodedata.category(ch)[0] in ("L", "N") or ch.isspace() else " "
                    for ch in text.casefold().replace("'", ""))
    phrase = " ".join(words.split())
    if not phrase:  # only emoji or punctuation: a thumbs-up, not more story
        return any(unicodedata.category(ch) == "So" for ch in text)
    known = CONFIRMATIONS.get(language, frozenset()) | CONFIRMATIONS["nl"] | CONFIRMATIONS["en"]
    return phrase in known


def told_already(stored: str, new: str) -> bool:
    """True if ``new`` (scrubbed) is the stored answer or its last part, so appending it
    would repeat it (the story twice, one line after the other; issue 14)."""
    return stored == new or stored.endswith("\n" + new)


def shown_text(text: str, tr: Translator) -> str:
    """Stored text with its privacy placeholders in the resident's language (display only)."""
    for kind, placeholder in PLACEHOLDERS.items():
        if placeholder in text:
            name = PLACEHOLDER_NAMES.get(kind)  # a kind without a name: shown as stored
            if name is not None:
                text = text.replace(placeholder, "[" + tr._(name) + "]")
    return text


#: Names of the privacy placeholders, translated when a text is shown back.
PLACEHOLDER_NAMES = {
    "phone": N_("telefoon"), "email": N_("e-mail"), "iban": N_("rekeningnummer"),
    "postcode": N_("postcode"), "bsn": N_("BSN"), "url": N_("link"),
    "handle": N_("gebruikersnaam"), "address": N_("adres"), "name": N_("naam"),
    "dob": N_("geboortedatum"), "plate": N_("kenteken"), "social": N_("socialemedia-account"),
}

#: Story items whose text is shown back for checking (MSC read-back, issue 6).
READBACK_ITEMS = frozenset({"msc.change_self", "msc.change_neighbourhood", "msc.why"})



async def chat_state(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> ChatState:
    """The chat's typed state (read once per update, :meth:`bot.storage.Storage.chat_state`)."""
    return await services(context).storage.chat_state(chat_id)


async def save_state(context: ContextTypes.DEFAULT_TYPE, chat_id: int, state: ChatState) -> None:
    """Store the chat's state (nothing is written when it did not change)."""
    await services(context).storage.save_chat_state(chat_id, state)


async def open_mode(context: ContextTypes.DEFAULT_TYPE, chat_id: int, round_id: int, pos: int,
                      mode: Mode) -> None:
    """Open ``mode`` at item ``pos`` of ``round_id``: a read-back or revisit, or the quote or
    feedback question asked after it."""
    await save_state(context, chat_id, (await chat_state(context, chat_id)).at(mode, round_id, pos))


async def pending_at(context: ContextTypes.DEFAULT_TYPE, chat_id: int, mode: Mode, round_id: int) -> int | None:
    """Position of the question ``mode`` (quote or feedback) open in this round, or None."""
    state = await chat_state(context, chat_id)
    return state.pos if state.open_at(mode, round_id) else None


async def _edit_markup(query: CallbackQuery, markup) -> None:
    """Replace a message's keyboard; "message is not modified" is not an error here."""
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def begin(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round) -> None:
    """Start (or resume) ``round_`` for a session and ask the next item."""
    await services(context).storage.start_participation(
        round_.id, session.respondent, centre_code=session.centre_code or "",
        language=session.language, mode=session.mode,
    )
    state = await chat_state(context, session.chat_id)
    mode = state.mode_in(round_.id)
    if mode is Mode.QUOTE and state.pos is not None:
        await _ask_quote(context, session, round_, state.pos)
        return
    if mode is Mode.OPT_IN and state.pos is not None and session.mode == "self":
        await _ask_feedback_opt_in(context, session, round_, state.pos)
        return
    if mode is Mode.READ_BACK and state.pos is not None:
        # a read-back was open (/language, /start): show it again, in the current language
        items = services(context).catalogue.survey_items(round_.survey)
        if state.pos < len(items):
            await _send_readback(context, session, round_, state.pos, items[state.pos],
                                 Translator(session.language))
            return
    await ask_next(context, session, round_)


async def _opt_in_due(context: ContextTypes.DEFAULT_TYPE, session: Session, items: list[Item],
                      answers: dict, pos: int | None) -> bool:
    """True when the feedback question should come now: the resident told a story and is
    past "why it matters" (however they got there), and was never asked before."""
    if session.mode != "self" or "msc.why" not in answers:
        return False
    if pos is not None and items[pos].id in READBACK_ITEMS:
        return False
    if not any(msc.story_domain(item_id) and a.status == "answered" for item_id, a in answers.items()):
        return False
    svc = services(context)
    if (await chat_state(context, session.chat_id)).opt_in_answered:
        return False
    contact = await svc.storage.contact(session.chat_id)
    return contact is not None and not contact.feedback_opt_in


async def _quote_due(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, items: list[Item],
                     answers: dict, pos: int | None) -> bool:
    """True when the quote question should come now: a story was told in this round, the
    resident is past "why it matters" (or the survey has none), and it was not answered."""
    if pos is not None and items[pos].id in READBACK_ITEMS:
        return False
    if "msc.why" in {i.id for i in items} and "msc.why" not in answers:
        return False
    if not any(msc.story_domain(item_id) and a.status == "answered" for item_id, a in answers.items()):
        return False
    return await services(context).storage.quote_consent(round_.id, session.respondent) is None


async def _ask_quote(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, pos: int) -> None:
    """Ask (once per round) whether the story may be quoted, without name, in reports."""
    tr = Translator(session.language)
    await open_mode(context, session.chat_id, round_.id, pos, Mode.QUOTE)
    await context.bot.send_message(
        session.chat_id,
        tr._("Mogen we je verhaal gebruiken in verslagen over het ontmoetingscentrum? Zonder je naam. Als je nee zegt, telt je verhaal wel mee, maar we schrijven het niet over."),
        reply_markup=keyboards.quote_consent(tr, round_.id, pos),
    )


async def _ask_feedback_opt_in(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round,
                               pos: int) -> None:
    """Ask (once per resident) whether they want to hear which stories were chosen."""
    tr = Translator(session.language)
    await open_mode(context, session.chat_id, round_.id, pos, Mode.OPT_IN)
    await context.bot.send_message(
        session.chat_id,
        tr._("Het ontmoetingscentrum leest de verhalen en kiest de verhalen die het meest laten zien wat er verandert. Wil je daarna één bericht krijgen over wat er gekozen is, en waarom?"),
        reply_markup=keyboards.feedback_opt_in(tr, round_.id, pos),
    )


async def ask_next(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round) -> None:
    """Ask the first unanswered item, or thank the respondent when the round is complete."""
    svc = services(context)
    tr = Translator(session.language)
    state = await chat_state(context, session.chat_id)
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    pos = flow.next_position(items, answers)
    if await _quote_due(context, session, round_, items, answers, pos):
        why = next((i for i, item in enumerate(items) if item.id == "msc.why"), None)
        story = max(i for i, item in enumerate(items) if msc.story_domain(item.id) and item.id in answers)
        await _ask_quote(context, session, round_, why if why is not None else story)
        return
    if await _opt_in_due(context, session, items, answers, pos):
        await _ask_feedback_opt_in(context, session, round_, items.index(next(i for i in items if i.id == "msc.why")))
        return
    await save_state(context, session.chat_id, state.asking())  # the question on screen is the next one now
    if pos is None:
        await svc.storage.finish_participation(round_.id, session.respondent)
        if session.mode == "assisted":
            await end_assisted(context, session.chat_id)
            text = "🙏 " + tr._("Klaar! Het interview is opgeslagen, zonder naam.")
            if session.deletion_code:
                text += "\n\n" + deletion_code_note(tr, session.deletion_code)
            await context.bot.send_message(session.chat_id, text)
            return
        await context.bot.send_message(
            session.chat_id,
            "🙏 " + tr._("Dank je wel! Je antwoorden zijn opgeslagen, zonder je naam.")
            + "\n\n" + tr._("Wil je een antwoord veranderen? Dat kan zolang de ronde open is.")
            + "\n" + tr._("Wil je al je antwoorden laten verwijderen? Stuur /forget."),
            reply_markup=keyboards.change_answers(tr, round_.id),
        )
        return
    done, total = flow.progress(items, answers)
    await send_question(context, svc, session.chat_id, tr, round_, pos, items[pos], done + 1, total)


def stopped_text(tr: Translator) -> str:
    """What a resident who sent /stop hears when they press an old button or type."""
    return tr._("Je hebt /stop gestuurd: je krijgt geen vragen meer. Wil je weer meedoen? Stuur /start.")


async def _refuse_stopped(query: CallbackQuery, tr: Translator) -> None:
    """An old question's button after /stop: say so, remove the buttons, store nothing."""
    await query.answer(stopped_text(tr), show_alert=True)
    await _edit_markup(query, None)


async def on_go(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Go) -> None:
    """Starts a round from an invitation's Start button."""
    query = update.callback_query
    svc = services(context)
    session = await session_for(context, query.message.chat.id)
    round_ = await svc.storage.round(cb.round_id)
    if session is None:
        await query.answer(Translator(lang_of(update))._("Stuur eerst /start."))
        return
    tr = Translator(session.language)
    if session.stopped:
        await _refuse_stopped(query, tr)
        return
    if round_ is None or not round_.is_open or session.centre_code not in round_.centres:
        await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
        await _edit_markup(query, None)
        return
    async with answer_alongside(query):
        await _edit_markup(query, None)
        await begin(context, session, round_)


async def _refuse_closed(query: CallbackQuery, tr: Translator) -> None:
    """Tell the resident the round of the tapped button is closed and drop its buttons."""
    await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
    await _edit_markup(query, None)


async def _tapped_round(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Change | cd.Answer
                        ) -> tuple[Session, Translator, Round] | None:
    """The resident's session, translator and the open round a button belongs to.

    Answers the callback query and returns ``None`` where the tap cannot go on: no
    session ("send /start first"), a stopped resident, or a round that is gone or closed.
    """
    query = update.callback_query
    session = await session_for(context, query.message.chat.id)
    tr = Translator(session.language if session else lang_of(update))
    if session is None:
        await query.answer(tr._("Stuur eerst /start."))
        return None
    if session.stopped:
        await _refuse_stopped(query, tr)
        return None
    round_ = await services(context).storage.round(cb.round_id)
    if round_ is None or not round_.is_open:
        await _refuse_closed(query, tr)
        return None
    return session, tr, round_


async def on_change(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Change) -> None:
    """"Change my answers" after finishing: re-open the last answered question (its
    "previous question" button goes further back), while the round is open."""
    query = update.callback_query
    svc = services(context)
    tapped = await _tapped_round(update, context, cb)
    if tapped is None:
        return
    session, tr, round_ = tapped
    participation = await svc.storage.participation(round_.id, session.respondent)
    if participation is None:
        await _refuse_closed(query, tr)
        return
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    asked = [p for p in range(len(items)) if items[p].id in answers and flow.is_asked(items[p], answers)]
    async with answer_alongside(query):
        await _edit_markup(query, None)
        if not asked or not participation.finished:
            await begin(context, session, round_)
            return
        await _reopen(context, session, round_, items, answers, asked[-1], tr)


async def _reopen(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, items: list[Item],
                  answers: dict, target: int, tr: Translator) -> None:
    """Ask item ``target`` again to change its answer (what was answered is shown)."""
    svc = services(context)
    await open_mode(context, session.chat_id, round_.id, target, Mode.REVISIT)
    earlier = answers.get(items[target].id)
    await _show_current(context, session, items[target], earlier, tr)
    done = sum(1 for p in range(target) if flow.is_asked(items[p], answers))
    total = flow.progress(items, answers)[1]
    mask = flow.choices_to_mask(items[target], earlier.choices) if earlier is not None else 0
    keep = earlier is not None and earlier.status != "skipped"
    await send_question(context, svc, session.chat_id, tr, round_, target, items[target], done + 1, total,
                        mask=mask, keep=keep)  # earlier picks ticked: un-ticking is a choice, not a loss


async def _resend_current(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, session: Session,
                          round_: Round) -> None:
    """A button of a question answered already (tapped again after a reply that never
    came: a crash, a failed send, a slow network): send again what the resident is at now
    (:func:`begin`: the quote or feedback question, an open read-back, or the next
    question), never "this button no longer works" (issue 14). A double tap never gets
    here (``bot.taps``), nor does a backlog of taps pressed while the bot was down: once
    a tap of the chat was handled just now, the current question has gone out already."""
    async with answer_alongside(query):
        taps: RecentTaps | None = context.application.bot_data.get("taps")
        if taps is not None and taps.answered_lately(session.chat_id):
            return
        await begin(context, session, round_)


def _option_label(item: Item, choices: list[str], lang: str) -> str:
    return Translator(lang).join(opt.label[lang] for opt in item.options if opt.id in choices)


async def _allowed_positions(context: ContextTypes.DEFAULT_TYPE, chat_id: int, round_id: int,
                             pos: int | None) -> set[int]:
    allowed = {pos} if pos is not None else set()
    state = await chat_state(context, chat_id)
    if state.mode_in(round_id) in (Mode.READ_BACK, Mode.REVISIT) and state.pos is not None:
        allowed.add(state.pos)
    return allowed


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Answer) -> None:
    """Stores a button answer after checking it belongs to the respondent's open item."""
    query = update.callback_query
    svc = services(context)
    tapped = await _tapped_round(update, context, cb)
    if tapped is None:
        return
    session, tr, round_ = tapped
    participation = await svc.storage.participation(round_.id, session.respondent)
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    if participation is not None and cb.action in ("confirm", "fix", "feedback_yes", "feedback_no",
                                                   "quote_yes", "quote_no"):
        await _on_readback(update, context, cb, session, round_, items, answers, tr)
        return
    pos = flow.next_position(items, answers)
    if participation is None or cb.pos not in await _allowed_positions(context, session.chat_id, round_.id, pos):
        await _resend_current(query, context, session, round_)
        return
    pos = cb.pos
    item = items[pos]
    lang = session.language
    if cb.action == "audio":  # hear the question: nothing is answered
        audio = audio_of(item, lang)
        async with answer_alongside(query):
            if audio is not None:
                await send_voice(context, svc, session.chat_id, audio)
            return
    if cb.action == "back":
        asked = [p for p in range(pos) if items[p].id in answers and flow.is_asked(items[p], answers)]
        if not asked:
            await query.answer(tr._("Dit is de eerste vraag."))
            return
        async with answer_alongside(query):
            await _edit_markup(query, None)
            await _reopen(context, session, round_, items, answers, asked[-1], tr)
            return
    status, value, choices = "answered", None, []
    earlier = answers.get(item.id)
    revisiting = pos != flow.next_position(items, answers) and earlier is not None and earlier.status != "skipped"
    empty_done = cb.action == "done" and not flow.mask_to_choices(item, cb.mask)
    if revisiting and (cb.action == "skip" or empty_done):
        # "Skip" (or "Done" with nothing ticked) on a question the resident went back to:
        # leave the answer as it was.
        async with answer_alongside(query):
            await _edit_markup(query, keyboards.chosen(tr._("Niet veranderd")))
            await ask_next(context, session, round_)
            return
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
    elif cb.action in ("toggle", "done") and item.type in ("choice", "cards", "single"):
        if cb.mask >= 1 << len(item.options) or (cb.action == "toggle" and (cb.value or 0) >= len(item.options)) \
                or (item.type == "single" and (cb.action == "toggle" or cb.mask.bit_count() != 1)):
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
        if cb.action == "toggle":
            async with answer_alongside(query):
                await _edit_markup(query, with_audio(
                    keyboards.choices(item, tr, round_.id, pos, cb.mask ^ (1 << (cb.value or 0))),
                    item, tr, round_.id, pos))
                return
        choices = flow.mask_to_choices(item, cb.mask)
        if not choices:
            status, label = "skipped", svc.catalogue.scale.skip[lang]
        else:
            label = _option_label(item, choices, lang)
    else:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    if not await _store(update, context, session, round_, participation.centre_code, item,
                        status=status, value=value, choices=choices):
        await query.answer(tr._("Deze ronde is gesloten. Dank je wel!"), show_alert=True)
        return
    async with answer_alongside(query):
        await _edit_markup(query, keyboards.chosen(label[:60]))
        await ask_next(context, session, round_)


async def _store(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round,
                 centre: str, item: Item, state_after: Callable[[int], ChatState] | None = None,
                 **answer) -> int | None:
    """Record an answer; its revision (≥ 1), or None if the round closed meanwhile.

    Args:
        state_after: The chat's state the answer leads to, given its revision, written in
            the answer's transaction. None: the next unanswered item is on screen
            (any read-back or revisit closed); :func:`ask_next` then asks the quote or
            feedback question where it is due.
    """
    if state_after is None:
        asking = (await chat_state(context, session.chat_id)).asking()

        def state_after(_revision: int) -> ChatState:
            return asking
    try:
        return await services(context).storage.record_answer(
            round_id=round_.id, respondent=session.respondent, item_id=item.id,
            language=session.language, centre_code=centre, mode=session.mode,
            update_id=update.update_id, chat_state=(session.chat_id, state_after), **answer,
        )
    except ValueError:
        return None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None) -> None:
    """Stores typed text as the answer to an open free-text item (scrubbed and capped).

    Args:
        text: The text to take instead of the message's own (a photo's caption).
    """
    message = update.effective_message
    typed = message.text if text is None else text
    session = await session_for(context, message.chat.id)
    if session is None:
        await message.reply_text(Translator(lang_of(update))._("Hallo! Stuur /start om mee te doen."))
        return
    tr = Translator(session.language)
    if session.stopped:
        await message.reply_text(stopped_text(tr))
        return
    if message.forward_origin is not None or "forward_from" in (message.api_kwargs or {}) or message.via_bot:
        await message.reply_text(tr._("Typ alsjeblieft je eigen antwoord. Doorgestuurde berichten gebruik ik niet."))
        return
    where = await _state(context, session)
    if where is None:
        await _no_round(context, message, session, tr)
        return
    round_, participation, items, pos, state = where
    item = items[pos]
    if await _repeat_pending_opt_in(context, session, round_):
        return
    if item.type == "number":
        await _on_number(update, context, session, round_, participation.centre_code, item, tr)
        return
    if item.type != "text":
        await message.reply_text(tr._("Druk alsjeblieft op een van de knoppen."))
        await _ask_at(context, session, round_, items, pos)
        return
    scrubbed = scrub((typed or "").translate(_BIDI_CONTROLS))
    appending = state.open_at(Mode.READ_BACK, round_.id, pos)
    if appending and is_confirmation(scrubbed.text, session.language):
        # "ok", "ja klopt" or "👍" under a read-back means Right, not more story
        await save_state(context, session.chat_id, state.asking())
        await message.reply_text("✅ " + tr._("Klopt"))
        await ask_next(context, session, round_)
        return
    if appending and not has_words(scrubbed.text):
        # "…" under a read-back is not more story: show the read-back again
        await _send_readback(context, session, round_, pos, item, tr)
        return
    if not has_content(scrubbed.text) or (item.id in READBACK_ITEMS and not has_words(scrubbed.text)):
        await message.reply_text(tr._("Typ je antwoord. Of druk op Overslaan."))
        return
    combined = scrubbed.text
    if appending:
        earlier = (await services(context).storage.answers(round_.id, session.respondent)).get(item.id)
        if earlier is not None and earlier.text:
            if told_already(earlier.text, scrubbed.text):
                # the same text again (its read-back never came, or the update came twice):
                # not appended to itself, the read-back again instead
                await _send_readback(context, session, round_, pos, item, tr)
                return
            combined = earlier.text + "\n" + combined
    text, was_cut = cap(combined, item.max_length)
    # a story is read back (more text is added to it); any other answer: the next item
    after = state.at(Mode.READ_BACK, round_.id, pos) if item.id in READBACK_ITEMS else state.asking()
    start = len(combined) - len(scrubbed.text)
    remember = not was_cut and session.mode == "self"  # an assisted interview leaves
    # nothing in the coordinator's chat (its code aside)

    def state_after(revision: int) -> ChatState:
        if not remember:
            return after
        return after.with_typed(TypedAnswer(message_id=message.message_id, round_id=round_.id,
                                            item_id=item.id, revision=revision, start=start))

    revision = await _store(update, context, session, round_, participation.centre_code, item,
                            state_after, status="answered", text=text)
    if not revision:
        await message.reply_text(tr._("Deze ronde is gesloten. Dank je wel!"))
        return
    notes = []
    if scrubbed.changed:
        notes.append("🔒 " + tr._("Ik heb persoonlijke gegevens (zoals een telefoonnummer) uit je antwoord gehaald. Schrijf geen namen of persoonlijke informatie op, ook niet van anderen."))
    if was_cut:
        notes.append("✂️ " + tr.ngettext(
            "Je antwoord was erg lang. Ik heb het eerste {n} teken bewaard.",
            "Je antwoord was erg lang. Ik heb de eerste {n} tekens bewaard.",
            item.max_length,
        ))
    if notes:
        await message.reply_text("\n\n".join(notes))
    if item.id in READBACK_ITEMS:
        await _send_readback(context, session, round_, pos, item, tr, text=text)
        return
    await ask_next(context, session, round_)


async def _on_number(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session,
                     round_: Round, centre: str, item: Item, tr: Translator) -> None:
    """Stores a typed whole number (digits in any script, e.g. ٣) within the item's range."""
    message = update.effective_message
    typed = unicodedata.normalize("NFKC", (message.text or "").strip()).replace(" ", "")
    try:
        value = int(typed)
    except ValueError:
        value = None
    low, high = item.min_value, item.max_value
    if value is None or (low is not None and value < low) or (high is not None and value > high):
        await message.reply_text(number_hint(item, tr))
        return
    if not await _store(update, context, session, round_, centre, item, status="answered", value=value):
        await message.reply_text(tr._("Deze ronde is gesloten. Dank je wel!"))
        return
    await ask_next(context, session, round_)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A resident edited a message they sent as an answer: the edit replaces that part of
    the answer, as long as the round is open and the answer has not changed since.
    Any other edit gets a short reply saying how to change an answer."""
    message = update.edited_message
    session = await session_for(context, message.chat.id)
    if session is None or session.stopped:
        return
    svc = services(context)
    tr = Translator(session.language)
    state = await chat_state(context, session.chat_id)
    entry = state.typed_message(message.message_id)
    round_ = await svc.storage.round(entry.round_id) if entry else None
    if entry is None or round_ is None or not round_.is_open:
        await message.reply_text(tr._("Je hebt een bericht veranderd. Dat kan ik niet meer gebruiken. Wil je een antwoord veranderen? Druk op Vorige vraag, of stuur /start."))
        return
    item = svc.catalogue.items.get(entry.item_id)
    answer = (await svc.storage.answers(round_.id, session.respondent)).get(entry.item_id)
    participation = await svc.storage.participation(round_.id, session.respondent)
    if item is None or answer is None or answer.revision != entry.revision or participation is None:
        await message.reply_text(tr._("Dit antwoord is daarna al veranderd. Wil je het nog eens veranderen? Druk op Vorige vraag, of stuur /start."))
        return
    scrubbed = scrub((message.text or message.caption or "").translate(_BIDI_CONTROLS))
    if not has_words(scrubbed.text):
        await message.reply_text(tr._("Typ je antwoord. Of druk op Overslaan."))
        return
    text, _cut = cap((answer.text or "")[:entry.start] + scrubbed.text, item.max_length)
    revision = await _store(update, context, session, round_, participation.centre_code, item,
                            lambda revision: state.with_typed(entry.model_copy(update={"revision": revision})),
                            status="answered", text=text)
    if not revision:
        await message.reply_text(tr._("Deze ronde is gesloten. Dank je wel!"))
        return
    await message.reply_text("✏️ " + tr._("Je veranderde bericht is bewaard. Je antwoord is nu:")
                             + f"\n\n«{shown_text(text, tr)}»")


async def _send_readback(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, pos: int,
                         item: Item, tr: Translator, text: str | None = None) -> None:
    """Show a story back ("You wrote: …") with Right / Change buttons (MSC read-back)."""
    if text is None:
        answer = (await services(context).storage.answers(round_.id, session.respondent)).get(item.id)
        text = answer.text if answer is not None and answer.text else ""
    await context.bot.send_message(
        session.chat_id,
        tr._("Je schreef:") + f"\n\n{tr.quote(shown_text(text, tr))}\n\n"
        + tr._("Klopt dit? Druk op Klopt. Wil je nog iets toevoegen? Typ het gewoon."),
        reply_markup=keyboards.readback(tr, round_.id, pos),
    )


async def _show_current(context: ContextTypes.DEFAULT_TYPE, session: Session, item: Item, answer,
                        tr: Translator) -> None:
    """Before a question the resident went back to: what they answered (text items)."""
    if item.type == "text" and answer is not None and answer.text:
        await context.bot.send_message(
            session.chat_id,
            tr._("Je antwoord nu:") + f"\n\n{tr.quote(shown_text(answer.text, tr))}",
        )


async def _repeat_pending_opt_in(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round) -> bool:
    """If the quote or feedback opt-in question is open, ask for a button press and show it again."""
    quote = await pending_at(context, session.chat_id, Mode.QUOTE, round_.id)
    if quote is not None:
        tr = Translator(session.language)
        await context.bot.send_message(session.chat_id, tr._("Druk alsjeblieft op een van de knoppen."))
        await _ask_quote(context, session, round_, quote)
        return True
    pos = await pending_at(context, session.chat_id, Mode.OPT_IN, round_.id)
    if pos is None or session.mode != "self":
        return False
    tr = Translator(session.language)
    await context.bot.send_message(session.chat_id, tr._("Druk alsjeblieft op een van de knoppen."))
    await _ask_feedback_opt_in(context, session, round_, pos)
    return True


async def _on_readback(update, context, cb: cd.Answer, session: Session, round_: Round,
                       items: list[Item], answers, tr: Translator) -> None:
    """Read-back buttons: confirm or fix a story; then (once) the feedback opt-in question."""
    query = update.callback_query
    svc = services(context)
    if cb.pos is None or cb.pos >= len(items):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    state = await chat_state(context, session.chat_id)
    if items[cb.pos].id not in answers or (cb.action in ("fix", "confirm") and not state.open_at(
            Mode.READ_BACK, round_.id, cb.pos)):
        # an older read-back, answered already: where the resident is now
        await _resend_current(query, context, session, round_)
        return
    if cb.action == "fix":
        await open_mode(context, session.chat_id, round_.id, cb.pos, Mode.REVISIT)
        async with answer_alongside(query):
            await _edit_markup(query, None)
            await context.bot.send_message(session.chat_id, "✏️ " + tr._("Typ je nieuwe antwoord."))
            return
    if cb.action == "confirm":
        await save_state(context, session.chat_id, state.asking())
        async with answer_alongside(query):
            await _edit_markup(query, keyboards.chosen(tr._("Klopt")))
            await ask_next(context, session, round_)  # asks the feedback question when it is due
            return
    if cb.action in ("quote_yes", "quote_no"):
        if not state.open_at(Mode.QUOTE, round_.id):
            await _resend_current(query, context, session, round_)
            return
        yes = cb.action == "quote_yes"
        await svc.storage.set_quote_consent(round_.id, session.respondent, yes)
        await save_state(context, session.chat_id, state.asking())
        async with answer_alongside(query):
            await _edit_markup(query, keyboards.chosen(tr._("Ja, dat mag") if yes else tr._("Nee, liever niet")))
            await ask_next(context, session, round_)
            return
    if not state.open_at(Mode.OPT_IN, round_.id):
        await _resend_current(query, context, session, round_)
        return
    yes = cb.action == "feedback_yes"
    if session.mode == "self":
        await svc.storage.update_contact(session.chat_id, feedback_opt_in=yes)
        await save_state(context, session.chat_id, state.with_opt_in_answered())
    async with answer_alongside(query):
        await _edit_markup(query, keyboards.chosen(tr._("Ja, graag") if yes else tr._("Nee, dank je")))
        await ask_next(context, session, round_)


#: What to say for each kind of non-text message in a text step.
_KIND_HINTS = {
    "voice": N_("Spraakberichten kan ik niet gebruiken, want een stem is herkenbaar. Typ je antwoord, of druk op Overslaan."),
    "photo": N_("Foto's en video's kan ik niet gebruiken, want mensen kunnen erop herkenbaar zijn. Vertel in woorden wat je wilt laten zien, of druk op Overslaan."),
    "location": N_("Een locatie is niet nodig, en ik bewaar hem niet. Typ je antwoord, of druk op Overslaan."),
    "contact": N_("Een telefoonnummer is niet nodig, en ik bewaar het niet. Typ je antwoord, of druk op Overslaan."),
    "other": N_("Ik kan alleen getypte tekst gebruiken. Typ je antwoord, of druk op Overslaan."),
}


#: Said after the hint for a voice note or a photo: typing is not the only way.
_INTERVIEW_HINT = N_("Is typen lastig? Vraag in het ontmoetingscentrum om een gesprek. Dan vult iemand van het centrum de vragen samen met je in, zonder je naam.")


def _message_kind(message: Message) -> str:
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.photo or message.video or message.animation:
        return "photo"
    if message.location or message.venue:
        return "location"
    if message.contact:
        return "contact"
    return "other"


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a sticker, photo, voice note, location, contact… politely; stores nothing."""
    message = update.effective_message
    taps: RecentTaps | None = context.application.bot_data.get("taps")
    if message.media_group_id and taps is not None \
            and not taps.first_of_album(message.chat.id, message.media_group_id):
        return  # one reply for an album's pictures
    session = await session_for(context, message.chat.id)
    tr = Translator(session.language if session else lang_of(update))
    if session is None:
        await message.reply_text(tr._("Hallo! Stuur /start om mee te doen."))
        return
    if session.stopped:
        await message.reply_text(stopped_text(tr))
        return
    where = await _state(context, session)
    if where is None:
        await _no_round(context, message, session, tr)
        return
    round_, _participation, items, pos, state = where
    if await _repeat_pending_opt_in(context, session, round_):
        return
    kind = _message_kind(message)
    caption = message.caption or ""
    if items[pos].type == "text" and kind == "photo" and has_words(caption):
        # the photo is not kept, but its caption may answer the question
        await message.reply_text(tr._("De foto bewaar ik niet, want mensen kunnen erop herkenbaar zijn. Je tekst bij de foto gebruik ik als antwoord."))
        await on_text(update, context, text=caption)
        return
    hint = ("\n\n" + tr._(_INTERVIEW_HINT)) if kind in ("voice", "photo") and session.mode == "self" else ""
    if state.open_at(Mode.READ_BACK, round_.id, pos):
        # under a read-back: say what is possible and show the read-back again
        await message.reply_text(tr._("Ik kan alleen getypte tekst gebruiken.") + hint)
        await _send_readback(context, session, round_, pos, items[pos], tr)
        return
    if items[pos].type in ("text", "number"):
        await message.reply_text(tr._(_KIND_HINTS[kind]) + hint)
    else:
        await message.reply_text(tr._("Druk alsjeblieft op een van de knoppen.") + hint)
    await _ask_at(context, session, round_, items, pos)


async def _ask_at(context, session: Session, round_: Round, items: list[Item], pos: int) -> None:
    """Send item ``pos`` again (the open item, or the one being revisited)."""
    svc = services(context)
    answers = await svc.storage.answers(round_.id, session.respondent)
    done = sum(1 for p in range(pos) if flow.is_asked(items[p], answers))
    total = flow.progress(items, answers)[1]
    earlier = answers.get(items[pos].id)
    keep = pos != flow.next_position(items, answers) and earlier is not None and earlier.status != "skipped"
    await send_question(context, svc, session.chat_id, Translator(session.language), round_, pos,
                        items[pos], done + 1, total, keep=keep)


async def _state(context: ContextTypes.DEFAULT_TYPE, session: Session):
    """(round, participation, items, pos, chat state) of a session answering now, else None.

    ``pos`` is the item read back or gone back to if one is open (the chat state's
    ``READ_BACK`` or ``REVISIT``), else the next unanswered one.
    """
    svc = services(context)
    round_ = await current_round(context, session)
    if round_ is None:
        return None
    participation = await svc.storage.participation(round_.id, session.respondent)
    if participation is None:
        return None
    items = svc.catalogue.survey_items(round_.survey)
    state = await chat_state(context, session.chat_id)
    if (state.mode_in(round_.id) in (Mode.READ_BACK, Mode.REVISIT) and state.pos is not None
            and state.pos < len(items)):
        return round_, participation, items, state.pos, state
    if participation.finished:
        return None
    pos = flow.next_position(items, await svc.storage.answers(round_.id, session.respondent))
    if pos is None:
        return None
    return round_, participation, items, pos, state


async def _no_round(context: ContextTypes.DEFAULT_TYPE, message: Message, session: Session, tr: Translator) -> None:
    """Tell a resident who is not answering a round what they can do."""
    svc = services(context)
    round_ = await current_round(context, session)
    if round_ is not None:
        participation = await svc.storage.participation(round_.id, session.respondent)
        if participation is None:
            await message.reply_text(
                tr._("Er is een nieuwe vragenronde. Druk op Start om te beginnen."),
                reply_markup=keyboards.start_round(tr, round_.id),
            )
            return
        await message.reply_text(tr._("Je hebt alle vragen van deze ronde beantwoord. Dank je wel!"),
                                 reply_markup=keyboards.change_answers(tr, round_.id) if session.mode == "self" else None)
        return
    if session.centre_code and await svc.storage.unfinished_closed_round(session.centre_code, session.respondent):
        await message.reply_text(tr._("Deze ronde is gesloten. Dank je wel!"))
        return
    await message.reply_text(
        tr._("Er is nu geen vragenronde. Je krijgt een bericht als er een nieuwe ronde is.")
    )
