"""The house rules, checked with the tests: lint (ruff), the import contracts
(import-linter) and types (mypy).

Both tools are in the ``test`` extras; their rules are in ``pyproject.toml``
(``[tool.ruff]``, ``[tool.importlinter]``, ``[tool.mypy]``) and the layers are drawn in
``docs/architecture.md``. A failure prints the tool's own report: the file, line and rule
(ruff) or the chain of imports (import-linter) to change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    """The console script ``name`` next to this Python (the venv), else on ``PATH``."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run sh scripts/setup.sh (it installs the test extras)")
    return found


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = _run(_tool("ruff"), "check", "--no-cache", "--output-format", "concise", ".")
    hint = "\n(most fix themselves: .venv/bin/ruff check --fix .)"
    assert result.returncode == 0, result.stdout + result.stderr + hint


def test_import_contracts_hold():
    """conversations and admin never import each other; layers point one way; no cycles."""
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_types_check():
    """mypy over bot/, conversations/ and admin/ (settings in pyproject.toml: strict Optional
    below the Telegram adapters, not in them). Its cache (.mypy_cache) makes a second run
    take about a second."""
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
