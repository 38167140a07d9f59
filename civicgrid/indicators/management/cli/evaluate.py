"""`civicgrid indicators evaluate --plan CODE [--as-of DATE] [--area CODE] [--json]`: the
plan's evaluation at the date — the summary in the seed's form, the per-aspect table, then
every indicator with its status and reason. With --json: exactly
{"total", "evaluable", "completed", "midterm", "lagging", "not_evaluable", "indicators": [...]}."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from civicgrid.indicators.report import number, plan_report, report_json
from civicgrid.indicators.rules import STATUS_LABELS

from .common import add_plan_date, as_of_of, plan_or_message


def add_arguments(parser):
    add_plan_date(parser)
    parser.add_argument("--area", default="", help=_("只评估该区县（6位）或街道（9位）的分解指标"))
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _pct(p) -> str:
    return "—" if p is None else f"{p}%"


def _summary_lines(report) -> list[str]:
    s = report.summary
    lines = [
        f"{report.plan.name}（{report.plan.code}）" + (
            f" · {report.area_name}（{report.area_code}）" if report.area_code else ""),
        _("评估日期：%(d)s") % {"d": report.as_of.isoformat()},
        _("指标总数 %(t)d，可评估 %(e)d，不具备评估条件 %(n)d") % {
            "t": s.total, "e": s.evaluable, "n": s.not_evaluable},
        _("已完成 %(n)d（%(p)s），达到中期要求 %(m)d（%(mp)s），滞后 %(l)d（%(lp)s）") % {
            "n": s.completed, "p": _pct(s.completed_pct), "m": s.midterm,
            "mp": _pct(s.midterm_pct), "l": s.lagging, "lp": _pct(s.lagging_pct)},
        report.sentence(),
    ]
    reported = report.reported()
    if reported and not report.area_code:
        lines.append(_("原文报告（%(seed)s，截至 %(d)s）：%(t)s项指标，%(n)d项不具备评估条件，其余%(e)d项中"
                       "%(c)d项已完成（%(cp)s%%），%(m)d项达到中期要求（%(mp)s%%）") % {
            "seed": reported.get("seed", ""), "d": reported.get("as_of", ""),
            "t": reported.get("total"), "n": reported.get("not_evaluable", 0),
            "e": reported.get("evaluable", 0), "c": reported.get("completed", 0),
            "cp": reported.get("completed_pct", ""), "m": reported.get("midterm", 0),
            "mp": reported.get("midterm_pct", "")})
    return lines


def run(options, out) -> int:
    plan = plan_or_message(options["plan"], out)
    if plan is None:
        return 2
    area = (options.get("area") or "").strip()
    if area and not (area.isdigit() and len(area) in (6, 9)):
        out.write(_("--area 应为6位区县编码或9位街道编码，收到 %(v)r") % {"v": area} + "\n")
        return 2
    report = plan_report(plan, as_of=as_of_of(options), area_code=area)
    if options["json"]:
        out.write(json.dumps(report_json(report), ensure_ascii=False, indent=1) + "\n")
        return 0
    for line in _summary_lines(report):
        out.write(line + "\n")
    out.write("\n" + _("分方面：") + "\n")
    for g in report.aspects:
        s = g.summary
        out.write(f"  {g.name}：{s.total}项，" + _("已完成%(c)d，达到中期要求%(m)d，滞后%(l)d，"
                                                  "不具备评估条件%(n)d") % {
            "c": s.completed, "m": s.midterm, "l": s.lagging, "n": s.not_evaluable} + "\n")
    if report.areas:
        out.write("\n" + _("分区域（分解到该区域的指标）：") + "\n")
        for g in report.areas:
            s = g.summary
            out.write(f"  {g.name}（{g.code}）：{s.total}项，" + _(
                "已完成%(c)d，达到中期要求%(m)d，滞后%(l)d，不具备评估条件%(n)d") % {
                "c": s.completed, "m": s.midterm, "l": s.lagging, "n": s.not_evaluable} + "\n")
    out.write("\n" + _("各项指标：") + "\n")
    for row in report.rows:
        r = row.result
        detail = [str(STATUS_LABELS[r.status])]
        if r.value is not None:
            detail.append(_("现值 %(v)s%(u)s（%(d)s）") % {
                "v": number(r.value), "u": row.indicator.unit, "d": r.value_date})
        if r.requirement is not None:
            detail.append(_("中期要求 %(v)s%(u)s（%(b)s）") % {
                "v": number(r.requirement), "u": row.indicator.unit, "b": r.basis_label})
        if r.target is not None:
            detail.append(_("目标 %(v)s%(u)s（%(d)s）") % {
                "v": number(r.target), "u": row.indicator.unit, "d": r.target_date})
        if r.reason:
            detail.append(r.reason)
        out.write(f"  [{row.aspect_name}] {row.indicator.name}：" + "；".join(detail) + "\n")
    return 0
