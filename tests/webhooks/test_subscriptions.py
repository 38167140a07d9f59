"""Subscriptions: who may subscribe, the scope and event-type filters, idempotent fan-out,
target URL rules, backoff, the claim that keeps two workers apart, the commands and the
admin's replay action."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.services import case_register
from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.webhooks import services
from civicgrid.webhooks.models import Delivery, DeliveryStatus, Subscription
from tests.factories import Role, make_user
from tests.webhooks.conftest import report

pytestmark = pytest.mark.django_db


def sub(owner, types=(), url="https://hooks.example.com/civicgrid"):
    return services.subscription_create(actor=owner, name=owner.username, target_url=url,
                                        event_types=types)


def fan_out_all():
    for pk in CaseEvent.objects.order_by("id").values_list("pk", flat=True):
        services.fan_out_event(pk)


def test_only_events_of_cases_the_owner_may_see(town):
    east, west = sub(town.east), sub(town.west)
    report(town)  # in the east street
    fan_out_all()
    assert list(Delivery.objects.values_list("subscription_id", flat=True)) == [east.pk]
    assert west.deliveries.count() == 0


def test_event_type_filter(town):
    registered_only = sub(town.east, ["case.registered"])
    everything = sub(make_user(Role.DISTRICT_ADMIN, "110102", username="district"), ["all"])
    case = report(town)
    case_register(case=case, actor=town.east)
    fan_out_all()
    assert list(registered_only.deliveries.values_list("event_type", flat=True)) == [
        "case.registered"]
    assert sorted(everything.deliveries.values_list("event_type", flat=True)) == [
        "case.created", "case.registered"]
    assert everything.event_types == []  # "all" is stored as no filter


def test_inactive_owner_or_subscription_receives_nothing(town):
    s = sub(town.east)
    town.east.is_active = False
    town.east.save(update_fields=["is_active"])
    report(town)
    fan_out_all()
    assert not Delivery.objects.exists()
    town.east.is_active = True
    town.east.save(update_fields=["is_active"])
    Subscription.objects.filter(pk=s.pk).update(active=False)
    fan_out_all()
    assert not Delivery.objects.exists()


def test_fan_out_is_idempotent(town):
    sub(town.east)
    report(town)
    event = CaseEvent.objects.get()
    assert services.fan_out_event(event.pk) == 1
    assert services.fan_out_event(event.pk) == 0
    assert Delivery.objects.count() == 1


def test_nothing_is_queued_without_subscriptions(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report(town)
    assert not DBTaskResult.objects.exists()
    sub(town.east)
    with django_capture_on_commit_callbacks(execute=True):
        report(town, "第二个")
    assert DBTaskResult.objects.filter(task_path__endswith="fan_out").count() == 1


def test_who_may_subscribe(town):
    with pytest.raises(PermissionDenied):
        sub(town.resident)  # residents see no cases; nothing to subscribe to
    with pytest.raises(PermissionDenied):  # another account's subscription needs webhook.manage
        services.subscription_create(actor=town.west, owner=town.east, name="x",
                                     target_url="https://a.example/")
    admin = make_user(Role.DISTRICT_ADMIN, "110102", username="admin2")
    made = services.subscription_create(actor=admin, owner=town.east, name="x",
                                        target_url="https://a.example/")
    assert made.owner == town.east and made.secret.startswith("whsec_")


@pytest.mark.parametrize("url,ok", [
    ("https://hooks.example.com/x", True),
    ("http://hooks.example.com/x", False),
    ("http://127.0.0.1:9000/x", True),  # allowed by the test settings (like DEBUG)
    ("http://localhost/x", True),
    ("ftp://hooks.example.com/x", False),
    ("https:///nohost", False),
    ("https://0.0.0.0/x", False),
])
def test_target_url_rules(town, url, ok):
    if ok:
        assert services.check_target_url(url) == url
    else:
        with pytest.raises(InvalidInput):
            services.check_target_url(url)


def test_local_http_needs_debug_or_the_setting(town, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "WEBHOOK_ALLOW_LOCAL_HTTP": False}
    with pytest.raises(InvalidInput):
        services.check_target_url("http://127.0.0.1:9000/x")


def test_unknown_event_type_is_refused(town):
    with pytest.raises(InvalidInput):
        sub(town.east, ["case.exploded"])


def test_backoff_grows_and_is_capped(settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "WEBHOOK_BACKOFF_SECONDS": 30,
                          "WEBHOOK_BACKOFF_MAX": 3600}
    waits = [services.backoff(n).total_seconds() for n in range(1, 10)]
    assert 30 <= waits[0] <= 33 and 60 <= waits[1] <= 66 and 120 <= waits[2] <= 132
    assert all(a < b for a, b in zip(waits[:6], waits[1:7], strict=True))
    assert max(waits) <= 3600 * 1.1


def test_one_claim_per_attempt(town):
    sub(town.east)
    report(town)
    fan_out_all()
    delivery = Delivery.objects.get()
    now = timezone.now()
    assert services._claim(delivery.pk, now) is True
    assert services._claim(delivery.pk, now) is False  # a second worker gets nothing
    assert services.delivery_attempt(delivery.pk) == "skipped"
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING,
                                                   next_attempt_at=now + dt.timedelta(hours=1))
    assert services._claim(delivery.pk, now) is False  # not due yet


def test_commands(town):
    out = io.StringIO()
    call_command("webhooks", "subscribe", "--owner", "east", "--url",
                 "https://hooks.example.com/in", "--events", "case.created", stdout=out)
    s = Subscription.objects.get()
    assert out.getvalue().strip().splitlines()[-1] == s.secret
    listing = io.StringIO()
    call_command("webhooks", "list", stdout=listing)
    assert "case.created" in listing.getvalue() and s.secret not in listing.getvalue()
    report(town)
    fan_out_all()
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=10)
    call_command("webhooks", "replay", "--delivery", str(delivery.pk), stdout=io.StringIO())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replays) == ("pending", 0, 1)
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    out = io.StringIO()
    call_command("webhooks", "replay", "--since", since, "--failed-only", stdout=out)
    assert "0" in out.getvalue()
    call_command("webhooks", "replay", "--since", since, stdout=io.StringIO())
    delivery.refresh_from_db()
    assert delivery.replays == 2
    out = io.StringIO()
    call_command("webhooks", "deliveries", "--status", "pending", stdout=out)
    assert f"{delivery.pk}\tpending\tcase.created" in out.getvalue()
    call_command("webhooks", "sweep", stdout=io.StringIO())
    call_command("webhooks", "deactivate", str(s.pk), stdout=io.StringIO())
    assert not Subscription.objects.get().active
    with pytest.raises(CommandError):  # the message is printed, the exit status is 2
        call_command("webhooks", "replay", "--delivery", "999999", stdout=io.StringIO())


def test_admin_replay_action(town):
    sub(town.east)
    report(town)
    fan_out_all()
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    root = make_user(Role.CITY_ADMIN, username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    client = Client()
    client.force_login(root)
    r = client.post("/admin/webhooks/delivery/", {"action": "replay",
                                                  "_selected_action": [delivery.pk]},
                    secure=True)
    assert r.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.replays) == (DeliveryStatus.PENDING, 1)
    assert client.get("/admin/webhooks/subscription/", secure=True).status_code == 200
    assert client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/",
                      secure=True).status_code == 200
