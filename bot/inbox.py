"""The inbox: no update a resident sends is lost when the bot dies (issue 14).

Telegram forgets an update once the bot confirms it: with long polling, by asking for the
next batch with ``offset = last update_id + 1``; with a webhook, by the ``200`` answer
(Bot API, ``getUpdates`` and ``setWebhook``). python-telegram-bot confirms a batch as soon
as it has put it in its in-memory queue, so a crash dropped everything still queued (299
resident updates over 20 kills in the issue's test). The inbox is the outbox's twin:

* **in**: every fetched update is written to the ``inbox`` table (raw JSON as Telegram sent
  it, its chat) before Telegram can hear that it arrived. Polling: inside
  :meth:`bot.telegram_bot.RobustBot.get_updates`, one transaction per batch, before the
  ``Updater`` queues it (the confirming ``getUpdates`` comes after). Webhook:
  :class:`InboxQueue` stores the update when the webhook handler queues it, before the
  handler answers ``200`` (a failed write answers 500 and Telegram sends it again);
* **handled**: the row is deleted in the transaction that marks the update processed,
  which is the update's own first write (:meth:`bot.storage.Storage._write`): its effects
  and its mark commit together. An update that writes nothing is marked with the next
  transaction (:meth:`bot.storage.Storage.mark_processed`). The mark is what drops a
  redelivered update (``bot.app.drop_duplicates``);
* **start-up**: rows still there were fetched but never handled (the process died):
  :func:`replay` queues them, in ``update_id`` order, before polling or the webhook
  starts, so they are handled first and in order per chat
  (:class:`bot.updates.ChatOrderedProcessor`). Telegram then sends the unconfirmed ones
  again; they are marked by then and dropped.

What this guarantees: an update is handled at least once and its stored effects happen
at most once; a crash can repeat the reply of an update that wrote nothing (handled
again), or lose the reply of one that did (the crash fell between its write and its
reply: the resident's next tap re-sends where they are, ``conversations.answering``). An
update whose handler fails is still marked (PTB runs the mark's group after the error
handler), so a poison update never blocks start-up.

Privacy: a row holds what the resident sent (text, name fields of the ``from`` user) and
lives only until the update is handled — normally well under a second, at most until the
next start-up after a crash; ``/forget`` deletes the chat's rows
(:meth:`bot.storage.Storage.forget`). Logs hold counts and update ids only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from telegram import Update
from telegram.ext import Application

from bot.storage import Storage
from bot.telegram_bot import parse_update
from bot.updates import BoundedUpdateQueue, chat_key

log = logging.getLogger(__name__)


class Inbox:
    """The ``inbox`` table of one bot (see the module docstring).

    Args:
        storage: The open storage.
    """

    __slots__ = ("_claimable", "storage")

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        #: Ids stored by a getUpdates batch and not yet queued (see :meth:`claim`).
        self._claimable: set[int] = set()

    async def keep(self, updates: Iterable[tuple[Update, object]]) -> None:
        """Store a batch of fetched updates in one transaction.

        Args:
            updates: ``(parsed update, raw JSON object)`` pairs, as fetched.

        Raises:
            aiosqlite.Error: The write failed; the caller must not confirm the batch.
        """
        rows = []
        for update, raw in updates:
            payload = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
            rows.append((update.update_id, chat_key(update), payload))
        if not rows:
            return
        await self.storage.inbox_put(rows)
        self._claimable.update(row[0] for row in rows)

    def claim(self, update_id: int) -> bool:
        """True (once) if ``update_id`` was stored by :meth:`keep` and not queued since."""
        if update_id in self._claimable:
            self._claimable.discard(update_id)
            return True
        return False

    async def pending(self, bot: object) -> list[Update]:
        """The updates fetched but never handled, oldest first (parsed for ``bot``)."""
        updates = []
        for update_id, payload in await self.storage.inbox_pending():
            try:
                raw = json.loads(payload)
            except ValueError:
                raw = {"update_id": update_id}
            update = parse_update(raw, bot)
            if update is not None:
                updates.append(update)
        return updates


class InboxQueue(BoundedUpdateQueue):
    """The application's update queue: an update queued that is not yet in the inbox (a
    webhook call) is stored first, so the webhook answers ``200`` only after that.

    Updates of a ``getUpdates`` batch were stored by the batch (:meth:`Inbox.claim`);
    anything else (the application's stop signal) passes through. At most
    :data:`bot.updates.DEFAULT_BACKLOG` updates wait in memory (:class:`BoundedUpdateQueue`).
    """

    def __init__(self) -> None:
        super().__init__()
        #: Set in ``post_init`` once the storage is open; until then nothing is stored.
        self.inbox: Inbox | None = None

    async def put(self, item: object) -> None:
        """Store ``item`` in the inbox if it is an update not stored yet, then queue it.

        Raises:
            aiosqlite.Error: The inbox write failed (nothing is queued).
        """
        inbox = self.inbox
        if inbox is not None and isinstance(item, Update) and not inbox.claim(item.update_id):
            await inbox.keep([(item, item.to_dict())])
            inbox.claim(item.update_id)
        await super().put(item)


async def replay(application: Application, inbox: Inbox) -> int:
    """Queue the inbox's unhandled updates (call before polling or the webhook starts).

    Returns:
        How many updates were queued.
    """
    updates = await inbox.pending(application.bot)
    for update in updates:
        application.update_queue.put_nowait(update)
    if updates:
        log.info("Handling %d update(s) fetched before the last stop first", len(updates))
    return len(updates)
