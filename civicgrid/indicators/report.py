"""A plan's evaluation at a date: every indicator's status (rules.evaluate on data read from the
database in three queries), the summary in the seed's form, per-aspect and per-area tables.

Per-area tables count, for each district or street, the indicators broken down to it (with a
target or an approved figure there); each is judged against that area's own targets — the
city's targets are not divided among areas (a count like 1,512 service circles has no share
for Xicheng unless one is set).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _

from . import computing, rules
from .models import Indicator, Measurement, Plan, Target, TargetKind
from .rules import IndicatorData, Point, Result, Summary
from .selectors import area_names

NO_ASPECT = _("未标明方面")


@dataclass
class Row:
    indicator: Indicator
    result: Result

    @property
    def aspect_name(self) -> str:
        return self.indicator.aspect.name if self.indicator.aspect else str(NO_ASPECT)


@dataclass
class Group:
    code: str
    name: str
    summary: Summary
    rows: list[Row] = field(default_factory=list)


@dataclass
class PlanReport:
    plan: Plan
    as_of: dt.date
    area_code: str
    area_name: str
    rows: list[Row]
    summary: Summary
    aspects: list[Group]
    areas: list[Group]

    @property
    def results(self) -> list[Result]:
        return [r.result for r in self.rows]

    @property
    def aspect_count(self) -> int:
        return len([g for g in self.aspects if g.code])

    def sentence(self) -> str:
        return summary_sentence(self)

    def reported(self) -> dict:
        return self.plan.reported_summary or {}


def _point(date, value) -> Point:
    return Point(date, Decimal(value))


def _data_for(ind: Indicator, area: str, targets: list[Target], figures: list[tuple],
              unavailable: str) -> IndicatorData:
    baseline = final = None
    midterms = []
    for t in targets:
        if t.kind == TargetKind.BASELINE:
            baseline = _point(t.date, t.value)
        elif t.kind == TargetKind.FINAL:
            final = _point(t.date, t.value)
        else:
            midterms.append(_point(t.date, t.value))
    return IndicatorData(
        code=ind.code, name=ind.name, unit=ind.unit,
        higher_is_better=ind.direction == "higher", cumulative=ind.kind == "cumulative",
        plan_start=ind.plan.period_start, baseline=baseline, final=final,
        midterms=tuple(sorted(midterms, key=lambda p: p.date)),
        measurements=tuple(_point(d, v) for d, v in figures),
        marked_reason=ind.not_evaluable_reason, unavailable_reason=unavailable,
        from_seeds=bool(ind.plan.source_seed), area_code=area,
        aspect=ind.aspect.code if ind.aspect else "")


def _load(plan: Plan):
    indicators = list(Indicator.objects.filter(plan=plan).select_related("plan", "aspect")
                      .order_by(F("aspect__sort_order").asc(nulls_last=True), "sort_order",
                                "code"))
    targets: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for t in Target.objects.filter(indicator__plan=plan):
        targets[(t.indicator_id, t.area_code)].append(t)
    figures: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for ind_id, area, day, value in (
            Measurement.objects.filter(indicator__plan=plan, approved_value__isnull=False)
            .order_by("approved_date", "entered_at", "pk")
            .values_list("indicator_id", "area_code", "approved_date", "approved_value")):
        figures[(ind_id, area)].append((day, value))
    return indicators, targets, figures


def _unavailable(indicators: list[Indicator]) -> dict[int, str]:
    computed = [i for i in indicators if i.is_computed]
    if not computed:
        return {}
    catalogue, why = computing.computed_catalogue()
    return {i.pk: (why if catalogue is None
                   else computing.unavailable_reason(i.compute_key, catalogue))
            for i in computed}


def _evaluate(indicators, targets, figures, unavailable, area: str, as_of) -> list[Row]:
    return [Row(ind, rules.evaluate(
        _data_for(ind, area, targets.get((ind.pk, area), []), figures.get((ind.pk, area), []),
                  unavailable.get(ind.pk, "")), as_of)) for ind in indicators]


def _by_aspect(plan: Plan, rows: list[Row]) -> list[Group]:
    groups: dict[str, Group] = {}
    for a in plan.aspects.order_by("sort_order", "code"):
        groups[a.code] = Group(a.code, a.name, rules.summarize([]))
    for row in rows:
        code = row.indicator.aspect.code if row.indicator.aspect else ""
        if code not in groups:
            groups[code] = Group(code, str(NO_ASPECT), rules.summarize([]))
        groups[code].rows.append(row)
    for g in groups.values():
        g.summary = rules.summarize([r.result for r in g.rows])
    return list(groups.values())


def plan_report(plan: Plan, *, as_of: dt.date, area_code: str = "") -> PlanReport:
    indicators, targets, figures = _load(plan)
    unavailable = _unavailable(indicators)
    rows = _evaluate(indicators, targets, figures, unavailable, area_code, as_of)
    areas: list[Group] = []
    if area_code == "":
        codes = sorted({a for (_i, a) in list(targets) + list(figures) if a})
        names = area_names(codes)
        for code in codes:
            broken_down = [i for i in indicators
                           if (i.pk, code) in targets or (i.pk, code) in figures]
            area_rows = _evaluate(broken_down, targets, figures, unavailable, code, as_of)
            areas.append(Group(code, names.get(code, code),
                               rules.summarize([r.result for r in area_rows]), area_rows))
    name = area_names([area_code]).get(area_code, area_code)
    return PlanReport(plan=plan, as_of=as_of, area_code=area_code, area_name=name, rows=rows,
                      summary=rules.summarize([r.result for r in rows]),
                      aspects=_by_aspect(plan, rows), areas=areas)


def _pct(value) -> str:
    return "—" if value is None else f"{value}%"


def summary_sentence(report: PlanReport) -> str:
    """The summary written the way the seed's mid-term evaluation writes it."""
    s = report.summary
    head = _("截至%(date)s，%(where)s%(aspects)s%(total)d项指标") % {
        "date": f"{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日",
        "where": "" if not report.area_code else f"{report.area_name}的",
        "aspects": _("%(n)d方面") % {"n": report.aspect_count} if report.aspect_count else "",
        "total": s.total}
    if not s.not_evaluable:
        middle = _("，")
    elif s.evaluable == 0:
        return head + _("均不具备评估条件。")
    else:
        middle = _("，除%(n)d项不具备评估条件外，其余%(m)d项指标中，") % {
            "n": s.not_evaluable, "m": s.evaluable}
    return head + middle + _(
        "有%(c)d项已经完成，占%(cp)s，%(mid)d项达到中期要求，占%(mp)s，"
        "%(lag)d项滞后，占%(lp)s。") % {
        "c": s.completed, "cp": _pct(s.completed_pct), "mid": s.midterm,
        "mp": _pct(s.midterm_pct), "lag": s.lagging, "lp": _pct(s.lagging_pct)}


def number(value: Decimal | None) -> str:
    """A figure without trailing zeros or exponent: 89, 0.183, 14900, 84.66."""
    if value is None:
        return "—"
    text = format(value.quantize(Decimal("0.0001")) if value != value.to_integral() else
                  value.to_integral(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def result_json(row: Row) -> dict:
    r = row.result
    ind = row.indicator

    def num(v):
        return None if v is None else float(round(v, 4))

    return {"code": ind.code, "name": ind.name, "aspect": row.aspect_name, "unit": ind.unit,
            "area_code": r.data.area_code if r.data else "", "status": r.status,
            "status_label": r.status_label, "reason": r.reason, "value": num(r.value),
            "value_date": r.value_date.isoformat() if r.value_date else None,
            "target": num(r.target),
            "target_date": r.target_date.isoformat() if r.target_date else None,
            "requirement": num(r.requirement), "basis": r.basis}


def report_json(report: PlanReport) -> dict:
    return {**report.summary.as_dict(), "indicators": [result_json(r) for r in report.rows]}
