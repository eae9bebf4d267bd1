#!/usr/bin/env bash
# Install everything the tests need (Debian's Chromium for the browser tests, the package with its test extras
# in ./.venv, pinned by constraints.txt) and run the suite.
#
#   bash scripts/test.sh              the whole suite, as CI's first lane runs it (metadata on SQLite, version
#                                     files in each home's local data/ folder)
#   bash scripts/test.sh --postgres   CI's second lane: the whole suite with the metadata on PostgreSQL (each test
#                                     gets a new database on a throwaway server that the tests start,
#                                     tests/pg_cluster.py) AND the version files on S3 (each test gets its own
#                                     prefix on an S3-protocol server the tests start, `rclone serve s3`)
#   bash scripts/test.sh --s3         version files on S3 only (metadata on SQLite, unless --postgres too)
#   bash scripts/test.sh --fast       the development lane: no slow tests, no browser tests (a few minutes)
#   bash scripts/test.sh [--fast] [--postgres] [--s3] ARGS   extra pytest arguments, e.g. tests/test_rows.py -k filter
# The lanes are chosen by OPENDATA_TEST_DATABASE (sqlite|postgresql) and OPENDATA_TEST_STORAGE (local|s3), read by
# tests/conftest.py; tests about the local folder itself are marked local_storage and keep it in the S3 lane.
# Debian's postgresql (server binaries for the throwaway cluster) is installed unless --fast: tests/test_postgres.py
# runs in both lanes of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

FAST=""
export OPENDATA_TEST_DATABASE=sqlite OPENDATA_TEST_STORAGE=local
while [ $# -gt 0 ]; do
    case "$1" in
        --fast) FAST=1 ;;
        --postgres) OPENDATA_TEST_DATABASE=postgresql OPENDATA_TEST_STORAGE=s3 ;;
        --s3) OPENDATA_TEST_STORAGE=s3 ;;
        *) break ;;
    esac
    shift
done

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
APT_UPDATED=""
apt_install() {
    [ -n "$APT_UPDATED" ] || $SUDO apt-get update -qq
    APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
if [ -z "$FAST" ] && [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
if { [ -z "$FAST" ] || [ "$OPENDATA_TEST_DATABASE" = postgresql ]; } && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
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
