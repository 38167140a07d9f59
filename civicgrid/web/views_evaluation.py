"""Rankings pages: the monthly (or any period's) ranking per unit kind with every metric's
definition, counts beside rates and movement; one unit's last twelve months with a chart; the
Excel export. Thin: who sees which rows is civicgrid.evaluation.units, the figures come from
civicgrid.evaluation.selectors (the rollups)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.errors import PermissionDenied as DomainPermissionDenied
from civicgrid.evaluation import selectors
from civicgrid.evaluation.export import rankings_workbook
from civicgrid.evaluation.metrics import (
    COUNTER_DEFINITIONS,
    METRICS,
    PERIODS,
    UNIT_RULE,
    period_bounds,
    unrated_policy,
)
from civicgrid.evaluation.ranking import EXTRAS, composite_rule, kind_label, weights_for
from civicgrid.evaluation.units import kinds_for

from .access import page

PERIOD_LABELS = {"month": "月度", "quarter": "季度", "year": "年度", "day": "日", "custom": "自定义"}
UNRATED_LABELS = {"exclude": "不计入（默认）", "satisfied": "按满意、已解决计入",
                  "unsatisfied": "按不满意、未解决计入"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Who may open the rankings (access.page checks it before the view runs); which kinds of
# units each actor sees comes from civicgrid.evaluation.units.kinds_for.
evaluation_page = page("evaluation.view", message=gettext_lazy(
    "排名页面只对工作人员开放。居民请使用“案件查询”查看自己反映的问题。"))


def _kinds(request) -> list[str]:
    kinds = kinds_for(request.user)
    if not kinds:  # may("evaluation.view") passed, so every staff role has at least one kind
        raise Http404(_("没有这类排名，或您无权查看。"))
    return kinds


@dataclass
class Query:
    period: str
    start: dt.date
    end: dt.date
    anchor: dt.date
    unrated: str
    error: str = ""

    def params(self, **extra) -> str:
        values = {"period": self.period, "month": f"{self.anchor:%Y-%m}",
                  "unrated": self.unrated}
        if self.period == "day":
            values["date"] = f"{self.anchor:%Y-%m-%d}"
        if self.period == "custom":
            values.update(start=f"{self.start:%Y-%m-%d}", end=f"{self.end:%Y-%m-%d}")
        values.update(extra)
        return urlencode(values)


def _date(text: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, fmt).date()
    except (TypeError, ValueError):
        return None


def parse_query(params) -> Query:
    """The period and the unrated policy from the query string; bad input falls back to this
    month with a message saying what was wrong."""
    today = timezone.localdate()
    error = ""
    period = params.get("period") or "month"
    if period not in PERIODS:
        period, error = "month", _("统计周期只能是日、月、季度、年或自定义，已按月统计。")
    anchor = _date(params.get("month", ""), "%Y-%m") or today
    if period == "day":
        anchor = _date(params.get("date", ""), "%Y-%m-%d") or today
    try:
        unrated = unrated_policy(params.get("unrated") or None)
    except DomainError as exc:
        unrated, error = unrated_policy(None), exc.message
    try:
        start, end = period_bounds(period, anchor,
                                   start=_date(params.get("start", ""), "%Y-%m-%d"),
                                   end=_date(params.get("end", ""), "%Y-%m-%d"))
    except DomainError as exc:
        period, error = "month", exc.message
        start, end = period_bounds("month", anchor)
    return Query(period, start, end, anchor, unrated, error)


def definitions(unit_kind: str | None = None) -> dict:
    extras = [e for e in EXTRAS.values() if unit_kind is None or unit_kind in e.kinds]
    return {"metrics": list(METRICS.values()), "extras": extras,
            "counters": list(COUNTER_DEFINITIONS.items()), "unit_rule": UNIT_RULE,
            "composite_rule": composite_rule()}


def columns(unit_kind: str) -> list[dict]:
    cols = [{"code": c, "label": m.label_zh, "extra": False, "higher": m.higher_is_better}
            for c, m in METRICS.items()]
    return cols + [{"code": c, "label": e.label_zh, "extra": True, "higher": e.higher_is_better}
                   for c, e in EXTRAS.items() if unit_kind in e.kinds]


def _number(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def cells(row, cols: list[dict]) -> list[dict]:
    """Each column's rate with its counts, as the page prints them."""
    out = []
    for col in cols:
        v = row.extras.get(col["code"]) if col["extra"] else row.metrics.get(col["code"])
        if v is None or v.rate is None:
            out.append({"rate": "—", "counts": "", "missing": True, "label": col["label"]})
        elif col["code"] == "street_score":
            out.append({"rate": _("%(score)s 分") % {"score": _number(v.numerator)},
                        "counts": _("%(n)s 次评分") % {"n": v.denominator}, "missing": False,
                        "label": col["label"]})
        else:
            out.append({"rate": f"{v.rate * 100:.1f}%",
                        "counts": f"{_number(v.numerator)} / {_number(v.denominator)}",
                        "missing": False, "label": col["label"]})
    return out


@evaluation_page
def rankings_page(request):
    kinds = _kinds(request)
    kind = request.GET.get("kind") or kinds[0]
    if kind not in kinds:
        raise Http404(_("没有这类排名，或您无权查看。"))
    q = parse_query(request.GET)
    table = selectors.ranking_table(request.user, unit_kind=kind, start=q.start, end=q.end,
                                    unrated=q.unrated)
    weights = weights_for(kind)
    labels = {**{c: m.label_zh for c, m in METRICS.items()},
              **{c: e.label_zh for c, e in EXTRAS.items()}}
    cols = columns(kind)
    return render(request, "web/evaluation/rankings.html", {
        "q": q, "kind": kind, "table": table, "kind_label": kind_label(kind), "columns": cols,
        "rows": [{"row": r, "cells": cells(r, cols)} for r in table.rows],
        "tabs": [{"kind": k, "label": kind_label(k), "query": q.params(kind=k)} for k in kinds],
        "periods": [(p, _(PERIOD_LABELS[p])) for p in PERIODS],
        "unrated_choices": [(k, _(v)) for k, v in UNRATED_LABELS.items()],
        "weights": [(labels.get(c, c), w) for c, w in sorted(weights.items(), key=lambda x: -x[1])],
        "export_url": f"{reverse('web:evaluation_export')}?{q.params()}",
        "unit_query": f"month={q.anchor:%Y-%m}&unrated={q.unrated}",
        "unrated_label": _(UNRATED_LABELS[q.unrated]),
        **definitions(kind),
    })


@evaluation_page
def unit_page(request, kind: str, code: str):
    _kinds(request)
    q = parse_query(request.GET)
    try:
        history = selectors.unit_history(request.user, unit_kind=kind, unit_code=code,
                                         month=q.anchor, unrated=q.unrated)
    except (NotFound, DomainPermissionDenied) as exc:
        raise Http404(exc.message) from exc
    chart = {
        "months": [f"{m.month:%Y-%m}" for m in history.months],
        "series": [{"name": _("综合得分"), "data": [
            None if m.row.composite is None else round(m.row.composite, 1)
            for m in history.months]}] + [
            {"name": str(METRICS[c].label_zh), "data": [
                None if m.row.metrics[c].rate is None else round(m.row.metrics[c].rate * 100, 1)
                for m in history.months]}
            for c in ("response_rate", "resolution_rate", "satisfaction_rate")],
        "yName": _("得分 / 比率（%）"),
        "empty": _("这段时间没有数据"),
    }
    cols = columns(kind)
    return render(request, "web/evaluation/unit.html", {
        "history": history, "kind": kind, "kind_label": kind_label(kind), "q": q,
        "columns": cols, "chart": chart,
        "months": [{"m": m, "cells": cells(m.row, cols)} for m in history.months[::-1]],
        "back_url": f"{reverse('web:evaluation')}?{q.params(kind=kind)}",
        "unrated_label": _(UNRATED_LABELS[q.unrated]),
        "unrated_choices": [(k, _(v)) for k, v in UNRATED_LABELS.items()],
        **definitions(kind),
    })


@evaluation_page
def export_rankings(request):
    kinds = _kinds(request)
    q = parse_query(request.GET)
    sections = [(k, selectors.ranking_table(request.user, unit_kind=k, start=q.start, end=q.end,
                                            unrated=q.unrated).rows) for k in kinds]
    data = rankings_workbook(sections, period=(q.start, q.end), unrated=q.unrated)
    response = HttpResponse(data, content_type=XLSX)
    name = f"rankings-{q.start:%Y%m%d}-{q.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
