"""Territory endpoints for the map pages: the children of a node, every grid of an area at once,
and the validation findings of an area. All of them are scoped: a code the actor may not see
answers 404 exactly like a code that does not exist, so the API never reveals what lies outside
a scope.

GeoJSON is written as text (civicgrid.territory.featurecollection) and returned as it is: a
district's 1,500 grids would otherwise be parsed into dicts and serialised again for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from civicgrid.core.codes import LEVEL_LABELS, ancestor_codes, level_of
from civicgrid.core.errors import InvalidInput, NotFound
from civicgrid.core.geo import to_geojson_dict
from civicgrid.core.permissions import require, scope_of
from civicgrid.territory.featurecollection import feature_collection
from civicgrid.territory.selectors import area_nodes

from .schemas import Error, NodeCollection, ValidationResult

router = Router(tags=["territory"])

CHILD_LEVEL = {"": "district", "district": "street", "street": "community", "community": "grid"}
PARENT_FIELD = {"street": "district_id", "community": "street_id", "grid": "community_id"}
AREA_LEVELS = ("district", "street", "community")
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
# An area code of any level (a grid's has no children: that is answered with its own message).
AREA = r"^\s*(\d{6}|\d{9}|\d{12}|\d{15})\s*$"
AREA_OR_EMPTY = r"^\s*(\d{6}|\d{9}|\d{12}|\d{15})?\s*$"


def _json(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json; charset=utf-8")


# --- reading, scoped --------------------------------------------------------------------------


def visible_node(actor, code: str, *, levels: Iterable[str] = AREA_LEVELS):
    """The district/street/community `code` if the actor may see it; NotFound otherwise, whether
    it does not exist or lies outside the actor's scope."""
    level = level_of(code)
    if level is None:
        raise InvalidInput(
            _("区域编码“%(code)s”格式不对：应为6位区县、9位街道、12位社区或15位网格编码。")
            % {"code": code}, code="bad_code")
    if level not in levels:
        raise InvalidInput(
            _("%(level)s“%(code)s”没有可展开的下级区域，请选择区县、街道或社区。")
            % {"level": LEVEL_LABELS[level], "code": code}, code="no_children")
    node = area_nodes(actor=actor, level=level).filter(code=code).first()
    if node is None:
        raise NotFound(
            _("没有找到编码为“%(code)s”的区域，或它不在您的辖区内。请核对编码，或从上一级重新选择。")
            % {"code": code}, code="area_not_found")
    return node


def _ref(node) -> dict:
    return {"code": node.code, "name": node.name, "level": node.level}


def node_path(actor, node) -> list[dict]:
    """The node's ancestors (district first) and the node itself, for breadcrumbs."""
    path = []
    for code in ancestor_codes(node.code):
        row = area_nodes(actor=actor, level=level_of(code)).filter(code=code).first()
        if row is not None:
            path.append(_ref(row))
    return [*path, _ref(node)]


def _counts(actor, level: str, field: str, codes: list[str]) -> dict[str, int]:
    """How many visible nodes of `level` each of `codes` holds (grouped by `field`)."""
    if not codes:
        return {}
    rows = (area_nodes(actor=actor, level=level).filter(**{f"{field}__in": codes})
            .values(field).annotate(n=Count("code")).values_list(field, "n"))
    return dict(rows)


def grid_staffing(grid_codes: list[str], area_code: str, *, alerts: bool) -> tuple[dict, dict]:
    """Staff counts per grid and, when asked, the staffing rules each grid breaks (messages)."""
    from civicgrid.territory.staffing import grid_staff_counts, staffing_report

    counts = grid_staff_counts(grid_codes) if grid_codes else {}
    by_grid: dict[str, list[str]] = {}
    if alerts and grid_codes:
        wanted = set(grid_codes)
        for v in staffing_report(area_code).violations:
            if v.grid_code in wanted:
                by_grid.setdefault(v.grid_code, []).append(v.message_zh)
    return counts, by_grid


def node_features(actor, level: str, rows: list[tuple], *, area_code: str,
                  staff_alerts: bool = True) -> list[dict]:
    """Feature properties for rows of (code, name, area_m2) of one level."""
    codes = [r[0] for r in rows]
    props = [{"code": c, "name": n, "level": level,
              "area_m2": None if a is None else round(a)} for c, n, a in rows]
    if level == "grid":
        counts, alerts = grid_staffing(codes, area_code, alerts=staff_alerts)
        zero = {"basic": 0, "specialist": 0, "response": 0}
        for p in props:
            p["staff"] = {**zero, **counts.get(p["code"], {})}
            if staff_alerts:
                p["staff_alerts"] = alerts.get(p["code"], [])
        return props
    child = CHILD_LEVEL[level]
    children = _counts(actor, child, PARENT_FIELD[child], codes)
    grids = children if child == "grid" else _counts(actor, "grid", f"{level}_id", codes)
    for p in props:
        p["child_count"] = children.get(p["code"], 0)
        p["grid_count"] = grids.get(p["code"], 0)
    return props


def children_geojson(actor, parent_code: str = "") -> str:
    """The children of `parent_code` the actor may see (the top level when empty)."""
    parent = visible_node(actor, parent_code) if parent_code else None
    level = CHILD_LEVEL[parent.level if parent else ""]
    qs = area_nodes(actor=actor, level=level)
    if parent is not None:
        qs = qs.filter(**{PARENT_FIELD[level]: parent.code})
    rows = list(qs.order_by("code").values_list("code", "name", "area_m2", "geometry"))
    props = node_features(actor, level, [r[:3] for r in rows],
                          area_code=parent.code if parent else "")
    members = {"parent": None, "path": []}
    if parent is not None:
        members = {"parent": {"type": "Feature", "properties": _ref(parent),
                              "geometry": to_geojson_dict(parent.shape)},
                   "path": node_path(actor, parent)}
    return feature_collection(props, [r[3] for r in rows], **members)


def grids_geojson(actor, area_code: str) -> str:
    """Every grid under a district/street/community that the actor may see, in one collection.

    Lean on purpose (a district has 1,500+ grids): no staffing-rule messages, which the
    community-level `nodes` answer carries."""
    area = visible_node(actor, area_code)
    qs = area_nodes(actor=actor, level="grid")
    if area.level != "grid":
        qs = qs.filter(**{f"{area.level}_id": area.code})
    rows = list(qs.order_by("code").values_list("code", "name", "area_m2", "geometry"))
    props = node_features(actor, "grid", [r[:3] for r in rows], area_code=area.code,
                          staff_alerts=False)
    return feature_collection(props, [r[3] for r in rows], area=_ref(area))


def validation_result(actor, area_code: str = "") -> dict:
    """Validation findings inside `area_code` (default: the actor's whole scope), never outside
    the actor's scope: asking for an ancestor of one's scope validates just the scope."""
    from civicgrid.territory.validation import validate_territory

    scope = scope_of(actor).area
    node = visible_node(actor, area_code) if area_code else None
    if scope is None:
        raise NotFound(_("您的账号没有辖区，无法查看区域校验结果。请联系管理员设置辖区。"),
                       code="no_scope")
    target = area_code if area_code.startswith(scope) else scope
    issues = validate_territory(target).issues
    return {
        "area": _ref(node) if node is not None else None,
        "ok": not issues,
        "issues": [{"rule": i.rule, "community_code": i.community_code, "codes": list(i.codes),
                    "area_m2": i.area_m2, "message": i.message_zh} for i in issues],
    }


# --- endpoints: parse, call, render ------------------------------------------------------------


@router.get("/nodes", response={200: NodeCollection, **ERRORS}, url_name="territory_nodes",
            summary="下级区域（GeoJSON）")
def nodes(request: HttpRequest, parent: str = Query("", pattern=AREA_OR_EMPTY)):
    """The children of `parent` the user may see; without `parent`, the top level visible."""
    require(request.user, "territory.view")
    return _json(children_geojson(request.user, parent.strip()))


@router.get("/grids", response={200: NodeCollection, **ERRORS}, url_name="territory_grids",
            summary="区域内全部网格（GeoJSON）")
def grids(request: HttpRequest, area: str = Query(..., pattern=AREA)):
    """Every grid under a district, street or community, as one FeatureCollection."""
    require(request.user, "territory.view")
    return _json(grids_geojson(request.user, area.strip()))


@router.get("/validation", response={200: ValidationResult, **ERRORS},
            url_name="territory_validation", summary="区域校验结果")
def validation(request: HttpRequest, area: str = Query("", pattern=AREA_OR_EMPTY)):
    """Validation findings (grids outside their community, overlaps, gaps, bad codes, size
    outliers) for an area inside the user's scope."""
    require(request.user, "territory.view")
    return validation_result(request.user, area.strip())
