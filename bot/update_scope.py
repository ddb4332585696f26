"""Which update the current task handles: two context variables, no Telegram types.

:class:`bot.updates.ChatOrderedProcessor` sets them in each update's own task; the storage
(the read cache of one update, the inbox's handled mark) and the Bot API client (retries
inside a resident's conversation) read them. They live here, apart from
:mod:`bot.updates`, so that importing the storage does not import python-telegram-bot:
``python -m bot rounds`` and the exports open the storage and never talk to Telegram
(``bot/__main__.py``).
"""

from __future__ import annotations

from contextvars import ContextVar

IN_UPDATE: ContextVar[bool] = ContextVar("buurtstem_in_update", default=False)
UPDATE_ID: ContextVar[int | None] = ContextVar("buurtstem_update_id", default=None)


def in_update() -> bool:
    """True while handling an update (in the update's own task), e.g. a resident's reply;
    False in the outbox, the scheduler and start-up."""
    return IN_UPDATE.get()


def current_update_id() -> int | None:
    """The id of the update being handled in this task (None outside an update)."""
    return UPDATE_ID.get()
