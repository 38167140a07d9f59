"""`civicgrid territory fuse --base LAYER [--area CODE] [--min-area 200] [--dry-run]`: build the
unified grid layer from the imported source layers (多网融合) and print what happened."""

from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.territory.fusion import territory_fuse
from civicgrid.territory.models import GridLayer


def add_arguments(parser):
    parser.add_argument("--base", required=True, choices=GridLayer.values,
                        help=_("作为基础的源图层（通常为 social_service 社会服务管理网格）"))
    parser.add_argument("--area", default="", help=_("只融合此区县/街道/社区（默认全市）"))
    parser.add_argument("--min-area", type=float, default=200.0,
                        help=_("小于此面积（平方米）的碎片并入相邻网格"))
    parser.add_argument("--dry-run", action="store_true", help=_("只计算和报告，不写入"))


def run(options, out) -> int:
    try:
        report = territory_fuse(base_layer=options["base"], area_code=options["area"],
                                min_area_m2=options["min_area"], dry_run=options["dry_run"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 1
    out.write(report.text() + "\n")
    return 0
