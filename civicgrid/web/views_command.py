"""The command centre (指挥中心): a full-screen page for the wall of a street's or district's
command room. The figures and the whistle board are server-rendered fragments that htmx polls;
the map and the charts draw from three JSON answers that the page's script polls. Everything is
scoped to the actor's area (civicgrid.web.dashboard parses the filter against it), and every
figure's definition is the evaluation's (civicgrid.evaluation.metrics)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from civicgrid.cases.search import area_names
from civicgrid.whistles import selectors as whistles

from . import dashboard
from .access import page

FIGURES_SECONDS = 20  # the headline figures: cheap (counts on indexes and a few rollup rows)
DATA_SECONDS = 30  # the map and the charts


def _area_name(f: dashboard.CommandFilter) -> str:
    if not f.area:
        return _("全市")
    return area_names([f.area]).get(f.area) or f.area


def _whistles(actor, f: dashboard.CommandFilter, now):
    """Open whistles of the area, each with every summoned department's report-in."""
    board = whistles.whistle_board(actor, now=now, limit=50)
    if len(f.area) >= 9:
        board = [b for b in board if b.whistle.street_code == f.area[:9]]
    elif f.area:
        board = [b for b in board if b.whistle.district_code == f.area]
    return board


def _fragment_context(request, f, now) -> dict:
    return {"filter": f, "query": urlencode(f.query()), "now": now,
            "figures": dashboard.figures(request.user, f, now),
            "figures_seconds": FIGURES_SECONDS}


@page("command.view")
def command_centre(request):
    now = timezone.now()
    f = dashboard.parse_filter(request.user, request.GET)
    context = _fragment_context(request, f, now)
    query = context["query"]
    context.update({
        "choices": dashboard.filter_choices(request.user, f),
        "area_name": _area_name(f),
        "board": _whistles(request.user, f, now),
        "config": {
            "chartsUrl": f"{reverse('web:command_charts')}?{query}",
            "mapUrl": f"{reverse('web:command_map')}?{query}",
            "areasUrl": f"{reverse('web:command_areas')}?{query}",
            "caseUrl": reverse("web:case_detail", args=["NUMBER"]),
            "refreshSeconds": DATA_SECONDS,
            "labels": labels(),
        },
    })
    return render(request, "web/command/centre.html", context)


@page("command.view")
def command_figures(request):
    """The headline figures alone (htmx polls this)."""
    now = timezone.now()
    f = dashboard.parse_filter(request.user, request.GET)
    return render(request, "web/command/_figures.html", _fragment_context(request, f, now))


@page("command.view")
def command_whistles(request):
    """The whistle board alone (htmx polls this)."""
    now = timezone.now()
    f = dashboard.parse_filter(request.user, request.GET)
    return render(request, "web/command/_whistles.html",
                  {"board": _whistles(request.user, f, now), "now": now,
                   "query": urlencode(f.query()), "figures_seconds": FIGURES_SECONDS})


def _json(body) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str),
                        content_type="application/json; charset=utf-8")


@page("command.view")
def command_charts(request):
    now = timezone.now()
    f = dashboard.parse_filter(request.user, request.GET)
    return _json(dashboard.charts(request.user, f, now))


@page("command.view")
def command_map(request):
    now = timezone.now()
    f = dashboard.parse_filter(request.user, request.GET)
    return _json(dashboard.map_data(request.user, f, now))


@page("command.view")
def command_areas(request):
    """The map's polygons (grids of the area, or the city's streets); they change only when the
    territory is re-cut, so the browser may keep them for a while."""
    f = dashboard.parse_filter(request.user, request.GET)
    resp = HttpResponse(dashboard.map_areas(request.user, f),
                        content_type="application/json; charset=utf-8")
    resp["Cache-Control"] = "private, max-age=300"
    return resp


def labels() -> dict:
    """The script's words (it has no gettext of its own); {n}-style placeholders."""
    return {
        "open": _("在办"), "overdue": _("超时"), "warning": _("临近超时"), "waiting": _("待立案/派遣"),
        "loadOpen": _("在办案件数"), "loadOverdue": _("超时案件数"), "none": _("无"),
        "shown": _("地图显示 {n} 个在办案件"),
        "capped": _("共 {total} 个在办案件，地图显示时限最近的 {n} 个"),
        "error": _("数据加载失败，稍后自动重试。"), "updated": _("更新于 {t}"),
        "intake": _("受理量"), "cases": _("件"), "composite": _("综合得分"),
        "noData": _("暂无数据"), "openCase": _("查看案件"), "legend": _("图例"),
        "category": _("分类"), "streets": _("街道"), "departments": _("部门"),
    }

