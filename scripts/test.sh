#!/bin/sh
# Set up, then run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
# -n auto: one worker per core (at most 8); every test has its own simulator, port and database.
exec .venv/bin/python -m pytest -q -rs -n auto --maxprocesses 8 "$@"
