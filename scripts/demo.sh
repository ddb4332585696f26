#!/bin/sh
# Set up, then run the offline end-to-end demo (simulator + real bot over loopback HTTP).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
exec .venv/bin/python -m bot demo "$@"
