"""Read-only ledgers (台账, civicgrid.registry) and goals + indicators (civicgrid.indicators):
lists over the owners' selectors, scoped and masked exactly as their pages and exports are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from civicgrid.core.errors import InvalidInput
from civicgrid.core.permissions import require

from .schemas import Error

router = Router(tags=["ledgers"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
AREA_OR_EMPTY = r"^\s*(\d{6}|\d{9}|\d{12})?\s*$"
MAX_ID = 2**53


# --- ledgers ---------------------------------------------------------------------------------

class LedgerCount(Schema):
    name: str
    title: str
    count: int


class ColumnOut(Schema):
    field: str
    header: str
    kind: str


class LedgerPage(Schema):
    name: str
    title: str
    masked: bool = Field(description="个人信息是否已脱敏")
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(description="每行 {字段: 值}，值与导出的 Excel 一致")
    next_cursor: str | None


@router.get("/ledgers", response={200: list[LedgerCount], **ERRORS}, url_name="ledger_list",
            summary="台账（各台账行数）")
def ledger_list(request: HttpRequest, area: str = Query("", pattern=AREA_OR_EMPTY)):
    """Every ledger with how many rows of it the user may see (optionally inside `area`)."""
    from civicgrid.registry.selectors import ledger_counts

    require(request.user, "registry.view")
    return [{"name": lg.name, "title": lg.title_zh, "count": n}
            for lg, n in ledger_counts(request.user, area=area.strip())]


@router.get("/ledgers/{name}", response={200: LedgerPage, **ERRORS}, url_name="ledger_rows",
            summary="台账记录")
def ledger_rows(request: HttpRequest, name: str, area: str = Query("", pattern=AREA_OR_EMPTY),
                cursor: str | None = Query(None, pattern=r"^\d{1,16}$"),
                limit: int = Query(100, ge=1, le=500)):
    """The rows of one ledger the user may see, by id; personal fields masked unless the role
    may see personal data. `cursor`: the previous page's `next_cursor`."""
    from civicgrid.registry.exporting import export_queryset, export_rows
    from civicgrid.registry.ledgers import ledger_named
    from civicgrid.registry.selectors import ledger_rows as rows_of
    from civicgrid.registry.selectors import masked_for

    actor = request.user
    require(actor, "registry.view")
    ledger = ledger_named(name)
    qs = export_queryset(ledger, rows_of(actor, ledger, area=area.strip())).order_by("pk")
    if cursor:
        if not 0 < int(cursor) < MAX_ID:
            raise InvalidInput(_("分页游标无效，请从第一页重新查询。"), code="bad_cursor")
        qs = qs.filter(pk__gt=int(cursor))
    rows = list(qs[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    masked = masked_for(actor, ledger)
    fields = [c.field for c in ledger.columns]
    _header, cells = export_rows(ledger, rows, masked=masked)
    return {"name": ledger.name, "title": ledger.title_zh, "masked": masked,
            "columns": [{"field": c.field, "header": c.header, "kind": c.kind}
                        for c in ledger.columns],
            "rows": [dict(zip(fields, row, strict=True)) for row in cells],
            "next_cursor": str(rows[-1].pk) if more else None}


# --- goals + indicators ----------------------------------------------------------------------

class PlanOut(Schema):
    code: str
    name: str
    period_start: dt.date
    period_end: dt.date


class IndicatorOut(Schema):
    code: str
    name: str
    aspect: str
    unit: str
    direction: str
    kind: str
    source: str
    responsible_unit: str


class MeasurementOut(Schema):
    id: int
    area_code: str
    date: dt.date
    value: float
    status: str
    approved_value: float | None
    approved_date: dt.date | None
    note: str


@router.get("/indicators/plans", response={200: list[PlanOut], **ERRORS},
            url_name="plan_list", summary="规划（目标+指标）")
def plan_list(request: HttpRequest):
    from civicgrid.indicators.selectors import plans_for

    require(request.user, "indicator.view")
    return list(plans_for(request.user).values("code", "name", "period_start", "period_end"))


@router.get("/indicators/plans/{plan}/indicators", response={200: list[IndicatorOut], **ERRORS},
            url_name="indicator_list", summary="规划的指标")
def indicator_list(request: HttpRequest, plan: str):
    from civicgrid.indicators.selectors import plan_for

    p = plan_for(request.user, plan)
    return [{"code": i.code, "name": i.name, "aspect": i.aspect.name if i.aspect_id else "",
             "unit": i.unit, "direction": i.direction, "kind": i.kind, "source": i.source,
             "responsible_unit": i.responsible_unit}
            for i in p.indicators.select_related("aspect").order_by("sort_order", "code")]


@router.get("/indicators/plans/{plan}/indicators/{code}/measurements",
            response={200: list[MeasurementOut], **ERRORS}, url_name="measurement_list",
            summary="指标数据")
def measurement_list(request: HttpRequest, plan: str, code: str):
    """Approved figures for every viewer; working papers only inside the user's area."""
    from civicgrid.indicators.selectors import indicator_for, measurements_for, plan_for

    actor = request.user
    indicator = indicator_for(actor, plan_for(actor, plan), code)
    return [{"id": m.pk, "area_code": m.area_code, "date": m.date, "value": float(m.value),
             "status": m.status,
             "approved_value": None if m.approved_value is None else float(m.approved_value),
             "approved_date": m.approved_date, "note": m.note}
            for m in measurements_for(actor, indicator)]
