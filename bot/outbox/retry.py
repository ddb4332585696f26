"""What the outbox does when a send fails or may not have arrived (the retry policy).

Errors (python-telegram-bot exceptions), as :class:`bot.outbox.sender.OutboxSender` handles
them:

* ``RetryAfter`` (HTTP 429 with ``ResponseParameters.retry_after``, seconds,
  https://core.telegram.org/bots/api#responseparameters): ALL sending pauses for that long;
  the row goes back to ``pending`` and the 429 does not count as an attempt. The end of the
  wait is stored (``outbox_state.flood_wait_until``), so a sender started during the wait
  (a restart) waits it out too.
* ``Forbidden`` (403, "bot was blocked by the user", "user is deactivated"...) and
  ``BadRequest`` "chat not found": the row becomes ``blocked`` and the contact
  ``reachable = 0``; never retried (later rows for that chat are ``skipped``).
* Anything else (``NetworkError``, ``TimedOut``, 5xx, other ``BadRequest``, an exception
  in ``render``): retried after ``backoff * 2**(attempts - 1)`` seconds (2 s, 4 s), at most
  ``max_attempts`` = 3 attempts, then ``failed`` (:func:`backoff_delay`).

A row still ``sending`` at start-up means the process died during the call (a kill, a
power cut): Telegram may or may not have delivered it. The Bot API has no idempotency key,
so the sender must choose, per message kind (:func:`at_least_once`, issue 14):

* **at least once** — ``invite`` and ``feedback``: the row goes back to ``pending`` and is
  sent again; a ``TimedOut`` (sent, answer lost) is retried. An invitation is the only way
  a resident hears of a round, and a lost one is a response lost without anyone seeing
  it; the storytellers' feedback is a promise made to people who asked for it. A doubled
  one shows the same message twice, and its Start button is idempotent (it resumes the
  round; nothing is stored twice).
* **at most once** — reminders (``remind-N``): marked ``sent`` with ``last_error`` =
  "unconfirmed after restart" and NOT sent again; a ``TimedOut`` is not retried either
  (marked sent, unconfirmed). A reminder is itself a second chance; two of them nag, and a
  nagged resident sends /stop and is lost for every later round.

The coordinator can see unconfirmed rows in the table.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.error import RetryAfter

__all__ = ["INTERRUPTED", "TIMED_OUT", "UNCONFIRMED", "at_least_once", "backoff_delay", "describe",
           "retry_after_seconds"]

#: ``last_error`` of a row found ``sending`` at start-up and marked ``sent`` unconfirmed.
UNCONFIRMED = "unconfirmed after restart"
#: ``last_error`` of an at-least-once row found ``sending`` at start-up, sent again.
INTERRUPTED = "interrupted by a restart; sent again"
#: ``last_error`` of an at-most-once row whose call timed out (it may have arrived).
TIMED_OUT = "timed out; may have arrived, not sent again"


def at_least_once(kind: str) -> bool:
    """True if a message of ``kind`` is sent again when it may not have arrived (a call
    cut by a restart or timed out); False (at most once) for reminders. See the module
    docstring for why."""
    return not kind.startswith("remind")


def backoff_delay(backoff: float, attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: ``backoff`` doubled
    for each attempt after the first (2 s, 4 s with the default ``backoff`` of 2 s)."""
    return backoff * 2 ** (attempts - 1)


def retry_after_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds (int or timedelta depending on PTB_TIMEDELTA)."""
    # python-telegram-bot is loaded by now (it raised ``error``); the queue's other users
    # (the command line's rounds and exports) import this module without it
    from telegram.warnings import PTBDeprecationWarning  # noqa: PLC0415 - see above

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def describe(error: BaseException) -> str:
    """A short ``last_error``: class name and Telegram's description (never message text)."""
    text = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {text}"[:200]
