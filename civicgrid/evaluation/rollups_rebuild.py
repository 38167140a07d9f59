"""The batch path of rollups.rollup_rebuild: read the cases as numpy columns, compute the rows,
compare them with the stored rows, write them.

Speed at city scale (millions of cases) decides the shape: one SELECT whose every column is an
integer (states and ratings as small numbers, times as epoch seconds, codes as '1' + code cast
to an integer so that leading zeros and the empty code survive), one numpy array per fetched
chunk, flags.flags_many over all of them, then per unit kind one sort and one np.add.reduceat.
Rows are written with executemany on SQLite and COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection

from civicgrid.cases.models import Case, Rating
from civicgrid.cases.workflow import State

from .flags import flags_many, local_days, local_tz
from .models import COUNTERS, CaseRollup, UnitKind

KINDS = [k.value for k in UnitKind]
STATES = list(State.values)
RATINGS = ["", *Rating.values]
CHUNK = 100_000
EPOCH_DAY = np.datetime64("1970-01-01", "D")
TIME_COLS = ("reported_at", "dispatched_at", "accepted_at", "reported_back_at", "handle_deadline")
COUNT_COLS = ("rework_count", "extension_count", "return_count", "reopen_count",
              "supervise_count")
# Case columns in the order of the SELECT; the unit columns follow KINDS.
COLS = ("state", "rating", "solved", "category_id", *TIME_COLS, *COUNT_COLS,
        "district", "street", "community", "grid", "department")


def _vendor() -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"rollup rebuild does not support {connection.vendor}")
    return connection.vendor


def _epoch(col: str) -> str:
    if _vendor() == "sqlite":
        # '%%s' reaches SQLite as '%s': Django's cursor turns '%%' into '%' (params are always
        # passed, so it always does).
        return f"COALESCE(CAST(strftime('%%s', {col}) AS INTEGER), -1)"
    return f"COALESCE(FLOOR(EXTRACT(EPOCH FROM {col}))::bigint, -1)"


def _code(col: str) -> str:
    """'1' + code as an integer: 1 is the empty code; decode with str(v)[1:]."""
    if _vendor() == "sqlite":
        return f"CAST('1' || {col} AS INTEGER)"
    return f"('1' || {col}::text)::bigint"


def _enum(col: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values) if v)
    return f"CASE {col} {whens} ELSE 0 END"


def decode_code(v: int) -> str:
    return str(int(v))[1:]


def day_range(days: tuple[dt.date, dt.date] | None) -> tuple[dt.datetime, dt.datetime] | None:
    """The instants [start, end) of the local days `days` = (first, last)."""
    if days is None:
        return None
    first, last = days
    tz = local_tz()
    return (dt.datetime.combine(first, dt.time(0), tz),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz))


@dataclass
class RowSet:
    """Rollup rows as columns: kind (index into KINDS), code ('1' + code as int64), category
    id, day (days since 1970-01-01), counts (n × len(COUNTERS))."""

    kind: np.ndarray
    code: np.ndarray
    category: np.ndarray
    day: np.ndarray
    counts: np.ndarray
    cases: int = 0

    def __len__(self) -> int:
        return int(self.kind.size)

    @classmethod
    def empty(cls) -> RowSet:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, np.zeros((0, len(COUNTERS)), dtype=np.int32))

    def key(self, i: int) -> tuple[str, str, int, dt.date]:
        return (KINDS[int(self.kind[i])], decode_code(self.code[i]), int(self.category[i]),
                (EPOCH_DAY + int(self.day[i])).astype(dt.date))


# --- reading ---------------------------------------------------------------------------------

def read_cases(days) -> tuple[dict[str, np.ndarray], int]:
    """The columns (COLS) of the cases reported on `days`, and their count."""
    table = Case._meta.db_table
    dept = (f"CASE WHEN unit_department_id IS NULL THEN 0 ELSE "
            f"{_code('unit_department_id')} END")
    select = [_enum("state", STATES), _enum("rating", RATINGS),
              "CASE WHEN solved IS NULL THEN -1 WHEN solved THEN 1 ELSE 0 END",
              "COALESCE(category_id, 0)", *(_epoch(c) for c in TIME_COLS), *COUNT_COLS,
              *(_code(f"{k}_code") for k in KINDS[:4]), dept]
    sql, params = f'SELECT {", ".join(select)} FROM "{table}"', []
    if (span := day_range(days)) is not None:
        ops = connection.ops
        sql += " WHERE reported_at >= %s AND reported_at < %s"
        params = [ops.adapt_datetimefield_value(t) for t in span]
    parts = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            parts.append(np.array(rows, dtype=np.int64))
    data = np.concatenate(parts) if parts else np.zeros((0, len(COLS)), dtype=np.int64)
    columns = {name: data[:, i] for i, name in enumerate(COLS)}
    columns["state"] = np.array(STATES)[columns["state"]]
    columns["rating"] = np.array(RATINGS)[columns["rating"]]
    return columns, len(data)


def compute_rows(days) -> RowSet:
    """The rollup rows recomputed from the cases reported on `days` (non-zero rows only)."""
    c, n = read_cases(days)
    if not n:
        return RowSet.empty()
    flags = flags_many(c)
    day = local_days(c["reported_at"])
    parts = []
    for k, kind in enumerate(KINDS):
        code = c[kind]
        present = np.flatnonzero(code > 1)
        if present.size:
            parts.append(_group(k, code[present], c["category_id"][present], day[present],
                                flags[present]))
    rows = _concat(parts)
    rows.cases = n
    return rows


def _group(k: int, code, category, day, flags) -> RowSet:
    """Sum the flags of one unit kind by (code, category, day)."""
    ucode, icode = np.unique(code, return_inverse=True)
    ucat, icat = np.unique(category, return_inverse=True)
    d0 = day.min()
    nday = int(day.max() - d0 + 1)
    key = (icode.astype(np.int64) * len(ucat) + icat) * nday + (day - d0)
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    counts = np.add.reduceat(flags[order], starts, axis=0)  # int32: a row counts < 2**31
    keep = counts.any(axis=1)
    first = order[starts[keep]]
    return RowSet(np.full(int(keep.sum()), k, dtype=np.int64), ucode[icode[first]],
                  ucat[icat[first]], day[first], counts[keep])


def _concat(parts: list[RowSet]) -> RowSet:
    if not parts:
        return RowSet.empty()
    return RowSet(*(np.concatenate([getattr(p, f) for p in parts])
                    for f in ("kind", "code", "category", "day", "counts")))


def read_stored(days) -> RowSet:
    """The stored rollup rows of `days` (every day when None)."""
    table = CaseRollup._meta.db_table
    day = ("CAST(julianday(day) - 2440587.5 AS INTEGER)" if _vendor() == "sqlite"
           else "(day - DATE '1970-01-01')")
    select = [_enum("unit_kind", KINDS), _code("unit_code"), "category_id", day, *COUNTERS]
    sql, params = f'SELECT {", ".join(select)} FROM "{table}"', []
    if days is not None:
        ops = connection.ops
        sql += " WHERE day >= %s AND day <= %s"
        params = [ops.adapt_datefield_value(d) for d in days]
    parts = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            parts.append(np.array(rows, dtype=np.int64))
    if not parts:
        return RowSet.empty()
    data = np.concatenate(parts)
    return RowSet(data[:, 0], data[:, 1], data[:, 2], data[:, 3], data[:, 4:])


# --- comparing -------------------------------------------------------------------------------

def compare(expected: RowSet, stored: RowSet, limit: int | None = None
            ) -> tuple[int, list[tuple[tuple, dict[str, int], dict[str, int]]]]:
    """(number of differing rows, the first `limit` of them in key order as (key, stored
    counts, expected counts)); a row missing on one side counts as zeros there."""
    both = _concat([expected, stored])
    if not len(both):
        return 0, []
    key = np.zeros(len(both), dtype=np.int64)
    for f in ("kind", "code", "category", "day"):  # sorting by key sorts by these fields
        uniq, inv = np.unique(getattr(both, f), return_inverse=True)
        key = key * len(uniq) + inv
    ke, ks = key[:len(expected)], key[len(expected):]
    _common, ie, is_ = np.intersect1d(ke, ks, assume_unique=True, return_indices=True)
    differ = np.zeros(ie.size, dtype=bool)
    for j in range(len(COUNTERS)):
        differ |= expected.counts[ie, j] != stored.counts[is_, j]
    only_e = np.setdiff1d(np.arange(len(expected)), ie)
    only_s = np.setdiff1d(np.arange(len(stored)), is_)
    only_s = only_s[stored.counts[only_s].any(axis=1)]
    e_at = np.r_[ie[differ], only_e, np.full(only_s.size, -1)].astype(np.int64)
    s_at = np.r_[is_[differ], np.full(only_e.size, -1), only_s].astype(np.int64)
    pair_key = np.where(e_at >= 0, ke[np.maximum(e_at, 0)], ks[np.maximum(s_at, 0)])
    order = np.argsort(pair_key, kind="stable")[:limit]
    listed = []
    for i, s in zip(e_at[order].tolist(), s_at[order].tolist(), strict=True):
        row = expected.key(i) if i >= 0 else stored.key(s)
        listed.append((row, _counts(stored, s), _counts(expected, i)))
    return int(e_at.size), listed


def _counts(rows: RowSet, i: int) -> dict[str, int]:
    if i < 0:
        return dict.fromkeys(COUNTERS, 0)
    return {name: int(v) for name, v in zip(COUNTERS, rows.counts[i].tolist(), strict=True)}


# --- writing ---------------------------------------------------------------------------------

def write_rows(rows: RowSet, days) -> int:
    """Replace the stored rows of `days` (all when None) by `rows`; returns the rows written."""
    stored = CaseRollup.objects.all()
    if days is not None:
        stored = stored.filter(day__gte=days[0], day__lte=days[1])
    stored.delete()
    if not len(rows):
        return 0
    table = CaseRollup._meta.db_table
    cols = ["unit_kind", "unit_code", "category_id", "day", *COUNTERS]
    names = ", ".join(f'"{c}"' for c in cols)
    ucode, icode = np.unique(rows.code, return_inverse=True)
    codes = np.array([decode_code(v) for v in ucode.tolist()], dtype=object)[icode]
    kinds = np.array(KINDS, dtype=object)[rows.kind]
    day_text = (EPOCH_DAY + rows.day).astype(str)
    n = len(rows)
    for start in range(0, n, CHUNK):
        sl = slice(start, start + CHUNK)
        batch = zip(kinds[sl].tolist(), codes[sl].tolist(), rows.category[sl].tolist(),
                    day_text[sl].tolist(), *rows.counts[sl].T.tolist(), strict=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur, \
                    cur.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
                for row in batch:
                    cp.write_row(row)
        else:
            marks = ", ".join("?" * len(cols))
            connection.connection.cursor().executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)
    return n
