"""``scripts/rewrite_tests.py`` (run by ``scripts/setup.sh``) writes the byte code pytest itself
would write for a test module, where pytest reads it: else a fresh clone's workers rewrite
every test module again, and the script would only cost time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _pytest.assertion import rewrite as pytest_rewrite

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = "def test_sample():\n    found = [1, 2]\n    assert found == [1, 3]\n"


def _script():
    spec = importlib.util.spec_from_file_location("rewrite_tests", ROOT / "scripts" / "rewrite_tests.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cached_rewrite_is_pytests_own_and_is_read_back(tmp_path, pytestconfig):
    script = _script()
    module = tmp_path / "test_sample.py"
    module.write_text(SAMPLE)
    assert not script.is_cached(module)

    script.rewrite(module)

    assert script.is_cached(module)
    pyc = tmp_path / "__pycache__" / f"test_sample{pytest_rewrite.PYC_TAIL}"
    code = pytest_rewrite._read_pyc(module, pyc)  # what pytest's import hook reads
    assert code is not None
    _hash, by_pytest = pytest_rewrite._rewrite_test(module, pytestconfig)  # with this run's ini
    assert code == by_pytest  # code objects compare their byte code, constants, names, lines
    namespace: dict = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match=r"assert \[1, 2\] == \[1, 3\]"):  # rewritten
        namespace["test_sample"]()


def test_a_changed_module_is_rewritten_again(tmp_path):
    script = _script()
    module = tmp_path / "test_sample.py"
    module.write_text(SAMPLE)
    script.rewrite(module)
    module.write_text(SAMPLE.replace("[1, 3]", "[1, 4]"))
    assert not script.is_cached(module)
    script.rewrite(module)
    assert script.is_cached(module)
