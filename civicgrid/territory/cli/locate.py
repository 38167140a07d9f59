"""`civicgrid territory locate LON LAT [--crs gcj02]`: one point → grid, community, street and
district (exit status 1 when the point lies outside every grid).

`civicgrid territory locate --file points.csv [--out located.csv]`: a CSV with columns lon,lat
(other columns are kept) → the same rows plus grid_code, community_code, street_code and
district_code ("" outside every grid), located in one vectorised batch."""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from civicgrid.core.errors import DomainError
from civicgrid.territory.locator import LEVELS, get_locator
from civicgrid.territory.models import Community, District, Grid, Street

LABELS = {"grid": _lazy("网格"), "community": _lazy("社区"), "street": _lazy("街道"),
          "district": _lazy("区县")}
MODELS = {"grid": Grid, "community": Community, "street": Street, "district": District}
OUT_COLUMNS = [f"{level}_code" for level in LEVELS]


def add_arguments(parser):
    parser.add_argument("lon", nargs="?", type=float, help=_("经度"))
    parser.add_argument("lat", nargs="?", type=float, help=_("纬度"))
    parser.add_argument("--crs", default="wgs84",
                        help=_("输入坐标系：wgs84（默认，GPS）、gcj02（高德/腾讯/苹果）、bd09（百度）"))
    parser.add_argument("--file", help=_("批量定位：CSV 文件，需含 lon、lat 两列"))
    parser.add_argument("--out", default="-", help=_("批量结果写入的 CSV 文件（默认输出到屏幕）"))


def run(options, out) -> int:
    try:
        if options.get("file"):
            return _run_file(Path(options["file"]), options.get("out") or "-", options["crs"], out)
        if options.get("lon") is None or options.get("lat") is None:
            out.write(_("请给出经度和纬度，例如：civicgrid territory locate 116.366 39.912；"
                        "或用 --file 批量定位") + "\n")
            return 2
        return _run_point(options["lon"], options["lat"], options["crs"], out)
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2


def _run_point(lon: float, lat: float, crs: str, out) -> int:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        out.write(_("经纬度必须是有限的数字") + "\n")
        return 2
    loc = get_locator(refresh=True).locate(lon, lat, crs)
    if loc is None:
        out.write(_("不在任何网格内") + "\n")
        return 1
    for level in LEVELS:
        code = getattr(loc, f"{level}_code")
        name = MODELS[level].objects.filter(code=code).values_list("name", flat=True).first()
        out.write(f"{LABELS[level]}\t{code}\t{name or ''}\n")
    return 0


def _run_file(path: Path, out_path: str, crs: str, out) -> int:
    if not path.is_file():
        out.write(_("文件不存在：%(p)s") % {"p": path} + "\n")
        return 2
    t0 = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        if "lon" not in fields or "lat" not in fields:
            out.write(_("CSV 文件需要 lon 和 lat 两列（第一行是列名）") + "\n")
            return 2
        rows = list(reader)
    lon, lat, bad = _coordinates(rows)
    if bad:
        out.write(_("以下行的经纬度不是数字，请改正后重试（行号含列名行）：%(rows)s")
                  % {"rows": "、".join(str(n) for n in bad[:20])} + "\n")
        return 2
    locator = get_locator(refresh=True)
    t_build = time.perf_counter()
    locator.raster()  # built on first use; timed apart from locating
    t_build = time.perf_counter() - t_build
    t1 = time.perf_counter()
    codes = locator.locations_for(locator.locate_many(lon, lat, crs))
    t_locate = time.perf_counter() - t1
    columns = [c for c in OUT_COLUMNS if c not in fields]
    level_codes = [codes[c[: -len("_code")]] for c in columns]
    if out_path == "-":
        _write(sys.stdout, rows, fields, columns, level_codes)
    else:
        with open(out_path, "w", encoding="utf-8", newline="") as target:
            _write(target, rows, fields, columns, level_codes)
    total = time.perf_counter() - t0
    outside = int((codes["grid"] == "").sum())
    summary = _("已定位 %(n)d 行，其中 %(o)d 行不在任何网格内；定位 %(r)s 行/秒"
                "（另建索引 %(b).2f 秒），含读写文件共 %(t).2f 秒（%(rt)s 行/秒）") % {
        "n": len(rows), "o": outside, "r": f"{len(rows) / max(t_locate, 1e-9):,.0f}",
        "b": t_build, "t": total, "rt": f"{len(rows) / max(total, 1e-9):,.0f}"}
    (sys.stderr if out_path == "-" else out).write(summary + "\n")
    return 0


def _write(target, rows, fields, columns, level_codes) -> None:
    writer = csv.writer(target)
    writer.writerow([*fields, *columns])
    for i, row in enumerate(rows):
        writer.writerow([*(row.get(f, "") for f in fields), *(lc[i] for lc in level_codes)])


def _coordinates(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    lon, lat = np.empty(len(rows)), np.empty(len(rows))
    bad: list[int] = []
    for i, row in enumerate(rows):
        try:
            lon[i], lat[i] = float(row["lon"]), float(row["lat"])
        except (TypeError, ValueError):
            bad.append(i + 2)
            continue
        if not (math.isfinite(lon[i]) and math.isfinite(lat[i])):
            bad.append(i + 2)
    return lon, lat, bad
