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
# pip took about 12 s (7 s of CPU) to find that everything was installed already, at every
# `sh scripts/test.sh`: it runs only when what it installs from changed since it last
# succeeded (the packaging files, the package folders; their checksum in .venv/installed).
# The checksum also covers what is installed (the distributions in site-packages, whose path
# names the Python version): a package uninstalled or changed by hand, or a .venv made again
# for another Python, runs pip again as it did before the checksum.
installed_state() {
    { cat pyproject.toml setup.py MANIFEST.in
      find bot admin conversations -type d ! -name __pycache__ | LC_ALL=C sort
      ls -d .venv/lib/python*/site-packages/*.dist-info 2>/dev/null | LC_ALL=C sort
    } | cksum
}
if [ "$(cat .venv/installed 2>/dev/null)" != "$(installed_state)" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
    installed_state > .venv/installed
fi
# import-linter (the import contracts: scripts/check.sh, tests/unit/test_house.py) lives in a
# folder of its own, .venv/lint, run by the .venv/bin/lint-imports written here. Among the
# packages it brings is click, and where click can be imported, httpx (python-telegram-bot's
# HTTP client) loads its command-line client (click, rich, pygments) at every import: about
# 0.1 s of CPU in every process that imports telegram (each test worker, the bot fork server
# of each, every `python -m bot` a test starts). A .venv from before (import-linter in it)
# loses it here.
# The marker names the Python it was installed for (grimp is compiled for one).
lint_req="import-linter>=2.13,<3 $(ls -d .venv/lib/python*/site-packages 2>/dev/null | LC_ALL=C sort | tr '\n' ' ')"
if [ "$(cat .venv/lint/requirement 2>/dev/null)" != "$lint_req" ] || [ ! -x .venv/bin/lint-imports ]; then
    if .venv/bin/python -m pip show -q import-linter 2>/dev/null; then
        .venv/bin/python -m pip uninstall -q -y import-linter grimp click rich markdown-it-py mdurl
    fi
    rm -rf .venv/lint
    .venv/bin/python -m pip install -q --disable-pip-version-check --target .venv/lint "${lint_req%% *}"
    echo "$lint_req" > .venv/lint/requirement
    cat > .venv/bin/lint-imports <<'WRAPPER'
#!/bin/sh
# import-linter's lint-imports, installed in .venv/lint by scripts/setup.sh.
venv=$(cd "$(dirname "$0")/.." && pwd)
PYTHONPATH="$venv/lint${PYTHONPATH:+:$PYTHONPATH}" exec "$venv/bin/python" -c \
    'import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())' "$@"
WRAPPER
    chmod +x .venv/bin/lint-imports
fi
if ! out=$(.venv/bin/pybabel compile -d locales -D messages 2>&1); then
    echo "$out" >&2
    exit 1
fi
# Byte-compile the code once, on every core: the test workers and each bot process the tests
# start read it instead of compiling ~24,000 lines each time (also when the environment sets
# PYTHONDONTWRITEBYTECODE, which stops Python from keeping what it compiles). Up to date: a no-op.
.venv/bin/python -m compileall -q -j0 bot admin conversations bench tests/support >/dev/null
# The same for the test modules as pytest runs them (their asserts rewritten): on a fresh
# clone both test workers did that at once, ~1.8 s of CPU each (scripts/rewrite_tests.py).
.venv/bin/python scripts/rewrite_tests.py tests
# Build matplotlib's font cache once, here: on a machine (or HOME) without one, every process
# that draws a chart first (both test workers at once, the bots the tests start) searched
# the system fonts and wrote it, about 0.3 s of CPU each. Where a cache exists: a no-op.
mpl_cache="${MPLCONFIGDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/matplotlib}"
if ! ls "$mpl_cache"/fontlist-v*.json >/dev/null 2>&1; then
    .venv/bin/python -c "import matplotlib.font_manager"
fi
