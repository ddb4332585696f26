"""RecentTaps forgets taps older than its window, so memory stays flat in residents."""

from __future__ import annotations

from bot.taps import RecentTaps


def test_taps_older_than_the_window_are_forgotten_as_new_ones_come():
    now = [0.0]
    taps = RecentTaps(window=5.0, clock=lambda: now[0])
    for chat in range(1000):  # a neighbourhood taps at once
        taps.handled((chat, 1, "a:1:0:v3"))
    assert taps.remembered == 1000
    assert taps.is_repeat((999, 1, "a:1:0:v3"))
    now[0] = 6.0
    taps.handled((5000, 2, "a:1:1:v2"))
    assert taps.remembered == 1  # the 1000 of six seconds ago are gone
    assert not taps.answered_lately(0)
    assert taps.answered_lately(5000)
    assert taps.is_repeat((5000, 2, "a:1:1:v2"))
    now[0] = 9.0
    taps.handled((5001, 3, "a:1:1:v1"))
    assert taps.remembered == 2  # both within 5 s of the last


def test_an_albums_pictures_get_one_reply_and_the_album_is_forgotten_later():
    now = [0.0]
    taps = RecentTaps(clock=lambda: now[0])
    assert taps.first_of_album(7, "album-1")
    assert not taps.first_of_album(7, "album-1")      # its second picture, at once
    assert taps.first_of_album(8, "album-1")          # another chat's album of that id
    assert taps.first_of_album(7, "album-2")
    now[0] = 61.0
    assert taps.first_of_album(7, "album-1")          # a minute later: new again
