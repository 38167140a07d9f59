"""GET servicerequestupdates.{fmt} (mySociety's extension): a case's public history as
request updates, oldest first, within start_date/end_date (updated_after/updated_before too)."""

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.workflow import State
from tests.cases.conftest import create_case
from tests.open311.conftest import call
from tests.open311.spec import UPDATE, json_body, json_errors, tags, xml_errors, xml_items

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def history(city):
    c = create_case(State.CLOSED, category=city.cover, reported_at=NOW - dt.timedelta(days=3))
    private = create_case(State.HANDLING, category=city.noise,
                          reported_at=NOW - dt.timedelta(days=3))

    def ev(case, action, to_state, hours_ago, note="", internal=False):
        return CaseEvent.objects.create(case=case, action=action, from_state="",
                                        to_state=to_state, note=note, internal=internal,
                                        at=NOW - dt.timedelta(hours=hours_ago))

    return {
        "case": c, "private": private,
        "dispatch": ev(c, "dispatch", State.DISPATCHED, 50, note="派往城管，联系人张三13800138000"),
        "return": ev(c, "return_case", State.RETURNED, 40, note="内部争议", internal=True),
        "close": ev(c, "close", State.CLOSED, 10, note="已修复"),
        "quiet": ev(private, "dispatch", State.DISPATCHED, 20, note="楼上住户姓王"),
    }


def test_updates_json(http, history):
    r = call(http, "GET", "servicerequestupdates", "json")
    body = json_body(r)
    assert isinstance(body, list)
    assert [u["update_id"] for u in body] == [str(history[k].pk) for k in
                                              ("dispatch", "quiet", "close")]
    for u in body:
        assert list(u) == UPDATE
        assert u["updated_datetime"].endswith("+08:00")
    dispatch, quiet, close = body
    assert dispatch["service_request_id"] == history["case"].number
    assert dispatch["status"] == "open"
    assert dispatch["description"] == "派往城管，联系人张*138****8000"
    assert close["status"] == "closed" and close["description"] == "已修复"
    assert quiet["description"] == "派遣"  # a private category: the step, not the note
    assert "内部争议" not in r.content.decode()


def test_updates_xml(http, history):
    r = call(http, "GET", "servicerequestupdates", "xml")
    items = xml_items(r, "service_request_updates", "request_update")
    assert len(items) == 3 and all(tags(i) == UPDATE for i in items)


def test_updates_date_range_and_extras(http, history):
    since = (NOW - dt.timedelta(hours=15)).isoformat()
    body = json_body(call(http, "GET", "servicerequestupdates", "json", updated_after=since,
                          extensions="true"))
    assert [u["update_id"] for u in body] == [str(history["close"].pk)]
    assert body[0]["extras"]["action"] == "close"
    body = json_body(call(http, "GET", "servicerequestupdates", "json",
                          start_date=(NOW - dt.timedelta(hours=60)).isoformat(),
                          end_date=(NOW - dt.timedelta(hours=30)).isoformat()))
    assert [u["update_id"] for u in body] == [str(history["dispatch"].pk)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_bad_date_is_400(http, history, fmt):
    r = call(http, "GET", "servicerequestupdates", fmt, start_date="soon")
    assert r.status_code == 400
    assert (json_errors(r) if fmt == "json" else xml_errors(r))[0]["code"] == 400
