"""Whistles through the API: raise (street), report in (the summoned departments: acknowledge,
arrive, checked against the place), resolve, close; scope (another street, an unsummoned
department: 404); list with cursor."""

from __future__ import annotations

import pytest

from civicgrid.api.tokens import token_create
from tests.api.conftest import ApiClient
from tests.whistles import conftest as whistle_fixtures
from tests.whistles.conftest import LAT, LON

pytestmark = pytest.mark.django_db
# The whistle fixtures of tests/whistles/conftest.py, used by name.
depts = whistle_fixtures.depts
catalogue = whistle_fixtures.catalogue
people = whistle_fixtures.people
URL = "/api/v1/whistles/"


def client(user) -> ApiClient:
    return ApiClient(token_create(user=user, name=f"t-{user.username}")[1])


def test_raise_report_in_resolve_close(people, catalogue, depts):
    street = client(people.dispatcher)
    r = street.post(URL, {"problem": "ZF0301", "description": "群租房隔出12间",
                          "lon": LON, "lat": LAT})
    assert r.status_code == 201, r.content
    w = r.json()
    number = w["number"]
    summoned = {ri["department_id"] for ri in w["report_ins"]}
    assert summoned == {depts.cgzf.pk, depts.fgj.pk, depts.gafj.pk}
    assert all(ri["status"] == "pending" for ri in w["report_ins"])
    # departments: only the summoned ones see it
    assert client(people.rq).get(f"{URL}{number}").status_code == 404
    assert client(people.other_dispatcher).get(f"{URL}{number}").status_code == 404
    for user in (people.cgzf, people.fgj, people.gafj):
        c = client(user)
        assert c.post(f"{URL}{number}/acknowledge").status_code == 200
        r = c.post(f"{URL}{number}/arrive", {"lon": LON + 0.0001, "lat": LAT})
        assert r.status_code == 200, r.content
    far = client(people.cgzf).post(f"{URL}{number}/arrive", {"lon": LON, "lat": LAT})
    assert far.status_code == 409  # already arrived
    statuses = {ri["status"] for ri in client(people.commander).get(
        f"{URL}{number}").json()["report_ins"]}
    assert statuses == {"on_site"}
    assert client(people.cgzf).post(f"{URL}{number}/resolve",
                                    {"result": "已拆除隔断"}).json()["state"] == "resolved"
    body = street.post(f"{URL}{number}/close").json()
    assert body["state"] == "closed" and body["closed_at"]


def test_errors(people, catalogue, depts):
    street = client(people.dispatcher)
    number = street.post(URL, {"problem": "ZF0301", "description": "群租房",
                               "lon": LON, "lat": LAT}).json()["number"]
    cases = [
        (client(people.rq).post(f"{URL}{number}/acknowledge"), 404),
        (client(people.cgzf).post(f"{URL}{number}/arrive", {"lon": LON + 0.1, "lat": LAT}),
         400),  # too far
        (street.post(f"{URL}{number}/close"), 400),  # not resolved yet
        (street.post(URL, {"problem": "NOPE", "description": "x", "lon": LON, "lat": LAT}),
         400),
        (street.post(URL, {"description": "x", "lon": LON, "lat": LAT}), 400),  # off list
        (client(people.cgzf).post(URL, {"problem": "ZF0301", "description": "x"}), 403),
        (street.post(URL, {"problem": "ZF0301", "description": "x", "lon": "116"}), 400),
        (street.post(f"{URL}{number}/cancel", {"reason": "误报"}), 403),  # commander only
    ]
    for r, status in cases:
        assert r.status_code == status, (status, r.content)
        assert set(r.json()) == {"code", "message", "details"}
    assert client(people.commander).post(f"{URL}{number}/cancel",
                                         {"reason": "误报"}).json()["state"] == "cancelled"


def test_list_walks_with_cursor(people, catalogue):
    street = client(people.dispatcher)
    made = [street.post(URL, {"problem": "ZF0301", "description": f"第{i}处",
                              "lon": LON, "lat": LAT}).json()["number"] for i in range(5)]
    seen, cursor = [], None
    while True:
        body = street.get(URL, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [w["number"] for w in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert street.get(URL, {"state": "closed"}).json()["items"] == []
    assert street.get(URL, {"cursor": "x"}).status_code == 400
    assert client(people.other_dispatcher).get(URL).json()["items"] == []
