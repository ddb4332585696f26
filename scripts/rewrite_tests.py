"""Rewrite the asserts of the test modules once, as pytest does, into pytest's own cache.

pytest rewrites the ``assert`` statements of every test module (and ``conftest.py``) when it
first imports it, and keeps the result next to it, in
``__pycache__/<name>.<tag>-pytest-<version>.pyc`` (checked against a hash of the source, so
it stays valid until the file changes). On a fresh clone both test workers did that for all
~70 modules at the same time: about 1.8 s of CPU each (parse, rewrite, compile), before
their first test. ``scripts/setup.sh`` runs this instead: the same work once, spread over
the cores; a module whose cached file matches its source is skipped (a second run costs
nothing).

It uses pytest's own rewriting functions (``_pytest.assertion.rewrite``, not a public API),
so it writes exactly what pytest would; the options that change the rewritten code
(``enable_assertion_pass_hook``) are not set in ``pyproject.toml``. If those functions are
missing or fail (another pytest), it says so and leaves the work to pytest, as before.

Usage: ``python scripts/rewrite_tests.py [FOLDER]`` (default ``tests``).
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _cached_file(path: Path) -> Path:
    """Where pytest keeps the rewritten byte code of the module at ``path``."""
    from _pytest.assertion import rewrite as pytest_rewrite  # noqa: PLC0415 - see main()

    return pytest_rewrite.get_cache_dir(path) / (path.name[:-3] + pytest_rewrite.PYC_TAIL)


def is_cached(path: Path) -> bool:
    """Whether pytest's cached byte code of the module at ``path`` matches its source."""
    from _pytest.assertion import rewrite as pytest_rewrite  # noqa: PLC0415 - see main()

    return pytest_rewrite._read_pyc(path, _cached_file(path)) is not None  # noqa: SLF001


def rewrite(path: Path) -> None:
    """Write pytest's rewritten byte code of the module at ``path`` where pytest looks."""
    from _pytest.assertion import rewrite as pytest_rewrite  # noqa: PLC0415 - see main()

    pyc = _cached_file(path)
    source_hash, code = pytest_rewrite._rewrite_test(path, None)  # noqa: SLF001 - config None: defaults
    pyc.parent.mkdir(exist_ok=True)
    partial = pyc.with_name(f"{pyc.name}.{os.getpid()}")
    with partial.open("wb") as file:
        pytest_rewrite._write_pyc_fp(file, source_hash, code)  # noqa: SLF001 - pytest's format
    os.replace(partial, pyc)  # whole or not at all, as pytest does


def main(folder: str = "tests") -> int:
    """Rewrite every ``test_*.py``, ``*_test.py`` and ``conftest.py`` under ``folder`` whose
    cached byte code is missing or out of date, one process per core (at most 8).

    The functions import pytest's rewriting module when called (in the pool's processes too),
    so that an import error is reported like any other failure.

    Returns:
        0, also when pytest's functions failed (then pytest rewrites the modules itself).
    """
    paths = sorted({p.resolve() for pattern in ("test_*.py", "*_test.py", "conftest.py")
                    for p in Path(folder).rglob(pattern) if "__pycache__" not in p.parts})
    try:
        stale = [path for path in paths if not is_cached(path)]
        if stale:
            with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
                list(pool.map(rewrite, stale, chunksize=4))
    except Exception as error:  # noqa: BLE001 - an optimisation only: pytest does it anyway
        print(f"rewrite_tests: left to pytest ({type(error).__name__}: {error})", file=sys.stderr)
        return 0
    if stale:
        print(f"rewrite_tests: {len(stale)} of {len(paths)} test modules rewritten for pytest")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
