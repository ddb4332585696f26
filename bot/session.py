"""Who is answering in a chat: a resident on their own phone, or a coordinator who
enters a round on behalf of a resident without a phone (assisted mode, issue 7).

In assisted mode no contact is created: the answers get a fresh respondent pseudonym
and ``mode = "assisted"``, like the paper interview sheet ("praatplaat"). The pseudonym
is derived from a random deletion code (:func:`bot.privacy.pseudonym.new_deletion_code`)
that the coordinator hands the resident on paper; ``/forget CODE`` erases the interview
(issue 11). The code is not stored once the interview ends.
The assisted session is kept in the database, in the chat's typed state
(:class:`bot.survey.state.ChatState`, ``assisted``), so it survives a restart of the bot.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import Translator, negotiate_language
from bot.privacy.pseudonym import new_deletion_code
from bot.services import services
from bot.storage import Round
from bot.survey.state import Assisted


@dataclass(frozen=True, slots=True)
class Session:
    """The answering identity of a chat.

    Attributes:
        chat_id: The private chat the questions go to.
        respondent: Pseudonym the answers are stored under.
        language: Language of the questions.
        centre_code: Centre the answers belong to.
        mode: ``self`` or ``assisted``.
        round_id: For assisted mode, the round being entered (else the centre's open round).
        deletion_code: For assisted mode, the code that erases this interview.
        stopped: The resident sent /stop (no more questions until /start).
    """

    chat_id: int
    respondent: str
    language: str
    centre_code: str | None
    mode: str = "self"
    round_id: int | None = None
    deletion_code: str | None = None
    stopped: bool = False


async def start_assisted(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, round_id: int, centre: str, language: str
) -> Session:
    """Begin an assisted interview in this chat."""
    code = new_deletion_code()
    storage = services(context).storage
    assisted = Assisted(respondent=services(context).assisted_respondent(code), code=code,
                        round_id=round_id, centre=centre, language=language)
    # the coordinator's own read-back is not the interview's: any open mode is closed
    await storage.save_chat_state(chat_id, (await storage.chat_state(chat_id)).with_assisted(assisted))
    return _from(chat_id, assisted)


async def end_assisted(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Session | None:
    """Leave assisted mode; the interview that was running (with its deletion code), or None.

    The interview's open read-back or revisit is dropped with it, so the coordinator's
    next text is not filed as their own answer to the interview's question.
    """
    storage = services(context).storage
    state = await storage.chat_state(chat_id)
    await storage.save_chat_state(chat_id, state.with_assisted(None))
    return _from(chat_id, state.assisted) if state.assisted else None


def deletion_code_note(tr: Translator, code: str) -> str:
    """The note with the deletion code, for the resident (the coordinator copies it on paper).

    In the interview's language, addressed to the resident, like the read-backs.
    """
    return (
        "🔑 " + tr._("Jouw verwijdercode: {code}").format(code=code) + "\n"
        + tr._("Schrijf deze code op papier en bewaar hem. Wil je het interview later laten "
               "verwijderen? Stuur dan aan deze bot: /forget {code}. Of vraag het aan de "
               "coördinator.").format(code=code)
    )


async def assisted_session(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Session | None:
    """The assisted session of a chat, if one is running."""
    assisted = (await services(context).storage.chat_state(chat_id)).assisted
    return _from(chat_id, assisted) if assisted else None


def _from(chat_id: int, assisted: Assisted) -> Session:
    return Session(chat_id, assisted.respondent, assisted.language, assisted.centre, "assisted",
                   assisted.round_id, assisted.code)


async def session_for(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Session | None:
    """The session of a chat: assisted if running, else the resident's contact, else None."""
    assisted = await assisted_session(context, chat_id)
    if assisted is not None:
        return assisted
    svc = services(context)
    contact = await svc.storage.contact(chat_id)
    if contact is None:
        return None
    return Session(chat_id, svc.respondent(chat_id), contact.language, contact.centre_code,
                   stopped=not contact.opted_in)


async def current_round(context: ContextTypes.DEFAULT_TYPE, session: Session) -> Round | None:
    """The open round this session answers, or None."""
    storage = services(context).storage
    if session.round_id is not None:
        round_ = await storage.round(session.round_id)
        return round_ if round_ and round_.is_open else None
    if not session.centre_code:
        return None
    return await storage.open_round_for(session.centre_code, session.respondent)


async def interview_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """During an assisted interview, resident commands (/stop, /forget, /language) would act
    on the coordinator's own data: refuse them with a hint. True if refused."""
    chat = update.effective_chat
    if chat is None or await assisted_session(context, chat.id) is None:
        return False
    user = update.effective_user
    tr = Translator(negotiate_language(user.language_code if user else None))
    message = update.effective_message
    if message is not None:  # always, for a command; refused all the same without one
        await message.reply_text(
            tr._("Je neemt nu een interview af. Stop eerst met /interview stop.")
        )
    return True
