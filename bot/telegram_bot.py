"""A python-telegram-bot ``ExtBot`` that survives updates it cannot parse.

python-telegram-bot parses a ``getUpdates`` batch as a whole: one update in a shape it
does not know (e.g. a legacy ``poll`` without ``persistent_id``) makes it drop the whole
batch and ask for it again, forever, so no update is handled any more (see
``shared/real-updates/INDEX.md``, "Findings" 1). :class:`RobustBot` parses update by
update and replaces an unparseable one by an empty ``Update`` with the same id, which no
handler matches, so the offset moves on and the valid updates are handled.

It also treats a callback query that can no longer be answered as harmless
(:meth:`RobustBot.answer_callback_query`): Telegram accepts an answer only for a short
while after the press, and a press that waited in a backlog (after downtime) or behind a
slow call gets 400 "query is too old …". The press itself still counts; only the little
pop-up is lost.
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import BadRequest
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


#: Lower-case fragments of the Bot API's 400 answer to an expired or unknown callback query
#: ("query is too old and response timeout expired or query ID is invalid").
_EXPIRED_QUERY = ("query is too old", "query id is invalid")


def is_expired_query(error: BaseException) -> bool:
    """True for the 400 ``BadRequest`` of a callback query that can no longer be answered."""
    return isinstance(error, BadRequest) and any(part in error.message.lower() for part in _EXPIRED_QUERY)


class RobustBot(ExtBot):
    """``ExtBot`` whose :meth:`get_updates` skips unparseable updates (logs only their id)
    and whose :meth:`answer_callback_query` shrugs off an expired query."""

    async def answer_callback_query(self, *args, **kwargs) -> bool:  # type: ignore[override]
        """Like :meth:`telegram.Bot.answer_callback_query`, but an expired query is logged
        at debug level and gives ``False`` instead of raising, so the handler goes on.

        Raises:
            telegram.error.TelegramError: Any other error.
        """
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if not is_expired_query(exc):
                raise
            log.debug("Callback query not answered: too old or unknown")
            return False

    async def get_updates(  # type: ignore[override]
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout=DEFAULT_NONE,
        write_timeout=DEFAULT_NONE,
        connect_timeout=DEFAULT_NONE,
        pool_timeout=DEFAULT_NONE,
        api_kwargs=None,
    ) -> tuple[Update, ...]:
        """Like :meth:`telegram.Bot.get_updates`, parsing each update on its own."""
        seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else (timeout or 0)
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        data = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + seconds,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = []
        for raw in result or []:
            try:
                updates.append(Update.de_json(raw, self))
            except Exception as exc:  # noqa: BLE001 - any shape error must not block polling
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                log.error("Skipped update %s that could not be parsed (%s)", update_id, type(exc).__name__)
                if isinstance(update_id, int):
                    updates.append(Update(update_id=update_id))
        return tuple(updates)
