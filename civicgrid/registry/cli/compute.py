"""`civicgrid registry compute [--as-of DATE] [--area CODE] [--json]`: every computed indicator
for the city (or one district, street or community) on a date (default today)."""

import datetime as dt
import json
import time

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.registry.computed import compute_all


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(_("日期应写成 2018-06-30")) from None


def add_arguments(parser):
    parser.add_argument("--as-of", type=_date, default=None, help=_("计算日期（默认今天）"))
    parser.add_argument("--area", default="", help=_("区县、街道或社区编码（默认全市）"))
    parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))


def run(options, out) -> int:
    as_of = options["as_of"] or timezone.localdate()
    t0 = time.perf_counter()
    try:
        results = compute_all(as_of=as_of, area_code=options["area"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2
    seconds = time.perf_counter() - t0
    if options["json"]:
        out.write(json.dumps({
            "as_of": as_of.isoformat(), "area": options["area"],
            "indicators": [{"code": ci.code, "name": ci.name, "unit": ci.unit,
                            "value": None if v is None else str(v)} for ci, v in results],
        }, ensure_ascii=False, indent=1) + "\n")
        return 0
    out.write(_("计算指标（%(date)s，%(area)s）") % {
        "date": as_of.isoformat(), "area": options["area"] or _("全市")} + "\n")
    width = max(len(ci.name) for ci, _v in results)
    for ci, value in results:
        shown = "—" if value is None else f"{value} {ci.unit}"
        out.write(f"  {ci.name}{'　' * (width - len(ci.name))}  {shown}\n")
    out.write(_("“—”表示数据不足，无法计算。用时 %(s).2f 秒") % {"s": seconds} + "\n")
    return 0
