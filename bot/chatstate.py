"""Durable per-chat state for staff flows (assisted interview, a pending selection reason).

Kept in the database (table ``chat_state``) rather than in memory, so a restart neither
loses it nor lets the next typed text land somewhere else (e.g. as the coordinator's own
survey answer).
"""

from __future__ import annotations

import json

from bot.storage import Storage, utcnow


async def get(storage: Storage, chat_id: int, key: str) -> dict | None:
    """The state stored under ``key`` for a chat, or None."""
    async with storage.db.execute(
        "SELECT value FROM chat_state WHERE chat_id = ? AND key = ?", (chat_id, key)
    ) as cur:
        row = await cur.fetchone()
    return json.loads(row[0]) if row else None


async def put(storage: Storage, chat_id: int, key: str, value: dict) -> None:
    """Store (replace) a chat's state under ``key``; ``value`` must be JSON-serialisable."""
    async with storage.transaction() as db:
        await db.execute(
            "INSERT OR REPLACE INTO chat_state VALUES (?, ?, ?, ?)",
            (chat_id, key, json.dumps(value), utcnow().isoformat()),
        )


async def pop(storage: Storage, chat_id: int, key: str) -> dict | None:
    """Remove and return a chat's state under ``key`` (None if there was none)."""
    value = await get(storage, chat_id, key)
    if value is not None:
        async with storage.transaction() as db:
            await db.execute("DELETE FROM chat_state WHERE chat_id = ? AND key = ?", (chat_id, key))
    return value
