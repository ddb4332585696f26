"""The house rules: lint (ruff), the import contracts (import-linter) and types (mypy).

They run as their own step, ``scripts/check.sh``, which ``.ci/run`` calls after the test
command from README.md; their rules are in ``pyproject.toml`` (``[tool.ruff]``,
``[tool.importlinter]``, ``[tool.mypy]``) and the layers are drawn in
``docs/architecture.md``. The tests here make sure CI keeps calling all of them and fails
when one fails (they run the scripts with stand-in tools, in a fraction of a second), and
check the import contracts themselves (about a second), so every test run still refuses an
import that breaks the layers.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("ruff", "lint-imports", "mypy")


def _tool(name: str) -> str:
    """The console script ``name`` next to this Python (the venv), else on ``PATH``."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run sh scripts/setup.sh (it installs the test extras)")
    return found


def _stub(path: Path, log: Path, status: int = 0) -> None:
    """A stand-in command that appends its name and arguments to ``log`` and exits ``status``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{path.name} $*" >> "{log}"\nexit {status}\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run_check(tmp_path: Path, failing: str | None = None) -> tuple[int, list[str]]:
    """Run the real ``scripts/check.sh`` in a copy of the tree whose tools are stand-ins."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "check.sh", tmp_path / "scripts" / "check.sh")
    log = tmp_path / "calls.log"
    log.touch()
    for tool in TOOLS:
        _stub(tmp_path / ".venv" / "bin" / tool, log, 1 if tool == failing else 0)
    done = subprocess.run(["sh", str(tmp_path / "scripts" / "check.sh")], capture_output=True,
                          text=True, timeout=30)
    return done.returncode, log.read_text().splitlines()


def test_check_script_runs_lint_contracts_and_types(tmp_path):
    status, calls = _run_check(tmp_path)
    assert status == 0
    assert [c.split()[0] for c in calls] == list(TOOLS)
    assert calls[0].startswith("ruff check") and calls[0].endswith(" .")  # the whole tree


@pytest.mark.parametrize("failing", TOOLS)
def test_check_script_fails_when_one_check_fails(tmp_path, failing):
    status, _calls = _run_check(tmp_path, failing)
    assert status != 0


def _readme_test_command() -> str:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None, "README.md lost its two commands"
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    command = next((line for line in lines if "test" in line), None)
    assert command is not None, "README.md names no test command"
    return command


def _run_ci(tmp_path: Path, failing: str | None = None) -> tuple[int, list[str]]:
    """Run the real ``.ci/run`` in a copy of the tree whose scripts are stand-ins."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    log = tmp_path / "calls.log"
    log.touch()
    for script in ("test.sh", "check.sh", "setup.sh"):
        _stub(tmp_path / "scripts" / script, log, 1 if script == failing else 0)
    bin_dir = tmp_path / "bin"  # `sh X` runs X itself, so the stand-ins log their calls
    bin_dir.mkdir()
    (bin_dir / "sh").write_text('#!/bin/bash\nexec "$@"\n')
    (bin_dir / "sh").chmod(0o755)
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], capture_output=True, text=True,
                          timeout=30, env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    return done.returncode, log.read_text().splitlines()


def test_ci_runs_the_readme_test_command_and_the_checks(tmp_path):
    command = _readme_test_command()
    assert command.split()[:2] == ["sh", "scripts/test.sh"]
    status, calls = _run_ci(tmp_path)
    assert status == 0
    assert sorted(c.split()[0] for c in calls) == ["check.sh", "test.sh"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci  # the command as README.md writes it


@pytest.mark.parametrize("failing", ["test.sh", "check.sh"])
def test_ci_fails_when_the_tests_or_the_checks_fail(tmp_path, failing):
    status, _calls = _run_ci(tmp_path, failing)
    assert status != 0


def test_import_contracts_hold():
    """conversations and admin never import each other; layers point one way; no cycles.

    Also in ``scripts/check.sh``; kept in the suite (about a second) because landing on
    main runs the tests, ruff and mypy, but not ``lint-imports``.
    """
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_pytest_rewrites_the_asserts_of_the_tests_only(pytestconfig):
    """Only the test files and the plugin modules named with ``-p`` (``addopts``, or a
    profiler given on the command line) are parsed and rewritten by pytest, not the libraries
    the bot imports lazily while a test runs (faker's name lists, anyio): a package that
    registers a pytest plugin has all its modules rewritten unless autoload is off, and such
    a parse mid-test raised ``SystemError: AST constructor recursion depth mismatch``
    (CPython gh-106905; ``addopts`` in ``pyproject.toml``)."""
    import importlib  # noqa: PLC0415 - the imports under test

    from _pytest.assertion.rewrite import AssertionRewritingHook  # noqa: PLC0415 - as above

    importlib.import_module("faker.providers.person.ar_AA")  # bot/privacy/names.py loads it
    importlib.import_module("anyio.abc")  # httpx loads it at its first request
    rewritten = {name: Path(module.__file__) for name, module in list(sys.modules.items())
                 if isinstance(getattr(module, "__loader__", None), AssertionRewritingHook)}
    outside = sorted(name for name, path in rewritten.items()
                     if not path.is_relative_to(ROOT / "tests"))
    assert {"pytest_asyncio.plugin", "xdist.plugin"} <= set(outside)
    assert [name for name in outside if not pytestconfig.pluginmanager.has_plugin(name)] == []
    assert [name for name in rewritten if name.split(".")[0] in ("faker", "anyio")] == []
    assert "faker.providers.person.ar_AA" in sys.modules and "anyio" in sys.modules
