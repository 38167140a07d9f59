"""`civicgrid indicators export --plan CODE [--as-of DATE] --out FILE.xlsx`."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.indicators.export import plan_workbook
from civicgrid.indicators.report import plan_report

from .common import add_plan_date, as_of_of, plan_or_message


def add_arguments(parser):
    add_plan_date(parser)
    parser.add_argument("--out", type=Path, required=True, help=_("输出的 Excel 文件"))


def run(options, out) -> int:
    plan = plan_or_message(options["plan"], out)
    if plan is None:
        return 2
    report = plan_report(plan, as_of=as_of_of(options))
    path: Path = options["out"]
    path.write_bytes(plan_workbook(report))
    out.write(_("已导出 %(n)d 项指标 → %(path)s") % {"n": report.summary.total, "path": path} + "\n")
    return 0
