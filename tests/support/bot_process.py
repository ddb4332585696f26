"""The real bot as a separate OS process, forked from a server that has already loaded it.

``python -m bot run`` spends about 1.05 s of CPU before it takes updates (python-telegram-bot,
pydantic, the handlers, the scrubber's warm-up). The tests that kill the bot and start it
again (``tests/integration/test_inbox.py`` through ``bench/crash.py``, the webhook tests) paid
that at every start. Here a :mod:`multiprocessing` fork server (``forkserver``; one per test
worker, started by the first bot, stopped by :func:`shutdown`) loads all of that once
(:mod:`tests.support.bot_preload`) and forks each bot from there.

A bot is a :class:`multiprocessing.Process`: its own process and pid; ``kill()`` is a real
SIGKILL; a clean stop (``terminate()``, SIGTERM) ends with the exit status of the same entry
as ``python -m bot run`` (``bot.__main__.main(["run"])``), in ``exitcode``; its stdout goes
to ``/dev/null`` and its stderr to a log file; the server reaps it (no zombie left once
:func:`wait` returned). It differs from ``python -m bot run`` in what a fork shares: the bot's
modules were imported before its environment was set (in ``bot`` only ``bot/__init__``
reads it at import, and it is run again here; the server loads nothing that depends on it), bots of one server share a string hash seed,
and ``atexit`` functions do not run (multiprocessing ends the process with ``os._exit``
after flushing stdout and stderr). On request (``virtual_retry_waits``, the fault test of
``bench/crash.py``) its waits between the tries of a failed Bot API call are on a virtual
clock, as the in-process harness's bots' are.

The tests of the command line itself (exit codes and messages of ``python -m bot``) still
start ``python -m bot``.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
import sys
from collections.abc import Mapping
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

#: Modules the fork server imports before it forks the first bot.
PRELOAD = ["tests.support.bot_preload", __name__]

_context: ForkServerContext | None = None
#: Every bot this process started that may still run (see :func:`leftovers`).
_started: list[BaseProcess] = []


def run_bot(env: dict[str, str], cwd: str, log: str, virtual_retry_waits: bool = False) -> None:
    """The bot's process (runs in the forked child): ``python -m bot run`` with ``env`` as
    its whole environment, in folder ``cwd``, stderr appended to ``log``;
    ``virtual_retry_waits``: see :func:`start`.

    Exits with the status of ``bot.__main__.main(["run"])`` (2 for a bad setting, 0 after
    a clean stop).
    """
    out = os.open(os.devnull, os.O_WRONLY)
    err = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    importlib.reload(sys.modules["bot"])  # its environment defaults, as at a fresh import
    from bot.i18n import translations
    from tests.support.bot_preload import check_forkable

    translations.cache_clear()  # read from this environment's LOCALES_DIR, as at a fresh start
    check_forkable()
    if virtual_retry_waits:
        _virtual_retry_waits()
    import bot.__main__

    sys.argv = [bot.__main__.__file__, "run"]
    sys.exit(bot.__main__.main(["run"]))


def _virtual_retry_waits() -> None:
    """Put the bot's waits between the tries of a Bot API call (back-off 0.5 s and 1 s, a
    429's ``retry_after``: ``bot.telegram_bot.RobustBot.use_clock``) on a virtual clock
    attached to the bot's event loop at its first wait, as the in-process harness does
    (``tests/support/harness.py``): the same tries in the same order, each wait over as
    soon as the bot has nothing else to do, no wall time spent on it."""
    from bot.telegram_bot import RobustBot
    from tests.support.clock import VirtualClock

    class RetryClock(VirtualClock):
        async def sleep(self, seconds: float) -> None:
            if not self.attached:
                self.attach()  # the loop python-telegram-bot's run_polling runs
            await super().sleep(seconds)

    RobustBot._clock = RetryClock()  # every bot of this process (the one Application's)


def start(env: Mapping[str, str], *, cwd: Path, log: Path,
          virtual_retry_waits: bool = False) -> BaseProcess:
    """Fork a bot (:func:`run_bot`) from this process's fork server, started if needed.

    The first call waits until the server has loaded the bot (about 1 s of CPU); in an
    event loop use :func:`start_async`. ``virtual_retry_waits``: the bot's waits between
    the tries of a failed Bot API call take no wall time (a virtual clock); the tries and
    their order are the same (for fault tests; default: real waits, as the product).
    """
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    process = _context.Process(target=run_bot, name="bot",
                               args=(dict(env), str(cwd), str(log), virtual_retry_waits))
    process.start()
    _started.append(process)
    return process


async def start_async(env: Mapping[str, str], *, cwd: Path, log: Path,
                      virtual_retry_waits: bool = False) -> BaseProcess:
    """:func:`start` in a thread, so the event loop (the simulator) keeps serving."""
    return await asyncio.to_thread(start, env, cwd=cwd, log=log,
                                   virtual_retry_waits=virtual_retry_waits)


async def wait(process: BaseProcess, timeout: float | None = None) -> int | None:
    """Wait (at most ``timeout`` seconds) until ``process`` ended; its exit status
    (``-9`` after a SIGKILL), or None while it still runs."""
    await asyncio.to_thread(process.join, timeout)
    return process.exitcode


async def stop(process: BaseProcess, timeout: float = 15.0) -> int | None:
    """A clean stop (SIGTERM), killed (SIGKILL) if not ended after ``timeout`` seconds;
    returns the exit status."""
    if process.exitcode is None:
        process.terminate()
        if await wait(process, timeout) is None:
            process.kill()
    return await wait(process)


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a bot's log (its stderr), for a failure message."""
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def leftovers() -> list[BaseProcess]:
    """The bots this process started that still run (the ended ones are forgotten)."""
    _started[:] = [p for p in _started if p.is_alive()]
    return list(_started)


def shutdown() -> list[int]:
    """Kill the bots still running and stop the fork server (it is waited for, so its CPU
    and its bots' counts as this process's children's). Returns the pids killed."""
    killed = []
    for process in leftovers():
        process.kill()
        process.join()
        killed.append(process.pid or 0)
    _started.clear()
    if _context is not None:
        from multiprocessing import forkserver

        stop_server = getattr(forkserver._forkserver, "_stop", None)  # noqa: SLF001 - no public way
        if stop_server is not None:
            stop_server()
    return killed
