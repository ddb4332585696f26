"""Who is answering in a chat: a resident on their own phone, or a coordinator who
enters a round on behalf of a resident without a phone (assisted mode, issue 7).

In assisted mode no contact is created: the answers get a fresh random respondent
pseudonym and ``mode = "assisted"``, like the paper interview sheet ("praatplaat").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.services import services
from bot.storage import Round


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
    """

    chat_id: int
    respondent: str
    language: str
    centre_code: str | None
    mode: str = "self"
    round_id: int | None = None


def start_assisted(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, round_id: int, centre: str, language: str
) -> Session:
    """Begin an assisted interview in this chat (kept in memory for this chat only)."""
    context.chat_data["assisted"] = {
        "respondent": "assisted-" + secrets.token_hex(16),
        "round_id": round_id,
        "centre": centre,
        "language": language,
    }
    session = session_from_chat_data(context, chat_id)
    assert session is not None
    return session


def end_assisted(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave assisted mode."""
    context.chat_data.pop("assisted", None)


def session_from_chat_data(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Session | None:
    """The assisted session of a chat, if one is running."""
    data = context.chat_data.get("assisted") if context.chat_data is not None else None
    if not data:
        return None
    return Session(chat_id, data["respondent"], data["language"], data["centre"], "assisted", data["round_id"])


async def session_for(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Session | None:
    """The session of a chat: assisted if running, else the resident's contact, else None."""
    assisted = session_from_chat_data(context, chat_id)
    if assisted is not None:
        return assisted
    svc = services(context)
    contact = await svc.storage.contact(chat_id)
    if contact is None:
        return None
    return Session(chat_id, svc.respondent(chat_id), contact.language, contact.centre_code)


async def current_round(context: ContextTypes.DEFAULT_TYPE, session: Session) -> Round | None:
    """The open round this session answers, or None."""
    storage = services(context).storage
    if session.round_id is not None:
        round_ = await storage.round(session.round_id)
        return round_ if round_ and round_.is_open else None
    if not session.centre_code:
        return None
    return await storage.open_round_for(session.centre_code)
