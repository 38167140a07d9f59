"""The evaluation rules, as a pure function on plain data (no database), so that every rule can
be tested on hand-made indicators and explained on the page in the same words.

An indicator at a date `as_of` is, in this order:

1. not evaluable (不具备评估条件) when it is marked so with a reason (e.g. "五年累计指标，中期不
   评估"), when its figure cannot be obtained (a computed indicator whose calculation is not
   available), when it has no final target, or when it has no approved measurement dated on or
   before `as_of`;
2. completed (已完成) when the latest approved measurement on or before `as_of` reaches the
   final target (≥ for higher-is-better, ≤ for lower-is-better) — whenever that happens;
3. otherwise it is compared with the mid-term requirement at `as_of`:
   - on or after the final target's date: the final target itself;
   - else the mid-term target of the latest milestone dated on or before `as_of`, if any;
   - else linear progress from the baseline to the final target:
     baseline + (target − baseline) × (as_of − baseline date) / (target date − baseline date),
     the fraction clamped to [0, 1]. A cumulative indicator without a baseline starts from 0 at
     the plan's start (its figures are totals accumulated since then). A level indicator without
     a baseline cannot be judged against linear progress: not evaluable.
   Reaching the requirement is "meets the mid-term requirement" (达到中期要求), otherwise
   "lagging" (滞后).

Cumulative indicators: each measurement records the running total since the plan's start
(累计值), so the value at `as_of` is the latest one, never a sum of measurements — the seeds quote
running totals ("累计建成845个") and a sum would count a corrected figure twice.

The summary counts every indicator once; percentages are of the evaluable ones, rounded half up
to one decimal (the seed: 14 of 26 = 53.8%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

COMPLETED = "completed"
MIDTERM = "midterm"
LAGGING = "lagging"
NOT_EVALUABLE = "not_evaluable"
STATUSES = (COMPLETED, MIDTERM, LAGGING, NOT_EVALUABLE)
STATUS_LABELS = {
    COMPLETED: _("已完成"),
    MIDTERM: _("达到中期要求"),
    LAGGING: _("滞后"),
    NOT_EVALUABLE: _("不具备评估条件"),
}

# Reasons for "not evaluable". A plan whose figures come from the seed documents says so
# ("种子文件未给出…"): the gap is in the sources, not in anyone's work.
REASONS = {
    "no_target": (_("未设定期末目标值"), _("种子文件未给出目标值")),
    "nothing": (_("未设定期末目标值，也没有数据"), _("种子文件未给出目标值和数据")),
    "no_data": (_("截至评估日没有已审核的数据"), _("种子文件未给出数据")),
    "no_baseline": (_("未设定基期值和中期目标，无法计算中期要求"),
                    _("种子文件未给出基期值，无法计算中期要求")),
}

# Requirement bases (how the mid-term requirement was obtained).
BASIS_FINAL = "final"
BASIS_MIDTERM = "midterm_target"
BASIS_LINEAR = "linear"
BASIS_LABELS = {BASIS_FINAL: _("期末目标"), BASIS_MIDTERM: _("中期目标"),
                BASIS_LINEAR: _("按线性进度")}


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: Decimal


@dataclass(frozen=True)
class IndicatorData:
    """Everything the rules need about one indicator in one area."""

    code: str
    name: str = ""
    unit: str = ""
    higher_is_better: bool = True
    cumulative: bool = False
    plan_start: dt.date | None = None
    baseline: Point | None = None
    final: Point | None = None
    midterms: tuple[Point, ...] = ()
    measurements: tuple[Point, ...] = ()  # approved figures only, any order
    marked_reason: str = ""  # explicitly not evaluable
    unavailable_reason: str = ""  # the figure cannot be obtained (computed, not available)
    from_seeds: bool = False
    area_code: str = ""
    aspect: str = ""  # aspect code, for grouping


@dataclass(frozen=True)
class Result:
    code: str
    status: str
    reason: str = ""
    value: Decimal | None = None
    value_date: dt.date | None = None
    target: Decimal | None = None
    target_date: dt.date | None = None
    requirement: Decimal | None = None
    basis: str = ""
    basis_date: dt.date | None = None
    data: IndicatorData | None = field(default=None, compare=False, repr=False)

    @property
    def evaluable(self) -> bool:
        return self.status != NOT_EVALUABLE

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS.get(self.basis, ""))


def reaches(value: Decimal, goal: Decimal, *, higher_is_better: bool) -> bool:
    return value >= goal if higher_is_better else value <= goal


def latest(points: Iterable[Point], as_of: dt.date) -> Point | None:
    """The latest point dated on or before as_of (the last one given wins a tie)."""
    best = None
    for p in points:
        if p.date <= as_of and (best is None or p.date >= best.date):
            best = p
    return best


def linear(start: Point, end: Point, as_of: dt.date) -> Decimal:
    span = (end.date - start.date).days
    if span <= 0:
        return end.value
    fraction = Decimal(min(max((as_of - start.date).days, 0), span)) / Decimal(span)
    return start.value + (end.value - start.value) * fraction


def requirement(data: IndicatorData, as_of: dt.date) -> tuple[Decimal, str, dt.date | None] | None:
    """The mid-term requirement at as_of and how it was obtained; None when it cannot be."""
    final = data.final
    if final is None:
        return None
    if as_of >= final.date:
        return final.value, BASIS_FINAL, final.date
    milestone = latest((m for m in data.midterms if m.date < final.date), as_of)
    if milestone is not None:
        return milestone.value, BASIS_MIDTERM, milestone.date
    start = data.baseline
    if start is None and data.cumulative and data.plan_start is not None:
        start = Point(data.plan_start, Decimal(0))
    if start is None:
        return None
    return linear(start, final, as_of), BASIS_LINEAR, None


def _reason(key: str, from_seeds: bool) -> str:
    return str(REASONS[key][1 if from_seeds else 0])


def evaluate(data: IndicatorData, as_of: dt.date) -> Result:
    """The status of one indicator at as_of (see the module docstring for the rules)."""
    final = data.final
    common = {"code": data.code, "data": data,
              "target": final.value if final else None,
              "target_date": final.date if final else None}
    if data.marked_reason:
        return Result(status=NOT_EVALUABLE, reason=data.marked_reason, **common)
    if data.unavailable_reason:
        return Result(status=NOT_EVALUABLE, reason=data.unavailable_reason, **common)
    current = latest(data.measurements, as_of)
    seen = {"value": current.value if current else None,
            "value_date": current.date if current else None}
    if final is None:
        key = "nothing" if not data.measurements else "no_target"
        return Result(status=NOT_EVALUABLE, reason=_reason(key, data.from_seeds),
                      **common, **seen)
    if current is None:
        # "The seeds give no figure" only when there is none at all, not one dated later.
        seeds_silent = data.from_seeds and not data.measurements
        return Result(status=NOT_EVALUABLE, reason=_reason("no_data", seeds_silent), **common)
    hib = data.higher_is_better
    if reaches(current.value, final.value, higher_is_better=hib):
        return Result(status=COMPLETED, **common, **seen)
    req = requirement(data, as_of)
    if req is None:
        return Result(status=NOT_EVALUABLE, reason=_reason("no_baseline", data.from_seeds),
                      **common, **seen)
    value, basis, basis_date = req
    status = MIDTERM if reaches(current.value, value, higher_is_better=hib) else LAGGING
    return Result(status=status, requirement=value, basis=basis, basis_date=basis_date,
                  **common, **seen)


def percent(n: int, of: int) -> Decimal | None:
    if not of:
        return None
    return (Decimal(100) * n / of).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Summary:
    total: int
    completed: int
    midterm: int
    lagging: int
    not_evaluable: int

    @property
    def evaluable(self) -> int:
        return self.total - self.not_evaluable

    @property
    def completed_pct(self) -> Decimal | None:
        return percent(self.completed, self.evaluable)

    @property
    def midterm_pct(self) -> Decimal | None:
        return percent(self.midterm, self.evaluable)

    @property
    def lagging_pct(self) -> Decimal | None:
        return percent(self.lagging, self.evaluable)

    def as_dict(self) -> dict:
        return {"total": self.total, "evaluable": self.evaluable, "completed": self.completed,
                "midterm": self.midterm, "lagging": self.lagging,
                "not_evaluable": self.not_evaluable}


def summarize(results: Sequence[Result]) -> Summary:
    counts = {s: 0 for s in STATUSES}
    for r in results:
        counts[r.status] += 1
    return Summary(total=len(results), completed=counts[COMPLETED], midterm=counts[MIDTERM],
                   lagging=counts[LAGGING], not_evaluable=counts[NOT_EVALUABLE])
