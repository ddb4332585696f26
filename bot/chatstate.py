"""Durable per-chat state: the resident's revisit and feedback question, the staff's
assisted interview and pending selection reason.

Kept in the database (table ``chat_state``) rather than in memory, so a restart neither
loses it nor lets the next typed text land somewhere else (e.g. as the coordinator's own
survey answer).
"""

from __future__ import annotations

import json

from bot.storage import Storage

# -- the keys (one JSON value per chat and key) ---------------------------------------

#: chat_state key of the item a resident went back to, or whose read-back is open:
#: ``{"round", "pos", "mode"}``. Mode ``append``: a story's read-back is open, so more
#: typed text is added to it (people tell a story in several messages); ``replace``: the
#: resident asked to change the answer ("previous question" or "change"). Kept in the
#: database: after a restart the next text still lands where the
#: resident expects, not as the answer to a question they never saw.
REVISIT = "revisit"

#: chat_state key: ``{"round", "pos"}`` of a feedback opt-in question on screen, so that
#: resuming the round (after /language, /start, a restart, a typed text or a sticker)
#: asks it again instead of skipping it.
OPT_IN = "pending_feedback_opt_in"

#: chat_state key: ``{"round", "pos"}`` of the quote question on screen ("may we use your
#: story in reports, without your name?"), asked once per round after a story was told;
#: the answer itself is kept in ``participations.quote_ok`` (issue 11, MSC practice).
QUOTE = "pending_quote_consent"

#: chat_state key set once the resident answered the feedback opt-in question (yes or
#: no), so it is asked once per resident, not after every "why it matters".
OPT_IN_ANSWERED = "feedback_opt_in_answered"

#: chat_state key of an assisted interview (:mod:`bot.session`).
ASSISTED = "assisted"


async def get(storage: Storage, chat_id: int, key: str) -> dict | None:
    """The state stored under ``key`` for a chat, or None (all of a chat's state is read
    once per update, see :meth:`bot.storage.Storage.chat_state`)."""
    value = (await storage.chat_state(chat_id)).get(key)
    return json.loads(value) if value is not None else None


async def put(storage: Storage, chat_id: int, key: str, value: dict) -> None:
    """Store (replace) a chat's state under ``key``; ``value`` must be JSON-serialisable."""
    await storage.put_chat_state(chat_id, key, json.dumps(value))


async def pop(storage: Storage, chat_id: int, key: str) -> dict | None:
    """Remove and return a chat's state under ``key`` (None if there was none)."""
    value = await get(storage, chat_id, key)
    if value is not None:
        await storage.delete_chat_state(chat_id, key)
    return value
