"""Whistle pages (街乡吹哨、部门报到): the board of open whistles with every summoned department's
report-in status (refreshed by htmx polling), the raise form for street staff, and the whistle
page with its report-in timeline and the actions this actor may take (acknowledge, arrive with
the browser's location, resolve, close, mark absent, cancel, score).

Thin: parse the form, call one service, redirect with a message; a refusal re-renders the page
with the service's Chinese message and the matching HTTP status. Scoping comes from
whistles_visible: a whistle outside the actor's scope answers 404 like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicgrid.core.errors import STATUS, DomainError, InvalidInput
from civicgrid.core.permissions import may, role_may
from civicgrid.whistles import selectors, services
from civicgrid.whistles.models import ScoreItem, ScoreTarget, WhistleProblem, WhistleState

from .access import page

REFRESH_SECONDS = 30


# Who may open the whistle pages (access.page checks it before the view runs).
whistle_page = page("whistle.view", message=gettext_lazy(
    "吹哨报到页面只对街道、部门和区市管理人员开放。"))


def visible_whistle(actor, number: str):
    whistle = selectors.whistle_for(actor, number)
    if whistle is None:
        raise Http404(_("没有找到编号为“%(number)s”的吹哨，或它不在您的范围内。") % {"number": number})
    return whistle


# --- the board ----------------------------------------------------------------------------------

@whistle_page
def whistle_board(request):
    now = timezone.now()
    board = selectors.whistle_board(request.user, now=now)
    context = {"board": board, "now": now, "refresh": REFRESH_SECONDS,
               "overdue": sum(b.counts.get("overdue", 0) for b in board),
               "late": sum(b.counts.get("late", 0) for b in board)}
    if request.htmx:
        return render(request, "web/whistles/_board.html", context)
    recent = (selectors.whistles_visible(request.user)
              .filter(state__in=[WhistleState.CLOSED, WhistleState.CANCELLED])
              .select_related("problem").prefetch_related(selectors.report_ins_prefetch())
              .order_by("-closed_at")[:20])
    context.update(recent=selectors.with_report_ins(recent, now),
                   may_raise=role_may(request.user, "whistle.raise"))
    return render(request, "web/whistles/board.html", context)


# --- raising ------------------------------------------------------------------------------------

def _float(value: str, label: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(_("%(label)s格式不正确，请填写数字，如 116.35。") % {"label": label},
                           code="number") from None


def _case_for(actor, number: str):
    from civicgrid.cases.selectors import cases_visible

    number = (number or "").strip().upper()
    if not number:
        return None
    case = cases_visible(actor).filter(number=number).first()
    if case is None:
        raise InvalidInput(_("没有找到编号为“%(n)s”的案件，或它不在您的辖区内。") % {"n": number},
                           code="case")
    return case


def _raise(request):
    post = request.POST
    code = post.get("problem", "")
    problem = WhistleProblem.objects.filter(code=code).first() if code else None
    if code and problem is None:
        raise InvalidInput(_("所选问题不在吹哨清单中，请重新选择。"), code="problem")
    ids = [int(v) for v in post.getlist("departments") if v.isdigit()]
    return services.whistle_raise(
        actor=request.user, problem=problem, exception_reason=post.get("exception_reason", ""),
        departments=ids, title=post.get("title", ""), description=post.get("description", ""),
        lon=_float(post.get("lon"), _("经度")), lat=_float(post.get("lat"), _("纬度")),
        address=post.get("address", ""), case=_case_for(request.user, post.get("case", "")))


@page("whistle.raise", message=gettext_lazy("只有街道派遣员和街道指挥长可以吹哨。"))
def whistle_new(request):
    error, status = "", 200
    if request.method == "POST":
        try:
            whistle = _raise(request)
        except DomainError as exc:
            error, status = exc.message, STATUS[exc.kind]
        else:
            messages.success(request, _("已吹哨，%(n)s 个部门须在时限内报到。")
                             % {"n": whistle.report_ins.count()})
            return redirect("web:whistle_detail", number=whistle.number)
    street = request.user.area_code if len(request.user.area_code or "") == 9 else ""
    case = None
    if request.method == "GET" and request.GET.get("case"):
        try:
            case = _case_for(request.user, request.GET["case"])
        except DomainError as exc:
            error = exc.message
    return render(request, "web/whistles/new.html", {
        "tree": selectors.catalogue_tree(),
        "departments": selectors.departments_to_summon(street),
        "values": request.POST if request.method == "POST" else (
            {"description": case.description, "address": case.address} if case else {}),
        "checked": {int(v) for v in request.POST.getlist("departments") if v.isdigit()},
        "case": case, "error": error, "map_data": street_map(street, case),
        "is_commander": request.user.role == "street_commander" or request.user.is_superuser,
    }, status=status)


def street_map(street_code: str, case=None) -> dict:
    from civicgrid.core.geo import to_geojson_dict
    from civicgrid.territory.models import Street

    street = Street.objects.filter(code=street_code).first() if street_code else None
    point = [case.lon, case.lat] if case is not None and case.lon is not None else None
    return {"street": to_geojson_dict(street.shape) if street else None,
            "streetName": street.name if street else "", "point": point,
            "labels": {"picked": _("已选位置")}}


# --- one whistle ----------------------------------------------------------------------------------

def detail_context(request, whistle, **extra) -> dict:
    actor, now = request.user, timezone.now()
    item = selectors.with_report_ins(
        [type(whistle).objects.prefetch_related(selectors.report_ins_prefetch())
         .select_related("problem__category", "case", "raised_by", "closed_by")
         .get(pk=whistle.pk)], now)[0]
    whistle = item.whistle  # as it is now, after any action
    live = whistle.state in (WhistleState.OPEN, WhistleState.RESOLVED)
    street_staff = may(actor, "whistle.raise", whistle)
    commander = may(actor, "whistle.command", whistle)
    mine = next((r for r in item.report_ins
                 if actor.department_id and r.report_in.department_id == actor.department_id),
                None)
    scores = selectors.scores_of(whistle)
    scoring = whistle.state == WhistleState.CLOSED and may(actor, "whistle.score", whistle)
    radius = (whistle.problem.arrival_radius_m if whistle.problem_id
              else services.DEFAULT_ARRIVAL_RADIUS_M)
    return {
        "whistle": item.whistle, "item": item, "now": now, "mine": mine, "live": live,
        "may_report": mine is not None and live and mine.status not in ("on_site", "late",
                                                                          "absent"),
        "may_resolve": whistle.state == WhistleState.OPEN and (
            street_staff or (mine is not None and mine.status in ("on_site", "late"))),
        "may_close": whistle.state == WhistleState.RESOLVED and street_staff,
        "may_command": commander and live,
        "summonable": list(selectors.departments_to_summon(whistle.street_code).exclude(
            pk__in=[r.report_in.department_id for r in item.report_ins]))
        if street_staff and whistle.state == WhistleState.OPEN else [],
        "scoring": scoring,
        "score_items": list(ScoreItem.objects.filter(applies_to=ScoreTarget.WHISTLE, active=True,
                                                     max_score__gt=0)) if scoring else [],
        "scores": [(r, scores.get(r.report_in.department_id)) for r in item.report_ins],
        "radius": radius,
        "map_data": {"point": [whistle.lon, whistle.lat], "radius": radius,
                     "arrivals": [[r.report_in.arrival_lon, r.report_in.arrival_lat,
                                   r.report_in.department.short_name
                                   or r.report_in.department.name]
                                  for r in item.report_ins if r.report_in.arrival_lon is not None],
                     "labels": {"site": _("吹哨现场"), "locating": _("正在定位…"),
                                "located": _("已获取位置（精度约 {acc} 米），请确认后报到。"),
                                "failed": _("无法获取位置，请手动填写经纬度。")}},
        "error": "", **extra,
    }


@whistle_page
def whistle_detail(request, number: str):
    whistle = visible_whistle(request.user, number)
    return render(request, "web/whistles/detail.html", detail_context(request, whistle))


def _report_in(whistle, post, actor, by_id: bool = False):
    """The actor's own department's report-in, or (by_id) the one the form names."""
    qs = whistle.report_ins.select_related("department", "whistle__problem")
    if by_id:
        raw = post.get("report_in", "")
        qs = qs.filter(pk=int(raw)) if raw.isdigit() else qs.none()
    else:
        qs = qs.filter(department_id=actor.department_id)
    ri = qs.first()
    if ri is None:
        raise InvalidInput(_("本次吹哨没有召集该部门，请刷新页面。"), code="report_in")
    return ri


def _score(request, whistle):
    from civicgrid.dispatch.models import Department

    post = request.POST
    dept = Department.objects.filter(pk=post.get("department") or 0).first()
    if dept is None:
        raise InvalidInput(_("请选择要评分的部门。"), code="department")
    items = {k[len("item_"):]: v for k, v in post.items() if k.startswith("item_")}
    services.score_department(actor=request.user, department=dept, whistle=whistle,
                              items=items, comment=post.get("comment", ""))
    return _("已为「%(d)s」评分。") % {"d": dept.name}


def _act(request, whistle, action: str) -> str:
    post, actor = request.POST, request.user
    if action == "acknowledge":
        services.report_in_acknowledge(actor=actor, report_in=_report_in(whistle, post, actor))
        return _("已响应，请尽快到场并报到。")
    if action == "arrive":
        lon = _float(post.get("lon"), _("经度"))
        lat = _float(post.get("lat"), _("纬度"))
        services.report_in_arrive(actor=actor, report_in=_report_in(whistle, post, actor),
                                  lon=lon, lat=lat, note=post.get("note", ""))
        return _("已到场报到。事不完、人不撤：处置完成并经街道确认后方可撤离。")
    if action == "resolve":
        services.whistle_resolve(actor=actor, whistle=whistle, result=post.get("result", ""))
        return _("已报告处置完成，等待街道确认办结。")
    if action == "close":
        services.whistle_close(actor=actor, whistle=whistle)
        return _("已确认办结，请为各部门评分。")
    if action == "absent":
        ri = _report_in(whistle, post, actor, by_id=True)
        services.report_in_mark_absent(actor=actor, report_in=ri, reason=post.get("reason", ""))
        return _("已标记「%(d)s」未到场。") % {"d": ri.department.name}
    if action == "summon":
        ids = [int(v) for v in post.getlist("departments") if v.isdigit()]
        made = services.whistle_summon(actor=actor, whistle=whistle, departments=ids)
        return _("已追加召集 %(n)s 个部门。") % {"n": len(made)}
    if action == "cancel":
        services.whistle_cancel(actor=actor, whistle=whistle, reason=post.get("reason", ""))
        return _("已撤销吹哨。")
    if action == "score":
        return _score(request, whistle)
    raise Http404(_("没有这个操作。"))


@whistle_page
@require_POST
def whistle_action(request, number: str, action: str):
    whistle = visible_whistle(request.user, number)
    try:
        done = _act(request, whistle, action)
    except DomainError as exc:
        context = detail_context(request, whistle, error=exc.message, failed=action,
                                 values=request.POST)
        return render(request, "web/whistles/detail.html", context, status=STATUS[exc.kind])
    messages.success(request, done)
    return redirect("web:whistle_detail", number=whistle.number)
