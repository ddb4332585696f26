"""What is not typed text: a sticker, photo, voice note, location, contact… gets a polite
reply saying what to do instead, and nothing is stored (a photo's caption is taken as
the typed answer)."""

from __future__ import annotations

from telegram import Message, Update

from bot.chat import lang_of
from bot.context import BuurtContext
from bot.i18n import N_, Translator
from bot.services import services
from bot.session import session_for
from bot.survey import flow
from bot.survey.state import Mode
from bot.survey.text import has_words
from bot.taps import RecentTaps
from conversations import answering
from conversations.render import stopped_text

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


async def on_other(update: Update, context: BuurtContext) -> None:
    """Answers a sticker, photo, voice note, location, contact… politely; stores nothing."""
    message = context.message
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
    where = await answering.answering_at(context, session)
    if where is None:
        await answering.no_round(context, message, session, tr)
        return
    round_, _participation, items, pos, state = where
    facts = flow.Facts(round_.id, items, assisted=session.mode == "assisted")
    question = flow.open_question(state, facts)
    if question is not None:  # the quote or feedback question: press a button
        await answering.show(context, session, round_, flow.PressButton(state, question))
        return
    kind = _message_kind(message)
    caption = message.caption or ""
    if items[pos].type == "text" and kind == "photo" and has_words(caption):
        # the photo is not kept, but its caption may answer the question
        await message.reply_text(tr._("De foto bewaar ik niet, want mensen kunnen erop herkenbaar zijn. Je tekst bij de foto gebruik ik als antwoord."))
        await answering.on_text(update, context, text=caption)
        return
    hint = ("\n\n" + tr._(_INTERVIEW_HINT)) if kind in ("voice", "photo") and session.mode == "self" else ""
    if state.open_at(Mode.READ_BACK, round_.id, pos):
        # under a read-back: say what is possible and show the read-back again
        await message.reply_text(tr._("Ik kan alleen getypte tekst gebruiken.") + hint)
        await answering.show(context, session, round_, flow.ShowReadBack(state, pos))
        return
    if items[pos].type in ("text", "number"):
        await message.reply_text(tr._(_KIND_HINTS[kind]) + hint)
    else:
        await message.reply_text(tr._("Druk alsjeblieft op een van de knoppen.") + hint)
    answers = await services(context).storage.answers(round_.id, session.respondent)
    await answering.show(context, session, round_, flow.Ask(state, flow.question_at(items, answers, pos)))
