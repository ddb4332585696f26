#!/bin/sh
# Set up Buurtstem on a fresh machine that has only python3:
# a virtualenv in .venv, the package with its test extras, compiled catalogues.
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv >/dev/null 2>&1; then
        rm -rf .venv
        # Debian ships venv/ensurepip separately (package python3-venv).
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
            echo "setup: installing python3-venv (Debian)"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$PY" -m venv .venv
        else
            echo "setup: '$PY -m venv' failed; install your distribution's python3-venv package" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
if ! out=$(.venv/bin/pybabel compile -d locales -D messages 2>&1); then
    echo "$out" >&2
    exit 1
fi
# Byte-compile the code once, on every core: the test workers and each bot process the tests
# start read it instead of compiling ~24,000 lines each time (also when the environment sets
# PYTHONDONTWRITEBYTECODE, which stops Python from keeping what it compiles). Up to date: a no-op.
.venv/bin/python -m compileall -q -j0 bot admin conversations bench tests/support >/dev/null
# Build matplotlib's font cache once, here: on a machine (or HOME) without one, every process
# that draws a chart first (both test workers at once, the bots the tests start) searched
# the system fonts and wrote it, about 0.3 s of CPU each. Where a cache exists: a no-op.
mpl_cache="${MPLCONFIGDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/matplotlib}"
if ! ls "$mpl_cache"/fontlist-v*.json >/dev/null 2>&1; then
    .venv/bin/python -c "import matplotlib.font_manager"
fi
