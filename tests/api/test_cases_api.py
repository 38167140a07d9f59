"""GET /api/v1/cases/points: the actor's visible cases as GeoJSON points, coloured by state and
warning, filtered like the list, capped (and saying so)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.cases.workflow import State
from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
from tests.cases import conftest as case_fixtures

pytestmark = pytest.mark.django_db

# The case fixtures of tests/cases/conftest.py (actors, make_case, ...), used by name.
actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department
URL = "/api/v1/cases/points"


def get(user, **params):
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c.get(URL, params)


@pytest.fixture
def kinds(make_case):
    """One case of each marker colour, on the always-running clock."""
    hourly = Category.objects.create(
        code="T-H", name="燃气泄漏", stream=Stream.EMERGENCY_RESPONSE, kind=CategoryKind.EVENT,
        default_unit_kind=UnitKind.DEPARTMENT, handle_limit=100, handle_unit="emergency_hours")
    now = timezone.now()
    start = now - dt.timedelta(hours=96)

    def mk(state, deadline_h, **kw):
        return make_case(state, category=hourly, reported_at=start, dispatched_at=start,
                         handle_deadline=now + dt.timedelta(hours=deadline_h), **kw)

    return {
        "overdue": mk(State.HANDLING, -2, lon=116.301, lat=39.901),
        "warning": mk(State.HANDLING, 3, lon=116.302, lat=39.902),
        "extended": mk(State.HANDLING, 80, extension_count=1, lon=116.303, lat=39.903),
        "open": mk(State.HANDLING, 90, lon=116.331, lat=39.931),
        "returned": make_case(State.RETURNED, unit_department=None, lon=116.304, lat=39.904),
        "closed": make_case(State.CLOSED, lon=116.305, lat=39.905),
    }


def by_number(body) -> dict[str, dict]:
    return {f["properties"]["number"]: f for f in body["features"]}


def test_points_carry_the_marker_kind_and_a_popup_s_worth(actors, kinds):
    body = get(actors.dispatcher).json()
    assert body["type"] == "FeatureCollection" and body["capped"] is False
    assert body["total"] == body["shown"] == 6
    points = by_number(body)
    assert {k: points[c.number]["properties"]["kind"] for k, c in kinds.items()} == {
        k: k for k in kinds}
    overdue = points[kinds["overdue"].number]
    assert overdue["geometry"] == {"type": "Point", "coordinates": [116.301, 39.901]}
    assert overdue["properties"]["level"] == "red"
    assert overdue["properties"]["state_label"] == "处置中"
    assert overdue["properties"]["category"] == "燃气泄漏"
    assert "reporters" not in str(body) and "13800138000" not in str(body)


def test_points_are_scoped(actors, kinds):
    assert get(actors.other_dispatcher).json()["total"] == 0
    assert get(None).status_code == 401
    resp = get(actors.resident)
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


def test_the_cap_keeps_the_nearest_deadlines_and_says_so(actors, kinds):
    body = get(actors.dispatcher, limit=2).json()
    assert (body["total"], body["shown"], body["capped"], body["limit"]) == (6, 2, True, 2)
    assert [f["properties"]["number"] for f in body["features"]] == [
        kinds["overdue"].number, kinds["warning"].number]


def test_filters_and_bbox(actors, kinds):
    def numbers(**params):
        return set(by_number(get(actors.dispatcher, **params).json()))

    assert numbers(level="yellow") == {kinds["warning"].number}
    assert numbers(level="red") == {kinds["overdue"].number}
    assert numbers(state="finished") == {kinds["closed"].number}
    assert numbers(bbox="116.32,39.92,116.34,39.94") == {kinds["open"].number}
    resp = get(actors.dispatcher, bbox="116.4,39.9")
    assert resp.status_code == 400 and "bbox" in resp.json()["message"]
    resp = get(actors.dispatcher, state="nonsense")
    assert resp.status_code == 400 and "状态“nonsense”无效" in resp.json()["message"]


def test_cases_without_coordinates_are_left_out(actors, make_case):
    make_case(State.REGISTERED, lon=None, lat=None)
    assert get(actors.dispatcher).json()["total"] == 0
