"""Reads of subscriptions and deliveries, scoped: an account sees its own subscriptions;
admins (webhook.manage) also those whose owners stand inside their scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.core import permissions

from .models import Delivery, Subscription


def subscriptions_visible(actor) -> QuerySet:
    own = Q(owner_id=getattr(actor, "pk", None))
    if permissions.may(actor, "webhook.manage"):
        area = permissions.scope_of(actor).area
        if area is not None:
            own |= Q(owner__area_code__startswith=area)
    elif not permissions.may(actor, "webhook.subscribe"):
        return Subscription.objects.none()
    return Subscription.objects.filter(own).select_related("owner").order_by("id")


def deliveries_visible(actor) -> QuerySet:
    return Delivery.objects.filter(
        subscription__in=subscriptions_visible(actor)).select_related("subscription")
