"""Categories, units, territory look-up, metrics and rankings through the API, checked against
the selectors the pages use (the same numbers) and against the permission policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.cases.workflow import State
from civicgrid.core.geo import wgs84_to_gcj02
from civicgrid.dispatch.models import Category
from civicgrid.evaluation import selectors
from civicgrid.evaluation.rollups import rollup_rebuild
from tests.factories import STREET_E, STREET_W, make_department

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_categories_with_deadline_rules(api, actors, category):
    Category.objects.create(code="OLD", name="停用", stream="city_management", kind="event",
                            active=False)
    body = api(actors.resident).get(f"{V1}/categories").json()
    assert [c["code"] for c in body] == ["T-ROAD"]
    rules = body[0]["deadlines"]
    assert rules["handle"] == {"amount": 5.0, "unit": "working_days", "unit_label": "工作日"}
    assert rules["register"]["unit"] == "working_hours"
    one = api(actors.resident).get(f"{V1}/categories/T-ROAD").json()
    assert one == body[0]
    assert api(actors.resident).get(f"{V1}/categories/{category.pk}").json()["code"] == "T-ROAD"
    r = api(actors.resident).get(f"{V1}/categories/OLD")
    assert r.status_code == 404 and r.json()["code"] == "category_not_found"
    assert api(actors.resident).get(f"{V1}/categories", {"stream": "nope"}).status_code == 400


def test_units_in_scope(api, actors, territory, department, other_department):
    city_dept = make_department("BJ-SW", "北京市水务局", "")
    chaoyang = make_department("CY-CGZF", "朝阳区城管执法局", "110105")
    body = api(actors.dispatcher).get(f"{V1}/units").json()
    codes = {d["code"] for d in body["departments"]}
    assert {department.code, other_department.code, city_dept.code} <= codes
    assert chaoyang.code not in codes
    streets = {a["code"] for a in body["areas"] if a["level"] == "street"}
    assert STREET_W in streets and STREET_E not in streets  # only what the page shows
    mine = api(actors.handler).get(f"{V1}/units").json()
    assert [d["code"] for d in mine["departments"]] == [department.code]
    assert api(actors.resident).get(f"{V1}/units").status_code == 403
    only = api(actors.city).get(f"{V1}/units", {"level": "community", "parent": STREET_W})
    assert {a["parent_code"] for a in only.json()["areas"]} == {STREET_W}


def test_locate_in_every_crs(api, actors, territory):
    client = api(actors.dispatcher)
    body = client.get(f"{V1}/territory/locate", {"lon": 116.305, "lat": 39.905}).json()
    assert body["inside"] is True
    assert body["grid"]["code"] == "110102001001001"
    assert body["street"] == {"code": STREET_W, "name": "西长安街街道"}
    gx, gy = wgs84_to_gcj02(116.305, 39.905)
    gcj = client.get(f"{V1}/territory/locate", {"lon": float(gx), "lat": float(gy),
                                                "crs": "gcj02"}).json()
    assert gcj["grid"] == body["grid"] and abs(gcj["lon"] - 116.305) < 1e-5
    out = client.get(f"{V1}/territory/locate", {"lon": 100.0, "lat": 30.0}).json()
    assert out["inside"] is False and out["grid"] is None
    assert client.get(f"{V1}/territory/locate", {"lon": 116.3, "lat": 39.9,
                                                 "crs": "mars"}).status_code == 400
    assert api(actors.resident).get(f"{V1}/territory/locate",
                                    {"lon": 116.3, "lat": 39.9}).status_code == 403


def test_resolve_address(api, actors, territory):
    body = api(actors.dispatcher).get(f"{V1}/territory/resolve",
                                      {"address": "西城区西长安街街道"}).json()
    assert body["candidates"][0]["code"] == STREET_W
    assert 0 < body["candidates"][0]["confidence"] <= 1
    assert isinstance(body["confident"], bool)
    assert api(actors.dispatcher).get(f"{V1}/territory/resolve").status_code == 400


def test_rankings_are_the_pages_numbers(api, actors, make_case, territory):
    reported = timezone.now() - dt.timedelta(hours=1)
    for state in (State.CLOSED, State.CLOSED, State.HANDLING):
        make_case(state, reported_at=reported)
    rollup_rebuild()
    today = timezone.localtime(reported).date()
    body = api(actors.district).get(f"{V1}/evaluation/rankings",
                                    {"kind": "street", "date": today.isoformat()}).json()
    start = today.replace(day=1)
    table = selectors.ranking_table(actors.district, unit_kind="street", start=start,
                                    end=body["end"] and dt.date.fromisoformat(body["end"]))
    assert body["start"] == start.isoformat()
    assert [r["unit_code"] for r in body["rows"]] == [r.unit_code for r in table.rows]
    row = next(r for r in body["rows"] if r["unit_code"] == STREET_W)
    page = next(r for r in table.rows if r.unit_code == STREET_W)
    assert row["counts"]["received"] == page.received == 3
    assert row["composite"] == page.composite and row["rank"] == page.rank
    for code, value in page.metrics.items():
        assert row["metrics"][code]["rate"] == value.rate
    # the handler sees only the department ranking
    assert api(actors.handler).get(f"{V1}/evaluation/rankings",
                                   {"kind": "street"}).status_code == 403
    hist = api(actors.district).get(f"{V1}/evaluation/units/street/{STREET_W}",
                                    {"months": 2, "month": today.isoformat()}).json()
    assert len(hist["months"]) == 2 and hist["months"][-1]["row"]["counts"]["received"] == 3
    assert api(actors.dispatcher).get(f"{V1}/evaluation/units/street/{STREET_E}").status_code \
        == 404
    assert api(actors.district).get(f"{V1}/evaluation/rankings",
                                    {"period": "custom"}).status_code == 400
    metrics = api(actors.district).get(f"{V1}/evaluation/metrics").json()
    assert {"response_rate", "street_score"} <= {m["code"] for m in metrics}
