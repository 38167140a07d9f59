"""`civicgrid evaluation rebuild [--check] [--from YYYY-MM-DD --to YYYY-MM-DD] [--limit N]`:
recompute the rollup rows from the cases (rollups.rollup_rebuild). Without --check the rows of
the days are replaced; with --check nothing is written, the differing rows are printed
(stored → recomputed) and the exit status is 1 when there are any."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from civicgrid.evaluation.rollups import rollup_rebuild


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def add_arguments(parser):
    parser.add_argument("--check", action="store_true",
                        help=_("只比对，不写入；有不一致时退出码为 1"))
    parser.add_argument("--from", dest="first", type=_date,
                        help=_("起始上报日期 YYYY-MM-DD（含）"))
    parser.add_argument("--to", dest="last", type=_date,
                        help=_("截止上报日期 YYYY-MM-DD（含）"))
    parser.add_argument("--limit", type=int, default=50,
                        help=_("最多列出多少行不一致（默认 50）"))


def run(options, out) -> int:
    first, last = options.get("first"), options.get("last")
    if (first is None) != (last is None):
        out.write(_("--from 与 --to 须同时填写。") + "\n")
        return 2
    if first is not None and first > last:
        out.write(_("--from 不能晚于 --to。") + "\n")
        return 2
    days = (first, last) if first is not None else None
    check = options["check"]
    report = rollup_rebuild(days=days, check=check, limit=max(options["limit"], 0))
    span = _("全部日期") if days is None else f"{first} 至 {last}"
    if not check:
        out.write(_("已重算 %(span)s：%(cases)d 个案件，写入 %(rows)d 行统计汇总（%(s).1f 秒）") % {
            "span": span, "cases": report.cases, "rows": report.written,
            "s": report.seconds} + "\n")
        return 0
    if report.ok:
        out.write(_("核对 %(span)s：%(cases)d 个案件、%(rows)d 行统计汇总，全部一致（%(s).1f 秒）") % {
            "span": span, "cases": report.cases, "rows": report.rows, "s": report.seconds}
            + "\n")
        return 0
    out.write(_("核对 %(span)s：%(n)d 行统计汇总与案件重算结果不一致（存储值→重算值）：") % {
        "span": span, "n": report.different} + "\n")
    for diff in report.differences:
        out.write("  " + diff.describe() + "\n")
    if report.different > len(report.differences):
        out.write(_("  ……另有 %(n)d 行未列出") % {
            "n": report.different - len(report.differences)} + "\n")
    out.write(_("运行 civicgrid evaluation rebuild（去掉 --check）可用重算结果替换。") + "\n")
    return 1
