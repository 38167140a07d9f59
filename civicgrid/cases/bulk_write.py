"""Writing bulk rows: pre-built tuples, no ORM objects.

SQLite: `executemany` on the raw sqlite3 cursor. PostgreSQL: `COPY ... FROM STDIN` through
psycopg's `cursor.copy`. Both run inside the caller's transaction (the whole import is one), and
ids are reserved up front so events and reporters can point at their cases without reading
anything back: on SQLite the writer holds the database's write lock (IMMEDIATE transaction), so
max(id) + 1... is ours; on PostgreSQL the ids come from the table's sequence.

When a SQLite import brings at least as many rows as a table already has (a first import, a
benchmark), the table's secondary indexes are dropped for the load and rebuilt before commit,
in the same transaction: building an index from sorted keys once is cheaper than inserting
every key into it, and a rollback restores the indexes with the data. Unique indexes stay.
"""

from __future__ import annotations

import json

import numpy as np
from django.db import connection

from civicgrid.evaluation.models import CaseRollup, UnitDayRollup

from .models import Case, CaseEvent, Reporter

BULK_MIN_ROWS = 20_000  # below this, dropping indexes does not pay
SQLITE_CACHE_KIB = 65_536  # page cache for the load (64 MB, bounded memory), restored afterwards


def columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


CASE_COLUMNS, EVENT_COLUMNS, REPORTER_COLUMNS = (columns(m) for m in (Case, CaseEvent, Reporter))


def iso_strings(times: np.ndarray, *, suffix: str = "") -> list:
    """datetime64 → 'YYYY-MM-DD HH:MM:SS' (what Django's SQLite backend stores; `suffix`
    '+00:00' for PostgreSQL), None for NaT. Built as code points in numpy: ~20× faster than
    formatting each value."""
    t = np.asarray(times, "datetime64[s]")
    nat = np.isnat(t)
    if nat.all():
        return [None] * len(t)
    t = np.where(nat, np.datetime64(0, "s"), t)
    d = t.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = month.astype(np.int64) % 12 + 1
    dd = (d - month.astype("datetime64[D]")).astype(np.int64) + 1
    sod = t.astype(np.int64) - d.astype("datetime64[s]").astype(np.int64)
    hh, rem = np.divmod(sod, 3600)
    mi, ss = np.divmod(rem, 60)
    width = 19 + len(suffix)  # the suffix ('+00:00') is written into the same buffer
    buf = np.empty((len(t), width), np.uint32)
    for col, (value, digits) in zip((0, 5, 8, 11, 14, 17), ((y, 4), (m, 2), (dd, 2), (hh, 2),
                                                            (mi, 2), (ss, 2)), strict=True):
        for k in range(digits):
            buf[:, col + k] = 48 + value // 10 ** (digits - 1 - k) % 10
    buf[:, 4] = buf[:, 7] = ord("-")
    buf[:, 10] = ord(" ")
    buf[:, 13] = buf[:, 16] = ord(":")
    for k, ch in enumerate(suffix):
        buf[:, 19 + k] = ord(ch)
    out = buf.view(f"U{width}").ravel()
    if nat.any():
        obj = out.astype(object)
        obj[nat] = None
        return obj.tolist()
    return out.tolist()


def date_strings(days: np.ndarray) -> list:
    d = np.asarray(days, "datetime64[D]")
    out = np.datetime_as_string(d).astype(object)
    out[np.isnat(d)] = None
    return out.tolist()


class Writer:
    """Writes rows of the three case tables on the default connection."""

    def __init__(self):
        self.vendor = connection.vendor
        connection.ensure_connection()
        self.raw = connection.connection
        self._dropped: list[tuple[str, str]] = []
        self._cache = None
        if self.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"bulk import does not support {self.vendor}")

    @property
    def time_suffix(self) -> str:
        return "+00:00" if self.vendor == "postgresql" else ""

    # --- the load as a whole ---------------------------------------------------------------
    def begin(self, expected_rows: int | None) -> None:
        if self.vendor != "sqlite":
            return
        cur = self.raw.cursor()
        self._cache = cur.execute("PRAGMA cache_size").fetchone()[0]
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        if not expected_rows or expected_rows < BULK_MIN_ROWS:
            return
        existing = cur.execute(f'SELECT COUNT(*) FROM "{Case._meta.db_table}"').fetchone()[0]
        if expected_rows < existing:
            return
        # The evaluation rollups the import adds to grow with the cases (~3 rows a case).
        tables = [m._meta.db_table for m in (Case, CaseEvent, Reporter, CaseRollup,
                                             UnitDayRollup)]
        marks = ",".join("?" * len(tables))
        self._dropped = cur.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%'", tables).fetchall()
        for name, _sql in self._dropped:
            cur.execute(f'DROP INDEX "{name}"')

    def finish(self) -> None:
        """Rebuild dropped indexes (still inside the transaction) and restore the cache."""
        if self.vendor != "sqlite":
            return
        cur = self.raw.cursor()
        for _name, sql in self._dropped:
            cur.execute(sql)
        self._dropped = []
        if self._cache is not None:
            cur.execute(f"PRAGMA cache_size={int(self._cache)}")

    # --- ids and rows ----------------------------------------------------------------------
    def reserve_ids(self, model, n: int) -> np.ndarray:
        table = model._meta.db_table
        if n == 0:
            return np.zeros(0, np.int64)
        if self.vendor == "postgresql":
            with self.raw.cursor() as cur:
                cur.execute(f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) "
                            f"FROM generate_series(1, %s)", [n])
                return np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        cur = self.raw.cursor()
        top = cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]
        seq = cur.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]).fetchone()
        first = max(top, seq[0] if seq else 0) + 1
        return np.arange(first, first + n, dtype=np.int64)

    def write(self, model, cols: list[str], values: dict[str, list]) -> int:
        """Insert the rows given as one list per column (`cols` order); returns the count.
        On SQLite a column holding one value in every row is written as a literal in the
        statement instead of being bound row by row."""
        n = len(values[cols[0]])
        if not n:
            return 0
        table = model._meta.db_table
        if self.vendor == "postgresql":
            names = ", ".join(f'"{c}"' for c in cols)
            with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
                for row in zip(*(values[c] for c in cols), strict=True):
                    cp.write_row(row)
            return n
        bound, exprs = [], []
        for c in cols:
            col = values[c]
            first = col[0]
            constant = col[-1] == first and col[n // 2] == first and col.count(first) == n
            literal = _literal(first) if constant else None
            exprs.append(literal or "?")
            if literal is None:
                bound.append(col)
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(exprs)})'
        self.raw.cursor().executemany(sql, zip(*bound, strict=True) if bound else [()] * n)
        return n


def _literal(value) -> str | None:
    """An SQL literal for a constant column value (None when it is safer to bind it)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and len(value) < 200:
        return "'" + value.replace("'", "''") + "'"
    return None


def existing_keys(keys: list[str]) -> dict[str, str]:
    """{client_key: case number} of the keys that are already in the database.

    One query for all keys: = ANY(array) on PostgreSQL; on SQLite json_each, after a range
    probe (an import of new keys, such as a first import or generated keys, usually finds
    nothing between its smallest and largest key; SQLite compares text by code point, as
    Python does — PostgreSQL's collation may not, so it is not probed)."""
    if not keys:
        return {}
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT client_key, number FROM {table} WHERE client_key = ANY(%s)",
                        [list(keys)])
        else:
            cur.execute(f"SELECT 1 FROM {table} WHERE client_key BETWEEN %s AND %s LIMIT 1",
                        [min(keys), max(keys)])
            if cur.fetchone() is None:
                return {}
            cur.execute(f"SELECT client_key, number FROM {table} WHERE client_key IN "
                        f"(SELECT value FROM json_each(%s))", [json.dumps(list(keys))])
        return dict(cur.fetchall())
