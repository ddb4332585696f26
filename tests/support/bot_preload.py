"""What the bot fork server (:mod:`tests.support.bot_process`) loads once, at its start.

Importing this module imports what ``python -m bot run`` imports before it takes updates
(python-telegram-bot, the settings, the application and its handlers, the logging set-up)
and does the scrubber's warm-up (``bot.__main__._warm_up``: its word and name lists), about
1 s of CPU that every bot forked from the server then has already. Nothing here reads the
bot's settings or environment (nor loads what depends on it: the interface's catalogues), opens a database or starts a thread or an event loop: the
server forks every bot from this state. :func:`check_forkable` says so, or raises.
"""

from __future__ import annotations

import asyncio
import os
import threading


def check_forkable() -> None:
    """Raise ``RuntimeError`` if this process holds what a forked bot must not inherit.

    A second thread (its locks would stay taken in the child), a running event loop, or an
    open SQLite file (a database connection a child would share).
    """
    if threading.active_count() != 1:
        names = [t.name for t in threading.enumerate()]
        raise RuntimeError(f"the bot fork server has threads: {names}")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("the bot fork server runs an event loop")
    open_files = []
    for fd in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        try:
            open_files.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed by now
            continue
    databases = [f for f in open_files if f.endswith((".sqlite3", ".sqlite3-wal", ".db"))]
    if databases:
        raise RuntimeError(f"the bot fork server has databases open: {databases}")


def _load() -> None:
    # as cmd_run loads the bot: no collections while loading, then frozen (it lives as long
    # as the server and its bots: full collections skip it)
    from bot.__main__ import _start_without_gc, _warm_up

    with _start_without_gc():
        import telegram  # noqa: F401 - loaded for the forked bots
        import telegram.ext  # noqa: F401 - loaded for the forked bots

        import bot.app  # noqa: F401 - loaded for the forked bots
        import bot.logs  # noqa: F401 - loaded for the forked bots
        from bot.survey import catalogue

        _warm_up()
        catalogue()  # the default pack, loaded once per process (cached by its path)
        # Not the interface's catalogues (bot.i18n.translations): where they are read from
        # depends on the environment (LOCALES_DIR), which each bot sets for itself.
    check_forkable()


_load()
