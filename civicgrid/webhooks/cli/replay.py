"""`civicgrid webhooks replay --delivery ID | --since ISO [--subscription ID] [--failed-only]`:
send deliveries again with their recorded bodies (a new round of attempts each)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import services
from ..models import DeliveryStatus
from .common import guarded, parse_when


def add_arguments(parser):
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--delivery", type=int, help=_("推送记录编号"))
    which.add_argument("--since", help=_("重发此时间以后产生的推送（ISO 8601）"))
    parser.add_argument("--subscription", type=int, default=None, help=_("只重发这个订阅的"))
    parser.add_argument("--failed-only", action="store_true", help=_("只重发已失败的"))


def _run(options, out) -> int:
    if options["delivery"] is not None:
        targets = [services.delivery_get(options["delivery"])]
    else:
        since = parse_when(options["since"])
        if since is None:
            out.write(_("--since 应为 ISO 8601 时间，如 2026-11-22T08:00:00+08:00。") + "\n")
            return 2
        qs = services.deliveries_since(since, subscription_id=options["subscription"])
        if options["failed_only"]:
            qs = qs.filter(status=DeliveryStatus.FAILED)
        targets = list(qs.exclude(status=DeliveryStatus.SENDING))
    for delivery in targets:
        services.delivery_replay(delivery=delivery)
    out.write(_("已安排重发 %(n)d 条推送。") % {"n": len(targets)} + "\n")
    return 0


def run(options, out) -> int:
    return guarded(_run, options, out)
