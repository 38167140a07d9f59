"""Keeping the rollup rows exact: CaseRollup (unit × category × report day) and UnitDayRollup
(unit × report day, the same counters summed over categories, for the reads without a category
filter: rankings, dashboards).

Online path: every change to a case calls `rollup_case_change(before, after)` in the change's own
transaction (cases/services/transition.py and intake.py): the old flags are subtracted from the
old keys and the new flags added to the new keys; only counters that move are written, with
`UPDATE ... SET col = col + d` so concurrent changes of cases sharing a row add up. A missing
row is inserted first with INSERT ... ON CONFLICT DO NOTHING (two transactions may race to
create it), then updated. Keys are written in sorted order, CaseRollup's before
UnitDayRollup's, so that two transactions touching the same rows on PostgreSQL lock them in the
same order and cannot deadlock. A unit-day row moves by the sum of its categories' deltas: a
case that only changes category leaves it alone.

Batch path: `rollup_rebuild` recomputes the rows from the case table in one pass with numpy
(flags.flags_many, then one sort and a count per unit kind: rollups_rebuild.py) and replaces
them, or with check=True only lists the rows that differ; `civicgrid evaluation rebuild
[--check]` runs it by hand. Bulk imports add the rows of each chunk's new cases instead
(rollups_rebuild.RollupAdder: the same vectorised flags, computed from the chunk's own
columns, added with INSERT ... ON CONFLICT DO UPDATE), so nothing is read back.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F

from .flags import Key, case_flags, rollup_keys
from .models import COUNTERS, CaseRollup, UnitDayRollup

# --- the online path -------------------------------------------------------------------------

def case_contribution(case) -> dict[Key, tuple[int, ...]]:
    """{rollup key: flags} that one case adds to the rollups (nothing for no case)."""
    if case is None:
        return {}
    flags = case_flags(case)
    if not any(flags):
        return {}
    return dict.fromkeys(rollup_keys(case), flags)


def rollup_delta(before, after) -> dict[Key, dict[str, int]]:
    """{key: {counter: change}} that turns `before`'s contribution into `after`'s, without
    zero changes."""
    delta: dict[Key, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for sign, case in ((-1, before), (1, after)):
        for key, flags in case_contribution(case).items():
            row = delta[key]
            for i, f in enumerate(flags):
                row[i] += sign * f
    return {key: changes for key, row in delta.items()
            if (changes := {COUNTERS[i]: d for i, d in enumerate(row) if d})}


def unit_day_delta(delta: dict[Key, dict[str, int]]
                   ) -> dict[tuple[str, str, dt.date], dict[str, int]]:
    """The rollup delta summed over categories: {(unit_kind, unit_code, day): {counter:
    change}}, without zero changes (a change of category alone sums to nothing)."""
    summed: dict[tuple[str, str, dt.date], dict[str, int]] = defaultdict(dict)
    for (kind, code, _category, day), changes in delta.items():
        row = summed[(kind, code, day)]
        for name, d in changes.items():
            row[name] = row.get(name, 0) + d
    return {key: changes for key, row in summed.items()
            if (changes := {name: d for name, d in row.items() if d})}


def rollup_case_change(before, after) -> int:
    """Apply the change of one case (None before = created, None after = deleted) to the rollup
    rows (CaseRollup and UnitDayRollup); returns how many rows were written. Call it inside the
    change's transaction, with `before` as the case was read before the change and `after` as
    stored after it."""
    delta = rollup_delta(before, after)
    if not delta:
        return 0
    by_day = unit_day_delta(delta)
    with transaction.atomic():
        _apply(CaseRollup, ("unit_kind", "unit_code", "category_id", "day"), delta)
        _apply(UnitDayRollup, ("unit_kind", "unit_code", "day"), by_day)
    return len(delta) + len(by_day)


def _apply(model, fields: tuple[str, ...], delta: dict[tuple, dict[str, int]]) -> None:
    """Add each key's changes to its row of `model` (key = values of `fields`), inserting the
    missing rows first; keys in sorted order (the lock order)."""
    keys = sorted(delta)
    missing = [k for k in keys if not _add(model, fields, k, delta[k])]
    if missing:
        model.objects.bulk_create([model(**dict(zip(fields, k, strict=True))) for k in missing],
                                  ignore_conflicts=True)
        for k in missing:
            if not _add(model, fields, k, delta[k]):  # pragma: no cover - exists by now
                raise RuntimeError(f"{model.__name__} row {k} missing after insert")


def _add(model, fields: tuple[str, ...], key: tuple, changes: dict[str, int]) -> bool:
    return bool(model.objects.filter(**dict(zip(fields, key, strict=True))).update(
        **{name: F(name) + d for name, d in changes.items()}))


# --- the batch path --------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """One rollup row whose stored counters differ from the recomputation (absent = zeros);
    category_id None = a UnitDayRollup row (all categories)."""

    unit_kind: str
    unit_code: str
    category_id: int | None
    day: dt.date
    stored: dict[str, int]
    expected: dict[str, int]

    def describe(self) -> str:
        moved = ", ".join(f"{name} {self.stored.get(name, 0)}→{self.expected.get(name, 0)}"
                          for name in COUNTERS
                          if self.stored.get(name, 0) != self.expected.get(name, 0))
        what = "全部分类" if self.category_id is None else f"分类{self.category_id}"
        return f"{self.unit_kind}:{self.unit_code} {what} {self.day}: {moved}"


@dataclass
class RebuildReport:
    cases: int = 0  # cases read
    rows: int = 0  # non-zero rows recomputed (CaseRollup and UnitDayRollup)
    written: int = 0  # rows written (none with check=True)
    different: int = 0  # rows that differ (check=True only; absent rows count as zeros)
    differences: list[Difference] = field(default_factory=list)  # the first `limit` of them
    checked: bool = False
    seconds: float = 0.0
    days: tuple[dt.date, dt.date] | None = None

    @property
    def ok(self) -> bool:
        return not self.different


def rollup_rebuild(*, days: tuple[dt.date, dt.date] | None = None, check: bool = False,
                   limit: int | None = 1000) -> RebuildReport:
    """Recompute the rollup rows (CaseRollup, and UnitDayRollup summed from them) of the cases
    reported on `days` (first, last: local dates, both included; None = every day) from the
    case table.

    check=False replaces the stored rows of those days in both tables (rows of other days are
    not touched); check=True writes nothing and reports the rows that differ in either table
    (`different`, and the first `limit` in `differences`: CaseRollup's first). On PostgreSQL
    the rebuild locks both rollup tables so that online changes wait and then apply their
    deltas to the new rows; on SQLite the write transaction does the same. A check under live
    traffic may report rows that a concurrent change is just updating: run it again."""
    from .rollups_rebuild import compare, compute_rows, read_stored, sum_categories, write_rows

    started = time.perf_counter()
    report = RebuildReport(checked=check, days=days)
    with transaction.atomic():
        if not check and connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for model in (CaseRollup, UnitDayRollup):  # the online path's lock order
                    cur.execute(f'LOCK TABLE "{model._meta.db_table}" '
                                f"IN SHARE ROW EXCLUSIVE MODE")
        computed = compute_rows(days)
        by_day = sum_categories(computed)
        report.cases, report.rows = computed.cases, len(computed) + len(by_day)
        if check:
            listed = []
            for model, rows in ((CaseRollup, computed), (UnitDayRollup, by_day)):
                left = None if limit is None else max(limit - len(listed), 0)
                n, found = compare(rows, read_stored(days, model), left)
                report.different += n
                listed += [Difference(kind, code, None if model is UnitDayRollup else cat, day,
                                      stored=stored, expected=expected)
                           for (kind, code, cat, day), stored, expected in found]
            report.differences = listed
        else:
            report.written = (write_rows(computed, days)
                              + write_rows(by_day, days, UnitDayRollup))
    report.seconds = time.perf_counter() - started
    return report
