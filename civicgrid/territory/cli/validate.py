"""`civicgrid territory validate [--area CODE] [--tolerance 1.0] [--size-factor 10] [--json]`:
check that grids tile their communities; exit status 1 when any rule fails."""

import json

from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.territory.validation import validate_territory


def add_arguments(parser):
    parser.add_argument("--area", default="", help=_("只检查此区县/街道/社区/网格编码（默认全市）"))
    parser.add_argument("--tolerance", type=float, default=1.0,
                        help=_("面积容差（平方米），小于此值的重叠、缝隙、越界不报告"))
    parser.add_argument("--size-factor", type=float, default=10.0,
                        help=_("网格面积超过街道中位数的多少倍（或不足其几分之一）算异常"))
    parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))


def run(options, out) -> int:
    try:
        report = validate_territory(options["area"], tolerance_m2=options["tolerance"],
                                    size_factor=options["size_factor"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2
    if options["json"]:
        out.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(report.text() + "\n")
        out.write(_("用时 %(s).2f 秒") % {"s": report.seconds} + "\n")
    return 0 if report.ok else 1
