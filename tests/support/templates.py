"""Test databases filled once per process and copied for each test.

A fixture that fills a database answer by answer through :class:`bot.storage.Storage`
(hundreds of ``record_answer`` transactions, ~0.1 s of CPU) paid for it in every test
that asked for it. :func:`copy_of` runs the filling once per process (worker) into a
template and gives each test a copy of that file: the same rows, and each test still
gets a database of its own to change.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

_TEMPLATES: dict[Callable[[Path], Awaitable[None]], Path] = {}


async def copy_of(fill: Callable[[Path], Awaitable[None]], path: Path) -> Path:
    """Put a copy of the database ``fill`` makes at ``path``; returns ``path``.

    Args:
        fill: Makes the database at the path it is given (a module-level coroutine
            function: it is the key of the template, so it runs once per process).
        path: Where the test's copy goes (usually under ``tmp_path``).

    The template is checkpointed into its one file before the first copy (no ``-wal``
    beside it), so a plain file copy is the whole database. Rows stamped with the time
    of writing carry the time the template was made (seconds before the test).
    """
    template = _TEMPLATES.get(fill)
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="buurtstem-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "template.sqlite3"
        await fill(template)
        conn = sqlite3.connect(template)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
        finally:
            conn.close()
        _TEMPLATES[fill] = template
    shutil.copyfile(template, path)
    return path
