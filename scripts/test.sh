#!/bin/sh
# Set up, then run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
# Keep compiled byte code, whatever the environment says: with PYTHONDONTWRITEBYTECODE set,
# every run compiled the tests again and rewrote their asserts (pytest caches that too),
# about 2.5 s of CPU in each worker.
unset PYTHONDONTWRITEBYTECODE
# -n auto: one worker per core (at most 8); every test has its own simulator, port and database.
exec .venv/bin/python -m pytest -q -rs -n auto --maxprocesses 8 "$@"
