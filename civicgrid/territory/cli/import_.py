"""`civicgrid territory import FILE [--level L] [--crs C] [--layer X] [--dry-run]`: import
boundaries or codes from GeoJSON/CSV; nothing is written unless every row is valid."""

from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.codes import LEVEL_LABELS, LEVELS
from civicgrid.core.errors import DomainError
from civicgrid.territory.importers import territory_import
from civicgrid.territory.models import GridLayer

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}


def add_arguments(parser):
    parser.add_argument("file", help=_("GeoJSON（.geojson/.json）或 CSV（.csv）文件"))
    parser.add_argument("--level", choices=LEVELS,
                        help=_("层级；默认按编码位数判断（6区县 9街道 12社区 15网格 18微网格）"))
    parser.add_argument("--crs", default="wgs84",
                        help=_("输入坐标系：wgs84（默认）、gcj02（高德/腾讯）、bd09（百度）"))
    parser.add_argument("--layer", choices=GridLayer.values,
                        help=_("导入为某一源图层的网格（用于多网融合），编号可为任意字符串"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))


def run(options, out) -> int:
    path = Path(options["file"])
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        out.write(_("无法识别文件类型“%(s)s”：请使用 .geojson、.json 或 .csv") % {"s": path.suffix}
                  + "\n")
        return 2
    if not path.is_file():
        out.write(_("文件不存在：%(p)s") % {"p": path} + "\n")
        return 2
    try:
        result = territory_import(data=path, fmt=fmt, level=options["level"], crs=options["crs"],
                                  layer=options["layer"], dry_run=options["dry_run"])
    except DomainError as exc:
        for err in exc.details or []:
            out.write(f"{err}\n")
        out.write(exc.message + "\n")
        return 1
    labels = LEVEL_LABELS | dict(GridLayer.choices)
    levels = "、".join(f"{labels.get(k, k)} {v}" for k, v in result.by_level.items())
    if result.dry_run:
        out.write(_("检查通过（试运行，未写入）：将新建 %(c)d 条、更新 %(u)d 条（%(l)s）")
                  % {"c": result.created, "u": result.updated, "l": levels} + "\n")
    else:
        out.write(_("导入完成：新建 %(c)d 条、更新 %(u)d 条（%(l)s）")
                  % {"c": result.created, "u": result.updated, "l": levels} + "\n")
    return 0
