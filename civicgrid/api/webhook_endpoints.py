"""Webhook subscriptions through the REST API: an integration subscribes with its own token,
lists its deliveries and replays one (civicgrid.webhooks; docs/webhooks.md). The secret is in
the answer to the POST only."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from civicgrid.core.errors import NotFound
from civicgrid.webhooks import services
from civicgrid.webhooks.models import DeliveryStatus
from civicgrid.webhooks.selectors import deliveries_visible, subscriptions_visible

from .schemas import Error

router = Router(tags=["webhooks"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
MAX_DELIVERIES = 100


class SubscriptionIn(Schema):
    name: str = Field(..., max_length=100)
    target_url: str = Field(..., max_length=500, description="https:// 接收地址")
    event_types: list[str] = Field(default_factory=list,
                                   description="如 case.created；空或 all 表示全部")


class SubscriptionOut(Schema):
    id: int
    name: str
    owner: str
    target_url: str
    event_types: list[str]
    active: bool
    created_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(..., description="签名密钥，只在创建时返回这一次")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: int
    event_type: str
    status: Literal[tuple(DeliveryStatus.values)]  # type: ignore[valid-type]
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    replays: int
    created_at: dt.datetime


def _sub(s) -> dict:
    return {"id": s.pk, "name": s.name, "owner": s.owner.username, "target_url": s.target_url,
            "event_types": s.event_types, "active": s.active, "created_at": s.created_at}


def _delivery(d) -> dict:
    return {f: getattr(d, f) for f in DeliveryOut.model_fields} | {
        "subscription_id": d.subscription_id, "event_id": d.event_id}


def _visible_subscription(request: HttpRequest, pk: int):
    sub = subscriptions_visible(request.user).filter(pk=pk).first()
    if sub is None:
        raise NotFound(_("订阅 #%(id)d 不存在或不属于您。") % {"id": pk},
                       code="subscription_not_found")
    return sub


@router.get("/subscriptions", response={200: list[SubscriptionOut], **ERRORS},
            url_name="webhook_subscriptions", summary="我的事件推送订阅")
def subscriptions(request: HttpRequest):
    return [_sub(s) for s in subscriptions_visible(request.user)]


@router.post("/subscriptions", response={201: SubscriptionCreated, **ERRORS},
             url_name="webhook_subscribe", summary="订阅案件事件")
def subscribe(request: HttpRequest, body: SubscriptionIn):
    """Subscribe the token's account to the events of the cases it may see. The answer holds
    the signing secret, shown this once."""
    sub = services.subscription_create(actor=request.user, name=body.name,
                                       target_url=body.target_url, event_types=body.event_types)
    return Status(201, _sub(sub) | {"secret": sub.secret})


@router.delete("/subscriptions/{subscription_id}", response={200: SubscriptionOut, **ERRORS},
               url_name="webhook_unsubscribe", summary="停用订阅")
def unsubscribe(request: HttpRequest, subscription_id: int):
    sub = services.subscription_deactivate(
        actor=request.user, subscription=_visible_subscription(request, subscription_id))
    return _sub(sub)


@router.get("/subscriptions/{subscription_id}/deliveries",
            response={200: list[DeliveryOut], **ERRORS}, url_name="webhook_deliveries",
            summary="推送记录（最近100条）")
def deliveries(request: HttpRequest, subscription_id: int,
               status: Literal[tuple(DeliveryStatus.values)] | None = None):  # type: ignore[valid-type]
    sub = _visible_subscription(request, subscription_id)
    qs = sub.deliveries.order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return [_delivery(d) for d in qs[:MAX_DELIVERIES]]


@router.post("/deliveries/{delivery_id}/replay", response={202: DeliveryOut, **ERRORS},
             url_name="webhook_replay", summary="重发一条推送")
def replay(request: HttpRequest, delivery_id: int):
    delivery = deliveries_visible(request.user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("推送记录 #%(id)d 不存在或不属于您。") % {"id": delivery_id},
                       code="delivery_not_found")
    return Status(202, _delivery(services.delivery_replay(delivery=delivery,
                                                          actor=request.user)))
