#!/bin/sh
# The house rules, as their own step (run by .ci/run next to the tests): lint (ruff, with
# the pydocstyle Google convention), the import contracts (import-linter: layers, no
# cycles) and types (mypy). Their settings are in pyproject.toml; the layers are drawn in
# docs/architecture.md. Needs .venv (sh scripts/setup.sh). Exits non-zero on the first
# check that fails, after printing that tool's own report.
set -eu
cd "$(dirname "$0")/.."
echo "check: ruff"
.venv/bin/ruff check --no-cache --output-format concise .
echo "check: import contracts (lint-imports)"
.venv/bin/lint-imports --no-cache
echo "check: types (mypy)"
.venv/bin/mypy
