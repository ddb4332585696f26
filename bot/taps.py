"""Double taps: the second of two presses of one button gives no second reply (issue 14).

A resident who taps a button twice (a double tap 10 ms apart, or again because the reply
is slow) sends two callback queries with the same data from the same message. Updates of
one chat are handled in order (:mod:`bot.updates`), so the second waits for the first;
handled as a fresh tap it would send the next question twice, or meet a question that was
just answered. :class:`RecentTaps` remembers, per process, the taps handled in the last
:data:`DOUBLE_TAP_S` seconds (chat, message, data); a repeat within that time is only
answered (the spinner stops) and nothing else happens. A tap is remembered only once its
handler has finished without error, so when the reply failed the next tap is handled in
full and re-sends where the resident is. After a restart nothing is remembered: a tap on
a button whose reply was lost in the crash is handled, and the handlers re-send the
resident's current question for a button that is already answered
(``conversations.answering``) — unless a tap of that chat was handled in the last
:data:`DOUBLE_TAP_S` seconds (:meth:`RecentTaps.answered_lately`): then the current
question has just gone out, and a backlog of taps on the old one (pressed while the bot
was down) must not bring it thirty times.

A photo album is the same kind of repeat: its pictures come as separate messages at
once, and one reply is enough (:meth:`RecentTaps.first_of_album`).

Only the residents' buttons are guarded; staff messages are edited in place and keep
their buttons from story to story, so the same data on the same message is a new press
there.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

#: Seconds after a handled tap in which the same tap again counts as a double tap.
DOUBLE_TAP_S = 5.0
#: Taps remembered at most (oldest forgotten first); well above the taps of 5 s. Taps
#: older than the window are forgotten as new ones come, so a whole neighbourhood
#: tapping at once keeps only its last few seconds (bench/load.py, memory).
_KEPT = 4096

#: Seconds an album (``media_group_id``) is remembered: its messages come together.
ALBUM_S = 60.0

TapKey = tuple[int, int, str]


class RecentTaps:
    """Taps handled in the last ``window`` seconds (see the module docstring).

    Args:
        window: Seconds a handled tap is remembered.
        clock: Monotonic seconds (tests pass their own).
    """

    __slots__ = ("_albums", "_chats", "_clock", "_seen", "window")

    def __init__(self, window: float = DOUBLE_TAP_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[TapKey, float] = OrderedDict()
        self._chats: OrderedDict[int, float] = OrderedDict()
        self._albums: OrderedDict[tuple[int, str], float] = OrderedDict()

    def is_repeat(self, key: TapKey) -> bool:
        """True if the same tap (chat id, message id, callback data) was handled within
        the window."""
        at = self._seen.get(key)
        return at is not None and self._clock() - at <= self.window

    def answered_lately(self, chat_id: int) -> bool:
        """True if a tap of ``chat_id`` was handled (replies sent) within the window."""
        at = self._chats.get(chat_id)
        return at is not None and self._clock() - at <= self.window

    def first_of_album(self, chat_id: int, album: str) -> bool:
        """True for the first message of photo album ``album`` (its ``media_group_id``)
        in a chat within :data:`ALBUM_S` seconds; False for the album's other messages."""
        key = (chat_id, album)
        at = self._albums.get(key)
        now = self._clock()
        if at is not None and now - at <= ALBUM_S:
            return False
        _remember(self._albums, key, now, ALBUM_S)
        return True

    def handled(self, key: TapKey) -> None:
        """Remember that ``key`` was handled now, its replies sent."""
        now = self._clock()
        _remember(self._seen, key, now, self.window)
        _remember(self._chats, key[0], now, self.window)

    def failed(self, chat_id: int) -> None:
        """A tap of ``chat_id`` failed (a reply was not sent): its next tap goes through."""
        self._chats.pop(chat_id, None)
        for key in [k for k in self._seen if k[0] == chat_id]:
            del self._seen[key]

    @property
    def remembered(self) -> int:
        """Taps remembered now: at most :data:`_KEPT`, none seen more than ``window``
        seconds before the last one."""
        return len(self._seen)


def _remember(table: OrderedDict, name: object, now: float, window: float) -> None:
    """Mark ``name`` as seen ``now``, newest last, keeping at most :data:`_KEPT` and
    forgetting those seen more than ``window`` seconds ago."""
    table[name] = now
    table.move_to_end(name)
    while len(table) > _KEPT or now - next(iter(table.values())) > window:
        table.popitem(last=False)
