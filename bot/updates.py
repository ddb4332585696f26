"""How updates are scheduled: one chat strictly in order, different chats at once.

A neighbourhood answers an invitation together, and each Bot API call costs a real round
trip (DESIGN.md, "State"), so handling one update at a time leaves the bot waiting on the
network while residents wait on the bot. python-telegram-bot's ``concurrent_updates``
alone would also run two updates *of one chat* at once (a double tap, a story sent in two
messages), which breaks the flow and is why its docs warn against combining it with
``ConversationHandler`` (Buurtstem has none: the position is derived from the database).

:class:`ChatOrderedProcessor` is the library's extension point for this
(:class:`telegram.ext.BaseUpdateProcessor`): each update waits for the previous update of
its chat (a FIFO lock per chat, dropped when no update of the chat is pending, so memory
does not grow with the number of residents), then for one of ``limit`` handler slots.
A chat waiting for its own earlier update holds no slot, so one busy chat never delays
the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: Updates handled at once (each mostly waits on the Bot API or the database).
DEFAULT_LIMIT = 64

#: Updates accepted into scheduling at once (the library's semaphore); well above any
#: getUpdates batch, so scheduling order is arrival order.
_ACCEPTED = 100_000


_IN_UPDATE: ContextVar[bool] = ContextVar("buurtstem_in_update", default=False)
_UPDATE_ID: ContextVar[int | None] = ContextVar("buurtstem_update_id", default=None)


def in_update() -> bool:
    """True while handling an update (in the update's own task), e.g. a resident's reply;
    False in the outbox, the scheduler and start-up."""
    return _IN_UPDATE.get()


def current_update_id() -> int | None:
    """The id of the update being handled in this task (None outside an update)."""
    return _UPDATE_ID.get()


def chat_key(update: object) -> int | None:
    """The chat whose order an update belongs to (the user's id for a button under an
    inline message, which has no chat), or None for updates of no chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _ChatTurn:
    """A FIFO lock for one chat with a count of updates holding or waiting for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Handles updates of one chat in arrival order and different chats concurrently.

    Args:
        limit: Number of updates handled at the same time (≥ 1).

    Raises:
        ValueError: ``limit`` < 1.
    """

    __slots__ = ("_running", "_turns", "limit")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        super().__init__(_ACCEPTED)
        self.limit = limit
        self._running = asyncio.Semaphore(limit)
        self._turns: dict[int, _ChatTurn] = {}

    @property
    def waiting_chats(self) -> int:
        """Chats with an update being handled or waiting (0 when idle: nothing is kept)."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine`` after the chat's earlier updates, in a free handler slot."""
        _IN_UPDATE.set(True)  # this task's context only: the update's own calls
        if isinstance(update, Update):
            _UPDATE_ID.set(update.update_id)
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _ChatTurn()
        turn.users += 1
        try:
            async with turn.lock, self._running:
                await coroutine
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
