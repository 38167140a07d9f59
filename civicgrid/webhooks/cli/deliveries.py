"""`civicgrid webhooks deliveries [--subscription ID] [--status failed] [--limit 50]`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Delivery, DeliveryStatus


def add_arguments(parser):
    parser.add_argument("--subscription", type=int, default=None)
    parser.add_argument("--status", choices=DeliveryStatus.values, default=None)
    parser.add_argument("--limit", type=int, default=50, help=_("最多显示条数"))


def run(options, out) -> int:
    qs = Delivery.objects.order_by("-id")
    if options["subscription"]:
        qs = qs.filter(subscription_id=options["subscription"])
    if options["status"]:
        qs = qs.filter(status=options["status"])
    for d in qs[: max(1, options["limit"])]:
        out.write(f"{d.pk}\t{d.status}\t{d.event_type}\tsub={d.subscription_id}\t"
                  f"attempts={d.attempts}\tcode={d.last_status_code or '-'}\t"
                  f"{d.created_at.isoformat(timespec='seconds')}\t{d.last_error[:80]}\n")
    return 0
