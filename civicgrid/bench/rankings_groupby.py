"""The baseline of `civicgrid bench rankings`: the rollup counters of one period computed by a
plain GROUP BY over the case table, each case's flags written in SQL.

The definitions are those of civicgrid/evaluation/flags.py (read it beside this file), written a
second time, independently, in SQL — the rankings test compares both on hand-made cases:
- a merged case counts nowhere; every other case is received;
- responded: accepted_at set, dispatched_at set, accepted_at >= dispatched_at;
- responded_on_time: responded, and accepted_at <= the response deadline: RESPONSE_LIMIT
  (working hours by default) after dispatched_at on the working calendar. The calendar's working
  intervals go into a temporary table work(s, e, c, cend) — start, end, working seconds before
  the start, working seconds at the end (epoch seconds) — and the deadline is the first instant
  whose working time reaches W(dispatched_at) + limit: W(t) = c + min(t, e) − s of the last
  interval starting at or before t; the deadline lies in the first interval whose cend reaches
  that target, at s + target − c (so a deadline reached exactly at 12:00 is 12:00, not 13:30);
- closed_on_time: closed, and no handle deadline, or reported back at or before it;
- times compare in whole seconds (fractions cut off), as the rollups read them.
Only cases reported in the period are read (local days start..end, both included), by their
CURRENT fields, as the rollups count them.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from civicgrid.cases.models import Case
from civicgrid.cases.workflow import State
from civicgrid.core.calendar import DeadlineUnit, get_calendar
from civicgrid.evaluation.flags import DISPATCHED_STATES, local_tz, response_limit
from civicgrid.evaluation.models import COUNTERS, UnitKind

WORK_TABLE = "bench_work_intervals"
UNIT_COLUMNS = {UnitKind.DISTRICT: "district_code", UnitKind.STREET: "street_code",
                UnitKind.COMMUNITY: "community_code", UnitKind.GRID: "grid_code"}
HORIZON_DAYS = 30  # working intervals past the later of the period's end and today


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _epoch(col: str) -> str:
    if _pg():
        return f"FLOOR(EXTRACT(EPOCH FROM {col}))::bigint"
    # '%%s': the query goes through Django's cursor with parameters, which turns %s into ?.
    return f"CAST(strftime('%%s', {col}) AS INTEGER)"


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if _pg() else f"MIN({a}, {b})"


def _literals(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def working_intervals(first: dt.date, last: dt.date) -> list[tuple[int, int, int, int]]:
    """(start, end, working seconds before start, working seconds at end) of every working
    interval of the local days first..last, from the calendar's public day rules."""
    cal = get_calendar()
    out, total, day = [], 0, first
    while day <= last:
        if cal.is_working_day(day):
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=cal.tz)
            for s, e in cal.hours:
                start = int((midnight + dt.timedelta(seconds=s)).timestamp())
                end = int((midnight + dt.timedelta(seconds=e)).timestamp())
                out.append((start, end, total, total + end - start))
                total += end - start
        day += dt.timedelta(days=1)
    return out


def _fill_work_table(cur, first: dt.date, last: dt.date) -> None:
    temp = "TEMPORARY " if _pg() else "TEMP "
    cur.execute(f"DROP TABLE IF EXISTS {WORK_TABLE}")
    cur.execute(f"CREATE {temp}TABLE {WORK_TABLE} (s BIGINT PRIMARY KEY, e BIGINT NOT NULL, "
                f"c BIGINT NOT NULL, cend BIGINT NOT NULL)")
    cur.execute(f"CREATE INDEX {WORK_TABLE}_cend ON {WORK_TABLE} (cend)")
    cur.executemany(f"INSERT INTO {WORK_TABLE} (s, e, c, cend) VALUES (%s, %s, %s, %s)",
                    working_intervals(first, last))


def _deadline_sql(secs: int, unit: str) -> str:
    """SQL for the response deadline (epoch seconds) of the row's dispatch time `d`."""
    if unit == DeadlineUnit.emergency_hours:
        return f"(d + {secs})"
    if unit != DeadlineUnit.working_hours:
        raise NotImplementedError(f"the GROUP BY baseline handles a response limit in "
                                  f"working or emergency hours, not {unit}")
    target = f"(w1.c + {_least('d', 'w1.e')} - w1.s + {secs})"
    return (f"(SELECT w2.s + {target} - w2.c FROM {WORK_TABLE} w1 "
            f"JOIN {WORK_TABLE} w2 ON w2.cend >= {target} "
            f"WHERE w1.s = (SELECT MAX(w0.s) FROM {WORK_TABLE} w0 WHERE w0.s <= d) "
            f"ORDER BY w2.cend LIMIT 1)")


def groupby_sql(unit_kind: str) -> str:
    """The query: one row per unit, the COUNTERS in order. Parameters: the period's first
    instant and the instant after it (reported_at >= %s AND reported_at < %s)."""
    if unit_kind == UnitKind.DEPARTMENT:
        unit, present = "unit_department_id", "unit_department_id IS NOT NULL"
    else:
        col = UNIT_COLUMNS[UnitKind(unit_kind)]
        unit, present = col, f"{col} <> ''"
    amount, limit_unit = response_limit()
    secs = int(round(float(amount) * 3600))
    rated = _literals(["satisfied", "basically_satisfied", "unsatisfied"])
    dispatched_states = _literals(sorted(DISPATCHED_STATES))
    responded = "(d IS NOT NULL AND a IS NOT NULL AND a >= d)"
    closed = f"state = '{State.CLOSED.value}'"

    def count(cond: str) -> str:
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    flags = {
        "received": "COUNT(*)",
        "rejected": count(f"state = '{State.REJECTED.value}'"),
        "dispatched": count(f"d IS NOT NULL OR state IN ({dispatched_states})"),
        "responded": count(responded),
        "responded_on_time": count(f"{responded} AND a <= {_deadline_sql(secs, limit_unit)}"),
        "reported_back": count("b IS NOT NULL OR rework_count > 0 OR reopen_count > 0"),
        "closed": count(closed),
        "closed_on_time": count(f"{closed} AND (hd IS NULL OR (b IS NOT NULL AND b <= hd))"),
        "solved": count("solved IS TRUE"),
        "rated": count(f"rating IN ({rated})"),
        "satisfied": count("rating = 'satisfied'"),
        "basically_satisfied": count("rating = 'basically_satisfied'"),
        "unsatisfied": count("rating = 'unsatisfied'"),
        "reworked": count("rework_count > 0"),
        "extended": count("extension_count > 0"),
        "returned": count("return_count > 0"),
        "reopened": count("reopen_count > 0"),
        "supervised": count("supervise_count > 0"),
    }
    assert tuple(flags) == COUNTERS
    table = Case._meta.db_table
    return (
        f"WITH c AS (SELECT {unit} AS unit, state, rating, solved, rework_count, "
        f"extension_count, return_count, reopen_count, supervise_count, "
        f"{_epoch('dispatched_at')} AS d, {_epoch('accepted_at')} AS a, "
        f"{_epoch('reported_back_at')} AS b, {_epoch('handle_deadline')} AS hd "
        f'FROM "{table}" WHERE reported_at >= %s AND reported_at < %s '
        f"AND state <> '{State.MERGED.value}' AND {present}) "
        f"SELECT unit, {', '.join(flags.values())} FROM c GROUP BY unit")


def groupby_counts(unit_kind: str, start: dt.date, end: dt.date,
                   units=None) -> dict[str, dict[str, int]]:
    """{unit code: {counter: n}} of the cases reported on the local days start..end (both
    included), straight from the case table. Units asked for but without cases get zeros."""
    tz = local_tz()
    span = [connection.ops.adapt_datetimefield_value(t) for t in (
        dt.datetime.combine(start, dt.time(0), tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tz))]
    with connection.cursor() as cur:
        # A case is dispatched after it is reported and before now; its deadline (hours) lies
        # at most a holiday's length after that.
        last = max(end, dt.datetime.now(tz).date()) + dt.timedelta(days=HORIZON_DAYS)
        _fill_work_table(cur, start - dt.timedelta(days=7), last)
        cur.execute(groupby_sql(unit_kind), span)
        rows = cur.fetchall()
        cur.execute(f"DROP TABLE {WORK_TABLE}")
    out = {str(r[0]): {name: int(v or 0) for name, v in zip(COUNTERS, r[1:], strict=True)}
           for r in rows}
    if units is not None:
        wanted = [str(u) for u in units]
        out = {code: out.get(code) or dict.fromkeys(COUNTERS, 0) for code in wanted}
    return out
