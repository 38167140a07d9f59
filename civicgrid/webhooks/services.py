"""Subscribing, fanning events out, delivering, retrying, replaying, and the sweep.

The path of an event (docs/webhooks.md):
1. A case service writes the CaseEvent in its transaction and, with
   `transaction.on_commit`, calls `case_event_committed(event_id)`, which queues the fan-out
   task (nothing is queued while no subscription is active).
2. `fan_out_event` (a task) writes, in one transaction, one Delivery row per active
   subscription that wants the event type and whose owner may see the case, plus the event's
   EventFanOut mark; each new delivery's send is queued after that commit. The unique
   (subscription, event) constraint makes running it twice harmless.
3. `delivery_attempt` (a task) claims the delivery with a conditional UPDATE (so two workers
   never send it at once), POSTs the signed body, and records the outcome: delivered on a 2xx;
   otherwise scheduled again with exponential backoff (`run_after`), or failed after the
   last attempt. A failed delivery can be replayed.
4. `sweep` catches what a crash could drop: events committed but never fanned out (the
   process died between COMMIT and queueing), deliveries whose queued attempt was lost, and
   attempts whose worker died mid-send. Run it from cron (`civicgrid webhooks sweep`).
Delivery is at least once: a receiver may see a delivery twice (same X-CivicGrid-Delivery)
after a crash mid-send, and should ignore repeats."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import random
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.models import CaseEvent
from civicgrid.core import permissions
from civicgrid.core.errors import InvalidInput, NotFound, PermissionDenied

from . import payloads, signing
from .models import Delivery, DeliveryStatus, EventFanOut, Subscription

log = logging.getLogger(__name__)

MAX_RESPONSE_NOTE = 500  # characters of a failing receiver's answer kept in last_error
USER_AGENT = "CivicGrid-Webhooks/1"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _conf(name: str, default):
    return settings.CIVICGRID.get(name, default)


def max_attempts() -> int:
    return int(_conf("WEBHOOK_MAX_ATTEMPTS", 10))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, 4 min ... at most 6 hours, with
    up to 10 % jitter so a receiver that comes back is not hit by every delivery at once."""
    base = float(_conf("WEBHOOK_BACKOFF_SECONDS", 30))
    seconds = min(base * 2 ** max(attempts - 1, 0), float(_conf("WEBHOOK_BACKOFF_MAX", 6 * 3600)))
    return dt.timedelta(seconds=seconds * (1 + random.random() * 0.1))  # noqa: S311


# --- subscriptions ------------------------------------------------------------------------------

def check_target_url(url: str) -> str:
    """https only; plain http is accepted for localhost/127.0.0.1 in development and tests
    (DEBUG, or CIVICGRID["WEBHOOK_ALLOW_LOCAL_HTTP"])."""
    url = (url or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local_http = (parts.scheme == "http" and host in LOCAL_HOSTS
                  and _conf("WEBHOOK_ALLOW_LOCAL_HTTP", settings.DEBUG))
    if not host or len(url) > 500 or (parts.scheme != "https" and not local_http):
        raise InvalidInput(_("接收地址必须是 https:// 开头的完整网址（开发环境可用 "
                             "http://127.0.0.1）。"), code="bad_target_url")
    try:
        if ipaddress.ip_address(host).is_unspecified:
            raise InvalidInput(_("接收地址不能是 0.0.0.0。"), code="bad_target_url")
    except ValueError:
        pass  # a host name
    return url


def check_event_types(types) -> list[str]:
    types = [t.strip() for t in (types or []) if t and t.strip()]
    unknown = [t for t in types if t not in payloads.EVENT_TYPES and t not in (payloads.ALL, "*")]
    if unknown:
        raise InvalidInput(_("未知的事件类型：%(t)s。可用：%(all)s，或 all。") % {
            "t": "、".join(unknown), "all": ", ".join(payloads.EVENT_TYPES)},
            code="bad_event_type")
    return [] if payloads.ALL in types or "*" in types else list(dict.fromkeys(types))


def may_manage(actor, subscription: Subscription) -> bool:
    return (permissions.may(actor, "webhook.manage")
            or (subscription.owner_id == getattr(actor, "pk", None)
                and permissions.may(actor, "webhook.subscribe")))


@transaction.atomic
def subscription_create(*, actor, name: str, target_url: str, event_types=(),
                        owner=None) -> Subscription:
    """Subscribe `owner` (default: the actor) to case events. The owner must be a staff
    account: it receives exactly the events of the cases it may see. Another account's
    subscription needs webhook.manage. The secret is in the returned object (show it once)."""
    owner = owner or actor
    if owner.pk != getattr(actor, "pk", None):
        permissions.require(actor, "webhook.manage")
    if not permissions.may(owner, "webhook.subscribe"):
        raise PermissionDenied(_("账号 %(u)s 不能订阅事件推送：只有工作人员或接口账号可以订阅，"
                                 "推送范围是它能查看的案件。") % {"u": owner.username},
                               code="forbidden")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("请填写订阅名称（100个字以内）。"), code="bad_name")
    return Subscription.objects.create(
        owner=owner, name=name, target_url=check_target_url(target_url),
        event_types=check_event_types(event_types), secret=signing.new_secret())


def subscription_deactivate(*, actor, subscription: Subscription) -> Subscription:
    if not may_manage(actor, subscription):
        raise PermissionDenied(_("只能停用自己的订阅。"), code="forbidden")
    Subscription.objects.filter(pk=subscription.pk).update(active=False)
    subscription.active = False
    return subscription


# --- fan-out ----------------------------------------------------------------------------------

def case_event_committed(event_id: int) -> None:
    """Called by the case services after the transaction that wrote event `event_id`
    committed. Queues the fan-out; cheap when nobody subscribes."""
    if not Subscription.objects.filter(active=True).exists():
        return
    from .tasks import fan_out

    fan_out.enqueue(event_id)


def _may_see(owner, case) -> bool:
    from civicgrid.cases.selectors import cases_visible

    return cases_visible(owner).filter(pk=case.pk).exists()


@transaction.atomic
def fan_out_event(event_id: int) -> int:
    """Write the deliveries of event `event_id` and queue their sends; returns how many were
    new. Idempotent: a (subscription, event) pair gets one delivery however often this runs."""
    event = (CaseEvent.objects.select_related(
        "case", "case__category", "case__unit_department", "case__merged_into",
        "unit_department").filter(pk=event_id).first())
    if event is None:
        return 0
    kind = payloads.event_type(event.action)
    payload = None
    made = []
    for sub in Subscription.objects.filter(active=True).select_related("owner"):
        if not sub.wants(kind) or not _may_see(sub.owner, event.case):
            continue
        payload = payload or payloads.build(event)
        delivery, created = Delivery.objects.get_or_create(
            subscription=sub, event=event,
            defaults={"event_type": kind, "payload": payload, "next_attempt_at": timezone.now()})
        if created:
            made.append(delivery.pk)
    EventFanOut.objects.get_or_create(event=event)
    for pk in made:
        transaction.on_commit(lambda pk=pk: enqueue_attempt(pk))
    return len(made)


def enqueue_attempt(delivery_id: int, run_after: dt.datetime | None = None) -> bool:
    """Queue an attempt of the delivery (at `run_after`). False when the backend cannot
    defer (the immediate backend): the sweep then sends it when it is due."""
    from .tasks import deliver

    task = deliver
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return False
        task = deliver.using(run_after=run_after)
    task.enqueue(delivery_id)
    return True


# --- sending ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (keys sorted, so every attempt and replay sends the same body)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def post(delivery: Delivery) -> Outcome:
    """One signed POST. Redirects are not followed (a redirect would send the signed body
    somewhere else): a 3xx is a failure like any other non-2xx answer."""
    sub = delivery.subscription
    body = body_of(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: delivery.event_type,
        signing.DELIVERY_HEADER: str(delivery.pk),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(sub.secret, timestamp, body),
    }
    parts = urlsplit(sub.target_url)
    timeout = float(_conf("WEBHOOK_TIMEOUT_SECONDS", 10))
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        code = response.status
        if 200 <= code < 300:
            return Outcome(True, code, "")
        text = response.read(MAX_RESPONSE_NOTE).decode("utf-8", "replace")
        return Outcome(False, code, f"HTTP {code} {response.reason}: {text}"[:2000])
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        conn.close()


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the delivery for one attempt: only if it is pending and due. One UPDATE, so two
    workers (or a worker and the sweep) never send it at the same time."""
    lock = dt.timedelta(seconds=float(_conf("WEBHOOK_TIMEOUT_SECONDS", 10)) + 60)
    return bool(Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id, status=DeliveryStatus.PENDING,
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1,
             locked_until=now + lock))


def delivery_attempt(delivery_id: int) -> str:
    """One attempt (the `deliver` task). Returns the delivery's status afterwards, or
    "skipped" when it was not pending and due (sent meanwhile, or another worker has it)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.subscription.active:
        outcome = Outcome(False, None, _("订阅已停用，未发送。"))
        final = True
    else:
        outcome = post(delivery)
        final = outcome.ok or delivery.attempts >= max_attempts()
    done = timezone.now()
    fields = {"last_status_code": outcome.status_code, "last_error": outcome.error,
              "locked_until": None}
    if outcome.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=done, next_attempt_at=None)
    elif final:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        fields.update(status=DeliveryStatus.PENDING,
                      next_attempt_at=done + backoff(delivery.attempts))
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(**fields)
    if fields["status"] == DeliveryStatus.PENDING:
        enqueue_attempt(delivery_id, run_after=fields["next_attempt_at"])
    if not outcome.ok:
        log.info("webhook delivery %s attempt %s failed: %s", delivery_id, delivery.attempts,
                 outcome.error)
    return fields["status"]


# --- replay and sweep -----------------------------------------------------------------------------

@transaction.atomic
def delivery_replay(*, delivery: Delivery, actor=None) -> Delivery:
    """Send the delivery again with its recorded body, whatever its status (a new round of
    attempts). `actor` None is the server's shell operator."""
    if actor is not None and not may_manage(actor, delivery.subscription):
        raise PermissionDenied(_("只能重发自己订阅的推送。"), code="forbidden")
    updated = Delivery.objects.filter(pk=delivery.pk).exclude(
        status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(),
        locked_until=None, replays=F("replays") + 1)
    if not updated:
        raise InvalidInput(_("推送 #%(id)d 正在发送中，请稍后再重发。") % {"id": delivery.pk},
                           code="delivery_busy")
    transaction.on_commit(lambda: enqueue_attempt(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def deliveries_since(since: dt.datetime, *, subscription_id: int | None = None):
    qs = Delivery.objects.filter(created_at__gte=since).order_by("id")
    if subscription_id is not None:
        qs = qs.filter(subscription_id=subscription_id)
    return qs


def delivery_get(pk: int) -> Delivery:
    delivery = Delivery.objects.select_related("subscription").filter(pk=pk).first()
    if delivery is None:
        raise NotFound(_("推送记录 #%(id)d 不存在。") % {"id": pk}, code="delivery_missing")
    return delivery


@dataclass(frozen=True)
class SweepReport:
    fanned_out: int  # events that had not been fanned out
    deliveries_made: int
    requeued: int  # deliveries whose attempt was lost or whose worker died mid-send
    marks_pruned: int


def sweep(*, since: dt.datetime | None = None, now: dt.datetime | None = None,
          grace: dt.timedelta = dt.timedelta(minutes=2)) -> SweepReport:
    """Recover what a crash dropped (see the module doc). `since`: how far back to look for
    events never fanned out (default one hour). Safe to run at any time, also concurrently."""
    now = now or timezone.now()
    since = since or now - dt.timedelta(hours=1)
    fanned = made = 0
    if Subscription.objects.filter(active=True).exists():
        # Older than `grace`: a just-committed event's fan-out is probably still queued.
        missing = (CaseEvent.objects.filter(at__gte=since, at__lte=now - grace)
                   .exclude(pk__in=EventFanOut.objects.values("event_id"))
                   .order_by("id").values_list("pk", flat=True))
        for event_id in missing.iterator():
            made += fan_out_event(event_id)
            fanned += 1
    stale = Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
        | Q(status=DeliveryStatus.SENDING, locked_until__lt=now))
    requeued = 0
    for pk in stale.values_list("pk", flat=True).iterator():
        # A dead worker's claim ends here: back to pending, then one more attempt.
        Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING,
                                locked_until__lt=now).update(status=DeliveryStatus.PENDING,
                                                             locked_until=None)
        enqueue_attempt(pk)
        requeued += 1
    keep = dt.timedelta(days=int(_conf("WEBHOOK_FANOUT_MARK_DAYS", 30)))
    pruned, _detail = EventFanOut.objects.filter(at__lt=now - keep).delete()
    return SweepReport(fanned, made, requeued, pruned)
