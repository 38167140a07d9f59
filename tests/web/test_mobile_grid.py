"""The grid worker's phone pages (/m/grid/): report on patrol (position in WGS84 or GCJ-02,
category with a suggestion, photos), idempotent retries, the verification queue of my grids by
deadline, and verifying on site with a photo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicgrid.cases.models import Attachment, Case, CaseEvent, Channel
from civicgrid.cases.workflow import State
from civicgrid.core.geo import CRS, to_wgs84
from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
from civicgrid.territory.models import Force, GridAssignment, GridWorker
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import COMMUNITY, GRID, T0
from tests.factories import STREET_E, STREET_W, XICHENG

pytestmark = pytest.mark.django_db

actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
JSON = {"HTTP_ACCEPT": "application/json"}
NEXT_GRID = f"{COMMUNITY}002"  # the other grid of the same community


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client(user) -> Client:
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    c.force_login(user)
    return c


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("site.png", PNG, content_type="image/png")


@pytest.fixture
def worker(actors, territory):
    """The grid worker's account linked to the basic-force worker of GRID."""
    w = GridWorker.objects.create(name="王芳", force=Force.BASIC, street_id=STREET_W,
                                  district_id=XICHENG, user=actors.grid_worker)
    GridAssignment.objects.create(worker=w, grid_id=GRID)
    return actors.grid_worker


@pytest.fixture
def lamp(db):
    return Category.objects.create(
        code="T-LAMP", name="路灯损坏", stream=Stream.CITY_MANAGEMENT, kind=CategoryKind.COMPONENT,
        default_unit_kind=UnitKind.DEPARTMENT, keywords="路灯 灯不亮 路灯杆")


# --- reporting ----------------------------------------------------------------------------------

def test_the_page_has_the_camera_the_categories_and_the_position(worker, lamp):
    html = client(worker).get("/m/grid/").content.decode()
    assert 'capture="environment"' in html and 'data-autolocate="1"' in html
    assert f'<option value="{lamp.pk}">路灯损坏</option>' in html
    assert 'data-suggest-url="/m/grid/suggest/"' in html
    assert "leaflet" not in html.lower()


def test_a_patrol_report_is_located_classified_and_keeps_its_photo(worker, lamp):
    resp = client(worker).post("/m/grid/", {
        "description": "路灯杆倾斜", "category": str(lamp.pk), "priority": "1",
        "lon": "116.315", "lat": "39.915", "client_key": "p-1", "photos": [photo()]}, **JSON)
    body = resp.json()
    assert resp.status_code == 200 and body["created"], body
    case = Case.objects.get(number=body["number"])
    assert case.channel == Channel.PATROL and case.category == lamp and case.priority == 1
    assert case.grid_code == NEXT_GRID
    assert case.reporters.get().user == worker  # the worker is the reporter
    assert Attachment.objects.filter(case=case).count() == 1
    assert body["links"] == [{"href": f"/cases/{case.number}/", "label": "查看案件"}]


def test_a_gcj02_position_is_converted_to_wgs84(worker):
    glon, glat = 116.3112, 39.9071  # as a Chinese map SDK would give it
    body = client(worker).post("/m/grid/", {"description": "占道经营", "lon": str(glon),
                                            "lat": str(glat), "crs": "gcj02"}, **JSON).json()
    case = Case.objects.get(number=body["number"])
    wlon, wlat = to_wgs84(glon, glat, CRS.GCJ02)
    assert (case.lon, case.lat) == pytest.approx((float(wlon), float(wlat)), abs=1e-9)
    assert case.lon != pytest.approx(glon, abs=1e-4)


def test_the_same_client_key_twice_makes_one_case(worker):
    c = client(worker)
    data = {"description": "井盖缺失", "lon": "116.305", "lat": "39.905", "client_key": "retry-7",
            "photos": [photo()]}
    first = c.post("/m/grid/", data, **JSON).json()
    data["photos"] = [photo()]
    second = c.post("/m/grid/", data, **JSON).json()
    assert first["number"] == second["number"] and not second["created"]
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_key_used_by_another_account_is_a_conflict(worker, actors):
    client(worker).post("/m/grid/", {"description": "a", "client_key": "shared"}, **JSON)
    resp = client(actors.community).post("/m/grid/", {"description": "b", "client_key": "shared"},
                                         **JSON)
    assert resp.status_code == 409 and "幂等键" in resp.json()["error"]


def test_without_the_script_a_report_redirects_with_a_message(worker):
    c = client(worker)
    resp = c.post("/m/grid/", {"description": "树木倒伏", "address": "西长安街街道"})
    assert resp.status_code == 302 and resp["Location"] == "/m/grid/"
    number = Case.objects.get().number
    assert number in c.get("/m/grid/").content.decode()


def test_the_suggestion_follows_the_catalogue_keywords(worker, lamp):
    body = client(worker).get("/m/grid/suggest/", {"text": "这里的路灯不亮了"}).json()
    assert body["suggestions"][0] == {"id": lamp.pk, "name": "路灯损坏",
                                      "matched": ["路灯", "灯不亮"]} or \
        body["suggestions"][0]["id"] == lamp.pk
    assert client(worker).get("/m/grid/suggest/", {"text": ""}).json() == {"suggestions": []}


def test_residents_and_dispatchers_may_not_use_the_patrol_pages(actors, territory):
    for user in (actors.resident, actors.dispatcher, actors.handler):
        for url in ("/m/grid/", "/m/grid/verify/", "/m/grid/suggest/?text=x"):
            assert client(user).get(url).status_code == 403, (user.role, url)
    anonymous = Client(HTTP_X_FORWARDED_PROTO="https").get("/m/grid/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --- the verification queue ----------------------------------------------------------------------

@pytest.fixture
def waiting(make_case):
    """Reported-back cases: two in my grid (the later deadline made first), one in the other
    grid of my community, one in another street; and one still being handled in my grid."""
    late = make_case(State.REPORTED_BACK, handle_deadline=T0 + dt.timedelta(days=5),
                     description="晚到期：路面破损", reported_back_at=T0)
    soon = make_case(State.REPORTED_BACK, handle_deadline=T0 + dt.timedelta(days=1),
                     description="早到期：路面破损", reported_back_at=T0)
    next_grid = make_case(State.REPORTED_BACK, grid_code=NEXT_GRID, reported_back_at=T0)
    far = make_case(State.REPORTED_BACK, street_code=STREET_E, community_code=f"{STREET_E}001",
                    grid_code=f"{STREET_E}001001", reported_back_at=T0)
    handling = make_case(State.HANDLING)
    return {"late": late, "soon": soon, "next_grid": next_grid, "far": far, "handling": handling}


def queue_numbers(html: str, numbers: list[str]) -> list[str]:
    return sorted((n for n in numbers if f"/m/grid/verify/{n}/" in html), key=html.index)


def test_my_queue_holds_my_grids_cases_nearest_deadline_first(worker, waiting):
    html = client(worker).get("/m/grid/verify/").content.decode()
    all_numbers = [c.number for c in waiting.values()]
    assert queue_numbers(html, all_numbers) == [waiting["soon"].number, waiting["late"].number]
    assert 'data-lon="116.305" data-lat="39.905"' in html  # for the distance from the phone
    assert f'/cases/{waiting["soon"].number}/#h-map' in html  # the map page, not another site
    assert 'class="m-count">2<' in html


def test_community_staff_see_their_whole_community(actors, waiting, territory):
    html = client(actors.community).get("/m/grid/verify/").content.decode()
    assert set(queue_numbers(html, [c.number for c in waiting.values()])) == {
        waiting["soon"].number, waiting["late"].number, waiting["next_grid"].number}


def test_verify_passes_with_a_photo(worker, waiting):
    case = waiting["soon"]
    CaseEvent.objects.create(case=case, action="report_back", from_state="handling",
                             to_state="reported_back", at=T0, note="已修补路面")
    c = client(worker)
    page = c.get(f"/m/grid/verify/{case.number}/").content.decode()
    assert "已修补路面" in page and 'name="action" value="verify_pass"' in page
    resp = c.post(f"/m/grid/verify/{case.number}/", {"action": "verify_pass", "note": "已复原",
                                                     "photos": [photo()]})
    assert resp.status_code == 302 and resp["Location"] == "/m/grid/verify/"
    case.refresh_from_db()
    assert case.state == State.VERIFIED
    assert Attachment.objects.filter(case=case, stage="verify").count() == 1
    assert "核查通过" in c.get("/m/grid/verify/").content.decode()


def test_verify_fails_back_to_the_unit_with_a_reason(worker, waiting):
    case = waiting["late"]
    c = client(worker)
    refused = c.post(f"/m/grid/verify/{case.number}/", {"action": "verify_fail",
                                                        "photos": [photo()]})
    assert refused.status_code == 400 and "写明问题所在" in refused.content.decode()
    resp = c.post(f"/m/grid/verify/{case.number}/", {"action": "verify_fail",
                                                     "note": "坑还在", "photos": [photo()]})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == State.HANDLING and case.rework_count == 1


def test_a_verdict_needs_a_photo_and_a_choice(worker, waiting):
    c = client(worker)
    url = f"/m/grid/verify/{waiting['soon'].number}/"
    no_photo = c.post(url, {"action": "verify_pass"})
    assert no_photo.status_code == 400 and "现场照片" in no_photo.content.decode()
    no_choice = c.post(url, {"photos": [photo()]})
    assert no_choice.status_code == 400
    waiting["soon"].refresh_from_db()
    assert waiting["soon"].state == State.REPORTED_BACK


def test_cases_outside_my_scope_are_not_found_and_others_are_not_waiting(worker, waiting):
    c = client(worker)
    assert c.get(f"/m/grid/verify/{waiting['far'].number}/").status_code == 404
    html = c.get(f"/m/grid/verify/{waiting['handling'].number}/").content.decode()
    assert "不需要核查" in html and "verify_pass" not in html
    late = c.post(f"/m/grid/verify/{waiting['handling'].number}/",
                  {"action": "verify_pass", "photos": [photo()]})
    assert late.status_code in (400, 409)
