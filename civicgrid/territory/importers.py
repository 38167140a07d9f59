"""Import territory nodes (district … micro-grid) or one source-grid layer from GeoJSON or CSV.

All or nothing: every feature is checked first and every fault is collected, so the person who
drew the file can fix them all in one round instead of one per attempt; only a clean file is
written, in one transaction, with bulk statements. The checks are vectorised with shapely (one
call per rule over all geometries), which keeps a 16,000-grid file to a second or two.

Parents are resolved from the code prefix against the database *and* the file itself, so a file
may carry a street and its communities in any order; rows are written parents first.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import LEVEL_LENGTHS, LEVELS, code_error, level_of, parent_code
from civicgrid.core.errors import InvalidInput
from civicgrid.core.geo import CRS, area_m2, geometry_to_wgs84

from .models import (
    Community,
    CommunityKind,
    District,
    Grid,
    GridLayer,
    MicroGrid,
    SourceGrid,
    Street,
    StreetKind,
)
from .services import territory_touch

MODELS = {"district": District, "street": Street, "community": Community, "grid": Grid,
          "microgrid": MicroGrid}
# The ancestor foreign keys stored on each level (filled from the code prefix).
ANCESTOR_FKS = {"district": (), "street": ("district",), "community": ("street", "district"),
                "grid": ("community", "street", "district"), "microgrid": ("grid",)}
# Accepted spellings of each property / column (the Chinese headers are what offices use).
CODE_KEYS = ("code", "编码", "id", "ID", "Code", "CODE")
NAME_KEYS = ("name", "名称", "Name", "NAME")
KIND_KEYS = ("kind", "类型")
# Values and labels accepted for `kind` on the two levels that have one.
KINDS = {
    "street": {**{c.value: c.value for c in StreetKind}, **{str(c.label): c.value for c in StreetKind}},
    "community": {**{c.value: c.value for c in CommunityKind},
                  **{str(c.label): c.value for c in CommunityKind}},
}
# A generous box around China (lon 73.5–135.1, lat 3.8–53.6): catches swapped lon/lat and
# projected (metre) coordinates, the two usual mistakes.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
BATCH = 500


@dataclass(frozen=True)
class RowError:
    """One fault: the 1-based feature (or CSV data row) number, its code/id, the reason."""

    row: int  # 0 when the fault concerns the whole file
    code: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if not self.row:
            return self.reason
        return _("第%(row)d条（编码 %(code)s）：%(reason)s") % {
            "row": self.row, "code": self.code or "-", "reason": self.reason}


ImportError = RowError  # noqa: A001 - the name the issue gives it; never catch the builtin here


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    by_level: dict[str, int] = field(default_factory=dict)  # rows per level (or per layer)


@dataclass
class _Row:
    row: int
    code: str
    name: str
    kind: str = ""
    geom: object = None  # shapely geometry in the input crs
    has_geometry: bool = False  # the input carried one (possibly unparsable)
    level: str = ""


@dataclass(frozen=True)
class _Area:
    """A bare area code, so the permission policy can judge a node that does not exist yet."""

    area_code: str


def _first(props: dict, keys) -> str:
    for key in keys:
        value = props.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _text(data: bytes | str | Path) -> str:
    if isinstance(data, Path):
        data = data.read_bytes()
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(_("文件不是 UTF-8 编码：请用 UTF-8 另存后再导入。"),
                               code="bad_encoding") from exc
    return data.lstrip("\ufeff")


def _file_error(reason: str) -> InvalidInput:
    return InvalidInput(reason, code="bad_file", details=[RowError(0, "", reason)])


def _parse_geojson(text: str) -> list[_Row]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise _file_error(_("文件不是有效的 JSON：%(err)s") % {"err": exc}) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Feature":
        features = [doc]
    elif kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    else:
        raise _file_error(_("文件不是 GeoJSON FeatureCollection：请导出为 GeoJSON 要素集合。"))
    rows, texts = [], []
    for i, feat in enumerate(features, 1):
        feat = feat if isinstance(feat, dict) else {}
        props = feat.get("properties") or {}
        code = _first(props, CODE_KEYS) or (str(feat["id"]) if feat.get("id") is not None else "")
        geometry = feat.get("geometry")
        rows.append(_Row(i, code, _first(props, NAME_KEYS), _first(props, KIND_KEYS),
                         has_geometry=geometry is not None))
        texts.append(json.dumps(geometry) if geometry is not None else None)
    _set_geoms(rows, texts, shapely.from_geojson)
    return rows


def _set_geoms(rows: list[_Row], texts: list, parser) -> None:
    idx = [i for i, t in enumerate(texts) if t]
    if idx:
        geoms = parser(np.array([texts[i] for i in idx], dtype=object), on_invalid="ignore")
        for i, g in zip(idx, geoms, strict=True):
            rows[i].geom = g


def _parse_csv(text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if not set(header) & set(CODE_KEYS):
        raise _file_error(_("CSV 缺少编码列：第一行应为列名 code,name[,kind][,wkt 或 geojson]。"))
    rows, wkts, geojsons = [], [], []
    for i, rec in enumerate(reader, 1):
        wkt, gj = (rec.get("wkt") or "").strip(), (rec.get("geojson") or "").strip()
        rows.append(_Row(i, _first(rec, CODE_KEYS), _first(rec, NAME_KEYS),
                         _first(rec, KIND_KEYS), has_geometry=bool(wkt or gj)))
        wkts.append(wkt or None)
        geojsons.append(gj or None)
    _set_geoms(rows, wkts, shapely.from_wkt)
    _set_geoms(rows, geojsons, shapely.from_geojson)
    return rows


def _check_geometries(rows: list[_Row], *, required: bool) -> list[RowError]:
    """Parse failures, missing, wrong type, empty, invalid, outside China: one pass per rule."""
    errors = []
    with_geom = [r for r in rows if r.geom is not None]
    for r in rows:
        if r.geom is None and r.has_geometry:
            errors.append(RowError(r.row, r.code, _("几何无法解析：检查坐标数组（环至少4个点且首尾相同）。")))
        elif r.geom is None and required:
            errors.append(RowError(r.row, r.code, _("缺少几何：每个要素都需要面状边界。")))
    if not with_geom:
        return errors
    arr = np.array([r.geom for r in with_geom], dtype=object)
    polygonal = np.isin(shapely.get_type_id(arr), (3, 6))
    empty = shapely.is_empty(arr)
    valid = shapely.is_valid(arr)
    bounds = shapely.bounds(arr)
    xmin, ymin, xmax, ymax = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        outside = ((bounds[:, 0] < xmin) | (bounds[:, 2] > xmax) | (bounds[:, 1] < ymin)
                   | (bounds[:, 3] > ymax))
    for i, r in enumerate(with_geom):
        if not polygonal[i]:
            errors.append(RowError(r.row, r.code, _("几何类型应为 Polygon 或 MultiPolygon，实际为 %(t)s")
                                   % {"t": r.geom.geom_type}))
        elif empty[i]:
            errors.append(RowError(r.row, r.code, _("几何为空：请提供边界坐标。")))
        elif outside[i]:
            errors.append(RowError(r.row, r.code, _(
                "坐标超出中国范围（经度73–136，纬度3–54）：检查经纬度是否颠倒、是否为投影坐标。")))
        elif not valid[i]:
            errors.append(RowError(r.row, r.code, _("几何无效：%(why)s（请修复自相交、重复点等问题）")
                                   % {"why": shapely.is_valid_reason(r.geom)}))
    return errors


def _existing(model, codes, field_name: str = "code", **filters) -> set[str]:
    found: set[str] = set()
    codes = list(codes)
    for i in range(0, len(codes), 5000):
        chunk = codes[i:i + 5000]
        qs = model.objects.filter(**{f"{field_name}__in": chunk}, **filters)
        found.update(qs.values_list(field_name, flat=True))
    return found


def _check_nodes(rows: list[_Row], level: str | None) -> list[RowError]:
    """Codes, levels, duplicates, names, kinds and parents of tree nodes."""
    errors: list[RowError] = []
    first: dict[str, int] = {}
    for r in rows:
        if not r.code:
            errors.append(RowError(r.row, "", _("缺少编码（code / 编码 / id）")))
            continue
        lv = level or level_of(r.code)
        if lv is None:
            why = code_error(r.code, "grid")
            if why is None or r.code.isdigit():
                why = _("编码“%(code)s”的位数（%(n)d）不对应任何层级：应为6、9、12、15或18位") % {
                    "code": r.code, "n": len(r.code)}
            errors.append(RowError(r.row, r.code, why))
            continue
        why = code_error(r.code, lv)
        if why:
            errors.append(RowError(r.row, r.code, why))
            continue
        r.level = lv
        if r.code in first:
            errors.append(RowError(r.row, r.code, _("编码重复：与第%(n)d条相同") % {"n": first[r.code]}))
            continue
        first[r.code] = r.row
        if not r.name:
            errors.append(RowError(r.row, r.code, _("缺少名称（name / 名称）")))
        if r.kind and lv in KINDS and r.kind not in KINDS[lv]:
            errors.append(RowError(r.row, r.code, _("类型“%(kind)s”无效：可选 %(choices)s") % {
                "kind": r.kind, "choices": "、".join(KINDS[lv])}))
    parents: dict[str, set[str]] = {}
    for r in rows:
        if r.level and (p := parent_code(r.code)):
            parents.setdefault(level_of(p), set()).add(p)
    known = set(first)
    for lv, codes in parents.items():
        known |= _existing(MODELS[lv], codes - known)
    for r in rows:
        p = parent_code(r.code) if r.level else None
        if p and p not in known:
            errors.append(RowError(r.row, r.code, _(
                "上级“%(parent)s”不存在：请先导入上级，或在同一文件中一并提供") % {"parent": p}))
    return errors


def _check_layer_rows(rows: list[_Row]) -> list[RowError]:
    errors, first = [], {}
    for r in rows:
        if not r.code:
            errors.append(RowError(r.row, "", _("缺少源网格编号（code / 编码 / id）")))
        elif r.code in first:
            errors.append(RowError(r.row, r.code, _("编码重复：与第%(n)d条相同") % {"n": first[r.code]}))
        elif len(r.code) > 64:
            errors.append(RowError(r.row, r.code, _("源网格编号过长（最多64个字符）")))
        else:
            first[r.code] = r.row
    return errors


def _districts_of(geoms) -> list[str | None]:
    """The district holding each geometry's representative point (None when outside all)."""
    rows = [(c, g) for c, g in District.objects.exclude(geometry=None).values_list("code", "geometry")]
    out: list[str | None] = [None] * len(geoms)
    if not rows or not len(geoms):
        return out
    tree = shapely.STRtree(shapely.from_wkb([bytes(g) for _c, g in rows]))
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    for i, j in zip(*tree.query(pts, predicate="within"), strict=True):
        out[i] = rows[j][0]
    return out


def territory_import(*, data: bytes | str | Path, fmt: str, level: str | None = None,
                     crs: str = "wgs84", layer: str | None = None, actor=None,
                     dry_run: bool = False) -> ImportResult:
    """Check every row of a GeoJSON/CSV file, then (unless dry_run) upsert all of them in one
    transaction. Raises InvalidInput with the list of RowError in `details` when anything is
    wrong, PermissionDenied when `actor` may not edit the parent of some row."""
    if fmt not in ("geojson", "csv"):
        raise _file_error(_("未知文件格式“%(fmt)s”：支持 geojson、csv") % {"fmt": fmt})
    if level is not None and level not in MODELS:
        raise _file_error(_("未知层级“%(level)s”：可选 %(c)s") % {"level": level, "c": "、".join(LEVELS)})
    if layer is not None and layer not in GridLayer.values:
        raise _file_error(_("未知图层“%(layer)s”：可选 %(c)s") % {
            "layer": layer, "c": "、".join(GridLayer.values)})
    errors: list[RowError] = []
    try:
        crs = CRS(str(crs).lower())
    except ValueError:
        errors.append(RowError(0, "", _("未知坐标系“%(crs)s”：可选 wgs84、gcj02、bd09") % {"crs": crs}))
    text = _text(data)
    rows = _parse_geojson(text) if fmt == "geojson" else _parse_csv(text)
    if not rows:
        raise _file_error(_("文件中没有任何要素或数据行。"))
    errors += _check_layer_rows(rows) if layer else _check_nodes(rows, level)
    errors += _check_geometries(rows, required=bool(layer) or fmt == "geojson")
    if errors:
        errors.sort(key=lambda e: e.row)
        raise InvalidInput(_("导入文件有%(n)d处错误，未写入任何数据：请逐条修改后重新导入。")
                           % {"n": len(errors)}, code="import_invalid", details=errors)
    geoms = np.array([r.geom for r in rows], dtype=object)
    has = np.array([g is not None for g in geoms])
    if has.any():
        geoms[has] = geometry_to_wgs84(geoms[has], crs)
    areas = np.full(len(rows), np.nan)
    areas[has] = area_m2(geoms[has])
    if layer:
        return _import_layer(rows, geoms, areas, layer=layer, actor=actor, dry_run=dry_run)
    return _import_nodes(rows, geoms, areas, actor=actor, dry_run=dry_run)


def _import_nodes(rows, geoms, areas, *, actor, dry_run) -> ImportResult:
    if actor is not None:
        for parent in sorted({parent_code(r.code) or "" for r in rows}):
            permissions.require(actor, "territory.edit", _Area(parent))
    result = ImportResult(dry_run=dry_run, by_level=dict(Counter(r.level for r in rows)))
    by_level = {lv: [i for i, r in enumerate(rows) if r.level == lv] for lv in LEVELS}
    if dry_run:
        for lv, idx in by_level.items():
            old = _existing(MODELS[lv], [rows[i].code for i in idx]) if idx else set()
            result.updated += len(old)
            result.created += len(idx) - len(old)
        return result
    now = timezone.now()
    wkbs = shapely.to_wkb(geoms)
    with transaction.atomic():
        for lv in LEVELS:  # parents first
            idx = by_level[lv]
            if not idx:
                continue
            model = MODELS[lv]
            existing = model.objects.in_bulk([rows[i].code for i in idx])
            new, old = [], []
            for i in idx:
                r = rows[i]
                obj = existing.get(r.code) or model(code=r.code)
                obj.name, obj.updated_at = r.name, now
                if r.geom is not None:
                    obj.geometry, obj.area_m2 = wkbs[i], float(areas[i])
                if r.kind and lv in KINDS:
                    obj.kind = KINDS[lv][r.kind]
                for anc in ANCESTOR_FKS[lv]:
                    setattr(obj, f"{anc}_id", r.code[: LEVEL_LENGTHS[anc]])
                (old if r.code in existing else new).append(obj)
            model.objects.bulk_create(new, batch_size=BATCH)
            fields = ["name", "geometry", "area_m2", "updated_at"]
            fields += ["kind"] if lv in KINDS else []
            model.objects.bulk_update(old, fields, batch_size=BATCH)
            result.created += len(new)
            result.updated += len(old)
        territory_touch()
    return result


def _import_layer(rows, geoms, areas, *, layer, actor, dry_run) -> ImportResult:
    districts = _districts_of(geoms)
    if actor is not None:
        for code in sorted({d or "" for d in districts}):
            permissions.require(actor, "territory.edit", _Area(code))
    codes = [r.code for r in rows]
    existing = {s.source_code: s for s in SourceGrid.objects.filter(layer=layer,
                                                                    source_code__in=codes)}
    result = ImportResult(dry_run=dry_run, by_level={layer: len(rows)},
                          updated=len(existing), created=len(rows) - len(existing))
    if dry_run:
        return result
    wkbs = shapely.to_wkb(geoms)
    new, old = [], []
    for i, r in enumerate(rows):
        obj = existing.get(r.code) or SourceGrid(layer=layer, source_code=r.code)
        obj.name, obj.geometry, obj.area_m2 = r.name, wkbs[i], float(areas[i])
        obj.district_id = districts[i]
        (old if r.code in existing else new).append(obj)
    with transaction.atomic():
        SourceGrid.objects.bulk_create(new, batch_size=BATCH)
        SourceGrid.objects.bulk_update(old, ["name", "geometry", "area_m2", "district_id"],
                                       batch_size=BATCH)
        territory_touch()
    return result
