"""`civicgrid indicators recompute [--plan CODE] [--as-of DATE] [--enqueue]`: recompute the
indicators computed from the ledgers or the cases and store their figures; --enqueue hands the
work to the background worker instead (django-tasks)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicgrid.indicators.recompute import indicators_recompute

from .common import add_plan_date, plan_or_message


def add_arguments(parser):
    add_plan_date(parser, plan_required=False)
    parser.add_argument("--enqueue", action="store_true", help=_("交给后台任务执行"))


def run(options, out) -> int:
    code = options.get("plan")
    if code and plan_or_message(code, out) is None:
        return 2
    as_of = options.get("as_of")
    if options.get("enqueue"):
        from civicgrid.indicators.tasks import recompute_indicators

        result = recompute_indicators.enqueue(as_of.isoformat() if as_of else None, code)
        out.write(_("已加入后台任务：%(id)s") % {"id": result.id} + "\n")
        return 0
    report = indicators_recompute(as_of=as_of, plan_code=code)
    out.write(report.summary_zh() + "\n")
    for line in report.skipped:
        out.write("  " + _("跳过") + " " + line + "\n")
    return 0
