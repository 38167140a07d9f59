#!/usr/bin/env bash
# Runs the whole suite on SQLite, then again on PostgreSQL at $TEST_DATABASE_URL when one answers.
# With REQUIRE_POSTGRES=1 a PostgreSQL that does not answer is a failure (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}

echo "== ruff"
$BIN/ruff check .

echo "== tests on SQLite"
env -u DATABASE_URL $BIN/pytest "$@"

if $BIN/python scripts/pg_ready.py "$TEST_DATABASE_URL"; then
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL)"
  DATABASE_URL="$TEST_DATABASE_URL" $BIN/pytest "$@"
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "FAIL: no PostgreSQL answers at $TEST_DATABASE_URL and REQUIRE_POSTGRES=1" >&2
    exit 1
  fi
  echo "NOTE: no PostgreSQL answers at $TEST_DATABASE_URL: the PostgreSQL run was skipped."
fi
