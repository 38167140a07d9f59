"""The grid worker's phone pages (H5, /m/grid/): report a problem found on patrol (camera,
position, category with a suggestion from the description; the draft and retry logic are shared
with the resident's page, see views_mobile), the verification queue (cases reported back in my
grids, nearest deadline first, with the distance from where I stand) and verifying one case on
site with a photo (case_perform: verify_pass / verify_fail).

Community staff patrol and verify in their community and may use the same pages
(permissions: patrol.report, patrol.verify).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.cases.models import Attachment, AttachmentStage, Case, CaseEvent, Channel, Priority
from civicgrid.cases.selectors import cases_visible
from civicgrid.cases.services.intake import suggest_categories
from civicgrid.cases.services.perform import case_perform
from civicgrid.cases.workflow import Action, State
from civicgrid.core.errors import STATUS, DomainError
from civicgrid.dispatch.models import Category

from .access import page
from .views_mobile import json_outcome, received_message, script_labels, submit_report, wants_json

QUEUE_LIMIT = 100
SUGGEST_TEXT = 500  # characters of the description the suggestion reads

patrol_page = page("patrol.report", message=gettext_lazy(
    "巡查上报页面供网格员和社区工作人员使用。居民反映问题请使用“居民上报”。"))
verify_page = page("patrol.verify", message=gettext_lazy(
    "核查页面供网格员和社区工作人员使用。"))


# --- reads --------------------------------------------------------------------------------------

def my_grid_codes(actor) -> list[str]:
    """The grids a grid worker's account is assigned to (GridWorker ↔ user); empty for community
    staff and for accounts not linked to a worker, whose area scope then applies."""
    from civicgrid.territory.models import GridAssignment

    return list(GridAssignment.objects.filter(worker__user=actor, worker__active=True)
                .values_list("grid_id", flat=True))


def waiting_for_me(actor) -> QuerySet:
    """Cases reported back (waiting for verification on site) in my grids, or in my scope when
    no grid is assigned to me."""
    qs = cases_visible(actor).filter(state=State.REPORTED_BACK)
    grids = my_grid_codes(actor)
    return qs.filter(grid_code__in=grids) if grids else qs


def verify_queue(actor, *, limit: int = QUEUE_LIMIT) -> list[Case]:
    """The queue: the nearest handling deadline first, then the longest waiting."""
    return list(waiting_for_me(actor).select_related("category", "unit_department")
                .order_by(F("handle_deadline").asc(nulls_last=True), "reported_back_at", "id")
                [:limit])


def category_groups() -> list[dict]:
    """Active categories for the <select>, in catalogue order: one group per second-level node
    (the node itself first, then everything below it); a top-level node is only a heading
    unless nothing hangs below it."""
    rows = list(Category.objects.filter(active=True).order_by("sort_order", "code")
                .values("id", "name", "parent_id"))
    by_id = {r["id"]: r for r in rows}
    parents = {r["parent_id"] for r in rows}

    def chain(r) -> list[dict]:  # the node and its ancestors, root first
        out = [r]
        while (parent := by_id.get(out[0]["parent_id"])) is not None:
            out.insert(0, parent)
        return out

    groups: dict[int, dict] = {}
    for r in rows:
        path = chain(r)
        if len(path) == 1 and r["id"] in parents:
            continue
        anchor = path[min(1, len(path) - 1)]
        label = " · ".join(n["name"] for n in path[:2])
        group = groups.setdefault(anchor["id"], {"label": label, "options": []})
        group["options"].append((r["id"], r["name"]))
    return list(groups.values())


def queue_count(actor) -> int:
    return waiting_for_me(actor).count()


# --- reporting on patrol --------------------------------------------------------------------------

def grid_context(request, **extra) -> dict:
    return {"groups": category_groups(), "priorities": Priority.choices,
            "labels": script_labels(), "queue_count": queue_count(request.user),
            "draft_scope": f"grid:{request.user.pk}", "values": {}, "error": "", **extra}


@patrol_page
@require_http_methods(["GET", "POST"])
def grid_report(request):
    """Report a problem found on patrol; answers JSON to the page's script."""
    if request.method == "GET":
        return render(request, "web/mobile/grid_report.html", grid_context(request))
    outcome = submit_report(request, channel=Channel.PATROL, staff_form=True)
    if outcome.result is not None:
        case = outcome.result.case
        message = received_message(case, outcome.result.created, patrol=True)
        if wants_json(request):
            return json_outcome(outcome, message=message, links=[
                (reverse("web:case_detail", args=[case.number]), _("查看案件"))])
        messages.success(request, message)
        return redirect("web:m_grid")
    if wants_json(request):
        return json_outcome(outcome)
    values = {k: request.POST.get(k, "") for k in
              ("description", "address", "category", "priority", "lon", "lat", "client_key")}
    return render(request, "web/mobile/grid_report.html",
                  grid_context(request, error=outcome.error, values=values),
                  status=outcome.status)


@patrol_page
@require_GET
def grid_suggest(request):
    """Category suggestions for a description (JSON), as intake would make them."""
    text = (request.GET.get("text") or "").strip()[:SUGGEST_TEXT]
    found = suggest_categories(text) if text else []
    return JsonResponse({"suggestions": [{"id": s["category_id"], "name": s["name"],
                                          "matched": s["matched"]} for s in found]})


# --- verifying ----------------------------------------------------------------------------------

@verify_page
def grid_queue(request):
    cases = verify_queue(request.user)
    return render(request, "web/mobile/grid_queue.html", {
        "cases": cases, "labels": script_labels(), "queue_count": queue_count(request.user),
    })


def report_back_of(case: Case) -> CaseEvent | None:
    return (case.events.filter(action=Action.REPORT_BACK).select_related("unit_department")
            .order_by("-at", "-id").first())


def verify_context(request, case: Case, **extra) -> dict:
    back = report_back_of(case)
    photos = list(Attachment.objects.filter(case=case).order_by("uploaded_at", "id"))
    return {
        "case": case, "back": back, "labels": script_labels(),
        "report_photos": [p for p in photos if p.stage == AttachmentStage.REPORT],
        "after_photos": [p for p in photos if p.stage == AttachmentStage.AFTER],
        "waiting": case.state == State.REPORTED_BACK,
        "state_label": State(case.state).label,
        "queue_count": queue_count(request.user), "error": "", "note": "", **extra,
    }


@verify_page
@require_http_methods(["GET", "POST"])
def grid_verify(request, number: str):
    """One case on site: what was reported, what the unit says it did (with its photos), and
    the verdict with a photo of the site now."""
    case = cases_visible(request.user).filter(number=number.strip().upper()).first()
    if case is None:
        raise Http404(_("没有找到编号为“%(number)s”的案件，或它不在您的辖区内。") % {"number": number})
    if request.method == "GET":
        return render(request, "web/mobile/grid_verify.html", verify_context(request, case))
    action = request.POST.get("action", "")
    photos = request.FILES.getlist("photos")
    error, status = "", 400
    if action not in (Action.VERIFY_PASS, Action.VERIFY_FAIL):
        error = _("请选择“核查通过”或“核查不通过”。")
    elif not photos:
        error = _("请拍摄一张现场照片再提交核查结果。")
    else:
        try:
            case_perform(case=case, action=action, actor=request.user,
                         data={"note": request.POST.get("note", "")}, photos=photos)
        except DomainError as exc:
            error, status = exc.message, STATUS.get(exc.kind, 400)
    if error:
        return render(request, "web/mobile/grid_verify.html",
                      verify_context(request, case, error=error,
                                     note=request.POST.get("note", "")), status=status)
    messages.success(request, _("案件 %(n)s 核查通过，已转街道结案。") % {"n": case.number}
                     if action == Action.VERIFY_PASS else
                     _("案件 %(n)s 核查不通过，已退回承办单位返工。") % {"n": case.number})
    return redirect("web:m_grid_queue")
