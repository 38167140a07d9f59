"""Metrics and rankings: the same numbers as the /evaluation/ pages, from the same selectors
(civicgrid.evaluation.selectors over the rollups), scoped by civicgrid.evaluation.units."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from civicgrid.core.errors import InvalidInput
from civicgrid.core.permissions import require
from civicgrid.evaluation import selectors
from civicgrid.evaluation.metrics import METRICS, period_bounds, unrated_policy
from civicgrid.evaluation.ranking import EXTRAS, RANKED_KINDS, weights_for

from .schemas import Error, IsoDate

router = Router(tags=["evaluation"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
KindName = Literal[tuple(RANKED_KINDS)]  # type: ignore[valid-type]
Unrated = Literal["exclude", "satisfied", "unsatisfied"]
# Dates outside these years are typing errors (and year 1 minus a month would overflow).
YEARS = (2000, 2100)


class Value(Schema):
    rate: float | None = Field(description="0..1；分母为 0 时为 null")
    numerator: float
    denominator: float


class RankRowOut(Schema):
    unit_code: str
    unit_name: str
    rank: int | None
    previous_rank: int | None
    movement: int | None
    composite: float | None
    metrics: dict[str, Value]
    extras: dict[str, Value]
    counts: dict[str, int]


class RankingOut(Schema):
    unit_kind: KindName
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    population: int = Field(description="参与排名的单位数")
    ranked: int = Field(description="本期有综合评分的单位数")
    weights: dict[str, float]
    rows: list[RankRowOut]


class MetricDef(Schema):
    code: str
    label: str
    definition: str
    numerator: str
    denominator: str
    higher_is_better: bool


class MonthOut(Schema):
    month: dt.date
    rank: int | None
    ranked: int
    row: RankRowOut


class HistoryOut(Schema):
    unit_kind: KindName
    unit_code: str
    unit_name: str
    months: list[MonthOut]


class PeriodIn(Schema):
    kind: KindName = "street"
    period: Literal["day", "month", "quarter", "year", "custom"] = "month"
    date: IsoDate | None = Field(None, description="period 的任一天；默认今天")
    start: IsoDate | None = Field(None, description="custom 时的开始日期")
    end: IsoDate | None = Field(None, description="custom 时的结束日期（含）")
    unrated: Unrated | None = Field(None, description="未评价案件的计入方式")


def _value(v) -> dict:
    return {"rate": v.rate, "numerator": float(v.numerator), "denominator": float(v.denominator)}


def _row(r) -> dict:
    return {"unit_code": r.unit_code, "unit_name": r.unit_name, "rank": r.rank,
            "previous_rank": r.previous_rank, "movement": r.movement, "composite": r.composite,
            "metrics": {k: _value(v) for k, v in r.metrics.items()},
            "extras": {k: _value(v) for k, v in r.extras.items() if v is not None},
            "counts": {k: int(v) for k, v in r.counts.items()}}


def _check_years(*days: dt.date | None) -> None:
    if any(d is not None and not YEARS[0] <= d.year <= YEARS[1] for d in days):
        raise InvalidInput(_("日期应在 %(a)d 年至 %(b)d 年之间。") % {"a": YEARS[0], "b": YEARS[1]},
                           code="period")


def _kind_allowed(actor, kind: str) -> None:
    # Which kinds each role may open is the selectors' (evaluation.units) business; they raise
    # PermissionDenied for the others.
    require(actor, "evaluation.view")


@router.get("/metrics", response={200: list[MetricDef], **ERRORS}, url_name="metric_list",
            summary="指标定义")
def metric_list(request: HttpRequest):
    """Every metric the rankings show: its definition, numerator and denominator."""
    require(request.user, "evaluation.view")
    out = [{"code": c, "label": m.label_zh, "definition": m.definition_zh,
            "numerator": m.numerator, "denominator": m.denominator,
            "higher_is_better": m.higher_is_better} for c, m in METRICS.items()]
    out += [{"code": c, "label": str(e.label_zh), "definition": str(e.definition_zh),
             "numerator": "", "denominator": "", "higher_is_better": e.higher_is_better}
            for c, e in EXTRAS.items()]
    return [{k: str(v) if k != "higher_is_better" else v for k, v in d.items()} for d in out]


@router.get("/rankings", response={200: RankingOut, **ERRORS}, url_name="ranking",
            summary="排名")
def ranking(request: HttpRequest, q: Query[PeriodIn]):
    """The ranking of one unit kind over a period, the rows this user may see (with each
    row's rank among the whole population), as on the rankings page."""
    actor = request.user
    _kind_allowed(actor, q.kind)
    _check_years(q.date, q.start, q.end)
    start, end = period_bounds(q.period, q.date or timezone.localdate(), start=q.start,
                               end=q.end)
    table = selectors.ranking_table(actor, unit_kind=q.kind, start=start, end=end,
                                    unrated=unrated_policy(q.unrated))
    return {"unit_kind": q.kind, "start": table.start, "end": table.end,
            "previous_start": table.previous[0], "previous_end": table.previous[1],
            "population": table.population, "ranked": table.ranked,
            "weights": {k: float(v) for k, v in weights_for(q.kind).items()},
            "rows": [_row(r) for r in table.rows]}


@router.get("/units/{kind}/{code}", response={200: HistoryOut, **ERRORS},
            url_name="unit_history", summary="单位逐月指标")
def unit_history(request: HttpRequest, kind: KindName, code: str,
                 month: IsoDate | None = None,
                 months: int = Query(12, ge=1, le=36), unrated: Unrated | None = None):
    """One unit's figures and rank for each of the `months` months ending with `month`'s
    (default: this month). Unit codes: area codes, or the id of a department / grid worker."""
    actor = request.user
    _kind_allowed(actor, kind)
    _check_years(month)
    history = selectors.unit_history(actor, unit_kind=kind, unit_code=code,
                                     month=month or timezone.localdate(), months=months,
                                     unrated=unrated_policy(unrated))
    return {"unit_kind": kind, "unit_code": history.unit_code, "unit_name": history.unit_name,
            "months": [{"month": m.month, "rank": m.rank, "ranked": m.ranked, "row": _row(m.row)}
                       for m in history.months]}
