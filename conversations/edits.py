"""A resident edited a message they sent as an answer: the edit replaces that part of the
answer, as long as the round is open and the answer has not changed since (the chat's
state remembers which message was which part: :attr:`bot.survey.state.ChatState.typed`)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.i18n import Translator
from bot.privacy.scrub import cap, scrub
from bot.services import services
from bot.session import session_for
from bot.survey.text import BIDI_CONTROLS, has_words
from conversations import answering
from conversations.render import closed_text, shown_text


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    """An edited answer replaces its part of the answer; any other edit gets a short reply
    saying how to change an answer.

    Args:
        message: The edited message (``update.edited_message``, which ``bot.app`` checked:
            a private chat's text or caption, from a user).
    """
    session = await session_for(context, message.chat.id)
    if session is None or session.stopped:
        return
    svc = services(context)
    tr = Translator(session.language)
    state = await answering.chat_state(context, session.chat_id)
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
    scrubbed = scrub((message.text or message.caption or "").translate(BIDI_CONTROLS))
    if not has_words(scrubbed.text):
        await message.reply_text(tr._("Typ je antwoord. Of druk op Overslaan."))
        return
    text, _cut = cap((answer.text or "")[:entry.start] + scrubbed.text, item.max_length)
    revision = await answering.store_answer(
        update, context, session, round_, participation.centre_code, item,
        lambda revision: state.with_typed(entry.model_copy(update={"revision": revision})),
        status="answered", text=text)
    if not revision:
        await message.reply_text(closed_text(tr))
        return
    await message.reply_text("✏️ " + tr._("Je veranderde bericht is bewaard. Je antwoord is nu:")
                             + f"\n\n«{shown_text(text, tr)}»")
