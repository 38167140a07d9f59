"""Validate the unified grid layer: every community tiled by its grids, nothing more, nothing less.

Rules (each `Issue.rule`), reported under the community they concern (`community_code`; street-
level rules use the street's code there):
- `bad_code`: a code that fails `code_error` against its parent, or whose prefix disagrees with
  the street/district it is filed under. (Duplicate codes cannot reach the database — the code is
  the primary key — so the importer reports those.)
- `no_geometry` / `invalid_geometry`: a grid or community without a usable boundary.
- `grid_outside`: grid minus its community larger than the tolerance.
- `grid_overlap`: two grids whose intersection is larger than the tolerance.
- `gap`: each part of (community minus the union of its grids) larger than the tolerance.
- `size_outlier`: a grid more than `size_factor` times larger or smaller than the median grid of
  its street (a digitising slip, or a grid that should be split).
- `street_gap`, `community_outside`, `community_overlap`: the same tiling test one level up.

Why it is fast enough for a city (16,000 grids, 7,500 communities): every rule is one shapely
array call over all grids (difference, intersection, area), overlaps come from one STRtree query
whose candidate pairs are filtered by the DE-9IM pattern "2********" (interiors share an area)
before any intersection is computed, and the only Python loop is the per-community union, which
is skipped for single-grid communities.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext as _

from civicgrid.core.codes import code_error, level_of
from civicgrid.core.errors import InvalidInput
from civicgrid.core.geo import area_m2

from .models import Community, Grid, Street

RULE_LABELS = {
    "bad_code": "编码错误", "no_geometry": "缺少边界", "invalid_geometry": "边界无效",
    "grid_outside": "网格越界", "grid_overlap": "网格重叠", "gap": "缝隙未覆盖",
    "size_outlier": "面积异常", "street_gap": "街道缝隙", "community_outside": "社区越界",
    "community_overlap": "社区重叠",
}


@dataclass(frozen=True)
class Issue:
    rule: str  # one of RULE_LABELS
    community_code: str  # the community (or, for street rules, the street) it is reported under
    codes: tuple[str, ...]  # the grid (or community) codes involved
    area_m2: float | None  # the offending area, when the rule has one
    message_zh: str


@dataclass
class ValidationReport:
    area_code: str
    issues: list[Issue]
    n_communities: int
    n_grids: int
    tolerance_m2: float
    seconds: float = 0.0
    names: dict[str, str] = field(default_factory=dict)  # community/street code -> name

    @property
    def ok(self) -> bool:
        return not self.issues

    def by_community(self) -> dict[str, list[Issue]]:
        groups: dict[str, list[Issue]] = defaultdict(list)
        for issue in self.issues:
            groups[issue.community_code].append(issue)
        return dict(sorted(groups.items()))

    def summary(self) -> str:
        head = _("%(c)d 个社区、%(g)d 个网格") % {"c": self.n_communities, "g": self.n_grids}
        if self.ok:
            return head + _("，全部通过")
        counts = Counter(i.rule for i in self.issues)
        parts = "、".join(f"{RULE_LABELS[r]} {n}" for r, n in sorted(counts.items()))
        return head + _("：发现 %(n)d 个问题，涉及 %(k)d 个社区/街道（%(parts)s）") % {
            "n": len(self.issues), "k": len(self.by_community()), "parts": parts}

    def text(self) -> str:
        """The readable report: one block per community, its issues with areas."""
        lines = []
        for code, issues in self.by_community().items():
            lines.append(f"{self.names.get(code, '')}（{code}）")
            for i in issues:
                lines.append(f"  [{RULE_LABELS[i.rule]}] {i.message_zh}")
        lines.append(self.summary())
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"area_code": self.area_code, "ok": self.ok, "summary": self.summary(),
                "communities": self.n_communities, "grids": self.n_grids,
                "tolerance_m2": self.tolerance_m2, "seconds": round(self.seconds, 3),
                "issues": [asdict(i) | {"codes": list(i.codes)} for i in self.issues]}


@dataclass
class Layer:
    """The arrays the rules run on (from the database, or built in memory by a benchmark)."""

    comm_codes: list[str]
    comm_streets: list[str]
    comm_geoms: np.ndarray  # shapely geometries, None when missing
    grid_codes: list[str]
    grid_comms: list[str]  # the community each grid is filed under (its FK)
    grid_streets: list[str]
    grid_districts: list[str]
    grid_geoms: np.ndarray
    street_codes: list[str] = field(default_factory=list)
    street_districts: list[str] = field(default_factory=list)
    street_geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    names: dict[str, str] = field(default_factory=dict)


def _geoms(blobs) -> np.ndarray:
    return np.asarray(shapely.from_wkb([None if b is None else bytes(b) for b in blobs]),
                      dtype=object).reshape(-1)


def load_layer(area_code: str = "") -> Layer:
    """The communities, grids and (for a city, district or street) streets of `area_code`."""
    comms = list(Community.objects.filter(code__startswith=area_code)
                 .values_list("code", "street_id", "name", "geometry"))
    grids = list(Grid.objects.filter(community__code__startswith=area_code)
                 .values_list("code", "community_id", "street_id", "district_id", "geometry"))
    streets = []
    if len(area_code) <= 9:
        streets = list(Street.objects.filter(code__startswith=area_code)
                       .values_list("code", "district_id", "name", "geometry"))
    names = {c[0]: c[2] for c in comms} | {s[0]: s[2] for s in streets}
    return Layer(
        comm_codes=[c[0] for c in comms], comm_streets=[c[1] for c in comms],
        comm_geoms=_geoms([c[3] for c in comms]),
        grid_codes=[g[0] for g in grids], grid_comms=[g[1] for g in grids],
        grid_streets=[g[2] for g in grids], grid_districts=[g[3] for g in grids],
        grid_geoms=_geoms([g[4] for g in grids]),
        street_codes=[s[0] for s in streets], street_districts=[s[1] for s in streets],
        street_geoms=_geoms([s[3] for s in streets]), names=names)


def validate_territory(area_code: str = "", *, tolerance_m2: float = 1.0,
                       size_factor: float = 10.0) -> ValidationReport:
    """Check the grids of `area_code` ('' the city; a district, street, community or grid code)."""
    if area_code and level_of(area_code) not in ("district", "street", "community", "grid"):
        raise InvalidInput(_("区域编码“%(code)s”无效：应为6位区县、9位街道、12位社区或15位网格编码")
                           % {"code": area_code}, code="bad_area")
    started = time.perf_counter()
    layer = load_layer(area_code[:12])
    issues = check_layer(layer, tolerance_m2=tolerance_m2, size_factor=size_factor)
    n_grids = len(layer.grid_codes)
    if len(area_code) == 15:  # one grid: its community's checks, only the issues naming it
        issues = [i for i in issues if area_code in i.codes]
        n_grids = int(area_code in layer.grid_codes)
    return ValidationReport(area_code=area_code, issues=issues, n_communities=len(layer.comm_codes),
                            n_grids=n_grids, tolerance_m2=tolerance_m2,
                            seconds=time.perf_counter() - started, names=layer.names)


def _usable(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(has a geometry, is valid, geometries made valid) for an array of geometries."""
    has = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    valid = np.ones(len(geoms), dtype=bool)
    fixed = geoms.copy()
    if has.any():
        valid[has] = shapely.is_valid(geoms[has])
        bad = has & ~valid
        if bad.any():
            fixed[bad] = shapely.make_valid(geoms[bad])
    return has, valid, fixed


def _fmt(a: float) -> str:
    return f"{a:,.1f}"


def check_layer(layer: Layer, *, tolerance_m2: float = 1.0,
                size_factor: float = 10.0) -> list[Issue]:
    issues: list[Issue] = []
    comm_index = {c: i for i, c in enumerate(layer.comm_codes)}
    gci = np.array([comm_index.get(c, -1) for c in layer.grid_comms], dtype=int)
    issues += _code_rules(layer)
    g_has, g_valid, grids = _usable(layer.grid_geoms)
    c_has, c_valid, comms = _usable(layer.comm_geoms)
    for kind, codes, owners, has, valid, geoms in (
            ("grid", layer.grid_codes, layer.grid_comms, g_has, g_valid, layer.grid_geoms),
            ("community", layer.comm_codes, layer.comm_codes, c_has, c_valid, layer.comm_geoms)):
        label = _("网格") if kind == "grid" else _("社区")
        for i in np.flatnonzero(~has):
            issues.append(Issue("no_geometry", owners[i], (codes[i],), None,
                                _("%(k)s %(c)s 缺少边界") % {"k": label, "c": codes[i]}))
        for i in np.flatnonzero(has & ~valid):
            issues.append(Issue("invalid_geometry", owners[i], (codes[i],), None,
                                _("%(k)s %(c)s 的边界无效：%(why)s") % {
                                    "k": label, "c": codes[i],
                                    "why": shapely.is_valid_reason(geoms[i])}))
    # Grid outside its community.
    sel = np.flatnonzero(g_has & (gci >= 0))
    sel = sel[c_has[gci[sel]]]
    if sel.size:
        shapely.prepare(comms[c_has])
        inside = shapely.covered_by(grids[sel], comms[gci[sel]])
        out = sel[~inside]
        excess = area_m2(shapely.difference(grids[out], comms[gci[out]])) if out.size else []
        for i, a in zip(out, excess, strict=True):
            if a > tolerance_m2:
                issues.append(Issue("grid_outside", layer.grid_comms[i], (layer.grid_codes[i],),
                                    float(a), _("网格 %(g)s 超出所属社区边界 %(a)s 平方米") % {
                                        "g": layer.grid_codes[i], "a": _fmt(a)}))
    issues += _overlaps(grids, g_has, layer.grid_codes, layer.grid_comms, "grid_overlap",
                        _("网格"), tolerance_m2)
    issues += _gaps(comms, c_has, layer.comm_codes, grids, g_has, gci, "gap",
                    _("社区内有 %(a)s 平方米未被任何网格覆盖（约在 %(at)s）"), tolerance_m2)
    issues += _size_outliers(layer, grids, g_has, size_factor)
    if len(layer.street_codes):
        s_has, _s_valid, streets = _usable(layer.street_geoms)
        s_index = {c: i for i, c in enumerate(layer.street_codes)}
        csi = np.array([s_index.get(s, -1) for s in layer.comm_streets], dtype=int)
        sel = np.flatnonzero(c_has & (csi >= 0))
        sel = sel[s_has[csi[sel]]]
        if sel.size:
            excess = area_m2(shapely.difference(comms[sel], streets[csi[sel]]))
            for i, a in zip(sel, excess, strict=True):
                if a > tolerance_m2:
                    issues.append(Issue("community_outside", layer.comm_codes[i],
                                        (layer.comm_codes[i],), float(a),
                                        _("社区 %(c)s 超出所属街道边界 %(a)s 平方米") % {
                                            "c": layer.comm_codes[i], "a": _fmt(a)}))
        issues += _overlaps(comms, c_has, layer.comm_codes, layer.comm_codes,
                            "community_overlap", _("社区"), tolerance_m2)
        issues += _gaps(streets, s_has, layer.street_codes, comms, c_has, csi, "street_gap",
                        _("街道内有 %(a)s 平方米不属于任何社区（约在 %(at)s）"), tolerance_m2)
    return issues


def _code_rules(layer: Layer) -> list[Issue]:
    issues = []
    for code, street in zip(layer.comm_codes, layer.comm_streets, strict=True):
        if why := code_error(code, "community", street):
            issues.append(Issue("bad_code", code, (code,), None, why))
    for code, comm, street, district in zip(layer.grid_codes, layer.grid_comms,
                                            layer.grid_streets, layer.grid_districts, strict=True):
        why = code_error(code, "grid", comm)
        if why is None and (comm[:9] != street or comm[:6] != district):
            why = _("网格 %(g)s 登记的街道（%(s)s）或区县（%(d)s）与所属社区 %(c)s 不一致") % {
                "g": code, "s": street, "d": district, "c": comm}
        if why:
            issues.append(Issue("bad_code", comm, (code,), None, why))
    return issues


def _overlaps(geoms, has, codes, owners, rule, label, tolerance_m2) -> list[Issue]:
    idx = np.flatnonzero(has)
    if idx.size < 2:
        return []
    tree = shapely.STRtree(geoms[idx])
    a, b = tree.query(geoms[idx], predicate="intersects")
    keep = a < b
    a, b = idx[a[keep]], idx[b[keep]]
    # Touching neighbours share only an edge: keep the pairs whose interiors share an area.
    inner = shapely.relate_pattern(geoms[a], geoms[b], "2********")
    a, b = a[inner], b[inner]
    areas = area_m2(shapely.intersection(geoms[a], geoms[b])) if a.size else []
    out = []
    for i, j, ar in zip(a, b, areas, strict=True):
        if ar > tolerance_m2:
            out.append(Issue(rule, owners[i], (codes[i], codes[j]), float(ar),
                             _("%(k)s %(a)s 与 %(b)s 重叠 %(ar)s 平方米") % {
                                 "k": label, "a": codes[i], "b": codes[j], "ar": _fmt(ar)}))
    return out


def _gaps(parents, p_has, p_codes, children, ch_has, child_parent, rule, message,
          tolerance_m2) -> list[Issue]:
    """Each part of (parent minus the union of its children) above the tolerance."""
    members: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(ch_has & (child_parent >= 0)):
        members[int(child_parent[i])].append(i)
    sel = np.flatnonzero(p_has)
    if not sel.size:
        return []
    unions = np.empty(sel.size, dtype=object)
    for k, p in enumerate(sel):
        m = members.get(int(p), [])
        unions[k] = (children[m[0]] if len(m) == 1 else shapely.union_all(children[m])
                     if m else shapely.Polygon())
    gaps = shapely.difference(parents[sel], unions)
    parts, owner = shapely.get_parts(gaps, return_index=True)
    if not parts.size:
        return []
    areas = area_m2(parts)
    big = areas > tolerance_m2
    points = shapely.point_on_surface(parts[big])
    out = []
    for k, ar, pt in zip(owner[big], areas[big], points, strict=True):
        code = p_codes[sel[k]]
        out.append(Issue(rule, code, (code,), float(ar), message % {
            "a": _fmt(ar), "at": f"{pt.x:.5f},{pt.y:.5f}"}))
    return out


def _size_outliers(layer: Layer, grids, g_has, factor: float) -> list[Issue]:
    idx = np.flatnonzero(g_has)
    if not idx.size or not factor:
        return []
    areas = area_m2(grids[idx])
    streets = np.array([layer.grid_streets[i] for i in idx])
    _u, inverse = np.unique(streets, return_inverse=True)
    medians = np.zeros(inverse.max() + 1)
    for s in range(medians.size):
        medians[s] = np.median(areas[inverse == s])
    ratio = areas / np.maximum(medians[inverse], 1e-9)
    out = []
    for k in np.flatnonzero((ratio > factor) | (ratio < 1.0 / factor)):
        i, r = idx[k], ratio[k]
        rel = (_("是街道网格面积中位数（%(m)s 平方米）的 %(r).1f 倍") if r > 1
               else _("仅为街道网格面积中位数（%(m)s 平方米）的 1/%(r).0f"))
        rel = rel % {"m": _fmt(medians[inverse[k]]), "r": r if r > 1 else 1 / r}
        out.append(Issue("size_outlier", layer.grid_comms[i], (layer.grid_codes[i],),
                         float(areas[k]), _("网格 %(g)s 面积 %(a)s 平方米，%(rel)s") % {
                             "g": layer.grid_codes[i], "a": _fmt(areas[k]), "rel": rel}))
    return out
