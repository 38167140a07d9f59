"""`civicgrid webhooks sweep [--since ISO]`: fan out events a crash left behind and re-queue
deliveries whose attempt was lost (run it from cron every few minutes; safe to overlap)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import services
from .common import parse_when


def add_arguments(parser):
    parser.add_argument("--since", default=None, help=_("检查此时间以后的事件，默认最近1小时"))


def run(options, out) -> int:
    since = None
    if options["since"]:
        since = parse_when(options["since"])
        if since is None:
            out.write(_("--since 应为 ISO 8601 时间。") + "\n")
            return 2
    r = services.sweep(since=since)
    out.write(_("补分发事件 %(e)d 个（新推送 %(d)d 条），重新排队推送 %(q)d 条，"
                "清理分发记录 %(p)d 条。") % {"e": r.fanned_out, "d": r.deliveries_made,
                                            "q": r.requeued, "p": r.marks_pruned} + "\n")
    return 0
