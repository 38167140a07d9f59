"""Cases through the REST API: idempotent create, the list page's filters with cursor
pagination, read with masked reporters, scope (404 outside it), and the error shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.api.models import ApiToken
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import State
from tests.cases.conftest import REPORTER_PHONE
from tests.factories import STREET_E

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"
ERROR_KEYS = {"code", "message", "details"}
NEW = {"description": "路灯不亮，晚上很黑", "lon": 116.305, "lat": 39.905,
       "reporter": {"name": "王小明", "phone": "13900139000"}}


@pytest.fixture
def placed(territory, category, fresh_router):
    return territory


def test_create_is_idempotent_by_header(api, actors, placed):
    client = api(actors.dispatcher)
    r1 = client.post(URL, NEW, HTTP_IDEMPOTENCY_KEY="hotline-0001")
    assert r1.status_code == 201, r1.content
    body = r1.json()
    assert body["created"] is True
    case = body["case"]
    assert case["state"] == "reported" and case["street_code"] == "110102001"
    assert case["grid_code"] == "110102001001001" and case["channel"] == "hotline"
    r2 = client.post(URL, NEW, HTTP_IDEMPOTENCY_KEY="hotline-0001")
    assert r2.status_code == 200
    assert r2.json()["created"] is False and r2.json()["case"]["number"] == case["number"]
    assert Case.objects.filter(client_key="hotline-0001").count() == 1


def test_create_idempotent_by_body_key_and_mismatch(api, actors, placed):
    client = api(actors.dispatcher)
    r1 = client.post(URL, {**NEW, "client_key": "k-1"})
    r2 = client.post(URL, {**NEW, "client_key": "k-1"})
    assert (r1.status_code, r2.status_code) == (201, 200)
    r = client.post(URL, {**NEW, "client_key": "k-2"}, HTTP_IDEMPOTENCY_KEY="k-3")
    assert r.status_code == 400 and r.json()["code"] == "key_mismatch"


def test_key_of_another_account_is_409(api, actors, placed):
    assert api(actors.dispatcher).post(URL, NEW, HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    r = api(actors.commander).post(URL, NEW, HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 409
    assert set(r.json()) == ERROR_KEYS and r.json()["code"] == "client_key_taken"


def test_create_bad_input_is_400_in_the_error_shape(api, actors, placed):
    client = api(actors.dispatcher)
    for body in ({}, {"description": ""}, {**NEW, "lon": "east"}, {**NEW, "unknown": 1},
                 {**NEW, "lon": 0.0, "lat": 0.0}, {**NEW, "channel": "import"},
                 {**NEW, "category": "NOPE"}):
        r = client.post(URL, body)
        assert r.status_code == 400, (body, r.content)
        assert set(r.json()) == ERROR_KEYS
    r = client.client.post(URL, "{not json", content_type="application/json", secure=True)
    assert r.status_code == 400 and set(r.json()) == ERROR_KEYS


def test_resident_creates_as_resident(api, actors, placed):
    r = api(actors.resident).post(URL, NEW)
    assert r.status_code == 201
    assert r.json()["case"]["channel"] == "resident"
    # …but may not read the staff view of it.
    number = r.json()["case"]["number"]
    assert api(actors.resident).get(f"{URL}{number}").status_code == 403


def test_read_masks_reporters_unless_contact_viewer(api, actors, make_case):
    case = make_case(State.HANDLING)
    full = api(actors.dispatcher).get(f"{URL}{case.number}").json()
    assert full["reporters"][0]["phone"] == REPORTER_PHONE
    assert full["reporters"][0]["masked"] is False
    masked = api(actors.handler).get(f"{URL}{case.number}").json()
    assert masked["reporters"][0]["phone"] == "138****8000"
    assert masked["reporters"][0]["name"] == "张*" and masked["reporters"][0]["masked"] is True
    assert masked["unit"]["kind"] == "department"
    assert [a["action"] for a in masked["available_actions"]] == [
        a["action"] for a in api(actors.handler).get(
            f"{URL}{case.number}/actions").json()]


def test_scope_other_street_is_404(api, actors, make_case):
    case = make_case(State.REGISTERED)
    r = api(actors.other_dispatcher).get(f"{URL}{case.number}")
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    assert case.number not in {c["number"] for c in api(actors.other_dispatcher).get(
        URL).json()["items"]}
    r = api(actors.other_dispatcher).post(f"{URL}{case.number}/actions/dispatch", {})
    assert r.status_code == 404


def test_department_sees_only_its_cases(api, actors, make_case, other_department):
    mine = make_case(State.HANDLING)
    theirs = make_case(State.HANDLING, department=other_department)
    waiting = make_case(State.REGISTERED)
    numbers = {c["number"] for c in api(actors.handler).get(URL).json()["items"]}
    assert numbers == {mine.number}
    for case in (theirs, waiting):
        assert api(actors.handler).get(f"{URL}{case.number}").status_code == 404
    everything = {c["number"] for c in api(actors.dispatcher).get(URL).json()["items"]}
    assert {mine.number, theirs.number, waiting.number} <= everything


def test_list_filters_like_the_list_page(api, actors, make_case):
    handling = make_case(State.HANDLING)
    closed = make_case(State.CLOSED)
    client = api(actors.dispatcher)
    assert [c["number"] for c in client.get(URL, {"state": "finished"}).json()["items"]] == [
        closed.number]
    assert [c["number"] for c in client.get(URL, {"state": "handling"}).json()["items"]] == [
        handling.number]
    assert client.get(URL, {"q": closed.number}).json()["items"][0]["number"] == closed.number
    assert client.get(URL, {"street": STREET_E}).json()["items"] == []
    for bad in ({"state": "nonsense"}, {"street": "12"}, {"from": "yesterday"}, {"limit": 0},
                {"cursor": "!!"}, {"sort": "random"}):
        r = client.get(URL, bad)
        assert r.status_code == 400, bad
        assert set(r.json()) == ERROR_KEYS


@pytest.mark.parametrize("sort", ["due", "new", "old"])
def test_cursor_walks_every_row_once_even_with_inserts(api, actors, make_case, sort):
    base = timezone.now() - dt.timedelta(days=3)
    made = []
    for i in range(23):
        # Ties on purpose: equal report times and equal deadlines, and rows without deadline.
        at = base + dt.timedelta(hours=i // 4)
        state = State.HANDLING if i % 3 else State.CLOSED
        made.append(make_case(state, reported_at=at,
                              handle_deadline=base + dt.timedelta(days=5 + i // 5)))
    client = api(actors.dispatcher)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5, "sort": sort, **({"cursor": cursor} if cursor else {})}
        r = client.get(URL, params)
        assert r.status_code == 200, r.content
        body = r.json()
        seen += [c["number"] for c in body["items"]]
        pages += 1
        if pages == 2:  # rows added mid-walk do not shift the pages
            make_case(State.HANDLING, reported_at=base - dt.timedelta(days=1),
                      handle_deadline=base)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) >= {c.number for c in made}
    # A cursor belongs to its sort order.
    other = "new" if sort != "new" else "old"
    first = client.get(URL, {"limit": 5, "sort": sort}).json()["next_cursor"]
    assert client.get(URL, {"sort": other, "cursor": first}).status_code == 400


def test_cursor_with_warning_level(api, actors, make_case):
    now = timezone.now()
    for _i in range(7):
        make_case(State.HANDLING, reported_at=now - dt.timedelta(hours=1),
                  handle_deadline=now + dt.timedelta(days=30))
    make_case(State.HANDLING, reported_at=now - dt.timedelta(days=9),
              handle_deadline=now - dt.timedelta(hours=1))  # red: not in the walk
    client = api(actors.dispatcher)
    seen, cursor = [], None
    while True:
        body = client.get(URL, {"level": "normal", "limit": 3,
                                **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["number"] for c in body["items"]]
        assert all(c["level"] == "normal" for c in body["items"])
        if not (cursor := body["next_cursor"]):
            break
    assert len(seen) == len(set(seen)) == 7


def test_errors_are_json(api, actors, make_case):
    case = make_case(State.REGISTERED)
    client = api(actors.dispatcher)
    cases = [
        (client.get("/api/v1/nothing-here"), 404),
        (client.get(f"{URL}NOPE-1"), 404),
        (client.delete(f"{URL}{case.number}"), 405),
        (client.put(URL, {}), 405),
        (api(None).get(URL), 401),
        (api(actors.auditor).post(f"{URL}{case.number}/actions/dispatch", {}), 403),
        (client.post(f"{URL}{case.number}/actions/fly", {}), 400),
        (client.post(f"{URL}{case.number}/actions/accept", {}), 400),
    ]
    for r, status in cases:
        assert r.status_code == status, (status, r.content)
        assert r["Content-Type"].startswith("application/json")
        assert set(r.json()) == ERROR_KEYS, r.content
    assert "DELETE" not in cases[2][0]["Allow"] and "GET" in cases[2][0]["Allow"]


def test_conflict_is_409(api, actors, make_case, monkeypatch):
    """Somebody else changed the case between our read and our write: 409, nothing written."""
    from civicgrid.cases.services import transition

    case = make_case(State.REGISTERED)
    real = transition.check_transition

    def racing(c, action, actor):
        out = real(c, action, actor)
        Case.objects.filter(pk=c.pk).update(version=c.version + 7)  # another request won
        return out

    monkeypatch.setattr(transition, "check_transition", racing)
    r = api(actors.dispatcher).post(f"{URL}{case.number}/actions/escalate",
                                    {"reason": "需要区级协调"})
    assert r.status_code == 409, r.content
    assert set(r.json()) == ERROR_KEYS and r.json()["code"] == "case_moved"
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED


def test_token_of_inactive_user_is_401(api, actors):
    client = api(actors.dispatcher)
    actors.dispatcher.is_active = False
    actors.dispatcher.save(update_fields=["is_active"])
    assert client.get(URL).status_code == 401
    assert ApiToken.objects.filter(user=actors.dispatcher).exists()
