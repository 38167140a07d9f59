"""Whistle services: raise (吹哨), acknowledge and arrive (报到), resolve, close, mark absent,
cancel. Scores and dispatch ratings live in scores.py and are re-exported here.

Like the case transition service, each is keyword-only and atomic, checks role and scope through
the one permission policy, and records who and when on the rows themselves (whistles have no
separate event table). State changes are conditional UPDATEs: a whistle moves only if its state
and version are still the ones the actor saw, and a report-in is acknowledged or arrived only
once, so two people cannot both close a whistle or both report the same department in.

Deadlines run on the clock, not the working calendar: a gas leak at 22:00 on a Sunday is a gas
leak (deadline = raised_at + the problem's report_in_minutes).

Arrival is checked against the whistle's place: an arrival further than the problem's
arrival_radius_m is REFUSED, with the distance in the message — the point of 报到 is being
there, and a flagged-but-accepted arrival would let a department report in from its office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from civicgrid.core.geo import distance_m
from civicgrid.dispatch.models import Department

from .models import ReportIn, Whistle, WhistleProblem, WhistleState
from .scores import dispatch_rate, score_department  # noqa: F401  (re-exported)
from .selectors import is_absent

DEFAULT_REPORT_IN_MINUTES = 30
DEFAULT_ARRIVAL_RADIUS_M = 500
NUMBER_PREFIX = "SH"  # 哨: SH-XC-20250922-000001
CASE_STATES_CLOSED = ("closed", "rejected", "merged")
REPORTING_STATES = (WhistleState.OPEN, WhistleState.RESOLVED)


# --- checks -------------------------------------------------------------------------------------

def _login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录。"), code="login_required")


def _require_street(actor, action: str, area_code: str, message: str) -> None:
    """The actor has `action`'s role and stands on the street of `area_code`."""
    _login(actor)
    if not permissions.may(actor, action, SimpleNamespace(area_code=area_code)):
        raise PermissionDenied(message, code="forbidden")


def _require_department(actor, report_in: ReportIn) -> None:
    _login(actor)
    if actor.is_superuser:
        return
    if actor.role != Role.DEPARTMENT_HANDLER or actor.department_id != report_in.department_id:
        raise PermissionDenied(
            _("只有被召集部门「%(dept)s」的处置人员可以报到。") % {"dept": report_in.department.name},
            code="not_department")


def _required(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, code="required")
    return value


def _move(whistle: Whistle, from_states: Iterable[str], **values) -> Whistle:
    """The conditional UPDATE every state change goes through."""
    updated = Whistle.objects.filter(pk=whistle.pk, state__in=list(from_states),
                                     version=whistle.version).update(
        version=F("version") + 1, **values)
    if not updated:
        current = Whistle.objects.filter(pk=whistle.pk).first()
        if current is None:
            raise NotFound(_("吹哨记录不存在。"), code="whistle_missing")
        raise Conflict(_("该吹哨已被他人处理（当前状态：%(state)s），请刷新后重试。")
                       % {"state": current.get_state_display()}, code="whistle_moved")
    whistle.refresh_from_db()
    return whistle


def _whistle_number(district_code: str, at: dt.datetime) -> str:
    from civicgrid.cases.numbering import format_number, local_day, prefix_for, reserve_numbers

    prefix = f"{NUMBER_PREFIX}-{prefix_for(district_code)}"
    day = local_day(at)
    return format_number(prefix, day, reserve_numbers(prefix, day, 1))


def _departments(departments, problem: WhistleProblem | None) -> list[Department]:
    if departments is None:
        chosen = list(problem.departments.filter(active=True)) if problem else []
    else:
        ids = {d.pk if isinstance(d, Department) else int(d) for d in departments}
        chosen = list(Department.objects.filter(pk__in=ids, active=True))
        if len(chosen) != len(ids):
            raise InvalidInput(_("所选部门不存在或已停用，请重新选择。"), code="departments")
    if not chosen:
        raise InvalidInput(_("请至少选择一个召集部门。"), code="departments")
    return sorted(chosen, key=lambda d: d.code)


def _place(actor, case, lon, lat) -> tuple[float, float, dict[str, str]]:
    """The whistle's point and area codes: the case's own when raised on a case, else located."""
    if case is not None:
        if case.state in CASE_STATES_CLOSED:
            raise InvalidInput(_("案件已结案、不予立案或已合并，不能再吹哨。"), code="case_closed")
        if case.lon is not None and case.lat is not None:
            lon, lat = case.lon, case.lat
        codes = {"district_code": case.district_code, "street_code": case.street_code,
                 "community_code": case.community_code, "grid_code": case.grid_code}
        if case.street_code:
            return float(lon), float(lat), codes
    if lon is None or lat is None:
        raise InvalidInput(_("请在地图上点选或填写问题位置的经纬度。"), code="location")
    from civicgrid.territory.locator import get_locator

    loc = get_locator().locate(float(lon), float(lat))
    if loc is None:
        raise InvalidInput(_("该位置不在任何网格内，请核对经纬度。"), code="outside")
    return float(lon), float(lat), {
        "district_code": loc.district_code, "street_code": loc.street_code,
        "community_code": loc.community_code, "grid_code": loc.grid_code}


# --- raising ------------------------------------------------------------------------------------

@transaction.atomic
def whistle_raise(*, actor, problem: WhistleProblem | None = None, exception_reason: str = "",
                  departments: Iterable | None = None, title: str = "", description: str,
                  lon: float | None = None, lat: float | None = None, address: str = "",
                  case=None, at: dt.datetime | None = None) -> Whistle:
    """吹哨: a street dispatcher or commander summons departments to a problem in their street.
    `departments` (Department rows or ids) default to the problem's usual ones. A problem off
    the catalogue needs `exception_reason` and the street commander."""
    at = at or timezone.now()
    lon, lat, codes = _place(actor, case, lon, lat)
    _require_street(actor, "whistle.raise", codes["grid_code"] or codes["street_code"],
                    _("只有问题所在街道的派遣员或指挥长可以吹哨，请核对位置。"))
    reason = (exception_reason or "").strip()
    if problem is None:
        if not reason:
            raise InvalidInput(_("请从吹哨清单中选择具体问题；清单外的问题须由街道指挥长填写理由。"),
                               code="off_catalogue")
        if not (actor.is_superuser or actor.role == Role.STREET_COMMANDER):
            raise PermissionDenied(_("清单外吹哨须由街道指挥长决定并填写理由。"),
                                   code="commander_only")
    elif not problem.active:
        raise InvalidInput(_("该问题已停用，请选择吹哨清单中启用的问题。"), code="inactive")
    elif reason:
        raise InvalidInput(_("所选问题在吹哨清单内，无需填写清单外理由。"), code="reason")
    chosen = _departments(departments, problem)
    title = (title or "").strip() or (problem.name if problem else "")
    whistle = Whistle.objects.create(
        number=_whistle_number(codes["district_code"], at), **codes, problem=problem,
        exception_reason=reason, case=case,
        title=_required(title, _("请填写吹哨标题。")),
        description=_required(description, _("请说明现场情况和需要部门做什么。")),
        address=(address or "").strip(), lon=lon, lat=lat, raised_by=actor, raised_at=at)
    minutes = problem.report_in_minutes if problem else DEFAULT_REPORT_IN_MINUTES
    deadline = at + dt.timedelta(minutes=minutes)
    ReportIn.objects.bulk_create([ReportIn(whistle=whistle, department=d, summoned_at=at,
                                           deadline=deadline) for d in chosen])
    return whistle


@transaction.atomic
def whistle_summon(*, actor, whistle: Whistle, departments: Iterable,
                   at: dt.datetime | None = None) -> list[ReportIn]:
    """The street summons more departments to an open whistle (the job turned out to need
    them); each gets its own deadline from now."""
    _require_street(actor, "whistle.raise", whistle.area_code,
                    _("只有吹哨街道的派遣员或指挥长可以追加召集部门。"))
    if whistle.state != WhistleState.OPEN:
        raise InvalidInput(_("只有处置中的吹哨可以追加召集部门。"), code="not_open")
    at = at or timezone.now()
    chosen = _departments(departments, None)
    summoned = set(whistle.report_ins.values_list("department_id", flat=True))
    again = [d.name for d in chosen if d.pk in summoned]
    if again:
        raise InvalidInput(_("%(depts)s 已在召集之列。") % {"depts": "、".join(again)},
                           code="already_summoned")
    minutes = whistle.problem.report_in_minutes if whistle.problem_id \
        else DEFAULT_REPORT_IN_MINUTES
    _move(whistle, [WhistleState.OPEN])  # bumps the version: a concurrent close must re-check
    return ReportIn.objects.bulk_create([
        ReportIn(whistle=whistle, department=d, summoned_at=at,
                 deadline=at + dt.timedelta(minutes=minutes)) for d in chosen])


# --- reporting in -------------------------------------------------------------------------------

def _report_in_update(report_in: ReportIn, values: dict, **conditions) -> ReportIn:
    # A resolved whistle still waits for its departments (事不完、人不撤): they may report in
    # until the street confirms it.
    updated = ReportIn.objects.filter(pk=report_in.pk, whistle__state__in=REPORTING_STATES,
                                      arrived_at__isnull=True, absent_at__isnull=True,
                                      **conditions).update(**values)
    if not updated:
        report_in.refresh_from_db()
        report_in.whistle.refresh_from_db()
        if report_in.whistle.state not in REPORTING_STATES:
            raise Conflict(_("该吹哨已%(state)s，不能再报到。")
                           % {"state": report_in.whistle.get_state_display()}, code="not_open")
        if is_absent(report_in):
            raise Conflict(_("街道已将本部门标记为未到场，如有异议请联系街道指挥长。"), code="absent")
        raise Conflict(_("本部门已报到，无需重复操作。"), code="done")
    report_in.refresh_from_db()
    return report_in


@transaction.atomic
def report_in_acknowledge(*, actor, report_in: ReportIn,
                          at: dt.datetime | None = None) -> ReportIn:
    """The summoned department says it is on its way (响应)."""
    _require_department(actor, report_in)
    at = at or timezone.now()
    return _report_in_update(report_in, {"acknowledged_at": at, "acknowledged_by": actor},
                             acknowledged_at__isnull=True)


@transaction.atomic
def report_in_arrive(*, actor, report_in: ReportIn, lon: float, lat: float, note: str = "",
                     at: dt.datetime | None = None) -> ReportIn:
    """The summoned department is on site (到场), checked against the whistle's place."""
    _require_department(actor, report_in)
    at = at or timezone.now()
    if lon is None or lat is None:
        raise InvalidInput(_("请允许浏览器定位，或手动填写您所在位置的经纬度。"), code="location")
    whistle = report_in.whistle
    radius = whistle.problem.arrival_radius_m if whistle.problem_id else DEFAULT_ARRIVAL_RADIUS_M
    distance = float(distance_m(float(lon), float(lat), whistle.lon, whistle.lat))
    if distance > radius:
        raise InvalidInput(
            _("您的位置距现场约 %(d)s 米，超出到场核验范围（%(r)s 米），请到达现场后再报到。")
            % {"d": f"{distance:,.0f}", "r": radius}, code="too_far")
    values = {"arrived_at": at, "arrived_by": actor, "arrival_lon": float(lon),
              "arrival_lat": float(lat), "arrival_distance_m": round(distance, 1),
              "note": (note or "").strip()}
    if report_in.acknowledged_at is None:  # arriving says "on our way" too
        values.update(acknowledged_at=at, acknowledged_by=actor)
    return _report_in_update(report_in, values)


@transaction.atomic
def report_in_mark_absent(*, actor, report_in: ReportIn, reason: str,
                          at: dt.datetime | None = None) -> ReportIn:
    """The street commander records that a summoned department did not come, so the whistle
    can close; the absence counts against the department (selectors.whistle_report_in_stats).
    """
    whistle = report_in.whistle
    _require_street(actor, "whistle.command", whistle.area_code,
                    _("只有吹哨街道的指挥长可以标记部门未到场。"))
    reason = _required(reason, _("请填写部门未到场的情况。"))
    updated = ReportIn.objects.filter(
        pk=report_in.pk, arrived_at__isnull=True, absent_at__isnull=True,
        whistle__state__in=REPORTING_STATES).update(
        absent_at=at or timezone.now(), absent_by=actor, absent_reason=reason)
    if not updated:
        raise Conflict(_("该部门已到场或已被标记，或吹哨已办结，请刷新后查看。"), code="done")
    report_in.refresh_from_db()
    return report_in


# --- ending -------------------------------------------------------------------------------------

def _require_resolver(actor, whistle: Whistle) -> None:
    _login(actor)
    if actor.is_superuser or permissions.may(actor, "whistle.raise", whistle):
        return
    if actor.role == Role.DEPARTMENT_HANDLER and whistle.report_ins.filter(
            department_id=actor.department_id, arrived_at__isnull=False).exists():
        return
    raise PermissionDenied(_("只有已到场的部门或吹哨街道可以报告处置完成。"), code="forbidden")


@transaction.atomic
def whistle_resolve(*, actor, whistle: Whistle, result: str,
                    at: dt.datetime | None = None) -> Whistle:
    """A department on site or the street says the job is done; the street then confirms."""
    _require_resolver(actor, whistle)
    result = _required(result, _("请填写处置结果。"))
    return _move(whistle, [WhistleState.OPEN], state=WhistleState.RESOLVED,
                 resolved_at=at or timezone.now(), result=result)


@transaction.atomic
def whistle_close(*, actor, whistle: Whistle, at: dt.datetime | None = None) -> Whistle:
    """The street confirms the job is done (办结). 事不完、人不撤: refused while any summoned
    department has neither arrived nor been marked absent by the commander."""
    _require_street(actor, "whistle.raise", whistle.area_code,
                    _("只有吹哨街道的派遣员或指挥长可以确认办结。"))
    if whistle.state != WhistleState.RESOLVED:
        raise InvalidInput(_("处置完成后才能确认办结：请先由到场部门或街道填写处置结果。"),
                           code="not_resolved")
    missing = [r.department.name for r in whistle.report_ins.select_related("department")
               if r.arrived_at is None and not is_absent(r)]
    if missing:
        raise InvalidInput(
            _("事不完、人不撤：%(depts)s 尚未到场。请等待其报到，或由街道指挥长标记未到场并说明情况。")
            % {"depts": "、".join(missing)}, code="not_all_arrived")
    return _move(whistle, [WhistleState.RESOLVED], state=WhistleState.CLOSED,
                 closed_at=at or timezone.now(), closed_by=actor)


@transaction.atomic
def whistle_cancel(*, actor, whistle: Whistle, reason: str,
                   at: dt.datetime | None = None) -> Whistle:
    """The street commander withdraws a whistle raised in error; report-ins of a cancelled
    whistle count nowhere."""
    _require_street(actor, "whistle.command", whistle.area_code,
                    _("只有吹哨街道的指挥长可以撤销吹哨。"))
    reason = _required(reason, _("请填写撤销理由。"))
    return _move(whistle, [WhistleState.OPEN, WhistleState.RESOLVED],
                 state=WhistleState.CANCELLED, cancelled_at=at or timezone.now(),
                 cancelled_by=actor, cancel_reason=reason)
