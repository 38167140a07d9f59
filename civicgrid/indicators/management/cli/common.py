"""Arguments shared by the indicator subcommands."""

from __future__ import annotations

import argparse
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.indicators.models import Plan


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("日期应为 YYYY-MM-DD（如 2018-06-30），收到 %(v)r") % {"v": text}) from None


def add_plan_date(parser, *, plan_required: bool = True) -> None:
    parser.add_argument("--plan", required=plan_required, help=_("规划编码，如 bj-13fyp-social-governance"))
    parser.add_argument("--as-of", dest="as_of", type=iso_date, default=None,
                        help=_("评估日期 YYYY-MM-DD（默认今天）"))


def plan_or_message(code: str, out) -> Plan | None:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        known = "、".join(Plan.objects.values_list("code", flat=True)) or _("（无，请先运行 civicgrid indicators load-seeds）")
        out.write(_("没有编码为“%(code)s”的规划。已有：%(known)s") % {"code": code, "known": known}
                  + "\n")
    return plan


def as_of_of(options) -> dt.date:
    return options.get("as_of") or timezone.localdate()


__all__ = ["add_plan_date", "as_of_of", "iso_date", "plan_or_message"]
