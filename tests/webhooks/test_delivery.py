"""Deliveries to a real HTTP receiver on 127.0.0.1 through the real database task queue:
signed, retried with backoff, delivered once the receiver answers, nothing lost."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.services import case_register
from civicgrid.webhooks import services, signing
from civicgrid.webhooks.models import Delivery, DeliveryStatus, EventFanOut
from tests.webhooks.conftest import report, run_worker
from tests.webhooks.receiver import Receiver, free_port

pytestmark = pytest.mark.django_db(transaction=True)


def subscribe(town, url, owner=None, **kw):
    owner = owner or town.east
    return services.subscription_create(actor=owner, name="hotline", target_url=url, **kw)


def test_signed_delivery_verifies(town, receiver):
    sub = subscribe(town, receiver.url)
    case = report(town, reporter_name="李明", reporter_phone="13912345678")
    assert DBTaskResult.objects.count() == 1  # the fan-out, queued after the commit
    run_worker()
    (got,) = receiver.received
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert signing.verify(sub.secret, timestamp=headers["x-civicgrid-timestamp"], body=got.body,
                          signature=headers["x-civicgrid-signature"])
    assert not signing.verify("whsec_wrong", timestamp=headers["x-civicgrid-timestamp"],
                              body=got.body, signature=headers["x-civicgrid-signature"])
    assert not signing.verify(sub.secret, timestamp=headers["x-civicgrid-timestamp"],
                              body=got.body + b" ", signature=headers["x-civicgrid-signature"])
    payload = json.loads(got.body)
    assert payload["type"] == headers["x-civicgrid-event"] == "case.created"
    assert payload["case"]["number"] == case.number
    assert payload["case"]["description"] == "井盖丢了"
    # No reporters' contacts: receivers ask the REST API, which masks them as the pages do.
    assert "13912345678" not in got.body.decode() and "李明" not in got.body.decode()
    delivery = Delivery.objects.get()
    assert headers["x-civicgrid-delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None
    assert EventFanOut.objects.filter(event_id=delivery.event_id).exists()


def test_failing_receiver_is_retried_until_delivered(town):
    receiver = Receiver(answers=[500, 503]).start()
    try:
        subscribe(town, receiver.url)
        report(town)
        run_worker()
    finally:
        receiver.stop()
    assert [r.status for r in receiver.received] == [500, 503, 200]
    assert len({r.headers["X-CivicGrid-Delivery"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1  # every attempt sends the same body
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    # Each retry was its own task in the queue: the fan-out plus three attempts.
    assert DBTaskResult.objects.filter(task_path__endswith="deliver").count() == 3


def test_gives_up_after_the_last_attempt_and_replay_sends_it(town, settings):
    receiver = Receiver(answers=[500] * 5).start()
    try:
        subscribe(town, receiver.url)
        report(town)
        run_worker()
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 5)
        assert delivery.last_status_code == 500 and "HTTP 500" in delivery.last_error
        services.delivery_replay(delivery=delivery)
        run_worker()
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replays) == (
        DeliveryStatus.DELIVERED, 1, 1)
    assert len(receiver.received) == 6


def test_receiver_down_then_up_gets_every_event(town, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "WEBHOOK_BACKOFF_SECONDS": 60}
    port = free_port()  # nothing listens here yet
    subscribe(town, f"http://127.0.0.1:{port}/hook")
    case = report(town)
    case = case_register(case=case, actor=town.east)
    second = report(town, "又一个井盖丢了")
    run_worker()
    assert Delivery.objects.count() == 3
    for d in Delivery.objects.all():
        assert d.status == DeliveryStatus.PENDING and d.attempts == 1
        assert "Connection" in d.last_error or "refused" in d.last_error.lower()
        assert d.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)  # backed off
    receiver = Receiver(port=port).start()
    try:
        # A minute passes: the retries fall due.
        earlier = timezone.now() - dt.timedelta(seconds=1)
        Delivery.objects.update(next_attempt_at=earlier)
        DBTaskResult.objects.filter(status="READY").update(run_after=earlier)
        run_worker()
    finally:
        receiver.stop()
    got = sorted((json.loads(r.body)["type"], json.loads(r.body)["case"]["number"])
                 for r in receiver.received)
    assert got == sorted([("case.created", case.number), ("case.registered", case.number),
                          ("case.created", second.number)])
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_sweep_recovers_a_fan_out_lost_between_commit_and_queue(town, receiver):
    subscribe(town, receiver.url)
    case = report(town)
    DBTaskResult.objects.all().delete()  # the process died before the fan-out was queued
    run_worker()
    assert receiver.received == [] and not Delivery.objects.exists()
    later = timezone.now() + dt.timedelta(minutes=5)
    result = services.sweep(now=later, since=later - dt.timedelta(hours=1))
    assert (result.fanned_out, result.deliveries_made) == (1, 1)
    run_worker()
    (got,) = receiver.received
    assert json.loads(got.body)["case"]["number"] == case.number
    # Swept again: nothing new (fan-out is idempotent per subscription and event).
    assert services.sweep(now=later).fanned_out == 0
    assert Delivery.objects.count() == 1


def test_sweep_takes_over_a_delivery_whose_worker_died_mid_send(town, receiver):
    subscribe(town, receiver.url)
    report(town)
    DBTaskResult.objects.all().delete()
    services.fan_out_event(CaseEvent.objects.get().pk)
    DBTaskResult.objects.all().delete()  # the queued attempt is lost too...
    delivery = Delivery.objects.get()
    past = timezone.now() - dt.timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(  # ...while a worker held it
        status=DeliveryStatus.SENDING, attempts=1, locked_until=past)
    assert services.sweep().requeued == 1
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert len(receiver.received) == 1
