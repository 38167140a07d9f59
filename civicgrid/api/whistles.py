"""Whistles (街乡吹哨、部门报到) through the API: list and read (scoped by
civicgrid.whistles.selectors: streets their own, departments the whistles that summoned them),
raise, a department's report-in (acknowledge, arrive), resolve, close and cancel — each one
service of civicgrid.whistles.services, so the rules are the pages' rules."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, StrictStr

from civicgrid.cases.selectors import cases_visible
from civicgrid.core.errors import InvalidInput, NotFound
from civicgrid.core.permissions import require
from civicgrid.whistles import selectors, services
from civicgrid.whistles.models import WhistleArea, WhistleProblem, WhistleState

from .schemas import Error

router = Router(tags=["whistles"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
ACT_ERRORS = {**ERRORS, 409: Error}
StateName = Literal[tuple(WhistleState.values)]  # type: ignore[valid-type]
MAX_ID = 2**53  # ids in bodies are bounded, so no value overflows a column


class ReportInOut(Schema):
    id: int
    department_id: int
    department: str
    summoned_at: dt.datetime
    deadline: dt.datetime
    acknowledged_at: dt.datetime | None
    arrived_at: dt.datetime | None
    arrival_distance_m: float | None
    absent_at: dt.datetime | None
    absent_reason: str
    note: str
    status: Literal[tuple(selectors.STATUSES)]  # type: ignore[valid-type]
    status_label: str


class WhistleOut(Schema):
    number: str
    state: StateName
    state_label: str
    area: Literal[("", *WhistleArea.values)]  # type: ignore[valid-type]
    problem_code: str
    problem: str
    exception_reason: str
    title: str
    description: str
    address: str
    lon: float
    lat: float
    district_code: str
    street_code: str
    community_code: str
    grid_code: str
    case_number: str | None
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    result: str
    report_ins: list[ReportInOut]


class WhistlePage(Schema):
    items: list[WhistleOut]
    next_cursor: str | None


# JSON bodies: strict types and plain pydantic models (see case_schemas.ReporterIn).
class WhistleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem: StrictStr | None = Field(None, max_length=16, description="吹哨清单中的具体问题编码")
    exception_reason: StrictStr = Field("", max_length=2000,
                                        description="清单外吹哨的理由（指挥长）")
    departments: list[StrictInt] | None = Field(
        None, max_length=50, description="召集部门编号；默认为该问题的通常召集部门")
    title: StrictStr = Field("", max_length=150)
    description: StrictStr = Field(..., min_length=1, max_length=4000)
    lon: StrictFloat | None = Field(None, ge=-180, le=180)
    lat: StrictFloat | None = Field(None, ge=-90, le=90)
    address: StrictStr = Field("", max_length=255)
    case: StrictStr | None = Field(None, max_length=32, description="关联案件编号")


class ArriveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lon: StrictFloat = Field(..., ge=-180, le=180)
    lat: StrictFloat = Field(..., ge=-90, le=90)
    note: StrictStr = Field("", max_length=2000)


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: StrictStr = Field(..., min_length=1, max_length=4000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = Field(..., min_length=1, max_length=2000)


def _out(item: selectors.BoardWhistle) -> dict:
    w = item.whistle
    problem = w.problem
    return {
        "number": w.number, "state": w.state, "state_label": w.get_state_display(),
        "area": problem.category.area if problem else "",
        "problem_code": problem.code if problem else "", "problem": problem.name if problem else "",
        "exception_reason": w.exception_reason, "title": w.title, "description": w.description,
        "address": w.address, "lon": w.lon, "lat": w.lat, "district_code": w.district_code,
        "street_code": w.street_code, "community_code": w.community_code,
        "grid_code": w.grid_code, "case_number": w.case.number if w.case_id else None,
        "raised_at": w.raised_at, "resolved_at": w.resolved_at, "closed_at": w.closed_at,
        "cancelled_at": w.cancelled_at, "result": w.result,
        "report_ins": [{
            "id": r.report_in.pk, "department_id": r.report_in.department_id,
            "department": r.report_in.department.name, "summoned_at": r.report_in.summoned_at,
            "deadline": r.report_in.deadline, "acknowledged_at": r.report_in.acknowledged_at,
            "arrived_at": r.report_in.arrived_at,
            "arrival_distance_m": r.report_in.arrival_distance_m,
            "absent_at": r.report_in.absent_at, "absent_reason": r.report_in.absent_reason,
            "note": r.report_in.note, "status": r.status, "status_label": r.label}
            for r in item.report_ins],
    }


def _render(whistles) -> list[dict]:
    return [_out(i) for i in selectors.with_report_ins(whistles, timezone.now())]


def _query(actor):
    return (selectors.whistles_visible(actor)
            .select_related("problem__category", "case")
            .prefetch_related(selectors.report_ins_prefetch()))


def visible_whistle(actor, number: str):
    require(actor, "whistle.view")
    whistle = _query(actor).filter(number=(number or "").strip().upper()).first()
    if whistle is None:
        raise NotFound(_("没有找到编号为“%(n)s”的吹哨，或它不在您的范围内。") % {"n": number},
                       code="whistle_not_found")
    return whistle


def _one(actor, number: str) -> dict:
    return _render([visible_whistle(actor, number)])[0]


@router.get("/", response={200: WhistlePage, **ERRORS}, url_name="whistle_list",
            summary="吹哨列表")
def whistle_list(request: HttpRequest, state: StateName | None = None,
                 cursor: str | None = Query(None, max_length=100),
                 limit: int = Query(50, ge=1, le=200)):
    """Whistles the user may see, newest first. `cursor`: the previous page's `next_cursor`."""
    require(request.user, "whistle.view")
    qs = _query(request.user).order_by("-raised_at", "-id")
    if state:
        qs = qs.filter(state=state)
    if cursor:
        try:
            last = int(cursor)
        except ValueError:
            last = 0
        if not 0 < last < MAX_ID:
            raise InvalidInput(_("分页游标无效，请从第一页重新查询。"), code="bad_cursor")
        # Numbers are unique and whistles are never deleted: page after the last one's row.
        row = qs.model.objects.filter(pk=last).values_list("raised_at", flat=True).first()
        if row is None:
            raise InvalidInput(_("分页游标无效，请从第一页重新查询。"), code="bad_cursor")
        qs = qs.filter(Q(raised_at__lt=row) | Q(raised_at=row, id__lt=last))
    rows = list(qs[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": _render(rows), "next_cursor": str(rows[-1].pk) if more else None}


@router.get("/{number}", response={200: WhistleOut, **ERRORS}, url_name="whistle_detail",
            summary="吹哨详情")
def whistle_detail(request: HttpRequest, number: str):
    return _one(request.user, number)


@router.post("/", response={201: WhistleOut, **ACT_ERRORS}, url_name="whistle_raise",
             summary="吹哨")
def whistle_raise(request: HttpRequest, payload: WhistleIn):
    """A street dispatcher or commander summons departments to a problem in their street
    (from the whistle catalogue; off the catalogue only the commander, with a reason)."""
    actor = request.user
    require(actor, "whistle.raise")
    problem = None
    if payload.problem:
        problem = WhistleProblem.objects.filter(code=payload.problem).first()
        if problem is None:
            raise InvalidInput(_("所选问题不在吹哨清单中，请重新选择。"), code="problem")
    case = None
    if payload.case:
        case = cases_visible(actor).filter(number=payload.case.strip().upper()).first()
        if case is None:
            raise InvalidInput(_("没有找到编号为“%(n)s”的案件，或它不在您的辖区内。")
                               % {"n": payload.case}, code="case")
    if payload.departments and not all(0 < d < MAX_ID for d in payload.departments):
        raise InvalidInput(_("所选部门不存在或已停用，请重新选择。"), code="departments")
    whistle = services.whistle_raise(
        actor=actor, problem=problem, exception_reason=payload.exception_reason,
        departments=payload.departments, title=payload.title,
        description=payload.description, lon=payload.lon, lat=payload.lat,
        address=payload.address, case=case)
    return Status(201, _one(actor, whistle.number))


def _own_report_in(actor, whistle):
    ri = whistle.report_ins.select_related("department", "whistle__problem").filter(
        department_id=getattr(actor, "department_id", None)).first()
    if ri is None:
        raise InvalidInput(_("本次吹哨没有召集您的部门。"), code="report_in")
    return ri


@router.post("/{number}/acknowledge", response={200: WhistleOut, **ACT_ERRORS},
             url_name="whistle_acknowledge", summary="部门响应")
def acknowledge(request: HttpRequest, number: str):
    """The user's department, summoned by this whistle, says it is on its way."""
    actor = request.user
    whistle = visible_whistle(actor, number)
    services.report_in_acknowledge(actor=actor, report_in=_own_report_in(actor, whistle))
    return _one(actor, number)


@router.post("/{number}/arrive", response={200: WhistleOut, **ACT_ERRORS},
             url_name="whistle_arrive", summary="部门到场报到")
def arrive(request: HttpRequest, number: str, payload: ArriveIn):
    """The user's department is on site; the position is checked against the whistle's."""
    actor = request.user
    whistle = visible_whistle(actor, number)
    services.report_in_arrive(actor=actor, report_in=_own_report_in(actor, whistle),
                              lon=payload.lon, lat=payload.lat, note=payload.note)
    return _one(actor, number)


@router.post("/{number}/resolve", response={200: WhistleOut, **ACT_ERRORS},
             url_name="whistle_resolve", summary="报告处置完成")
def resolve(request: HttpRequest, number: str, payload: ResultIn):
    actor = request.user
    services.whistle_resolve(actor=actor, whistle=visible_whistle(actor, number),
                             result=payload.result)
    return _one(actor, number)


@router.post("/{number}/close", response={200: WhistleOut, **ACT_ERRORS},
             url_name="whistle_close", summary="街道确认办结")
def close(request: HttpRequest, number: str):
    """事不完、人不撤: refused while a summoned department has neither arrived nor been marked
    absent."""
    actor = request.user
    services.whistle_close(actor=actor, whistle=visible_whistle(actor, number))
    return _one(actor, number)


@router.post("/{number}/cancel", response={200: WhistleOut, **ACT_ERRORS},
             url_name="whistle_cancel", summary="撤销吹哨")
def cancel(request: HttpRequest, number: str, payload: ReasonIn):
    actor = request.user
    services.whistle_cancel(actor=actor, whistle=visible_whistle(actor, number),
                            reason=payload.reason)
    return _one(actor, number)
