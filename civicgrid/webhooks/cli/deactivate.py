"""`civicgrid webhooks deactivate ID`: stop sending to a subscription (history is kept)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import services
from ..models import Subscription
from .common import guarded, operator


def add_arguments(parser):
    parser.add_argument("subscription", type=int, help=_("订阅编号"))


def _run(options, out) -> int:
    sub = Subscription.objects.filter(pk=options["subscription"]).first()
    if sub is None:
        out.write(_("订阅 #%(id)d 不存在。") % {"id": options["subscription"]} + "\n")
        return 2
    services.subscription_deactivate(actor=operator(), subscription=sub)
    out.write(_("已停用订阅 #%(id)d。") % {"id": sub.pk} + "\n")
    return 0


def run(options, out) -> int:
    return guarded(_run, options, out)
