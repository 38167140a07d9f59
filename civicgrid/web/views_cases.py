"""Case pages for staff: the list (filters, nearest deadline first, warning badges), the case
page (timeline, reporters as the privacy policy shows them, photos, map, deadlines, why this unit,
what this actor may do now) and the map of cases. Thin: the query lives in civicgrid.cases.search
so the list, the map and the points API agree; scoping comes from cases_visible, so a case
outside the actor's scope answers 404 exactly like a number that does not exist."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.accounts.models import Role
from civicgrid.cases import search
from civicgrid.cases.models import Attachment, Case, CaseEvent, Channel, Extension
from civicgrid.cases.privacy import reporters_view
from civicgrid.cases.selectors import cases_visible
from civicgrid.cases.workflow import State
from civicgrid.dispatch.models import Category, Stream

from .access import page

PER_PAGE = 50
FILTER_KEYS = ("state", "level", "stream", "category", "channel", "street", "from", "to", "q",
               "sort")


# Who may open the case pages (access.page checks it before the view runs).
case_view_page = page("case.view", message=gettext_lazy(
    "案件页面只对工作人员开放。居民请使用“案件查询”查看自己反映的问题。"))


# --- the list ---------------------------------------------------------------------------------

def filter_choices(actor) -> dict:
    """Options of the filter form: streets the actor may see, categories, streams, channels."""
    from civicgrid.territory.selectors import area_nodes

    return {
        "states": [("open", _("未办结（全部）")), ("finished", _("已办结（全部）")),
                   *State.choices],
        "levels": [("red", _("已超时")), ("yellow", _("临近超时")), ("normal", _("正常"))],
        "streams": Stream.choices,
        "channels": Channel.choices,
        "categories": list(Category.objects.filter(active=True).order_by("code")
                           .values_list("pk", "name")),
        "streets": list(area_nodes(actor=actor, level="street").order_by("code")
                        .values_list("code", "name")),
        "sorts": [("due", _("时限最近优先")), ("new", _("最新上报优先")),
                  ("old", _("最早上报优先"))],
    }


def filter_query(params, **extra) -> str:
    """The current filter as a query string (page links keep it), with `extra` overriding."""
    values = {k: params.get(k, "") for k in FILTER_KEYS}
    values.update(extra)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@case_view_page
def case_list(request):
    f = search.parse_filter(request.GET)
    page = search.case_page(request.user, f, page=_page_number(request), per_page=PER_PAGE)
    context = {
        "filter": f, "params": request.GET, "page": page,
        "query": filter_query(request.GET),
        "prev_query": filter_query(request.GET, page=page.number - 1),
        "next_query": filter_query(request.GET, page=page.number + 1),
        "map_query": filter_query(request.GET, sort=""),
    }
    if request.htmx:
        return render(request, "web/cases/_results.html", context)
    context["choices"] = filter_choices(request.user)
    return render(request, "web/cases/list.html", context)


# --- one case -----------------------------------------------------------------------------------

def visible_case(actor, number: str) -> Case:
    case = (cases_visible(actor).filter(number=number.strip().upper())
            .annotate(due=search.due_expression())
            .select_related("category", "unit_department").first())
    if case is None:
        raise Http404(_("没有找到编号为“%(number)s”的案件，或它不在您的辖区内。") % {"number": number})
    return case


def actor_label(event: CaseEvent) -> str:
    """Staff see who acted: name (or account) and role."""
    role = Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
    if event.actor is None:
        return str(role) or _("系统")
    name = event.actor.get_full_name() or event.actor.username
    return f"{name}（{role}）" if role else name


def timeline(case: Case, names: dict[str, str]) -> list[dict]:
    labels = dict(CaseEvent._meta.get_field("action").choices)
    events = case.events.select_related("actor", "unit_department").order_by("at", "id")
    photos: dict[int, list[Attachment]] = {}
    for a in case.attachments.exclude(event=None).order_by("id"):
        photos.setdefault(a.event_id, []).append(a)
    return [{
        "event": e, "label": labels.get(e.action, e.action), "actor": actor_label(e),
        "unit": (e.unit_department.name if e.unit_department_id
                 else names.get(e.unit_area_code, e.unit_area_code)),
        "from_label": search.state_label(e.from_state), "to_label": search.state_label(e.to_state),
        "photos": photos.get(e.pk, []),
    } for e in events]


def deadline_rows(case: Case, row: search.CaseRow) -> list[dict]:
    """Each step's deadline: done on time / late, running now (with its warning level), or
    not started."""
    done = {"register": case.registered_at, "dispatch": case.dispatched_at,
            "handle": case.reported_back_at}
    labels = {"register": _("立案时限"), "dispatch": _("派遣时限"), "handle": _("处置时限")}
    out = []
    for step in search.STEP_STATES:
        deadline = getattr(case, f"{step}_deadline")
        item = {"step": step, "label": labels[step], "deadline": deadline, "done_at": done[step],
                "status": "", "level": ""}
        if row.step == step:
            item["status"], item["level"] = "running", row.level
        elif done[step] is not None and deadline is None:
            item["status"] = "done"
        elif done[step] is not None:
            item["status"] = "late" if done[step] > deadline else "on_time"
        out.append(item)
    return out


def case_map_data(case: Case) -> dict:
    from civicgrid.core.geo import to_geojson_dict
    from civicgrid.territory.models import Grid

    grid = Grid.objects.filter(code=case.grid_code).first() if case.grid_code else None
    return {
        "point": [case.lon, case.lat] if case.lon is not None and case.lat is not None else None,
        "grid": to_geojson_dict(grid.shape) if grid is not None else None,
        "gridName": grid.name if grid is not None else "",
        "number": case.number,
    }


def photo_groups(photos: list[Attachment]) -> list[tuple[str, list[Attachment]]]:
    """The photos side by side by stage: as reported / before handling, after, at verification."""
    from civicgrid.cases.models import AttachmentStage

    stages = [(_("上报及处置前"), (AttachmentStage.REPORT, AttachmentStage.BEFORE)),
              (_("处置后"), (AttachmentStage.AFTER,)), (_("核查"), (AttachmentStage.VERIFY,))]
    return [(label, [p for p in photos if p.stage in kinds]) for label, kinds in stages]


def detail_context(request, case: Case, *, values=None, failed: str = "", error: str = "") -> dict:
    """The case page: `values`, `failed` and `error` re-show a refused action form."""
    from .case_forms import action_forms, routing_suggestion

    row = search.rows_for([case])[0]
    names = search.area_names({case.unit_area_code, case.street_code, case.community_code,
                               case.district_code,
                               *case.events.values_list("unit_area_code", flat=True)})
    photos = list(case.attachments.order_by("uploaded_at", "id"))
    forms = action_forms(case, request.user, values=values, failed=failed)
    return {
        "case": case, "row": row, "timeline": timeline(case, names),
        "reporters": reporters_view(case, request.user),
        "photos": photos, "photo_groups": photo_groups(photos),
        "deadlines": deadline_rows(case, row),
        "place": [names.get(c, c) for c in (case.district_code, case.street_code,
                                             case.community_code) if c],
        "forms": forms, "error": error, "failed": failed,
        "suggestion": routing_suggestion(case) if case.state in (
            State.REPORTED, State.REGISTERED, State.RETURNED) else None,
        "extensions": list(Extension.objects.filter(case=case).order_by("requested_at")),
        "tasks": list(case.tasks.select_related("unit_department").order_by("assigned_at")),
        "map_data": case_map_data(case),
        "stream_label": dict(Stream.choices).get(case.stream, case.stream),
    }


@case_view_page
def case_detail(request, number: str):
    case = visible_case(request.user, number)
    return render(request, "web/cases/detail.html", detail_context(request, case))


@case_view_page
def case_photo(request, number: str, attachment_id: int):
    """A photo of a case the actor may see, streamed from storage (MEDIA_URL is never linked:
    the web server must not serve case photos to anyone who guesses a path)."""
    case = visible_case(request.user, number)
    attachment = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if attachment is None:
        raise Http404(_("照片不存在。"))
    return stream_attachment(attachment)


def stream_attachment(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("照片文件已丢失，请联系管理员。")) from exc
    resp = FileResponse(handle, content_type=attachment.content_type)
    resp["Cache-Control"] = "private, max-age=3600"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# --- the map ------------------------------------------------------------------------------------

@case_view_page
def case_map(request):
    f = search.parse_filter(request.GET)
    return render(request, "web/cases/map.html", {
        "filter": f, "params": request.GET, "choices": filter_choices(request.user),
        "list_query": filter_query(request.GET),
        "map_config": {
            "pointsUrl": reverse("api-v1:case_points"),
            "nodesUrl": reverse("api-v1:territory_nodes"),
            "detailUrl": reverse("web:case_detail", args=["NUMBER"]),
            "loginUrl": reverse("login"),
            "labels": map_labels(),
        },
    })


def map_labels() -> dict:
    return {
        "loading": _("正在加载案件…"),
        "shown": _("地图上显示 {n} 个案件"),
        "capped": _("共 {total} 个案件符合条件，地图只显示时限最近的 {n} 个，请缩小范围或增加筛选条件。"),
        "none": _("没有符合条件且有坐标的案件。"),
        "error": _("加载失败，请检查网络后重试。"),
        "open": _("办理中"), "overdue": _("已超时"), "warning": _("临近超时"),
        "returned": _("已退单"), "extended": _("延期"), "closed": _("已办结"),
        "legend": _("图例"), "detail": _("查看案件"), "category": _("分类"),
        "state": _("状态"), "due": _("时限"), "uncategorised": _("未分类"),
    }
