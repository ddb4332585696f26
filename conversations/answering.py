"""Answering a round: parse a button or typed text into an event of the resident flow
(:func:`bot.survey.flow.decide`), store what the step says, render it.

Every answer is committed before the next question is sent, together with the chat's
state it leads to (:class:`bot.survey.state.ChatState`), and the position is derived
from the database, so a restart resumes at the next unanswered item. Callback data is
checked against the respondent's open item: a stale, forged or double-tapped button gets
a short notice and stores nothing. "Previous question" lets a resident change an answer
while the round is open; the new answer replaces the old one and its revision goes up
(recorded as a change). Photos, stickers and the like: :mod:`conversations.media`;
edited messages: :mod:`conversations.edits`; what is sent: :mod:`conversations.render`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import callback_data as cd
from bot.chat import lang_of
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.scrub import cap, scrub
from bot.services import services
from bot.session import Session, current_round, end_assisted, session_for
from bot.storage import Participation, Round
from bot.survey import flow
from bot.survey.models import Item
from bot.survey.state import ChatState, Mode, TypedAnswer
from bot.survey.text import BIDI_CONTROLS
from bot.taps import RecentTaps
from bot.telegram_bot import answer_alongside
from conversations import keyboards, render
from conversations.questions import audio_of, number_hint, send_question, send_voice, with_audio
from conversations.render import edit_markup, shown_text, stopped_text

__all__ = ["ask_next", "begin", "on_answer", "on_change", "on_go", "on_text", "shown_text", "store_answer"]

log = logging.getLogger(__name__)

#: The buttons of a read-back and of the quote and feedback questions.
_PRESSES = frozenset({"confirm", "fix", "feedback_yes", "feedback_no", "quote_yes", "quote_no"})


# -- state and facts ------------------------------------------------------------------
async def chat_state(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> ChatState:
    """The chat's typed state (read once per update, :meth:`bot.storage.Storage.chat_state`)."""
    return await services(context).storage.chat_state(chat_id)


async def save_state(context: ContextTypes.DEFAULT_TYPE, chat_id: int, state: ChatState) -> None:
    """Store the chat's state (nothing is written when it did not change)."""
    await services(context).storage.save_chat_state(chat_id, state)


async def _facts(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, items: list[Item],
                 answers: flow.Answers, need_quote: bool = True) -> flow.Facts:
    """What the flow needs to know besides state and answers. The quote question's answer
    is read only where it can matter (``need_quote`` and :func:`bot.survey.flow.story_told`)."""
    svc = services(context)
    quote_answered = False
    if need_quote and flow.story_told(items, answers):
        quote_answered = await svc.storage.quote_consent(round_.id, session.respondent) is not None
    may_ask_opt_in = False
    if session.mode == "self":
        contact = await svc.storage.contact(session.chat_id)  # read once per update
        may_ask_opt_in = contact is not None and not contact.feedback_opt_in
    return flow.Facts(round_.id, items, session.mode == "assisted", quote_answered, may_ask_opt_in)


async def _decide(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round,
                  event: flow.Event) -> flow.Step:
    """:func:`bot.survey.flow.decide` on the chat's state and stored answers now."""
    svc = services(context)
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    facts = await _facts(context, session, round_, items, answers,
                         need_quote=isinstance(event, (flow.Resume, flow.Next, flow.Change)))
    return flow.decide(await chat_state(context, session.chat_id), answers, facts, event)


# -- showing a step -------------------------------------------------------------------
async def show(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round, step: flow.Step,
               read_back_text: str | None = None) -> None:
    """Store the step's state, then send what it shows: a question, a read-back, the
    quote or feedback question, the thanks (the participation finished), or "press a
    button" and the question again.

    Args:
        read_back_text: The story just stored, for a read-back (else it is read).
    """
    svc = services(context)
    tr = Translator(session.language)
    chat_id = session.chat_id
    if isinstance(step, flow.PressButton):
        await render.press_a_button(context, chat_id, tr)
        step = step.then
    if isinstance(step, flow.Finish):
        await svc.storage.finish_participation(round_.id, session.respondent)
        if session.mode == "assisted":
            await end_assisted(context, chat_id)  # the interview's state goes with it
            await render.interview_done(context, chat_id, tr, session.deletion_code)
            return
        await save_state(context, chat_id, step.state)
        await render.thanks(context, chat_id, tr, round_.id)
        return
    await save_state(context, chat_id, step.state)
    if isinstance(step, flow.AskQuote):
        await render.quote_question(context, chat_id, tr, round_.id, step.pos)
    elif isinstance(step, flow.AskOptIn):
        await render.opt_in_question(context, chat_id, tr, round_.id, step.pos)
    elif isinstance(step, flow.ShowReadBack):
        if read_back_text is None:
            item = svc.catalogue.survey_items(round_.survey)[step.pos]
            answer = (await svc.storage.answers(round_.id, session.respondent)).get(item.id)
            read_back_text = answer.text if answer is not None and answer.text else ""
        await render.read_back(context, chat_id, tr, round_.id, step.pos, read_back_text)
    elif isinstance(step, flow.Ask | flow.Reopen) and step.question is not None:
        question = step.question
        item = svc.catalogue.survey_items(round_.survey)[question.pos]
        if question.reopened and item.type == "text":
            earlier = (await svc.storage.answers(round_.id, session.respondent)).get(item.id)
            if earlier is not None and earlier.text:
                await render.current_answer(context, chat_id, tr, earlier.text)
        await send_question(context, svc, chat_id, tr, round_, question.pos, item, question.number,
                            question.total, mask=question.mask, keep=question.keep)
    else:
        raise TypeError(f"not a step to show: {type(step).__name__}")


async def begin(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round) -> None:
    """Start (or resume) ``round_`` for a session and show where it is: the quote or
    feedback question, an open read-back, or the next item."""
    await services(context).storage.start_participation(
        round_.id, session.respondent, centre_code=session.centre_code or "",
        language=session.language, mode=session.mode,
    )
    await show(context, session, round_, await _decide(context, session, round_, flow.Resume()))


async def ask_next(context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round) -> None:
    """After an answer: the quote or feedback question where due, the first unanswered
    item, or the thanks when the round is complete."""
    await show(context, session, round_, await _decide(context, session, round_, flow.Next()))


# -- buttons --------------------------------------------------------------------------
async def _refuse_stopped(query: CallbackQuery, tr: Translator) -> None:
    """An old question's button after /stop: say so, remove the buttons, store nothing."""
    await query.answer(stopped_text(tr), show_alert=True)
    await edit_markup(query, None)


async def _refuse_closed(query: CallbackQuery, tr: Translator) -> None:
    """Tell the resident the round of the tapped button is closed and drop its buttons."""
    await query.answer(render.closed_text(tr), show_alert=True)
    await edit_markup(query, None)


async def on_go(update: Update, context: BuurtContext, cb: cd.Go) -> None:
    """Starts a round from an invitation's Start button."""
    query = context.query
    svc = services(context)
    session = await session_for(context, context.chat_id)
    round_ = await svc.storage.round(cb.round_id)
    if session is None:
        await query.answer(Translator(lang_of(update))._("Stuur eerst /start."))
        return
    tr = Translator(session.language)
    if session.stopped:
        await _refuse_stopped(query, tr)
        return
    if round_ is None or not round_.is_open or session.centre_code not in round_.centres:
        await _refuse_closed(query, tr)
        return
    async with answer_alongside(query):
        await edit_markup(query, None)
        await begin(context, session, round_)


async def _tapped_round(update: Update, context: BuurtContext, cb: cd.Change | cd.Answer
                        ) -> tuple[Session, Translator, Round] | None:
    """The resident's session, translator and the open round a button belongs to.

    Answers the callback query and returns ``None`` where the tap cannot go on: no
    session ("send /start first"), a stopped resident, or a round that is gone or closed.
    """
    query = context.query
    session = await session_for(context, context.chat_id)
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


async def on_change(update: Update, context: BuurtContext, cb: cd.Change) -> None:
    """"Change my answers" after finishing: re-open the last answered question (its
    "previous question" button goes further back), while the round is open."""
    query = context.query
    tapped = await _tapped_round(update, context, cb)
    if tapped is None:
        return
    session, tr, round_ = tapped
    participation = await services(context).storage.participation(round_.id, session.respondent)
    if participation is None:
        await _refuse_closed(query, tr)
        return
    step = await _decide(context, session, round_, flow.Change(participation.finished))
    async with answer_alongside(query):
        await edit_markup(query, None)
        await show(context, session, round_, step)


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


def _allowed_positions(state: ChatState, round_id: int, pos: int | None) -> set[int]:
    """The items whose buttons count now: the next one, and one read back or gone back to."""
    allowed = {pos} if pos is not None else set()
    if state.mode_in(round_id) in (Mode.READ_BACK, Mode.REVISIT) and state.pos is not None:
        allowed.add(state.pos)
    return allowed


async def _on_press(update: Update, context: BuurtContext, cb: cd.Answer, session: Session,
                    round_: Round, tr: Translator) -> None:
    """Read-back buttons (right, change) and the quote and feedback questions' yes / no."""
    query = context.query
    svc = services(context)
    step = await _decide(context, session, round_, flow.Pressed(cb.action, cb.pos))  # type: ignore[arg-type]
    if isinstance(step, flow.Dead):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    if isinstance(step, flow.Resend):
        await _resend_current(query, context, session, round_)
        return
    if isinstance(step, flow.Reopen):  # "change": the next text replaces the story
        await save_state(context, session.chat_id, step.state)
        async with answer_alongside(query):
            await edit_markup(query, None)
            await context.bot.send_message(session.chat_id, "✏️ " + tr._("Typ je nieuwe antwoord."))
        return
    # what comes next is decided now, so the choice and the state it leads to (the
    # next question, or the quote or feedback question) are one write
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    facts = await _facts(context, session, round_, items, answers)
    if isinstance(step, flow.Confirmed):
        label = tr._("Klopt")
        following = flow.decide(step.state, answers, facts, flow.Next())
    elif isinstance(step, flow.Choice) and step.question == "quote":
        following = flow.decide(step.state, answers, replace(facts, quote_answered=True), flow.Next())
        await svc.storage.set_quote_consent(round_.id, session.respondent, step.yes,
                                            chat_state=(session.chat_id, following.state))
        label = tr._("Ja, dat mag") if step.yes else tr._("Nee, liever niet")
    elif isinstance(step, flow.Choice):
        following = flow.decide(step.state, answers, facts, flow.Next())
        if session.mode == "self":
            await svc.storage.update_contact(session.chat_id, chat_state=following.state,
                                             feedback_opt_in=step.yes)
        label = tr._("Ja, graag") if step.yes else tr._("Nee, dank je")
    else:
        raise TypeError(f"unexpected step {type(step).__name__}")
    async with answer_alongside(query):
        await edit_markup(query, keyboards.chosen(label))
        await show(context, session, round_, following)  # stores its state if not stored yet


async def on_answer(update: Update, context: BuurtContext, cb: cd.Answer) -> None:
    """Stores a button answer after checking it belongs to the respondent's open item."""
    query = context.query
    svc = services(context)
    tapped = await _tapped_round(update, context, cb)
    if tapped is None:
        return
    session, tr, round_ = tapped
    participation = await svc.storage.participation(round_.id, session.respondent)
    if participation is not None and cb.action in _PRESSES:
        await _on_press(update, context, cb, session, round_, tr)
        return
    items = svc.catalogue.survey_items(round_.survey)
    answers = await svc.storage.answers(round_.id, session.respondent)
    state = await chat_state(context, session.chat_id)
    pos = flow.next_position(items, answers)
    if participation is None or cb.pos not in _allowed_positions(state, round_.id, pos):
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
        step = await _decide(context, session, round_, flow.Back(pos))
        if isinstance(step, flow.FirstQuestion):
            await query.answer(tr._("Dit is de eerste vraag."))
            return
        async with answer_alongside(query):
            await edit_markup(query, None)
            await show(context, session, round_, step)
            return
    status, value, choices = "answered", None, []
    earlier = answers.get(item.id)
    revisiting = pos != flow.next_position(items, answers) and earlier is not None and earlier.status != "skipped"
    empty_done = cb.action == "done" and not flow.mask_to_choices(item, cb.mask)
    if revisiting and (cb.action == "skip" or empty_done):
        # "Skip" (or "Done" with nothing ticked) on a question the resident went back to:
        # leave the answer as it was.
        async with answer_alongside(query):
            await edit_markup(query, keyboards.chosen(tr._("Niet veranderd")))
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
                await edit_markup(query, with_audio(
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
    if not await store_answer(update, context, session, round_, participation.centre_code, item,
                              status=status, value=value, choices=choices):
        await query.answer(render.closed_text(tr), show_alert=True)
        return
    async with answer_alongside(query):
        await edit_markup(query, keyboards.chosen(label[:60]))
        await ask_next(context, session, round_)


async def store_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, session: Session, round_: Round,
                       centre: str, item: Item, state_after: Callable[[int], ChatState] | None = None,
                       **answer) -> int | None:
    """Record an answer; its revision (≥ 1), or None if the round closed meanwhile.

    Args:
        state_after: The chat's state the answer leads to, given its revision, written in
            the answer's transaction. None: the next unanswered item is on screen (any
            read-back or revisit closed); :func:`ask_next` then asks the quote or feedback
            question where it is due.
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


# -- typed text -----------------------------------------------------------------------
async def on_text(update: Update, context: BuurtContext, text: str | None = None) -> None:
    """Stores typed text as the answer to an open free-text item (scrubbed and capped).

    Args:
        text: The text to take instead of the message's own (a photo's caption).
    """
    message = context.message
    typed = (message.text if text is None else text) or ""
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
    where = await answering_at(context, session)
    if where is None:
        await no_round(context, message, session, tr)
        return
    round_, participation, items, _pos, state = where
    svc = services(context)
    answers = await svc.storage.answers(round_.id, session.respondent)
    scrubbed = scrub(typed.translate(BIDI_CONTROLS))
    facts = await _facts(context, session, round_, items, answers, need_quote=False)
    step = flow.decide(state, answers, facts, flow.Typed(typed, scrubbed.text, session.language))
    if isinstance(step, flow.PressButton | flow.ShowReadBack):
        await show(context, session, round_, step)
    elif isinstance(step, flow.NumberHint):
        await message.reply_text(number_hint(items[step.pos], tr))
    elif isinstance(step, flow.NeedText):
        await message.reply_text(tr._("Typ je antwoord. Of druk op Overslaan."))
    elif isinstance(step, flow.Confirmed):
        # what follows the read-back is decided now: its state is one write, before replies
        following = flow.decide(step.state, answers, await _facts(context, session, round_, items, answers),
                                flow.Next())
        await save_state(context, session.chat_id, following.state)
        await message.reply_text("✅ " + tr._("Klopt"))
        await show(context, session, round_, following)
    elif isinstance(step, flow.StoreNumber):
        if not await store_answer(update, context, session, round_, participation.centre_code, items[step.pos],
                                  lambda _revision: step.state, status="answered", value=step.value):
            await message.reply_text(render.closed_text(tr))
            return
        await ask_next(context, session, round_)
    elif isinstance(step, flow.StoreText):
        await _store_text(update, context, session, round_, participation, items[step.pos], step,
                          scrubbed.changed)
    else:
        raise TypeError(f"unexpected step {type(step).__name__}")


async def _store_text(update: Update, context: BuurtContext, session: Session, round_: Round,
                      participation: Participation, item: Item, step: flow.StoreText, scrubbed: bool) -> None:
    """Store a typed answer (capped) with the state it leads to; then the privacy notes,
    and the read-back or the next item."""
    message = context.message
    tr = Translator(session.language)
    text, was_cut = cap(step.text, item.max_length)
    remember = not was_cut and session.mode == "self"  # an assisted interview leaves
    # nothing in the coordinator's chat (its code aside)

    def state_after(revision: int) -> ChatState:
        if not remember:
            return step.state
        return step.state.with_typed(TypedAnswer(message_id=message.message_id, round_id=round_.id,
                                                 item_id=item.id, revision=revision, start=step.start))

    if not await store_answer(update, context, session, round_, participation.centre_code, item,
                              state_after, status="answered", text=text):
        await message.reply_text(render.closed_text(tr))
        return
    notes = render.privacy_notes(tr, scrubbed, item.max_length if was_cut else None)
    if notes:
        await message.reply_text(notes)
    if step.read_back:
        stored = await chat_state(context, session.chat_id)  # as written with the answer
        await show(context, session, round_, flow.ShowReadBack(stored, step.pos), read_back_text=text)
        return
    await ask_next(context, session, round_)


async def answering_at(context: ContextTypes.DEFAULT_TYPE, session: Session
                       ) -> tuple[Round, Participation, list[Item], int, ChatState] | None:
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


async def no_round(context: ContextTypes.DEFAULT_TYPE, message: Message, session: Session, tr: Translator) -> None:
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
        await message.reply_text(render.closed_text(tr))
        return
    await message.reply_text(
        tr._("Er is nu geen vragenronde. Je krijgt een bericht als er een nieuwe ronde is.")
    )
