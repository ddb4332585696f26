"""Shared fixtures: the local Bot API simulator and the real bot running against it.

The helpers live in :mod:`tests.support`; their names stay importable from here too.
"""

from __future__ import annotations

import pytest

from tests.support.harness import (  # noqa: F401 - re-exported for tests that import them from here
    ADMIN_ID,
    SHARED,
    TOKEN,
    BotHarness,
    db_rows,
    make_settings,
    report_handled,
    settle,
    until,
)


@pytest.fixture
async def sim():
    from bot.simulator import BotApiSimulator

    async with BotApiSimulator(token=TOKEN) as simulator:
        yield simulator


@pytest.fixture
async def harness(sim, tmp_path):
    bot = BotHarness(sim, tmp_path / "bot.sqlite3")
    yield bot
    await bot.stop()
