"""Shared fixtures: the local Bot API simulator and the real bot running against it.

The helpers live in :mod:`tests.support`. This module imports none of them (nor the bot) at
its top: pytest-xdist's controller loads it too, before it starts the workers, and runs no
test; the bot's modules (about 1 s of CPU) delayed every worker by that much. The fixtures
import what they need, and the test modules (collected in the workers) import the bot.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
from pathlib import Path

import pytest
from xdist import is_xdist_controller


def _import_wordfreq_on_a_short_stack() -> None:
    """Import ``wordfreq`` (the name check of the scrubber loads it) in a thread of its own.

    At import it finds its data folder with ``inspect.stack()``, which reads the source of
    every frame on the stack: inside a test (pytest, asyncio, the bot) that took 0.5 s of
    CPU per worker; on a new thread's stack it takes milliseconds.
    """
    thread = threading.Thread(target=importlib.import_module, args=("wordfreq",))
    thread.start()
    thread.join()


def _import_anyio_before_any_test() -> None:
    """Import ``anyio`` and ``anyio.abc`` now, in the main thread, before a bot or another
    thread runs.

    httpx's transport loads them at its first request, and on import each parses its own
    source with :mod:`ast`. Python 3.11's AST builder is not re-entrant (CPython
    gh-106905): a parse in one thread while another parses (a bot command line run in
    ``asyncio.to_thread``), or inside a garbage collection that runs during a parse, raises
    ``SystemError: AST constructor recursion depth mismatch``.
    """
    importlib.import_module("anyio.abc")


def pytest_sessionstart(session):
    """In a process that runs tests (an xdist worker, or pytest without ``-n``), before
    collection: :func:`_import_wordfreq_on_a_short_stack`, :func:`_import_anyio_before_any_test`,
    and no garbage collection until :func:`pytest_collection_finish`.

    Collection imports the bot and the libraries (about 1 s of CPU per worker) and makes
    about 170,000 objects that all live to the end: the collections during it found nothing
    to free and cost about 0.2 s. xdist's controller skips all of it (it runs no test; this
    hook runs before it starts the workers).
    """
    if is_xdist_controller(session):
        return
    gc.disable()
    _import_wordfreq_on_a_short_stack()
    _import_anyio_before_any_test()


def _temporary_files_in_memory() -> None:
    """Put ``tmp_path`` under ``/dev/shm`` (memory) where there is one with room (at least
    :data:`_MEMORY_TEMP_ROOT_MIN_FREE` free), through pytest's ``PYTEST_DEBUG_TEMPROOT``
    (same numbered folders, same clean-up; a temp root given in the environment wins).

    On a disk, each test bot's SQLite database waited for the disk at the first commit
    (the WAL file is created) and at the close (the checkpoint syncs): about 15 ms of
    wall time per bot, with the processor idle. The database code is the same.
    """
    memory = Path("/dev/shm")
    if "PYTEST_DEBUG_TEMPROOT" in os.environ or not memory.is_dir() or not os.access(memory, os.W_OK):
        return
    free = os.statvfs(memory)
    if free.f_bavail * free.f_frsize >= _MEMORY_TEMP_ROOT_MIN_FREE:  # not a container's 64 MB
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(memory)


#: Free bytes ``/dev/shm`` needs to hold the temporary files: a run writes about 20 MB and
#: pytest keeps the last three runs' folders.
_MEMORY_TEMP_ROOT_MIN_FREE = 1 << 30


_temporary_files_in_memory()


def pytest_collection_finish(session):
    """Freeze what collection loaded (every module, test and fixture definition: about
    170,000 objects that live to the end): the garbage collector's full collections during
    the run went through all of them each time. Then collect garbage again (off since
    :func:`pytest_sessionstart`)."""
    gc.freeze()
    gc.enable()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (seconds each: bot processes killed and restarted, a wheel
    built, a demo run) go first, longest first (``slow(seconds=...)``, about, on an idle
    machine), so the workers start them at once and finish together instead of one worker
    running a long test at the end while the other idles. The others keep their order."""

    def key(item) -> float:
        mark = item.get_closest_marker("slow")
        return 0.0 if mark is None else -float(mark.kwargs.get("seconds", 2))

    items.sort(key=key)


@pytest.hookimpl(trylast=True)  # after the fixtures' own teardown (which may stop a bot)
def pytest_runtest_teardown(item):
    """A test that started bots from the fork server (:mod:`tests.support.bot_process`)
    must leave none running: one still running is killed and the test fails."""
    bots = sys.modules.get("tests.support.bot_process")
    left = bots.leftovers() if bots is not None else []
    if left:
        for process in left:
            process.kill()
            process.join()
        raise AssertionError(f"{item.nodeid} left bot processes running: {[p.pid for p in left]}")


def pytest_sessionfinish(session):
    """Stop this worker's bot fork server (and any bot left), if it started one."""
    bots = sys.modules.get("tests.support.bot_process")
    if bots is not None:
        bots.shutdown()


@pytest.fixture
async def sim():
    from bot.simulator import BotApiSimulator  # noqa: PLC0415 - not in xdist's controller (top)
    from tests.support.harness import TOKEN  # noqa: PLC0415 - as above

    async with BotApiSimulator(token=TOKEN) as simulator:
        yield simulator


@pytest.fixture
async def clock():
    """A :class:`tests.support.clock.VirtualClock` attached to the test's event loop: time
    jumps to the next deadline when everything waits (pacing, flood waits, back-off, the
    simulator's pauses cost no wall time; every figure is in clock seconds)."""
    from tests.support.clock import VirtualClock  # noqa: PLC0415 - not in xdist's controller
    virtual = VirtualClock()
    virtual.attach()
    yield virtual
    virtual.detach()


@pytest.fixture
async def harness(sim, tmp_path):
    from tests.support.harness import BotHarness  # noqa: PLC0415 - not in xdist's controller
    bot = BotHarness(sim, tmp_path / "bot.sqlite3")
    yield bot
    await bot.stop()
