#!/usr/bin/env bash
# Install everything the tests need (Debian's Chromium for the browser tests, the package with its test extras
# in ./.venv, pinned by constraints.txt) and run the suite.
#
#   bash scripts/test.sh              the whole suite, as CI runs it
#   bash scripts/test.sh --fast       the development lane: no slow tests, no browser tests (a few minutes)
#   bash scripts/test.sh [--fast] ARGS   extra pytest arguments, e.g. tests/test_rows.py -k filter
set -euo pipefail
cd "$(dirname "$0")/.."

FAST=""
if [ "${1:-}" = "--fast" ]; then
    FAST=1
    shift
fi

if [ -z "$FAST" ] && [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e '.[test]'

# Tests run the installed `opendata` command and `python -m` tools: they must find this venv's, never the machine's.
export PATH="$PWD/.venv/bin:$PATH"
export VIRTUAL_ENV="$PWD/.venv"

.venv/bin/ruff check .
if [ -n "$FAST" ]; then
    exec .venv/bin/python -m pytest -q -p no:cacheprovider -m "not slow and not browser" "$@"
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
