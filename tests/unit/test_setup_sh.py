"""``scripts/setup.sh`` runs pip only when something it installs changed: its checksum must
also notice a ``.venv`` whose packages changed under it (a package uninstalled, a ``.venv``
made again for another Python), where pip used to repair it at every run.

setup.sh runs here against a stand-in ``.venv/bin/python`` that only writes down how it was
called, so no pip, no network and no real venv are needed (about 50 ms)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = (
    '#!/bin/sh\nmkdir -p "$(dirname "$0")/../lint"\necho "$*" >> "$(dirname "$0")/../calls"\n'
)


def _project(tmp_path: Path) -> Path:
    """A folder shaped like a checkout with a set-up ``.venv`` (stand-in binaries)."""
    project = tmp_path / "checkout"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", project / "scripts" / "setup.sh")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in"):
        (project / name).write_text(f"# {name}\n")
    for package in ("bot", "admin", "conversations"):
        (project / package).mkdir()
    (project / "locales").mkdir()
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "pybabel", "lint-imports"):
        (bin_dir / name).write_text(FAKE_PYTHON)
        (bin_dir / name).chmod(0o755)
    site = project / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "aiosqlite-0.22.1.dist-info").mkdir(parents=True)
    (site / "pip-24.0.dist-info").mkdir()
    (site / "telegram").mkdir()
    (project / "mpl").mkdir()
    (project / "mpl" / "fontlist-v390.json").write_text("{}")
    return project


def _setup(project: Path) -> list[str]:
    """Run setup.sh; the pip installs of the package it asked for."""
    calls = project / ".venv" / "calls"
    calls.unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project), "MPLCONFIGDIR": str(project / "mpl")}
    subprocess.run(["sh", "scripts/setup.sh"], cwd=project, env=env, check=True, timeout=30)
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [line for line in lines if line.startswith("-m pip install") and "-e" in line.split()]


def test_pip_is_skipped_when_nothing_changed_and_runs_when_the_venv_lost_a_package(tmp_path):
    project = _project(tmp_path)
    assert len(_setup(project)) == 1  # first run: installs
    assert _setup(project) == []  # nothing changed: no pip

    (project / "pyproject.toml").write_text("# dependencies changed\n")
    assert len(_setup(project)) == 1
    (project / "bot" / "newpackage").mkdir()
    assert len(_setup(project)) == 1
    assert _setup(project) == []

    site = project / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "aiosqlite-0.22.1.dist-info").rmdir()  # e.g. pip uninstall aiosqlite
    assert len(_setup(project)) == 1
    assert _setup(project) == []

    site.parent.rename(
        project / ".venv" / "lib" / "python3.12"
    )  # .venv made again for a new Python
    assert len(_setup(project)) == 1


def test_import_linter_is_installed_again_for_another_python_or_without_its_wrapper(tmp_path):
    project = _project(tmp_path)
    _setup(project)
    calls = project / ".venv" / "calls"

    def lint_installs() -> list[str]:
        _setup(project)
        return [line for line in calls.read_text().splitlines() if "--target .venv/lint" in line]

    assert lint_installs() == []  # marker written by the first run
    (project / ".venv" / "bin" / "lint-imports").unlink()
    assert lint_installs() == [
        "-m pip install -q --disable-pip-version-check --target .venv/lint import-linter>=2.13,<3"
    ]
    (project / ".venv" / "lib" / "python3.11").rename(project / ".venv" / "lib" / "python3.12")
    assert len(lint_installs()) == 1
