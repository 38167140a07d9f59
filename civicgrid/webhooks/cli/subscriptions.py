"""`civicgrid webhooks list`: every subscription (never its secret)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Subscription


def add_arguments(parser):
    pass


def run(options, out) -> int:
    for s in Subscription.objects.select_related("owner").order_by("id"):
        state = _("启用") if s.active else _("停用")
        types = ",".join(s.event_types) or "all"
        out.write(f"{s.pk}\t{state}\t{s.owner.username}\t{types}\t{s.target_url}\t{s.name}\n")
    return 0
