"""Durable per-chat state for staff flows (assisted interview, a pending selection reason).

Kept in the database (table ``chat_state``) rather than in memory, so a restart neither
loses it nor lets the next typed text land somewhere else (e.g. as the coordinator's own
survey answer).
"""

from __future__ import annotations

import json

from bot.storage import Storage


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
