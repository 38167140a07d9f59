"""Grid-layer fusion (多网融合): several grid layers drawn by different owners (social service, city
management, public security, enforcement) become one unified layer of unit grids, with a
crosswalk from every unified grid back to the source grids of every layer.

The algorithm, and why:
1. **Start from the base layer** (usually social service). Its grids are the ones the grid
   workers already walk, so keeping them changes least on the ground; the other layers are
   mapped onto the result through the crosswalk rather than cut into it (intersecting all four
   layers would shred the city into slivers nobody can staff: "大小适当").
2. **Clip every base grid to the community boundaries** (one STRtree query + one vectorised
   intersection). A unified grid never spans two communities ("边界清晰"): cases, staff and
   evaluation all roll up through the community, so a grid must have exactly one. A base grid
   that falls into several communities is split and reported (`source_split`, with the share in
   each), as is any source grid of any layer that does so. Where two base grids overlap inside a
   community, the one with the smaller source code keeps the overlap (`base_overlap`), so the
   result still tiles.
3. **Fill what no base grid covers**: each uncovered part of a community becomes a grid of its
   own, so the unified layer tiles every community exactly ("有机统一").
4. **Merge slivers** (pieces below `min_area_m2`, usually a base grid poking a few metres over a
   community boundary, or a crumb between grids) into the neighbouring piece of the same community
   with the longest shared boundary: that is the merge that changes the shape least. Smallest
   first, because each merge changes the neighbours' boundaries. Slivers are reported.
5. **Number** the pieces of each community by centroid (west to east, then south to north), so
   the same input always gives the same 15-digit codes (community code + 001…).
6. **Crosswalk**: for every unified grid and every source grid of every layer overlapping it by
   more than TOLERANCE_M2, `share_of_grid` (overlap / unified grid) and `share_of_source`
   (overlap / source grid). Per layer, the shares of a fully covered grid sum to 1.
7. **Coverage**: per layer and community, the area no source grid of that layer covers
   (`uncovered`), so the owner of that layer can fix the gap.
The write replaces the communities' previous grids in one transaction and bumps the territory
revision. It refuses when staff or micro-grids hang on the grids it would replace.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import level_of
from civicgrid.core.errors import Conflict, InvalidInput
from civicgrid.core.geo import area_m2, metres_to_degrees

from .models import Community, Grid, GridAssignment, GridCrosswalk, GridLayer, MicroGrid, SourceGrid
from .services import territory_touch

TOLERANCE_M2 = 1.0  # overlaps below this are floating-point noise, not data
# Overlay debris (zero-width spikes between nearly collinear edges) is dropped, not merged: a
# union with such a spike yields a ring GEOS later intersects wrongly (seen on Voronoi layers).
NOISE_M2 = 0.01
_EPS = metres_to_degrees(0.01)  # 1 cm: how close two boundaries must be to count as shared


@dataclass(frozen=True)
class _Area:
    area_code: str


@dataclass
class FusionConflict:
    kind: str  # source_split | base_overlap | sliver | uncovered
    layer: str
    source_code: str  # '' when no single source grid is concerned
    community_code: str
    area_m2: float
    message_zh: str
    shares: dict[str, float] = field(default_factory=dict)  # community -> share of the source


@dataclass
class UnifiedGrid:
    code: str
    name: str
    community_code: str
    geometry: shapely.Geometry
    area_m2: float
    origin: str  # the base source grid it grew from, '' for a filled gap


@dataclass
class CrosswalkRow:
    grid_code: str
    layer: str
    source_code: str
    share_of_grid: float
    share_of_source: float


@dataclass
class FusionReport:
    base_layer: str
    area_code: str
    dry_run: bool
    min_area_m2: float
    layer_counts: dict[str, int] = field(default_factory=dict)
    communities: int = 0
    grids: list[UnifiedGrid] = field(default_factory=list)
    replaced: int = 0
    crosswalk: list[CrosswalkRow] = field(default_factory=list)
    conflicts: list[FusionConflict] = field(default_factory=list)

    def text(self) -> str:
        labels = dict(GridLayer.choices)
        lines = [_("源图层：") + "、".join(f"{labels[k]} {n} 个" for k, n in self.layer_counts.items())]
        verb = _("将生成") if self.dry_run else _("已生成")
        lines.append(_("%(verb)s统一网格 %(n)d 个（%(c)d 个社区，替换原网格 %(r)d 个），对照关系 %(x)d 条")
                     % {"verb": verb, "n": len(self.grids), "c": self.communities,
                        "r": self.replaced, "x": len(self.crosswalk)})
        if self.conflicts:
            lines.append(_("冲突 %(n)d 项：") % {"n": len(self.conflicts)})
            lines += [f"  {c.message_zh}" for c in self.conflicts]
        else:
            lines.append(_("无冲突"))
        if self.dry_run:
            lines.append(_("（试运行，未写入）"))
        return "\n".join(lines)


def _polygons(geom) -> list:
    """The polygon parts of any overlay result (dropping the lines and points of touching edges)."""
    out = []
    for part in shapely.get_parts(geom):
        tid = shapely.get_type_id(part)
        if tid == 3 and not part.is_empty:
            out.append(part)
        elif tid in (6, 7):
            out += _polygons(part)
    return out


def _fmt(a: float) -> str:
    return f"{a:,.1f}"


def _pct(share: float) -> str:
    return f"{share:.1%}" if share >= 0.001 or share == 0 else f"{share:.4%}"


def territory_fuse(*, base_layer: str, area_code: str = "", min_area_m2: float = 200.0,
                   actor=None, dry_run: bool = False) -> FusionReport:
    """Build the unified grid layer of `area_code` from the source layers (see module doc)."""
    if base_layer not in GridLayer.values:
        raise InvalidInput(_("未知图层“%(l)s”：可选 %(c)s") % {
            "l": base_layer, "c": "、".join(GridLayer.values)}, code="bad_layer")
    if area_code and level_of(area_code) not in ("district", "street", "community"):
        raise InvalidInput(_("区域编码“%(c)s”无效：应为6位区县、9位街道或12位社区编码")
                           % {"c": area_code}, code="bad_area")
    if actor is not None:
        permissions.require(actor, "territory.edit", _Area(area_code))
    report = FusionReport(base_layer=base_layer, area_code=area_code, dry_run=dry_run,
                          min_area_m2=min_area_m2)
    comms = list(Community.objects.filter(code__startswith=area_code).exclude(geometry=None)
                 .order_by("code").values_list("code", "name", "street_id", "district_id",
                                               "geometry"))
    if not comms:
        raise InvalidInput(_("区域内没有带边界的社区：请先导入社区边界。"), code="no_communities")
    c_geoms = shapely.make_valid(shapely.from_wkb([bytes(c[4]) for c in comms]))
    src = list(SourceGrid.objects.order_by("layer", "source_code")
               .values_list("id", "layer", "source_code", "geometry"))
    s_geoms = shapely.make_valid(shapely.from_wkb([bytes(s[3]) for s in src]))
    s_areas = area_m2(s_geoms) if src else np.zeros(0)
    # Every (source grid, community) overlap, for all layers at once.
    tree = shapely.STRtree(c_geoms)
    si, ci = tree.query(s_geoms, predicate="intersects") if src else ([], [])
    inner = shapely.relate_pattern(s_geoms[si], c_geoms[ci], "2********") if len(si) else []
    si, ci = np.asarray(si)[inner], np.asarray(ci)[inner]
    overlap = shapely.intersection(s_geoms[si], c_geoms[ci]) if si.size else np.zeros(0)
    o_areas = area_m2(overlap) if si.size else np.zeros(0)
    big = o_areas > TOLERANCE_M2
    si, ci, overlap, o_areas = si[big], ci[big], overlap[big], o_areas[big]
    in_area = sorted(set(si.tolist()))
    for s in in_area:
        report.layer_counts[src[s][1]] = report.layer_counts.get(src[s][1], 0) + 1
    if base_layer not in report.layer_counts:
        raise InvalidInput(_("区域内没有“%(l)s”图层的网格：请先用 territory import --layer %(k)s 导入。")
                           % {"l": GridLayer(base_layer).label, "k": base_layer}, code="no_base")
    report.conflicts += _split_conflicts(src, comms, si, ci, o_areas, s_areas)
    by_comm: dict[int, list[tuple[str, object]]] = defaultdict(list)
    by_comm_layer: dict[tuple[int, str], list] = defaultdict(list)
    for s, c, g in zip(si, ci, overlap, strict=True):
        by_comm_layer[(int(c), src[s][1])].append(g)
        if src[s][1] == base_layer:
            by_comm[int(c)].append((src[s][2], g))
    for c, (ccode, cname, *_rest) in enumerate(comms):
        pieces = _clip_pieces(by_comm[c], c_geoms[c], ccode, base_layer, report.conflicts)
        pieces = _merge_slivers(pieces, min_area_m2, ccode, base_layer, report.conflicts)
        report.grids += _number(pieces, ccode, cname)
    report.communities = len(comms)
    report.conflicts += _coverage_conflicts(comms, c_geoms, by_comm_layer, report.layer_counts)
    report.crosswalk = _crosswalk(report.grids, src, s_geoms, s_areas)
    if dry_run:
        report.replaced = Grid.objects.filter(community_id__in=[c[0] for c in comms]).count()
    else:
        report.replaced = _write(report, comms, src)
    return report


def _split_conflicts(src, comms, si, ci, o_areas, s_areas) -> list[FusionConflict]:
    shares: dict[int, dict[str, float]] = defaultdict(dict)
    for s, c, a in zip(si, ci, o_areas, strict=True):
        shares[int(s)][comms[c][0]] = float(a / s_areas[s])
    out = []
    for s, per_comm in shares.items():
        if len(per_comm) < 2:
            continue
        layer, code = src[s][1], src[s][2]
        text = "、".join(f"{c} {_pct(v)}" for c, v in sorted(per_comm.items(), key=lambda kv: -kv[1]))
        out.append(FusionConflict(
            "source_split", layer, code, max(per_comm, key=per_comm.get), float(s_areas[s]),
            _("%(layer)s %(code)s 跨越 %(n)d 个社区：%(shares)s") % {
                "layer": GridLayer(layer).label, "code": code, "n": len(per_comm),
                "shares": text}, dict(per_comm)))
    return out


def _clip_pieces(base, community, ccode, base_layer, conflicts) -> list[list]:
    """[geometry, origin] pieces tiling `community`: the clipped base grids, then the gaps."""
    base = sorted(base, key=lambda t: t[0])
    geoms = [g for _c, g in base]
    taken = shapely.union_all(geoms) if geoms else shapely.Polygon()
    pieces: list[list] = []
    if len(geoms) > 1 and area_m2(taken) + TOLERANCE_M2 < float(np.sum(area_m2(np.array(geoms)))):
        # Base grids overlap here: the smaller source code keeps the shared part.
        so_far = shapely.Polygon()
        for code, g in base:
            rest = shapely.difference(g, so_far)
            lost = area_m2(g) - area_m2(rest)
            if lost > TOLERANCE_M2:
                conflicts.append(FusionConflict(
                    "base_overlap", base_layer, code, ccode, lost,
                    _("基础图层网格 %(code)s 在社区 %(c)s 内与其他网格重叠 %(a)s 平方米，重叠部分归编码较小者")
                    % {"code": code, "c": ccode, "a": _fmt(lost)}))
            so_far = shapely.union(so_far, g)
            pieces += [[p, code] for p in _polygons(rest)]
    else:
        pieces = [[p, code] for code, g in base for p in _polygons(g)]
    pieces += [[p, ""] for p in _polygons(shapely.difference(community, taken))]
    if not pieces:
        return pieces
    keep = area_m2(np.array([p[0] for p in pieces], dtype=object)) >= NOISE_M2
    return [p for p, k in zip(pieces, keep, strict=True) if k]


def _merge_slivers(pieces, min_area_m2, ccode, base_layer, conflicts) -> list[list]:
    """Merge pieces below min_area into the neighbour with the longest shared boundary."""
    while len(pieces) > 1:
        areas = area_m2(np.array([p[0] for p in pieces], dtype=object))
        k = int(np.argmin(areas))
        if areas[k] >= min_area_m2:
            break
        sliver, origin = pieces.pop(k)
        others = np.array([p[0] for p in pieces], dtype=object)
        near = shapely.dwithin(others, sliver, _EPS)
        shared = np.zeros(len(pieces))
        if near.any():
            shared[near] = shapely.length(shapely.intersection(
                shapely.boundary(sliver), shapely.buffer(others[near], _EPS)))
        best = int(np.argmax(shared)) if shared.max() > 0 else int(
            np.argmin(shapely.distance(others, sliver)))
        pieces[best][0] = shapely.union(pieces[best][0], sliver)
        if areas[k] >= TOLERANCE_M2:
            what = (_("基础图层网格 %(code)s 的碎片") % {"code": origin} if origin
                    else _("未覆盖的碎片"))
            into = pieces[best][1] or _("补缺网格")
            conflicts.append(FusionConflict(
                "sliver", base_layer, origin, ccode, float(areas[k]),
                _("社区 %(c)s 内%(what)s %(a)s 平方米小于 %(min)s 平方米，已并入相邻的 %(into)s")
                % {"c": ccode, "what": what, "a": _fmt(areas[k]), "min": _fmt(min_area_m2),
                   "into": into}))
    return pieces


def _number(pieces, ccode, cname) -> list[UnifiedGrid]:
    if len(pieces) > 999:
        raise InvalidInput(_("社区 %(c)s 将生成超过999个网格：请检查基础图层或调大最小面积。")
                           % {"c": ccode}, code="too_many_grids")
    geoms = np.array([p[0] for p in pieces], dtype=object)
    cent = shapely.centroid(geoms)
    order = sorted(range(len(pieces)), key=lambda i: (round(cent[i].x, 7), round(cent[i].y, 7)))
    areas = area_m2(geoms)
    return [UnifiedGrid(f"{ccode}{n:03d}", _("%(c)s第%(n)d网格") % {"c": cname, "n": n}, ccode,
                        geoms[i], float(areas[i]), pieces[i][1])
            for n, i in enumerate(order, 1)]


def _coverage_conflicts(comms, c_geoms, by_comm_layer, layer_counts) -> list[FusionConflict]:
    out = []
    c_areas = area_m2(c_geoms)
    for layer in layer_counts:
        covered = np.empty(len(comms), dtype=object)
        for c in range(len(comms)):
            parts = by_comm_layer.get((c, layer), [])
            covered[c] = (parts[0] if len(parts) == 1 else shapely.union_all(parts) if parts
                          else shapely.Polygon())
        missing = c_areas - area_m2(covered)
        for c in np.flatnonzero(missing > TOLERANCE_M2):
            out.append(FusionConflict(
                "uncovered", layer, "", comms[c][0], float(missing[c]),
                _("%(layer)s未覆盖社区 %(c)s 的 %(a)s 平方米（占 %(p)s）") % {
                    "layer": GridLayer(layer).label, "c": comms[c][0], "a": _fmt(missing[c]),
                    "p": _pct(missing[c] / c_areas[c])}))
    return out


def _crosswalk(grids, src, s_geoms, s_areas) -> list[CrosswalkRow]:
    if not grids or not len(src):
        return []
    u = np.array([g.geometry for g in grids], dtype=object)
    ui, si = shapely.STRtree(s_geoms).query(u, predicate="intersects")
    inner = shapely.relate_pattern(u[ui], s_geoms[si], "2********")
    ui, si = ui[inner], si[inner]
    areas = area_m2(shapely.intersection(u[ui], s_geoms[si])) if ui.size else []
    return [CrosswalkRow(grids[i].code, src[s][1], src[s][2], float(a / grids[i].area_m2),
                         float(a / s_areas[s]))
            for i, s, a in zip(ui, si, areas, strict=True) if a > TOLERANCE_M2]


def _write(report: FusionReport, comms, src) -> int:
    info = {c[0]: c for c in comms}
    src_id = {(s[1], s[2]): s[0] for s in src}
    with transaction.atomic():
        old = Grid.objects.filter(community_id__in=list(info))
        staffed = GridAssignment.objects.filter(grid__in=old).count()
        micro = MicroGrid.objects.filter(grid__in=old).count()
        if staffed or micro:
            raise Conflict(_("区域内原网格已有 %(a)d 条网格员分配、%(m)d 个微网格：融合会替换这些网格，"
                             "请先解除分配或迁移微网格后再融合。") % {"a": staffed, "m": micro},
                           code="grids_in_use")
        replaced = old.count()
        try:
            old.delete()
        except ProtectedError as exc:
            raise Conflict(_("区域内原网格仍被其他数据引用，不能替换：请先处理引用这些网格的记录。"),
                           code="grids_in_use") from exc
        wkbs = shapely.to_wkb(np.array([g.geometry for g in report.grids], dtype=object))
        Grid.objects.bulk_create([
            Grid(code=g.code, name=g.name, geometry=w, area_m2=g.area_m2,
                 community_id=g.community_code, street_id=info[g.community_code][2],
                 district_id=info[g.community_code][3])
            for g, w in zip(report.grids, wkbs, strict=True)], batch_size=500)
        GridCrosswalk.objects.bulk_create([
            GridCrosswalk(grid_id=x.grid_code, source_grid_id=src_id[(x.layer, x.source_code)],
                          layer=x.layer, share_of_grid=x.share_of_grid,
                          share_of_source=x.share_of_source)
            for x in report.crosswalk], batch_size=1000)
        territory_touch()
    return replaced
