"""/api/v1/webhooks/: an integration subscribes with its own token, sees only its own
subscriptions and deliveries, and replays one."""

import pytest
from django.core.cache import cache

from civicgrid.cases.models import CaseEvent
from civicgrid.webhooks import services
from civicgrid.webhooks.models import Delivery, DeliveryStatus, Subscription
from tests.api.conftest import ApiClient
from tests.webhooks.conftest import report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/webhooks"


@pytest.fixture
def api():
    from civicgrid.api.tokens import token_create

    cache.clear()

    def make(user):
        return ApiClient(token_create(user=user, name=f"t-{user.username}")[1])
    yield make
    cache.clear()


def test_subscribe_list_deliveries_replay_unsubscribe(town, api):
    east = api(town.east)
    r = east.post(f"{BASE}/subscriptions", {"name": "热线", "target_url":
                                             "https://hotline.example.gov/in",
                                             "event_types": ["case.created"]})
    assert r.status_code == 201, r.content
    body = r.json()
    sub = Subscription.objects.get(pk=body["id"])
    assert body["secret"] == sub.secret and sub.owner == town.east
    listed = east.get(f"{BASE}/subscriptions").json()
    assert [s["id"] for s in listed] == [sub.pk] and "secret" not in listed[0]
    report(town)
    services.fan_out_event(CaseEvent.objects.get().pk)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    rows = east.get(f"{BASE}/subscriptions/{sub.pk}/deliveries", {"status": "failed"}).json()
    assert [d["id"] for d in rows] == [delivery.pk] and rows[0]["event_type"] == "case.created"
    r = east.post(f"{BASE}/deliveries/{delivery.pk}/replay")
    assert r.status_code == 202 and r.json()["status"] == "pending" and r.json()["replays"] == 1
    # Another account sees none of it.
    west = api(town.west)
    assert west.get(f"{BASE}/subscriptions").json() == []
    assert west.get(f"{BASE}/subscriptions/{sub.pk}/deliveries").status_code == 404
    assert west.post(f"{BASE}/deliveries/{delivery.pk}/replay").status_code == 404
    assert west.delete(f"{BASE}/subscriptions/{sub.pk}").status_code == 404
    r = east.delete(f"{BASE}/subscriptions/{sub.pk}")
    assert r.status_code == 200 and r.json()["active"] is False


def test_bad_input_and_residents_are_refused(town, api):
    east = api(town.east)
    r = east.post(f"{BASE}/subscriptions", {"name": "x", "target_url": "http://evil.example/"})
    assert r.status_code == 400 and r.json()["code"] == "bad_target_url"
    r = east.post(f"{BASE}/subscriptions", {"name": "x", "target_url": "https://a.example/",
                                            "event_types": ["case.nope"]})
    assert r.status_code == 400 and r.json()["code"] == "bad_event_type"
    r = api(town.resident).post(f"{BASE}/subscriptions", {"name": "x",
                                                          "target_url": "https://a.example/"})
    assert r.status_code == 403
    assert ApiClient(None).get(f"{BASE}/subscriptions").status_code == 401
