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

:class:`BoundedUpdateQueue` keeps the memory flat in the number of residents: each
update fetched and not yet handled waits in memory as parsed objects (a button press
carries the whole question message with its keyboard, some 20 KB), so 1,000 residents
answering at once held about 20 MB of backlog (bench/load.py; the bare echo bot grows the
same way). With the queue full, putting the next update waits until one is handled: the
polling loop stops fetching (the rest waits at Telegram, which keeps updates for a day)
and a webhook call is answered once there is room (Telegram waits and sends again). The
polling loop also fetches no more than there is room for (:meth:`BoundedUpdateQueue.room`,
used by :meth:`bot.telegram_bot.RobustBot.get_updates`): a batch of Telegram's default
100 would otherwise wait in memory beside the full queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.update_scope import IN_UPDATE, UPDATE_ID

#: Updates handled at once (each mostly waits on the Bot API or the database).
DEFAULT_LIMIT = 64

#: Updates accepted into scheduling at once (the library's semaphore); well above any
#: getUpdates batch, so scheduling order is arrival order.
_ACCEPTED = 100_000

#: Updates fetched and not yet handled, at most (:class:`BoundedUpdateQueue`): as many as
#: there are handler slots. With 2 or 4 times as many, peak memory from 50 to 1,000
#: residents grew 6.5 or 9.7 MB instead of 4.8 MB (bench/load.py, loopback, same
#: throughput); with a 50 ms Bot API round trip 4 times as many gave about 15 % more
#: updates/s at 200 residents (a full queue waits a ``getUpdates`` round trip to refill).
DEFAULT_BACKLOG = DEFAULT_LIMIT


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


class BoundedUpdateQueue(asyncio.Queue):
    """The application's update queue, holding at most ``limit`` updates not yet handled.

    python-telegram-bot takes each update off the queue at once and calls
    :meth:`task_done` when it has been handled; :meth:`put` of an update waits while
    ``limit`` updates are between the two. Anything else (the application's stop signal)
    and :meth:`put_nowait` (start-up replays) never wait.

    Args:
        limit: Updates queued or being handled at most (≥ 1).

    Raises:
        ValueError: ``limit`` < 1.
    """

    def __init__(self, limit: int = DEFAULT_BACKLOG) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        super().__init__()
        self.limit = limit
        #: Items queued and not yet reported handled (``task_done``).
        self.pending = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._watching: list[asyncio.Future[None]] = []

    async def room(self) -> int:
        """Wait until fewer than ``limit`` updates are pending; how many more fit then (≥ 1)."""
        while self.pending >= self.limit:
            watch = asyncio.get_running_loop().create_future()
            self._watching.append(watch)
            await watch
        return self.limit - self.pending

    async def put(self, item: object) -> None:
        """Queue ``item``; an update waits until fewer than ``limit`` are pending."""
        while isinstance(item, Update) and self.pending >= self.limit:
            room = asyncio.get_running_loop().create_future()
            self._waiting.append(room)
            try:
                await room
            except asyncio.CancelledError:
                if room.done() and not room.cancelled():
                    self._make_room()  # pass the turn on
                raise
        self.put_nowait(item)

    def put_nowait(self, item: object) -> None:
        """Queue ``item`` now (counted as pending)."""
        super().put_nowait(item)
        self.pending += 1

    def task_done(self) -> None:
        """One queued item is handled: let a waiting :meth:`put` go on."""
        super().task_done()
        self.pending -= 1
        self._make_room()
        if self._watching:
            watching, self._watching = self._watching, []
            for watch in watching:
                if not watch.done():
                    watch.set_result(None)

    def _make_room(self) -> None:
        while self._waiting:
            room = self._waiting.popleft()
            if not room.done():
                room.set_result(None)
                return


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
        IN_UPDATE.set(True)  # this task's context only: the update's own calls
        if isinstance(update, Update):
            UPDATE_ID.set(update.update_id)
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
