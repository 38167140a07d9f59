"""Pages. Thin: check who may open the page, hand the template what it needs; the map's data
comes from the JSON API (civicgrid.api.territory), so the page and other clients see the same."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .access import PUBLIC, page


@page(PUBLIC)
def home(request):
    """Anonymous visitors get a short introduction; staff get the pages their role opens."""
    return render(request, "web/home.html")


@page("territory.view", message=gettext_lazy(
    "“区域与网格”页面只对工作人员开放。如需查看，请联系所在街道或区级管理员开通权限。"))
def territory(request):
    """The map of districts → streets → communities → grids, for every staff role."""
    return render(request, "web/territory.html", {"map_config": {
        "nodesUrl": reverse("api-v1:territory_nodes"),
        "gridsUrl": reverse("api-v1:territory_grids"),
        "validationUrl": reverse("api-v1:territory_validation"),
        "loginUrl": reverse("login"),
        "labels": territory_labels(),
    }})


def territory_labels() -> dict:
    """The map script's words, translated here because the script has no gettext of its own.
    `{n}`-style placeholders are filled in by the script."""
    return {
        "levels": {"district": _("区县"), "street": _("街道"), "community": _("社区"),
                   "grid": _("网格")},
        "root": _("全部区县"),
        "topTitle": _("您可查看的区县"),
        "loading": _("正在加载…"),
        "loadingGrids": _("正在加载全部网格…"),
        "gridsShown": _("已显示 {n} 个网格"),
        "error": _("加载失败，请检查网络后重试。"),
        "count": _("共 {n} 个{level}"),
        "none": _("此区域下没有您可查看的下级区域。"),
        "area": _("面积"),
        "gridCount": _("网格 {n}"),
        "childCount": _("{level} {n}"),
        "staff": _("基础 {basic} · 专业 {specialist} · 响应 {response}"),
        "staffTitle": _("网格力量"),
        "staffAlert": _("力量配置未达标"),
        "validating": _("正在校验边界…"),
        "validOk": _("边界校验通过"),
        "validIssues": _("边界校验发现 {n} 个问题"),
        "issueBadge": _("{n} 个校验问题"),
        "okBadge": _("校验通过"),
        "enter": _("进入下级"),
        "enterCommunity": _("进入所属社区"),
        "legend": _("图例"),
        "legendParent": _("当前区域边界"),
        "legendIssue": _("有校验问题"),
        "legendAllGrids": _("全部网格"),
        "code": _("编码"),
        "name": _("名称"),
    }
