"""The composite score and the monthly rankings of streets, communities, grids and departments.

Composite score (0–100). Each metric's rate r (0..1) counts as r when higher is better and as
1 − r when lower is better (rework, extension, return rates); the composite is
    100 × Σ wᵢ·sᵢ / Σ wᵢ   over the metrics that HAVE a rate this period,
so a metric without a denominator (no rated case, no whistle) drops out and the remaining
weights are renormalised, instead of counting as 0 or as 100. A unit with no rate at all has no
composite and is listed, unranked, after the ranked ones.

Weights are CompositeWeight rows per unit kind, edited in the admin. The shipped file
data/default_weights.csv is an EXAMPLE the city changes, not an official number;
`weights_load_default()` copies it into the table without touching rows the city has changed.
Departments have three more figures with their own weights: the streets' scores of them
(`street_score`: DepartmentScore average ÷ 100, 一哨一考核、一件一考核) and report-in timeliness
(`report_in`: report-ins arrived on time ÷ report-ins summoned); streets have dispatch accuracy
(`dispatch_accuracy`: 1 − misrouted ÷ rated by the departments, 双向考评).

Ranks: by composite rounded to 2 decimals; equal composites share a rank (1, 1, 3) and are
listed by received count (more first), then code. Movement compares with the rank in the
previous period of the same length, computed over the same units.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import InvalidInput

from .models import COUNTERS, CompositeWeight, UnitKind

WEIGHTS_CSV = Path(__file__).parent / "data" / "default_weights.csv"
# Grid workers (basic force, 一员一格) are ranked by the cases of their grids, with the grids'
# weights: they are not a rollup unit of their own.
GRID_WORKER = "grid_worker"
RANKED_KINDS = (UnitKind.STREET.value, UnitKind.DEPARTMENT.value, UnitKind.COMMUNITY.value,
                GRID_WORKER)
PRECISION = 2  # composite decimals that decide ties
Counter = Callable[[str, dt.date, dt.date, list[str]], dict[str, dict[str, int]]]


@dataclass(frozen=True)
class Extra:
    """A figure that does not come from the case rollups."""

    code: str
    label_zh: str
    definition_zh: str
    kinds: tuple[str, ...]
    higher_is_better: bool = True


EXTRAS = {e.code: e for e in (
    Extra("street_score", gettext_lazy("街道评分"), gettext_lazy(
        "本期各街道对该部门的评分（一哨一考核、一件一考核，百分制）的平均分；计入综合评分时除以100。"
        "本期没有评分的部门不计此项，其余权重按比例放大。"), (UnitKind.DEPARTMENT,)),
    Extra("report_in", gettext_lazy("报到及时率"), gettext_lazy(
        "本期被召集（吹哨）的报到中，在报到时限内到场的比例：按时到场数 ÷ 召集数。"
        "迟到、缺席和超时未到均不计为按时；已撤销的吹哨不计。"), (UnitKind.DEPARTMENT,)),
    Extra("dispatch_accuracy", gettext_lazy("派遣准确率"), gettext_lazy(
        "本期各部门对该街道派遣案件的准确性评价（双向考评）中，评为准确的比例："
        "1 − 错派数 ÷ 评价数。本期没有评价的街道不计此项。"), (UnitKind.STREET,)),
)}


@dataclass(frozen=True)
class Figure:
    """A rate with the counts it came from, for the extras (same shape as MetricValue)."""

    rate: float | None
    numerator: float
    denominator: int
    detail: dict = field(default_factory=dict)  # the counts behind it, for the page


@dataclass
class RankRow:
    unit_code: str
    unit_name: str
    rank: int | None  # None: no rate at all this period
    previous_rank: int | None
    movement: int | None  # previous_rank − rank: positive moved up; None when not comparable
    composite: float | None  # 0–100
    metrics: dict = field(default_factory=dict)  # metric code -> MetricValue
    extras: dict[str, Figure] = field(default_factory=dict)  # extra code -> Figure
    counts: dict[str, int] = field(default_factory=dict)  # every rollup counter, summed

    @property
    def received(self) -> int:
        return int(self.counts.get("received", 0))

    @property
    def street_score(self) -> Figure | None:
        """Departments: the streets' average score (numerator, 0–100) over `denominator`
        scores; rate = average ÷ 100."""
        return self.extras.get("street_score")

    @property
    def report_in(self) -> Figure | None:
        """Departments: arrived on time (numerator) of summoned (denominator); detail has
        acknowledged_on_time, late and absent."""
        return self.extras.get("report_in")

    @property
    def is_new(self) -> bool:
        return self.rank is not None and self.previous_rank is None

    @property
    def movement_label(self) -> str:
        """↑2, ↓1, — (unchanged), 新上榜 (not ranked last period), '' (not ranked now)."""
        if self.rank is None:
            return ""
        if self.previous_rank is None:
            return _("新上榜")
        if not self.movement:
            return "—"
        return f"↑{self.movement}" if self.movement > 0 else f"↓{-self.movement}"


# --- weights -----------------------------------------------------------------------------------

def default_weights() -> dict[str, dict[str, float]]:
    """{unit_kind: {metric: weight}} from the shipped example file."""
    out: dict[str, dict[str, float]] = {}
    with WEIGHTS_CSV.open(encoding="utf-8", newline="") as f:
        lines = (line for line in f if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(lines):
            out.setdefault(row["unit_kind"], {})[row["metric"]] = float(row["weight"])
    return out


def known_metrics(unit_kind: str) -> dict[str, object]:
    """Metric codes a unit kind may weigh: every rollup metric, plus its extras."""
    from .metrics import METRICS

    return {**METRICS, **{c: e for c, e in EXTRAS.items() if unit_kind in e.kinds}}


def check_weights(weights: Mapping[str, Mapping[str, float]]) -> None:
    for kind, metrics in weights.items():
        if kind not in UnitKind.values:
            raise InvalidInput(_("权重文件中的单位类型“%(kind)s”不存在。") % {"kind": kind})
        known = known_metrics(kind)
        for code, w in metrics.items():
            if code not in known:
                raise InvalidInput(_("权重文件中的指标“%(code)s”不适用于%(kind)s。")
                                   % {"code": code, "kind": UnitKind(kind).label})
            if w < 0:
                raise InvalidInput(_("权重不能为负数（%(code)s）。") % {"code": code})


@transaction.atomic
def weights_load_default() -> int:
    """Copy the example weights into CompositeWeight where a (unit kind, metric) has no row yet;
    rows the city changed stay as they are. Returns how many rows were created."""
    weights = default_weights()
    check_weights(weights)
    have = set(CompositeWeight.objects.values_list("unit_kind", "metric"))
    new = [CompositeWeight(unit_kind=k, metric=m, weight=w)
           for k, metrics in weights.items() for m, w in metrics.items() if (k, m) not in have]
    CompositeWeight.objects.bulk_create(new)
    return len(new)


KIND_LABELS = {UnitKind.STREET.value: gettext_lazy("街道乡镇"),
               UnitKind.DEPARTMENT.value: gettext_lazy("职能部门"),
               UnitKind.COMMUNITY.value: gettext_lazy("社区村"),
               UnitKind.GRID.value: gettext_lazy("网格"),
               UnitKind.DISTRICT.value: gettext_lazy("区县"),
               GRID_WORKER: gettext_lazy("网格员")}


def kind_label(unit_kind: str) -> str:
    return str(KIND_LABELS.get(unit_kind, unit_kind))


def composite_rule() -> str:
    return _("综合得分 = 100 × Σ(权重 × 指标得分) ÷ Σ(有数据指标的权重)。指标得分为比率（0～1），"
             "越低越好的指标（返工率、延期率、退单率）取 1 − 比率；本期没有分母的指标不计，"
             "其余指标的权重按比例放大。综合得分相同（保留两位小数）名次并列，"
             "按受理数多者、编码小者在前列出。")


def weight_kind(unit_kind: str) -> str:
    return UnitKind.GRID.value if unit_kind == GRID_WORKER else unit_kind


def weights_for(unit_kind: str) -> dict[str, float]:
    """The weights in force for a unit kind: the table's rows, or the shipped example when the
    table has none for this kind (a fresh installation)."""
    unit_kind = weight_kind(unit_kind)
    rows = dict(CompositeWeight.objects.filter(unit_kind=unit_kind)
                .values_list("metric", "weight"))
    return rows or default_weights().get(unit_kind, {})


# --- composite ---------------------------------------------------------------------------------

def composite(rates: Mapping[str, float | None], weights: Mapping[str, float],
              higher_is_better: Mapping[str, bool] | None = None) -> float | None:
    """100 × Σ w·s / Σ w over the weighted metrics that have a rate (see the module doc)."""
    higher = higher_is_better or {}
    total = weight = 0.0
    for code, w in weights.items():
        rate = rates.get(code)
        if w <= 0 or rate is None:
            continue
        total += w * (rate if higher.get(code, True) else 1.0 - rate)
        weight += w
    return 100.0 * total / weight if weight else None


def _higher(unit_kind: str) -> dict[str, bool]:
    return {code: m.higher_is_better for code, m in known_metrics(unit_kind).items()}


# --- periods -----------------------------------------------------------------------------------

def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before: as many whole months when start..end is whole months (a month,
    a quarter, a year), else as many days."""
    if start.day == 1 and end == month_bounds(end)[1]:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = start
        for _i in range(months):
            first = month_bounds(first - dt.timedelta(days=1))[0]
        return first, start - dt.timedelta(days=1)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def resolve_period(month=None, start=None, end=None) -> tuple[dt.date, dt.date]:
    if month is not None:
        return month_bounds(month)
    if start is None or end is None:
        raise InvalidInput(_("请指定月份，或同时指定起止日期。"))
    if end < start:
        raise InvalidInput(_("结束日期不能早于开始日期。"))
    return start, end


# --- rankings ----------------------------------------------------------------------------------

def rankings(*, unit_kind: str, month: dt.date | None = None, start: dt.date | None = None,
             end: dt.date | None = None, units: Iterable[str] | None = None,
             unrated: str = "exclude", previous: bool = True,
             counter: Counter | None = None) -> list[RankRow]:
    """The ranking of `units` (codes; str(id) for departments and grid workers; None = every
    unit of the kind) over one month (any day in it) or the days start..end (both included),
    ranked rows first. `counter(unit_kind, start, end, codes) -> {code: {counter: n}}` reads
    the counts: the rollups by default (the benchmark passes its GROUP BY baseline)."""
    from .units import unit_codes, unit_names

    start, end = resolve_period(month, start, end)
    codes = list(unit_codes(unit_kind) if units is None else units)
    counter = counter or unit_counts
    rows = _scored(unit_kind, start, end, codes, unrated, counter)
    _rank(rows)
    if previous:
        before = _scored(unit_kind, *previous_period(start, end), codes, unrated, counter)
        _rank(before)
        old = {r.unit_code: r.rank for r in before}
        for r in rows:
            r.previous_rank = old.get(r.unit_code)
            if r.rank is not None and r.previous_rank is not None:
                r.movement = r.previous_rank - r.rank
    names = unit_names(unit_kind, codes)
    for r in rows:
        r.unit_name = names.get(r.unit_code, r.unit_code)
    return rows


def _scored(unit_kind: str, start: dt.date, end: dt.date, codes: list[str],
            unrated: str, counter: Counter) -> list[RankRow]:
    """One row per unit with its counts, metrics, extras and composite (no rank yet)."""
    from .metrics import metric_values, unrated_policy

    policy = unrated_policy(unrated)
    counts = counter(unit_kind, start, end, codes)
    extras = extra_figures(unit_kind, start, end, codes)
    weights, higher = weights_for(unit_kind), _higher(unit_kind)
    rows = []
    for code in codes:
        c = counts.get(code) or dict.fromkeys(COUNTERS, 0)
        metrics = metric_values(c, unrated=policy)
        figs = extras.get(code, {})
        rates = {k: v.rate for k, v in metrics.items()} | {k: f.rate for k, f in figs.items()}
        rows.append(RankRow(
            unit_code=code, unit_name=code, rank=None, previous_rank=None, movement=None,
            composite=composite(rates, weights, higher), metrics=metrics, extras=figs,
            counts=c))
    return rows


def unit_counts(unit_kind: str, start: dt.date, end: dt.date,
                codes: list[str]) -> dict[str, dict[str, int]]:
    """{code: {counter: sum}} from the rollups (metrics.unit_counts: one GROUP BY). A grid
    worker counts the cases of the grids assigned to them, summed (as metrics.worker_metrics)."""
    from .metrics import unit_counts as rollup_counts

    if not codes:
        return {}
    if unit_kind != GRID_WORKER:
        return rollup_counts(unit_kind=unit_kind, start=start, end=end, units=codes)
    from .units import worker_grids

    grids_of = worker_grids([int(c) for c in codes])
    grids = sorted({g for gs in grids_of.values() for g in gs})
    by_grid = rollup_counts(unit_kind=UnitKind.GRID, start=start, end=end, units=grids)
    return {str(w): {n: sum(by_grid[g][n] for g in gs) for n in COUNTERS}
            for w, gs in grids_of.items()}


def extra_figures(unit_kind: str, start: dt.date, end: dt.date,
                  codes: list[str]) -> dict[str, dict[str, Figure]]:
    """{unit code: {extra code: Figure}} for the extras of this unit kind."""
    from civicgrid.whistles import selectors as ws

    out: dict[str, dict[str, Figure]] = {}
    if unit_kind == UnitKind.DEPARTMENT and codes:
        ids = [int(c) for c in codes]
        for dept, s in ws.department_score_stats(start, end, department_ids=ids).items():
            if s["count"]:
                out.setdefault(str(dept), {})["street_score"] = Figure(
                    s["average"] / 100.0, s["average"], s["count"], dict(s))
        for dept, s in ws.whistle_report_in_stats(ids, start=start, end=end).items():
            if s["summoned"]:
                out.setdefault(str(dept), {})["report_in"] = Figure(
                    s["arrived_on_time"] / s["summoned"], s["arrived_on_time"], s["summoned"],
                    dict(s))
    elif unit_kind == UnitKind.STREET and codes:
        wanted = set(codes)
        for street, s in ws.dispatch_accuracy_stats(start, end).items():
            if street in wanted and s["rated"]:
                out.setdefault(street, {})["dispatch_accuracy"] = Figure(
                    1 - s["misrouted"] / s["rated"], s["rated"] - s["misrouted"], s["rated"],
                    dict(s))
    return out


def _rank(rows: list[RankRow]) -> None:
    """Sort in place and set ranks: ties share a rank (1, 1, 3); unranked rows last by code."""
    def key(r: RankRow):
        score = round(r.composite, PRECISION) if r.composite is not None else None
        return (score is None, -(score or 0.0), -r.received, r.unit_code)

    rows.sort(key=key)
    previous_score, previous_rank = None, 0
    for i, r in enumerate(rows, start=1):
        if r.composite is None:
            break
        score = round(r.composite, PRECISION)
        r.rank = previous_rank if score == previous_score else i
        previous_score, previous_rank = score, r.rank
