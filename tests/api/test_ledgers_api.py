"""Ledgers and goals + indicators through the API (read-only): scoped like their pages,
personal data masked for roles that may not see it, walked with a cursor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.indicators.models import Indicator, Measurement, Plan, Status
from tests.registry.conftest import E1, W1, W2, body

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_ledgers_are_scoped_and_paged(api, actors, territory):
    body(W1, party_org_name="W1党委")
    body(W2, party_org_name="W2党委")
    body(E1, party_org_name="E1党委")
    client = api(actors.dispatcher)  # street 110102001: W1 and W2
    counts = {c["name"]: c["count"] for c in client.get(f"{V1}/ledgers").json()}
    assert counts["community-bodies"] == 2
    first = client.get(f"{V1}/ledgers/community-bodies", {"limit": 1}).json()
    assert first["columns"][0]["field"] == "community_code" and first["masked"] is False
    second = client.get(f"{V1}/ledgers/community-bodies",
                        {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    seen = {r["community_code"] for r in first["rows"] + second["rows"]}
    assert seen == {W1, W2}
    assert client.get(f"{V1}/ledgers/community-bodies", {"area": W2}).json()["rows"][0][
        "party_org_name"] == "W2党委"
    # personal data: masked for the dispatcher, not for the commander
    assert client.get(f"{V1}/ledgers/volunteers").json()["masked"] is True
    assert api(actors.commander).get(f"{V1}/ledgers/volunteers").json()["masked"] is False
    assert client.get(f"{V1}/ledgers/nope").status_code == 404
    assert client.get(f"{V1}/ledgers", {"area": "12"}).status_code == 400
    assert api(actors.resident).get(f"{V1}/ledgers").status_code == 403


def test_indicators_show_approved_figures_and_own_working_papers(api, actors, territory):
    plan = Plan.objects.create(code="p", name="规划", period_start=dt.date(2016, 1, 1),
                               period_end=dt.date(2020, 12, 31))
    ind = Indicator.objects.create(plan=plan, code="coverage", name="覆盖率", unit="%")
    approved = Measurement.objects.create(
        indicator=ind, area_code="", date=dt.date(2018, 6, 30), value=Decimal("80"),
        status=Status.APPROVED, approved_value=Decimal("80"), approved_date=dt.date(2018, 6, 30))
    draft_e = Measurement.objects.create(
        indicator=ind, area_code="110102003", district_code="110102", street_code="110102003",
        date=dt.date(2018, 6, 30), value=Decimal("50"))
    client = api(actors.dispatcher)
    assert [p["code"] for p in client.get(f"{V1}/indicators/plans").json()] == ["p"]
    [row] = client.get(f"{V1}/indicators/plans/p/indicators").json()
    assert row["code"] == "coverage" and row["unit"] == "%"
    ids = {m["id"] for m in client.get(
        f"{V1}/indicators/plans/p/indicators/coverage/measurements").json()}
    assert ids == {approved.pk}  # another street's draft is not ours to see
    ids = {m["id"] for m in api(actors.city).get(
        f"{V1}/indicators/plans/p/indicators/coverage/measurements").json()}
    assert ids == {approved.pk, draft_e.pk}
    assert client.get(f"{V1}/indicators/plans/x/indicators").status_code == 404
    assert api(actors.resident).get(f"{V1}/indicators/plans").status_code == 403
