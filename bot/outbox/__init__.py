"""The invitation outbox: every (round, contact, kind) message is sent at most once, paced.

Invitations (and reminders) are not sent from a handler. :func:`enqueue` and
:func:`enqueue_round_invitations` put one row per (round, chat, kind) in the ``outbox``
table (``UNIQUE (round_id, chat_id, kind)``, so enqueueing twice adds nothing), and one
background :class:`OutboxSender` sends them. One module per job:

* :mod:`bot.outbox.queue` — the table: queueing, and every change of a row's status
  (``pending`` → ``sending`` → ``sent`` | ``blocked`` | ``failed``, or ``skipped``);
* :mod:`bot.outbox.pacing` — the Bot API's flood limits (25 calls/s, none more than
  ``rate`` in any second, a pause for a 429);
* :mod:`bot.outbox.retry` — what a failed call leads to, and which kinds are sent at
  least once (invitations, feedback) or at most once (reminders) after a restart;
* :mod:`bot.outbox.reporting` — a broadcast's counts and the staff progress messages
  kept up to date, also across a restart;
* :mod:`bot.outbox.sender` — the background task that ties them together.

The names below are the package's interface; import them from ``bot.outbox``.
:class:`OutboxSender` is loaded when it is first asked for: it is the one part that needs
python-telegram-bot, and the command line's ``rounds`` and exports (:mod:`bot.msc`) queue
rows without loading it (about 0.35 s of CPU per process).
"""

from typing import TYPE_CHECKING

from bot.outbox.queue import (
    REACHABLE,
    OutboxRow,
    Render,
    enqueue,
    enqueue_round_invitations,
    reachable_chats,
)
from bot.outbox.reporting import (
    BroadcastProgress,
    ProgressCallback,
    ProgressMessage,
    progress,
    progress_messages,
    remember_progress_message,
)
from bot.outbox.retry import UNCONFIRMED, at_least_once

if TYPE_CHECKING:
    from bot.outbox.sender import OutboxSender

__all__ = [
    "REACHABLE",
    "UNCONFIRMED",
    "BroadcastProgress",
    "OutboxRow",
    "OutboxSender",
    "ProgressCallback",
    "ProgressMessage",
    "Render",
    "at_least_once",
    "enqueue",
    "enqueue_round_invitations",
    "progress",
    "progress_messages",
    "reachable_chats",
    "remember_progress_message",
]


def __getattr__(name: str) -> object:
    """``OutboxSender``, imported on first use (PEP 562; see the module docstring)."""
    if name == "OutboxSender":
        from bot.outbox.sender import OutboxSender  # noqa: PLC0415 - see the module docstring

        return OutboxSender
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
