"""Exit 0 when a PostgreSQL server answers at the URL given as the only argument."""

import sys

import psycopg

url = sys.argv[1]
try:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3) as conn:
        conn.execute("select 1")
except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"
    print(f"PostgreSQL at {url} does not answer: {exc}", file=sys.stderr)
    sys.exit(1)
