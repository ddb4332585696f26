"""The update queue holds a bounded backlog (bot.updates.BoundedUpdateQueue): memory stays
flat however many residents answer at once."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bot.updates import BoundedUpdateQueue


async def _pending(task: asyncio.Future) -> bool:
    """True if ``task`` is still waiting after everything ready has run."""
    done, _ = await asyncio.wait([task], timeout=0)
    return not done


async def test_an_update_waits_for_room_and_goes_on_when_one_is_handled():
    queue = BoundedUpdateQueue(limit=2)
    await queue.put(Update(1))
    await queue.put(Update(2))
    third = asyncio.ensure_future(queue.put(Update(3)))
    assert await _pending(third)
    assert queue.get_nowait().update_id == 1  # taken off at once, as the application does
    assert await _pending(third)  # taken off is not handled
    queue.task_done()
    await asyncio.wait_for(third, 5)  # bounded: a waiter never woken fails, not hangs
    assert [queue.get_nowait().update_id for _ in range(2)] == [2, 3]
    assert queue.pending == 2


async def test_the_stop_signal_and_replays_never_wait():
    queue = BoundedUpdateQueue(limit=1)
    await queue.put(Update(1))
    queue.put_nowait(Update(2))  # a replay at start-up
    stop = object()
    await asyncio.wait_for(queue.put(stop), 1)
    assert queue.qsize() == 3


async def test_a_cancelled_waiter_passes_its_turn_on():
    queue = BoundedUpdateQueue(limit=1)
    await queue.put(Update(1))
    first = asyncio.ensure_future(queue.put(Update(2)))
    second = asyncio.ensure_future(queue.put(Update(3)))
    assert await _pending(first) and await _pending(second)
    queue.get_nowait()
    queue.task_done()  # room for one: the first waiter's turn
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)  # a turn not passed on fails, not hangs
    assert queue.get_nowait().update_id == 3


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        BoundedUpdateQueue(limit=0)


async def test_room_says_how_many_more_fit_and_waits_while_none_do():
    queue = BoundedUpdateQueue(limit=3)
    assert await queue.room() == 3
    for n in (1, 2, 3):
        await queue.put(Update(n))
    watcher = asyncio.ensure_future(queue.room())
    assert await _pending(watcher)
    queue.get_nowait()
    queue.task_done()
    assert await watcher == 1
