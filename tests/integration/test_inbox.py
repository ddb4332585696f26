"""The inbox (issue 14): an update Telegram has handed over is handled, even across a kill."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _crash_bench():
    name = "bench_crash"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "crash.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


async def test_a_burst_confirmed_before_a_kill_is_answered_after_the_restart(tmp_path):
    """30 residents send /start together; the bot fetches and confirms the batch, and is
    killed (SIGKILL) before it answers any. Before the inbox, 29 were never answered."""
    result = await _crash_bench().burst(tmp_path, residents=30)
    assert (result.answered, result.lost) == (30, 0)
    assert result.inbox_left == 0  # handled rows are deleted (their text with them)
    assert result.errors == []


async def test_inbox_rows_go_when_handled_and_with_forget(tmp_path):
    """A row lives until its update is marked handled; /forget takes the chat's rows;
    a redelivery of a handled update is not stored again; start-up reads oldest first."""
    from bot.storage import Storage

    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        await storage.inbox_put([(12, 501, '{"update_id":12}'), (11, 501, '{"update_id":11}'),
                                 (13, 502, '{"update_id":13}'), (14, 503, '{"update_id":14}')])
        assert [u for u, _p in await storage.inbox_pending()] == [11, 12, 13, 14]
        await storage.mark_processed(11)
        await storage.close()  # writes the mark
        storage = await Storage.open(tmp_path / "inbox.sqlite3")
        assert [u for u, _p in await storage.inbox_pending()] == [12, 13, 14]
        await storage.inbox_put([(11, 501, '{"update_id":11}')])  # redelivered after handling
        assert [u for u, _p in await storage.inbox_pending()] == [12, 13, 14]
        await storage.forget(501, "someone")
        assert [u for u, _p in await storage.inbox_pending()] == [13, 14]
    finally:
        await storage.close()
