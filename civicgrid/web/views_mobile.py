"""Phone pages (H5): the resident's report page (/m/report/) and what it shares with the grid
worker's pages (views_mobile_grid.py).

Both report forms work without JavaScript (a plain multipart POST answered with a redirect) and
with it (static/web/mobile.js): the script keeps a draft in localStorage, shrinks photos, asks
the phone for its position and submits with fetch (Accept: application/json), retrying on a poor
connection. Every draft carries a client key; intake (civicgrid.cases.services.intake) answers a
key it has seen with the case it already made, so a retried submission whose first answer was
lost never makes a second case.

Residents need no account. A phone number is required: it is how the reporter follows the case
on /track/ and how the hotline calls back. Submissions from anyone but staff are counted like
/track/'s look-ups (views_track.over_limit: per client address and per session). The numbers
reported from this browser are kept in the session, so the "查看办理进度" link opens the /track/
case page (its history, photos and rating) without asking for the phone again; a signed-in
resident's own cases ("我的反映") open the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, Channel, Reporter
from civicgrid.cases.selectors import cases_reported_by
from civicgrid.cases.services.intake import IntakeResult, case_intake, normalize_phone
from civicgrid.cases.workflow import State
from civicgrid.core.errors import STATUS, DomainError

from .access import PUBLIC, page
from .views_track import over_limit, remember_verified

REPORTS_KEY = "m_reports"  # session: [{"number", "phone"}], newest first
REMEMBERED = 20
DEFAULT_REPORT_LIMIT = (10, 3600)  # submissions per window (seconds), per address and session
MY_CASES = 20


def report_limit() -> tuple[int, int]:
    n, seconds = getattr(settings, "CIVICGRID", {}).get("REPORT_RATE_LIMIT",
                                                        DEFAULT_REPORT_LIMIT)
    return int(n), int(seconds)


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@dataclass
class Outcome:
    """What a submission came to: the intake result, or the error to show (with its status)."""

    result: IntakeResult | None = None
    error: str = ""
    code: str = ""
    status: int = 200


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _priority(value: str | None) -> int:
    return int(value) if (value or "").strip() in {"0", "1", "2"} else 0


def submit_report(request, *, channel: str, staff_form: bool) -> Outcome:
    """Run one report through intake. `staff_form`: the grid worker's form (category and
    priority fields; no submission limit)."""
    post = request.POST
    key = (post.get("client_key") or "").strip()  # intake checks its length
    actor = request.user if request.user.is_authenticated else None
    limited = actor is None or actor.role == Role.RESIDENT
    if limited and not (key and Case.objects.filter(client_key=key).exists()):
        n, seconds = report_limit()
        if over_limit(request, "report", n, seconds):
            return Outcome(error=_("提交过于频繁：%(minutes)d 分钟内最多提交 %(n)d 次。"
                                   "请稍后再试，紧急情况请拨打 12345 热线。") % {
                "minutes": max(1, seconds // 60), "n": n}, code="too_many", status=429)
    if not staff_form and not normalize_phone(post.get("phone", "")):
        return Outcome(error=_("请填写手机号：查询办理进度和电话回访都要用到它。"),
                       code="phone_required", status=400)
    try:
        result = case_intake(
            actor=actor, channel=channel, description=post.get("description", ""),
            lon=_optional(post.get("lon")), lat=_optional(post.get("lat")),
            crs=_optional(post.get("crs")) or "wgs84", address=post.get("address", ""),
            category=_optional(post.get("category")) if staff_form else None,
            priority=_priority(post.get("priority")) if staff_form else 0,
            reporter_name=post.get("name", "") if not staff_form else "",
            reporter_phone=post.get("phone", "") if not staff_form else "",
            client_key=key or None, photos=request.FILES.getlist("photos"))
    except DomainError as exc:
        return Outcome(error=exc.message, code=exc.code, status=STATUS.get(exc.kind, 400))
    return Outcome(result=result)


def json_outcome(outcome: Outcome, *, message: str = "", links=()) -> JsonResponse:
    if outcome.result is None:
        # Only a failure the server may get over by itself is worth retrying automatically.
        return JsonResponse({"ok": False, "error": outcome.error, "code": outcome.code,
                             "retry": outcome.status >= 500}, status=outcome.status)
    case = outcome.result.case
    return JsonResponse({"ok": True, "created": outcome.result.created, "number": case.number,
                         "message": message,
                         "links": [{"href": href, "label": str(label)} for href, label in links]})


def received_message(case: Case, created: bool, *, patrol: bool = False) -> str:
    if not created:
        return _("这份报告此前已经提交成功，案件编号 %(n)s，没有重复登记。") % {"n": case.number}
    if patrol:
        return _("已上报，案件编号 %(n)s，等待街道立案派遣。") % {"n": case.number}
    return _("已收到您反映的问题，案件编号 %(n)s。请记下编号，可随时查询办理进度。") % {
        "n": case.number}


# --- labels of the script ------------------------------------------------------------------------

def script_labels() -> dict:
    """mobile.js's words, translated here because the script has no gettext of its own."""
    return {
        "locating": _("正在获取位置…"),
        "located": _("已获取位置（精度约 {acc} 米）。"),
        "locateFailed": _("无法获取位置，请在下面填写地址或附近的地标。"),
        "locateUnsupported": _("此浏览器不能定位，请填写地址。"),
        "locationCleared": _("已清除位置。"),
        "draftRestored": _("已恢复上次未提交的草稿。"),
        "draftDiscarded": _("已清空草稿。"),
        "sending": _("正在提交…"),
        "queued": _("网络不佳，报告已保存在本机，恢复网络后会自动重新提交（不会重复登记）。"),
        "retrying": _("正在重新提交…"),
        "retryIn": _("{s} 秒后自动重试。"),
        "failed": _("提交失败：{error}"),
        "serverBusy": _("服务器暂时无法处理，稍后自动重试。"),
        "expired": _("页面已过期，请刷新页面后重新提交（草稿已保存）。"),
        "signedOut": _("登录已失效：请重新登录，报告已保存在本机，登录后打开本页会自动提交。"),
        "photoNotKept": _("照片较大，未能存入草稿：如果关闭页面，请重新拍照。"),
        "photosLost": _("草稿中的照片未能保存，请重新拍照后再提交。"),
        "removePhoto": _("删除照片 {n}"),
        "photoAlt": _("照片 {n}"),
        "suggested": _("推荐分类："),
        "noSuggestion": _("没有找到匹配的分类，请手动选择。"),
        "distance": _("距您约 {d}"),
        "metres": _("{n} 米"),
        "kilometres": _("{n} 公里"),
        "directions": {"N": _("北"), "NE": _("东北"), "E": _("东"), "SE": _("东南"),
                       "S": _("南"), "SW": _("西南"), "W": _("西"), "NW": _("西北")},
        "towards": _("向{dir}"),
        "noPosition": _("未能获取您的位置，无法计算距离。"),
        "sortedByDistance": _("已按距离由近到远排列。"),
        "sortedByDeadline": _("已按时限排列。"),
    }


# --- the resident's pages ----------------------------------------------------------------------

def remember_report(request, number: str, phone: str) -> None:
    items = [i for i in request.session.get(REPORTS_KEY, []) if i.get("number") != number]
    request.session[REPORTS_KEY] = [{"number": number, "phone": normalize_phone(phone)},
                                    *items][:REMEMBERED]


def my_cases(request) -> list[dict]:
    """A signed-in resident's own reports, newest first, as the public sees their state."""
    if not (request.user.is_authenticated and request.user.role == Role.RESIDENT):
        return []
    rows = (cases_reported_by(request.user).select_related("category")
            .order_by("-reported_at", "-id")[:MY_CASES])
    return [{"number": c.number, "state": c.state, "state_label": State(c.state).label,
             "category": c.category.name if c.category_id else "",
             "title": c.title, "reported_at": c.reported_at} for c in rows]


def resident_context(request, **extra) -> dict:
    user = request.user
    signed_resident = user.is_authenticated and user.role == Role.RESIDENT
    return {
        "values": {"phone": user.phone if signed_resident else "",
                   "name": user.get_full_name() if signed_resident else ""},
        "mine": my_cases(request), "signed_resident": signed_resident,
        "labels": script_labels(),
        "draft_scope": f"resident:{user.pk if user.is_authenticated else 'anon'}",
        "error": "", **extra,
    }


def track_link(number: str) -> str:
    return reverse("web:m_report_track", args=[number])


@page(PUBLIC)
@require_http_methods(["GET", "POST"])
def report(request):
    """Report a problem: description, photo, position or address, phone → the case number."""
    if request.method == "GET":
        return render(request, "web/mobile/report.html", resident_context(request))
    outcome = submit_report(request, channel=Channel.RESIDENT, staff_form=False)
    if outcome.result is not None:
        case = outcome.result.case
        remember_report(request, case.number, request.POST.get("phone", ""))
        message = received_message(case, outcome.result.created)
        if wants_json(request):
            return json_outcome(outcome, message=message,
                                links=[(track_link(case.number), _("查看办理进度")),
                                       (reverse("web:m_report"), _("再反映一个问题"))])
        return redirect(reverse("web:m_report_done") + "?" + urlencode({"n": case.number}))
    if wants_json(request):
        return json_outcome(outcome)
    context = resident_context(request, error=outcome.error,
                               values={k: request.POST.get(k, "") for k in
                                       ("description", "address", "name", "phone", "lon",
                                        "lat", "client_key")})
    return render(request, "web/mobile/report.html", context, status=outcome.status)


@page(PUBLIC)
def report_done(request):
    """After a report without the script: the number and how to follow it. Only numbers
    reported from this browser's session are shown."""
    number = (request.GET.get("n") or "").strip().upper()
    known = {i["number"] for i in request.session.get(REPORTS_KEY, [])}
    return render(request, "web/mobile/report_done.html", {
        "number": number if number in known else "",
        "track_url": track_link(number) if number in known else "",
    })


@page(PUBLIC)
def report_track(request, number: str) -> HttpResponse:
    """Open /track/'s case page for a case this browser reported (or this signed-in resident
    reported) without typing the phone again; anything else goes to the /track/ form."""
    number = number.strip().upper()
    phone = next((i["phone"] for i in request.session.get(REPORTS_KEY, [])
                  if i.get("number") == number), "")
    if not phone and request.user.is_authenticated:
        phone = (Reporter.objects.filter(case__number=number, user=request.user)
                 .exclude(phone="").values_list("phone", flat=True).first() or "")
    if phone and remember_verified(request, number, phone):
        return redirect("web:track_case")
    return redirect(reverse("web:track") + "?" + urlencode({"number": number}))
