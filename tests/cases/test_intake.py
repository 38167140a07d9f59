"""Intake from every channel: checks, idempotency, locating, classifying, deadlines, routing."""

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.utils import timezone

from civicgrid.cases.deadlines import step_deadlines
from civicgrid.cases.models import Case, CaseEvent, Channel, LocationSource, Priority, Reporter
from civicgrid.cases.services.intake import case_intake
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.core.geo import gcj02_to_bd09, wgs84_to_gcj02
from civicgrid.dispatch.models import Category, CategoryKind, Stream
from civicgrid.territory.gazetteer import get_gazetteer
from civicgrid.territory.locator import reset_locator
from civicgrid.territory.models import District
from tests.factories import STREET_E, XICHENG, Role, make_user

# Inside grid 110102003002001 (新街口街道, 新街2号社区, first grid) of tests/factories.py.
LON, LAT = 116.325, 39.93
GRID = "110102003002001"


def refresh_classifier():
    """Rebuild the catalogue caches (categories made here bypass the dispatch services, which
    would tell them)."""
    try:
        from civicgrid.dispatch.classify import get_classifier
        from civicgrid.dispatch.routing import get_router
    except ImportError:
        return False
    get_classifier(refresh=True)
    get_router(refresh=True)
    return True


@pytest.fixture
def city(territory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    District.objects.filter(code=XICHENG).update(abbr="XC")
    reset_locator()
    get_gazetteer(refresh=True)
    cover = Category.objects.create(code="C0101", name="井盖破损", stream=Stream.CITY_MANAGEMENT,
                                    kind=CategoryKind.COMPONENT, keywords="井盖 窨井盖")
    noise = Category.objects.create(code="S0301", name="噪音扰民", stream=Stream.SOCIAL_SERVICE,
                                    kind=CategoryKind.SERVICE, keywords="噪音 扰民")
    refresh_classifier()
    yield SimpleNamespace(cover=cover, noise=noise, resident=make_user(Role.RESIDENT),
                          dispatcher=make_user(Role.STREET_DISPATCHER, STREET_E))
    reset_locator()


def report(actor, **kw):
    values = {"channel": Channel.RESIDENT, "description": "小区门口井盖破了，很危险",
              "lon": LON, "lat": LAT}
    values.update(kw)
    return case_intake(actor=actor, **values)


def counts():
    return Case.objects.count(), Reporter.objects.count(), CaseEvent.objects.count()


def test_resident_report_becomes_a_located_numbered_case(city):
    before = timezone.now()
    r = report(city.resident, category=city.cover, reporter_name="张三丰",
               reporter_phone="+86 138-1234-5678")
    case = r.case
    assert r.created and case.state == "reported"
    assert case.number.startswith("XC-" + timezone.localtime(before).strftime("%Y%m%d") + "-")
    assert (case.grid_code, case.community_code, case.street_code, case.district_code) == (
        GRID, GRID[:12], STREET_E, XICHENG)
    assert case.location_source == LocationSource.GPS
    assert case.category == city.cover and case.stream == Stream.CITY_MANAGEMENT
    assert case.unit_department_id is None  # only dispatch names the unit
    reporter = case.reporters.get()
    assert (reporter.phone, reporter.user, reporter.is_primary) == ("13812345678",
                                                                    city.resident, True)
    event = case.events.get()
    assert (event.action, event.to_state, event.actor) == ("report", "reported", city.resident)
    assert event.data["category_source"] == "given"
    expected = step_deadlines(city.cover, case.reported_at)
    assert case.register_deadline == expected["register_deadline"]
    assert case.handle_deadline == expected["handle_deadline"]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_map_coordinates_are_converted_to_wgs84(city, crs):
    lon, lat = wgs84_to_gcj02(LON, LAT)
    if crs == "bd09":
        lon, lat = gcj02_to_bd09(lon, lat)
    case = report(city.resident, lon=float(lon), lat=float(lat), crs=crs).case
    assert abs(case.lon - LON) < 1e-5 and abs(case.lat - LAT) < 1e-5
    assert case.grid_code == GRID


def test_point_outside_every_grid_is_accepted_and_flagged(city):
    r = report(city.resident, lon=121.47, lat=31.23)  # Shanghai: in China, in no grid here
    assert r.created and "outside_grid" in r.flags
    assert (r.case.grid_code, r.case.district_code) == ("", "")
    assert r.case.number.startswith("BJ-")
    assert "outside_grid" in r.case.events.get().data["flags"]


@pytest.mark.parametrize("kw, code", [
    ({"description": "   "}, "description_required"),
    ({"description": "井" * 4001}, "description_too_long"),
    ({"channel": "fax"}, "bad_channel"),
    ({"lon": 2.35, "lat": 48.85}, "outside_china"),
    ({"lon": 116.3, "lat": None}, "bad_coordinates"),
    ({"crs": "epsg3857"}, "bad_coordinates"),
    ({"reporter_phone": "12345"}, "bad_phone"),
    ({"reporter_email": "not-an-email"}, "bad_email"),
    ({"category": "NOPE"}, "bad_category"),
    ({"priority": 7}, "bad_priority"),
])
def test_bad_input_is_refused_and_nothing_written(city, kw, code):
    with pytest.raises(InvalidInput) as err:
        report(city.resident, **kw)
    assert err.value.code == code
    assert counts() == (0, 0, 0)


def test_accepted_phone_formats(city):
    for phone, stored in [("010-6800 1234", "01068001234"), ("68001234", "68001234"),
                          ("8613812345678", "13812345678")]:
        assert report(city.resident, reporter_phone=phone).case.reporters.get().phone == stored


def test_description_of_4000_characters_is_accepted(city):
    assert report(city.resident, description="井" * 4000).created


def test_residents_report_only_through_public_channels(city):
    with pytest.raises(PermissionDenied):
        report(city.resident, channel=Channel.HOTLINE)
    with pytest.raises(PermissionDenied):
        report(None, channel=Channel.PATROL)
    assert report(None, channel=Channel.OPEN311).created  # an anonymous Open311 client
    assert report(city.dispatcher, channel=Channel.HOTLINE).created


def test_patrol_report_is_the_grid_workers_own(city):
    worker = make_user(Role.GRID_WORKER, GRID)
    worker.first_name, worker.last_name, worker.phone = "四", "李", "13900001111"
    worker.save()
    case = report(worker, channel=Channel.PATROL).case
    reporter = case.reporters.get()
    assert (reporter.user, reporter.phone, reporter.channel) == (worker, "13900001111", "patrol")
    assert case.state == "reported"  # every channel starts reported


def test_same_client_key_makes_one_case(city):
    first = report(city.resident, client_key="app-42")
    before = counts()
    again = report(city.resident, client_key="app-42", description="另一段描述")
    assert not again.created and again.case.pk == first.case.pk
    assert counts() == before
    with pytest.raises(Conflict):  # somebody else's key is not a way to read their case
        report(make_user(Role.RESIDENT), client_key="app-42")


def test_address_resolved_when_confident(city):
    r = report(city.resident, lon=None, lat=None, address="新街口街道新街2号社区10号楼")
    case = r.case
    assert case.location_source == LocationSource.ADDRESS
    assert (case.community_code, case.street_code, case.district_code, case.grid_code) == (
        "110102003002", STREET_E, XICHENG, "")
    assert case.number.startswith("XC-")


def test_ambiguous_address_keeps_what_candidates_agree_on(city):
    r = report(city.resident, lon=None, lat=None, address="新街1号或新街2号门口")
    case = r.case
    assert (case.community_code, case.street_code, case.district_code) == ("", STREET_E, XICHENG)
    assert "address_ambiguous" in r.flags
    codes = [c["code"] for c in case.events.get().data["location_candidates"]]
    assert set(codes) == {"110102003001", "110102003002"}
    r = report(city.resident, lon=None, lat=None, address="西长1号和新街2号之间")
    assert (r.case.street_code, r.case.district_code) == ("", XICHENG)


def test_no_location_at_all_is_accepted_for_the_dispatcher(city):
    r = report(city.resident, lon=None, lat=None, address="")
    assert "no_location" in r.flags and r.case.location_source == LocationSource.NONE


def test_category_suggested_from_description_but_left_to_confirm(city):
    if not refresh_classifier():
        pytest.skip("the classifier is not installed yet")
    r = report(city.resident, description="楼下的窨井盖不见了")
    assert r.case.category == city.cover and r.case.state == "reported"
    assert r.suggestions and r.suggestions[0]["code"] == "C0101"
    data = r.case.events.get().data
    assert data["category_source"] == "suggested" and data["suggestions"][0]["code"] == "C0101"
    assert "category_unconfirmed" in r.flags
    # Without any matching keyword the case stays unclassified for the dispatcher.
    r = report(city.resident, description="有个问题需要处理")
    assert r.case.category is None and "category_unconfirmed" in r.flags


def test_routing_suggestion_is_stored_for_the_dispatcher(city):
    pytest.importorskip("civicgrid.dispatch.routing")
    from civicgrid.dispatch.models import RoutingRule, RoutingTarget

    RoutingRule.objects.create(category=city.cover, area_code=XICHENG,
                               target=RoutingTarget.STREET, note="西城区责任清单第1条")
    refresh_classifier()
    case = report(city.resident, category=city.cover).case
    assert case.routing_reason
    assert case.unit_department_id is None and case.unit_area_code == ""
    assert case.events.get().data["routing"]["area_code"] == STREET_E


def test_emergency_is_due_within_the_hour(city):
    case = report(city.dispatcher, channel=Channel.HOTLINE, category=city.cover,
                  priority=Priority.EMERGENCY).case
    assert case.dispatch_deadline - case.reported_at == dt.timedelta(hours=1)


def test_reported_at_must_not_be_in_the_future(city):
    with pytest.raises(InvalidInput):
        report(city.dispatcher, channel=Channel.HOTLINE,
               reported_at=timezone.now() + dt.timedelta(hours=1))
    past = timezone.now() - dt.timedelta(hours=3)
    assert report(city.dispatcher, channel=Channel.HOTLINE, reported_at=past).case.reported_at \
        == past


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers")
def test_racing_requests_with_one_key_make_one_case(settings, tmp_path):
    from tests.factories import build_territory

    settings.MEDIA_ROOT = tmp_path
    build_territory()
    reset_locator()
    refresh_classifier()
    resident = make_user(Role.RESIDENT)
    results, errors, start = [], [], threading.Barrier(4)

    def worker():
        try:
            start.wait()
            results.append(report(resident, client_key="race-1"))
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    reset_locator()
    assert not errors
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.case.pk for r in results}) == 1
    assert counts() == (1, 1, 1)
