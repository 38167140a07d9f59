"""`civicgrid territory staffing [--area CODE] [--json]`: the coverage figures, then every
violation of 基础力量一员一格、专业力量一员多格、响应力量多员一格. Exit status 1 when any."""

import json

from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.territory.staffing import staffing_report


def add_arguments(parser):
    parser.add_argument("--area", default="", help=_("只检查这个区县/街道/社区/网格编码之内"))
    parser.add_argument("--json", action="store_true", help=_("输出JSON"))


def run(options, out) -> int:
    try:
        report = staffing_report(options["area"] or "")
    except DomainError as exc:
        out.write(exc.message)
        return 2
    if options["json"]:
        out.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return 1 if report.violations else 0
    c = report.coverage
    out.write(_("网格力量配置（%(area)s）") % {"area": report.area_code or _("全市")})
    out.write(_("网格总数：%(n)d") % {"n": c.grids})
    out.write(_("恰有一名基础力量的网格：%(n)d（%(pct).1f%%）") % {
        "n": c.grids_one_basic, "pct": c.grids_one_basic_pct})
    out.write(_("有响应力量的网格：%(n)d（%(pct).1f%%）") % {
        "n": c.grids_with_response, "pct": c.grids_with_response_pct})
    out.write(_("基础力量：%(n)d人") % {"n": c.basic_workers})
    out.write(_("专业力量：%(n)d人，平均每人%(avg).2f个网格") % {
        "n": c.specialists, "avg": c.grids_per_specialist})
    out.write(_("响应力量：%(n)d人") % {"n": c.response_workers})
    if not report.violations:
        out.write(_("未发现违反“一员一格、一员多格、多员一格”的配置。"))
        return 0
    out.write(_("发现%(n)d处问题：") % {"n": len(report.violations)})
    for v in report.violations:
        out.write(f"[{v.rule}] {v.message_zh}")
    return 1
