"""/api/v1/territory/: the map's data, scoped exactly like the pages."""

import json

import pytest
import shapely
from django.test import Client

from civicgrid.territory.featurecollection import feature_collection
from civicgrid.territory.models import Force, Grid
from civicgrid.territory.staffing import grid_assign, grid_worker_create
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG, Role, make_user

pytestmark = pytest.mark.django_db

NODES, GRIDS, VALIDATION = ("/api/v1/territory/nodes", "/api/v1/territory/grids",
                            "/api/v1/territory/validation")


def https_client() -> Client:
    """A client behind the HTTPS proxy, as in production (plain HTTP is redirected there)."""
    return Client(HTTP_X_FORWARDED_PROTO="https")


def client_for(user) -> Client:
    c = https_client()
    c.force_login(user)
    return c


def codes(fc):
    return [f["properties"]["code"] for f in fc["features"]]


@pytest.fixture
def admin(territory):
    return make_user(Role.DISTRICT_ADMIN, XICHENG)


@pytest.fixture
def dispatcher(territory):
    return make_user(Role.STREET_DISPATCHER, STREET_W)


def test_top_level_is_the_districts_the_user_may_see(territory, admin):
    city = make_user(Role.CITY_ADMIN, "")
    assert codes(client_for(city).get(NODES).json()) == [XICHENG, CHAOYANG]
    fc = client_for(admin).get(NODES).json()
    assert fc["type"] == "FeatureCollection" and fc["parent"] is None
    [district] = fc["features"]
    assert district["properties"] == {
        "code": XICHENG, "name": "西城区", "level": "district",
        "area_m2": district["properties"]["area_m2"], "child_count": 2, "grid_count": 8}
    assert 15_000_000 < district["properties"]["area_m2"] < 16_000_000  # 0.04° × 0.04° at 40°N
    assert district["geometry"]["type"] == "Polygon"


def test_each_level_lists_its_children_with_counts_and_breadcrumbs(territory, admin):
    c = client_for(admin)
    streets = c.get(NODES, {"parent": XICHENG}).json()
    assert codes(streets) == [STREET_W, STREET_E]
    assert streets["parent"]["properties"]["code"] == XICHENG
    assert streets["parent"]["geometry"]["type"] == "Polygon"
    assert [f["properties"]["child_count"] for f in streets["features"]] == [2, 2]
    assert [f["properties"]["grid_count"] for f in streets["features"]] == [4, 4]

    communities = c.get(NODES, {"parent": STREET_W}).json()
    assert codes(communities) == ["110102001001", "110102001002"]
    assert [p["code"] for p in communities["path"]] == [XICHENG, STREET_W]
    assert communities["features"][0]["properties"]["level"] == "community"

    grids = c.get(NODES, {"parent": "110102001001"}).json()
    assert codes(grids) == ["110102001001001", "110102001001002"]
    assert [p["name"] for p in grids["path"]] == ["西城区", "西长安街街道", "西长1号社区"]
    assert grids["features"][0]["properties"]["level"] == "grid"


def test_grids_carry_their_staffing_and_the_rules_they_break(territory, admin):
    g1, g2 = territory["110102001001001"], territory["110102001001002"]
    basic = grid_worker_create(actor=admin, name="张三", phone="", force=Force.BASIC,
                               street=STREET_W)
    spec = grid_worker_create(actor=admin, name="李四", phone="", force=Force.SPECIALIST,
                              street=STREET_W)
    resp = grid_worker_create(actor=admin, name="王五", phone="", force=Force.RESPONSE,
                              street=STREET_W)
    grid_assign(actor=admin, worker=basic, grid=g1)
    for grid in (g1, g2):
        grid_assign(actor=admin, worker=spec, grid=grid)
    grid_assign(actor=admin, worker=resp, grid=g1)

    fc = client_for(admin).get(NODES, {"parent": "110102001001"}).json()
    props = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    assert props[g1.code]["staff"] == {"basic": 1, "specialist": 1, "response": 1}
    assert props[g1.code]["staff_alerts"] == []
    assert props[g2.code]["staff"] == {"basic": 0, "specialist": 1, "response": 0}
    alerts = props[g2.code]["staff_alerts"]
    assert len(alerts) == 2 and "没有基础力量" in alerts[0] and "没有响应力量" in alerts[1]

    all_grids = client_for(admin).get(GRIDS, {"area": XICHENG}).json()
    staff = {f["properties"]["code"]: f["properties"]["staff"] for f in all_grids["features"]}
    assert staff[g1.code] == {"basic": 1, "specialist": 1, "response": 1}


def test_all_grids_of_an_area_in_one_collection(territory, admin):
    c = client_for(admin)
    fc = c.get(GRIDS, {"area": XICHENG}).json()
    assert len(fc["features"]) == 8
    assert fc["area"] == {"code": XICHENG, "name": "西城区", "level": "district"}
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])
    assert len(c.get(GRIDS, {"area": STREET_E}).json()["features"]) == 4
    assert codes(c.get(GRIDS, {"area": "110102003002"}).json()) == [
        "110102003002001", "110102003002002"]


def test_a_street_dispatcher_sees_only_their_street(territory, dispatcher):
    c = client_for(dispatcher)
    [district] = c.get(NODES).json()["features"]
    assert district["properties"]["code"] == XICHENG
    assert district["properties"]["child_count"] == 1  # the other street is not counted
    assert district["properties"]["grid_count"] == 4
    assert codes(c.get(NODES, {"parent": XICHENG}).json()) == [STREET_W]
    assert codes(c.get(NODES, {"parent": STREET_W}).json()) == ["110102001001", "110102001002"]
    assert codes(c.get(GRIDS, {"area": XICHENG}).json()) == [
        "110102001001001", "110102001001002", "110102001002001", "110102001002002"]

    # The other street answers exactly like a code that does not exist.
    for url, params in [(NODES, {"parent": STREET_E}), (NODES, {"parent": "110102003001"}),
                        (GRIDS, {"area": STREET_E}), (VALIDATION, {"area": STREET_E}),
                        (NODES, {"parent": CHAOYANG})]:
        resp = c.get(url, params)
        assert resp.status_code == 404, (url, params)
        assert resp.json()["code"] == "area_not_found"


def test_unknown_and_malformed_codes_answer_json_errors_in_chinese(territory, admin):
    c = client_for(admin)
    resp = c.get(NODES, {"parent": "110102009"})
    assert resp.status_code == 404
    body = resp.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "area_not_found" and "110102009" in body["message"]
    assert "没有找到" in body["message"]

    resp = c.get(NODES, {"parent": "11x"})  # not a code at all: the schema's pattern says so
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_params"
    assert "parent" in resp.json()["message"]
    resp = c.get(NODES, {"parent": "110102001001001"})  # a grid has nothing to open
    assert resp.status_code == 400 and resp.json()["code"] == "no_children"
    resp = c.get(GRIDS)  # area is required
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_params"
    assert "area" in resp.json()["message"]


def test_anonymous_gets_401_and_residents_403(territory):
    for url in (NODES, f"{GRIDS}?area={XICHENG}", VALIDATION):
        resp = https_client().get(url)
        assert resp.status_code == 401
        assert resp.json()["code"] == "unauthenticated" and "登录" in resp.json()["message"]
    resident = client_for(make_user(Role.RESIDENT))
    resp = resident.get(NODES)
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"


def test_validation_names_the_faults_inside_the_scope_only(territory, admin):
    c = client_for(admin)
    clean = c.get(VALIDATION, {"area": XICHENG}).json()
    assert clean["ok"] is True and clean["issues"] == []
    assert clean["area"]["code"] == XICHENG

    # Push a grid of the east street 0.005° into its neighbour: an overlap in community ...003001.
    grid = Grid.objects.get(code="110102003001001")
    moved = shapely.box(116.32, 39.90, 116.335, 39.92)
    Grid.objects.filter(pk=grid.pk).update(geometry=shapely.to_wkb(moved))
    broken = c.get(VALIDATION, {"area": XICHENG}).json()
    assert broken["ok"] is False
    overlap = [i for i in broken["issues"] if i["rule"] == "grid_overlap"]
    assert overlap and set(overlap[0]["codes"]) == {"110102003001001", "110102003001002"}
    assert overlap[0]["message"]

    # The west street's dispatcher asking about the district gets their own street's findings.
    west = client_for(make_user(Role.STREET_DISPATCHER, STREET_W))
    assert west.get(VALIDATION, {"area": XICHENG}).json()["ok"] is True
    assert west.get(VALIDATION).json()["ok"] is True


def test_feature_collection_rounds_to_six_decimals_and_keeps_order():
    geoms = [shapely.box(116.1234567891, 39.9876543219, 116.2, 39.99), None]
    text = feature_collection([{"code": "a"}, {"code": "b"}],
                              [shapely.to_wkb(geoms[0]), None], area={"code": "x"})
    fc = json.loads(text)
    assert fc["area"] == {"code": "x"}
    assert [f["properties"]["code"] for f in fc["features"]] == ["a", "b"]
    assert fc["features"][1]["geometry"] is None
    xs = {x for ring in fc["features"][0]["geometry"]["coordinates"] for x, _y in ring}
    assert xs == {116.123457, 116.2}


def test_schema_is_served_and_the_docs_page_is_our_own(client):
    assert client.get("/api/v1/openapi.json", secure=True).status_code == 200
    page = client.get("/api/v1/docs", secure=True)  # vendored Swagger UI: tests/api/test_docs.py
    assert page.status_code == 200 and b"cdn" not in page.content.lower()
