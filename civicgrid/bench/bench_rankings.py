"""`civicgrid bench rankings`: one month's rankings of every street and every department from the
rollups, beside the same figures by a plain GROUP BY over the case table.

A generated city-year in a fresh temporary SQLite file (migrated): Beijing's 16 districts, 343
streets and 7,535 communities (names from the demo data, no geometry: nothing is located), the
default category catalogue, ten departments per district plus four city-wide ones, and
N = 2,000,000 × scale cases reported through 2026. Only what the rankings read is generated:
case rows with their final outcome fields (state, dispatch/accept/report-back times, handle
deadline, rating, counters), drawn with numpy and written with executemany — no event rows, no
reporters (the intake pipeline is benchmarked by `bench intake`). The rollups are then built
from the cases by `rollup_rebuild()`.

Then, in one run, interleaved, the best run of each side counted (ROUNDS of ours,
BASELINE_ROUNDS of the baseline: the machine is shared, the best run is the least disturbed):
- value: `rankings()` of every street and of every department for October 2026 (each with
  September's ranks for the movement), the counts read from the rollup rows;
- baseline: the same `rankings()` with its counts from rankings_groupby.groupby_counts — a
  GROUP BY over the case table computing each case's flags in SQL.
"equal" is true only when both gave the same rows: every counter of every unit, composite,
rank and previous rank, and September's counters too.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import numpy as np

from civicgrid.bench.bench_intake import temporary_database
from civicgrid.bench.registry import Result, benchmark, time_result

N_CASES = 2_000_000
ROUNDS = 5  # rollup side; the GROUP BY side runs BASELINE_ROUNDS of them (it takes seconds)
BASELINE_ROUNDS = 2
SEED = 20261001
TZ = ZoneInfo("Asia/Shanghai")
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=TZ)
YEAR_END = dt.datetime(2027, 1, 1, tzinfo=TZ)
NOW = dt.datetime(2027, 1, 15, 12, tzinfo=TZ)  # every generated case has its outcome by now
MONTH = dt.date(2026, 10, 1)
CHUNK = 200_000
HOUR, DAY = 3600, 86_400
DISTRICT_DEPARTMENTS = (("CGZF", "城管执法局"), ("ZJW", "住房和城市建设委员会"),
                        ("SJJ", "市场监督管理局"), ("STHJ", "生态环境局"), ("FGJ", "房屋管理局"),
                        ("YLJ", "园林绿化局"), ("MZJ", "民政局"), ("WJW", "卫生健康委员会"),
                        ("JTZD", "交通支队"), ("YJJ", "应急管理局"))
CITY_DEPARTMENTS = (("BJ-CGW", "北京市城市管理委员会"), ("BJ-ZLS", "北京市自来水集团有限责任公司"),
                    ("BJ-DL", "国网北京市电力公司"), ("BJ-RQ", "北京市燃气集团有限责任公司"))
# Final states and their shares (a city-year seen two weeks after its end).
STATES = (("closed", .86), ("rejected", .02), ("merged", .01), ("handling", .035),
          ("extension_requested", .01), ("suspended", .01), ("reported_back", .02),
          ("verified", .01), ("dispatched", .01), ("returned", .005), ("registered", .005),
          ("reported", .005))
DISPATCHED = {"closed", "handling", "extension_requested", "suspended", "reported_back",
              "verified", "dispatched", "returned"}
ACCEPTED = DISPATCHED - {"dispatched", "returned"}
BACK = {"closed", "verified", "reported_back"}
RATINGS = np.array(["satisfied", "basically_satisfied", "unsatisfied"], dtype=object)
CASE_COLS = ("number", "channel", "state", "priority", "category_id", "stream", "title",
             "description", "address", "location_source", "district_code", "street_code",
             "community_code", "grid_code", "unit_department_id", "unit_area_code",
             "routing_reason", "reported_at", "registered_at", "dispatched_at", "accepted_at",
             "reported_back_at", "closed_at", "handle_deadline", "return_count", "rework_count",
             "extension_count", "supervise_count", "reopen_count", "rating", "solved", "rated_at",
             "version", "updated_at")


# --- the city ----------------------------------------------------------------------------------

def setup_city() -> dict[str, np.ndarray]:
    """Territory rows, catalogue and departments; returns what the generator draws from."""
    from civicgrid.demo.city import load_divisions
    from civicgrid.dispatch.catalogue import catalogue_load_default
    from civicgrid.dispatch.models import Category, Department
    from civicgrid.territory.models import Community, District, Street

    divisions = load_divisions()
    by_level: dict[str, list] = {}
    for d in divisions:
        by_level.setdefault(d.level, []).append(d)
    District.objects.bulk_create([District(code=d.code, name=d.name)
                                  for d in by_level["district"]])
    Street.objects.bulk_create([Street(code=d.code, name=d.name, district_id=d.parent_code)
                                for d in by_level["street"]], batch_size=2000)
    streets = {d.code for d in by_level["street"]}
    communities = [d for d in by_level["community"] if d.parent_code in streets]
    Community.objects.bulk_create([Community(code=d.code, name=d.name, street_id=d.parent_code,
                                             district_id=d.parent_code[:6])
                                   for d in communities], batch_size=2000)
    catalogue_load_default()
    names = {d.code: d.name for d in by_level["district"]}
    Department.objects.bulk_create(
        [Department(code=f"{code}-{abbr}", name=f"{name}{dept}", area_code=code)
         for code, name in names.items() for abbr, dept in DISTRICT_DEPARTMENTS]
        + [Department(code=code, name=name) for code, name in CITY_DEPARTMENTS])
    depts = dict(Department.objects.values_list("code", "pk"))
    district_codes = sorted(names)
    return {
        "community": np.array([d.code for d in communities], dtype=object),
        "categories": np.array(sorted(Category.objects.values_list("pk", flat=True))),
        "district_depts": np.array([[depts[f"{c}-{a}"] for a, _n in DISTRICT_DEPARTMENTS]
                                    for c in district_codes]),
        "district_index": {c: i for i, c in enumerate(district_codes)},
        "city_depts": np.array([depts[c] for c, _n in CITY_DEPARTMENTS]),
    }


# --- the cases ---------------------------------------------------------------------------------

def _after(t: np.ndarray, lo: float, hi: float, rng) -> np.ndarray:
    return t + rng.integers(int(lo), int(hi), t.size)


def generate_chunk(rng, city: dict, first: int, n: int) -> dict[str, np.ndarray]:
    """n cases (numbers first+1..first+n) as numpy columns; times as epoch seconds, -1 = NULL."""
    comm = city["community"][rng.integers(0, len(city["community"]), n)]
    street = np.array([c[:9] for c in comm], dtype=object)
    district = np.array([c[:6] for c in comm], dtype=object)
    cats = city["categories"]
    zipf = 1.0 / np.arange(1, len(cats) + 1) ** 1.1
    category = cats[rng.choice(len(cats), n, p=zipf / zipf.sum())]
    state = np.array([s for s, _p in STATES], dtype=object)[
        rng.choice(len(STATES), n, p=np.array([p for _s, p in STATES]) / sum(p for _s, p in STATES))]
    is_in = {name: np.isin(state, list(group)) for name, group in
             (("dispatched", DISPATCHED), ("accepted", ACCEPTED), ("back", BACK))}
    reported = rng.integers(int(YEAR_START.timestamp()), int(YEAR_END.timestamp()), n)
    registered = _after(reported, 300, 2 * HOUR, rng)
    dispatched = _after(registered, 300, 4 * HOUR, rng)
    # Accepted mostly within the hour or two (wall clock: evenings and weekends make it late in
    # working hours); 3 % re-dispatched and not yet accepted anew (accepted before dispatch).
    accepted = dispatched + rng.exponential(1.6 * HOUR, n).astype(np.int64)
    stale = rng.random(n) < 0.03
    accepted[stale] = dispatched[stale] - rng.integers(HOUR, 3 * DAY, int(stale.sum()))
    deadline = dispatched + 5 * DAY
    back = accepted + rng.gamma(2.0, 1.3 * DAY, n).astype(np.int64) + HOUR
    closed_at = _after(back, HOUR, DAY, rng)
    rated = (state == "closed") & (rng.random(n) < 0.92)
    rating_i = rng.choice(3, n, p=[.85, .10, .05])
    solved = np.where(rated, (rng.random(n) < np.array([.97, .85, .30])[rating_i]).astype(int), -1)
    no_deadline = rng.random(n) < 0.01
    dept_handled = is_in["dispatched"] & (rng.random(n) < 0.75)
    d_idx = np.array([city["district_index"][d] for d in district])
    dept = np.where(rng.random(n) < 0.8,
                    city["district_depts"][d_idx, rng.integers(0, len(DISTRICT_DEPARTMENTS), n)],
                    city["city_depts"][rng.integers(0, len(city["city_depts"]), n)])
    dis, acc = is_in["dispatched"], is_in["accepted"]
    return {
        "number": np.array([f"BR{first + i + 1:09d}" for i in range(n)], dtype=object),
        "state": state, "category_id": category, "district_code": district,
        "street_code": street, "community_code": comm,
        "grid_code": np.char.add(comm.astype(str), np.char.zfill(
            rng.integers(1, 4, n).astype(str), 3)).astype(object),
        "unit_department_id": np.where(dept_handled, dept, -1),
        "unit_area_code": np.where(dis & ~dept_handled, street, ""),
        "reported_at": reported,
        "registered_at": np.where(~np.isin(state, ["reported", "merged"]), registered, -1),
        "dispatched_at": np.where(dis, dispatched, -1),
        "accepted_at": np.where(acc | (dis & stale), accepted, -1),
        "reported_back_at": np.where(is_in["back"], back, -1),
        "closed_at": np.where(state == "closed", closed_at,
                              np.where(state == "rejected", registered, -1)),
        "handle_deadline": np.where(dis & ~no_deadline, deadline, -1),
        "return_count": np.where(dis, rng.random(n) < 0.06, 0).astype(int),
        "rework_count": np.where(is_in["back"], rng.random(n) < 0.04, 0).astype(int),
        "extension_count": np.where(acc, rng.random(n) < 0.05, 0).astype(int),
        "supervise_count": np.where(acc, rng.random(n) < 0.04, 0).astype(int),
        "reopen_count": np.where(state == "closed", rng.random(n) < 0.015, 0).astype(int),
        "rating": np.where(rated, RATINGS[rating_i], "").astype(object),
        "solved": solved,
        "rated_at": np.where(rated, closed_at + DAY, -1),
    }


def _times(epoch: np.ndarray) -> list:
    from civicgrid.cases.bulk_write import iso_strings

    t = np.where(epoch >= 0, epoch, 0).astype("datetime64[s]")
    return iso_strings(np.where(epoch >= 0, t, np.datetime64("NaT")))


def case_rows(c: dict[str, np.ndarray], now: str):
    n = len(c["number"])
    times = {k: _times(c[k]) for k in ("reported_at", "registered_at", "dispatched_at",
                                       "accepted_at", "reported_back_at", "closed_at",
                                       "handle_deadline", "rated_at")}
    dept = [None if d < 0 else d for d in c["unit_department_id"].tolist()]
    solved = [None if s < 0 else bool(s) for s in c["solved"].tolist()]
    const = {"channel": "hotline", "priority": 0, "stream": "", "title": "",
             "description": "基准测试生成的案件", "address": "", "location_source": "none",
             "routing_reason": "", "version": 0, "updated_at": now}
    cols = []
    for name in CASE_COLS:
        if name in const:
            cols.append([const[name]] * n)
        elif name in times:
            cols.append(times[name])
        elif name == "unit_department_id":
            cols.append(dept)
        elif name == "solved":
            cols.append(solved)
        else:
            cols.append(c[name].tolist())
    return zip(*cols, strict=True)


def write_cases(city: dict, n: int, seed: int = SEED) -> None:
    """Generate and write n cases in one transaction, secondary indexes built after the load."""
    from django.db import connection

    from civicgrid.cases.models import Case

    table = Case._meta.db_table
    raw = connection.connection
    indexes = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
                          (table,)).fetchall()
    now = _times(np.array([int(NOW.timestamp())]))[0]
    names = ", ".join(f'"{c}"' for c in CASE_COLS)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(CASE_COLS))})'
    raw.execute("BEGIN IMMEDIATE")
    for name, _sql in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    for k, first in enumerate(range(0, n, CHUNK)):
        rng = np.random.default_rng([seed, k])
        raw.executemany(sql, case_rows(generate_chunk(rng, city, first, min(CHUNK, n - first)),
                                       now))
    for _name, create in indexes:
        raw.execute(create)
    raw.execute("COMMIT")


# --- the two sides -----------------------------------------------------------------------------

KINDS = ("street", "department")


def run_rollups():
    from civicgrid.evaluation.ranking import rankings

    return {kind: rankings(unit_kind=kind, month=MONTH) for kind in KINDS}


def run_groupby():
    from civicgrid.bench.rankings_groupby import groupby_counts
    from civicgrid.evaluation.ranking import rankings

    return {kind: rankings(unit_kind=kind, month=MONTH, counter=groupby_counts)
            for kind in KINDS}


def _figures(result) -> dict:
    return {kind: [(r.unit_code, r.rank, r.previous_rank, r.composite, r.counts) for r in rows]
            for kind, rows in result.items()}


def previous_counts_equal() -> bool:
    """September's counters, which the two sides used only for the movement."""
    from civicgrid.bench.rankings_groupby import groupby_counts
    from civicgrid.evaluation.metrics import unit_counts
    from civicgrid.evaluation.ranking import month_bounds
    from civicgrid.evaluation.units import unit_codes

    start, end = month_bounds(MONTH - dt.timedelta(days=1))
    for kind in KINDS:
        codes = unit_codes(kind)
        if unit_counts(unit_kind=kind, start=start, end=end, units=codes) != \
                groupby_counts(kind, start, end, codes):
            return False
    return True


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def run_rankings(n: int, *, rounds: int = ROUNDS) -> Result:
    from civicgrid.evaluation.rollups import rollup_rebuild

    with temporary_database():
        t0 = time.perf_counter()
        city = setup_city()
        write_cases(city, n)
        generate_s = time.perf_counter() - t0
        report = rollup_rebuild()
        build_s = time.perf_counter() - t0
        ours_ms = base_ms = float("inf")
        ours = base = None
        for i in range(rounds):
            ms, ours = timed(run_rollups)
            ours_ms = min(ours_ms, ms)
            if i < BASELINE_ROUNDS or base is None:
                ms, base = timed(run_groupby)
                base_ms = min(base_ms, ms)
        equal = _figures(ours) == _figures(base) and previous_counts_equal()
        ranked = {k: sum(r.rank is not None for r in rows) for k, rows in ours.items()}
        units = {k: len(rows) for k, rows in ours.items()}
    return time_result(
        value=round(ours_ms, 1), baseline=round(base_ms, 1), unit="ms", equal=equal,
        n_cases=n, build_s=round(build_s, 1), generate_s=round(generate_s, 1),
        rollup_s=round(report.seconds, 1), rollup_rows=report.rows, month=f"{MONTH:%Y-%m}",
        streets=units["street"], departments=units["department"], ranked=ranked,
        target_ms=200, db="sqlite")


@benchmark("rankings", "一个月全部街道和部门的排名：读汇总表，对比直接在案件表上 GROUP BY 计算同样的数字")
def bench_rankings(scale: float, *, rounds: int = ROUNDS) -> Result:
    return run_rankings(max(int(N_CASES * scale), 1000), rounds=rounds)
