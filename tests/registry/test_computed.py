"""Each computed indicator on the hand-built territory, with answers worked out by hand.

Community centroids (tests/registry/conftest.py): W1 (116.31, 39.91), W2 (116.31, 39.93),
E1 (116.33, 39.91), E2 (116.33, 39.93), CY (116.35, 39.92). At 39.9° N one hundredth of a
degree is about 1,113 m north–south and 853 m east–west.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.cases.models import Case, Channel
from civicgrid.core.geo import distance_m
from civicgrid.registry.computed import COMPUTED, compute_all
from civicgrid.registry.models import (
    AlleySteward,
    BuildingStation,
    Certificate,
    Enterprise,
    Facility,
    FacilityKind,
    HubLevel,
    LaneChief,
    OrgType,
    SocialOrganization,
    TrainingRecord,
    Volunteer,
    Worker,
    WorkerKind,
)
from civicgrid.territory.models import Community, CommunityKind
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG

from .conftest import AS_OF, BJ, CY, E1, E2, W1, W2, body, next_code, place

pytestmark = pytest.mark.django_db
BEFORE = AS_OF - dt.timedelta(days=1)


def value(code: str, area: str = "", as_of: dt.date = AS_OF):
    return COMPUTED[code].compute(as_of=as_of, area_code=area)


def facility(kind, lon, lat, **kw):
    return Facility.objects.create(code=next_code("F"), name="设施", kind=kind, lon=lon, lat=lat,
                                   **kw)


@pytest.fixture
def bodies(territory):
    """Every community has a community-bodies row; E1's population and facility area are
    unknown."""
    body(W1, population=1000, facility_area_m2=Decimal("500.0"))
    body(W2, population=3000, facility_area_m2=Decimal("499.9"))
    body(E1)
    body(E2, population=2000, facility_area_m2=Decimal("800.0"))
    body(CY, population=4000, facility_area_m2=Decimal("900.0"))


def make_village(code: str) -> None:
    Community.objects.filter(code=code).update(kind=CommunityKind.VILLAGE)


# --- 15-minute service circles ----------------------------------------------------------------

@pytest.fixture
def centres(bodies):
    """A centre 556 m north of W1's centroid and one 427 m east of E2's; a closed centre and a
    future one on CY and a community home (not a service circle) on W2 do not count."""
    facility(FacilityKind.SERVICE_CIRCLE, 116.31, 39.915)
    facility(FacilityKind.SERVICE_CIRCLE, 116.335, 39.93)
    facility(FacilityKind.SERVICE_CIRCLE, 116.35, 39.92, valid_to=BEFORE)
    facility(FacilityKind.SERVICE_CIRCLE, 116.35, 39.92, valid_from=AS_OF + dt.timedelta(days=1))
    facility(FacilityKind.COMMUNITY_HOME, 116.31, 39.93)


def test_distances_used_below_are_what_the_docstrings_say():
    assert 550 < distance_m(116.31, 39.91, 116.31, 39.915) < 560  # W1: covered at 1 km
    assert 1660 < distance_m(116.31, 39.93, 116.31, 39.915) < 1675  # W2: only at 2 km
    assert 1780 < distance_m(116.33, 39.91, 116.31, 39.915) < 1800  # E1: only at 2 km
    assert 420 < distance_m(116.33, 39.93, 116.335, 39.93) < 430  # E2: covered at 1 km
    assert 1680 < distance_m(116.35, 39.92, 116.335, 39.93) < 1700  # CY: only at 2 km


def test_service_circle_coverage_within_one_km(centres):
    assert value("service_circle_coverage") == Decimal("40.00")  # W1 and E2 of 5
    assert value("service_circle_coverage", STREET_W) == Decimal("50.00")
    assert value("service_circle_coverage", STREET_E) == Decimal("50.00")
    assert value("service_circle_coverage", W2) == Decimal("0.00")
    assert value("service_circle_coverage", CHAOYANG) == Decimal("0.00")


def test_service_circle_walk_distance_is_a_setting(centres, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "SERVICE_CIRCLE_WALK_M": 2000}
    # A centre across a street or district border counts: CY's nearest is in street E.
    assert value("service_circle_coverage") == Decimal("100.00")
    settings.CIVICGRID = {**settings.CIVICGRID, "SERVICE_CIRCLE_WALK_M": 400}
    assert value("service_circle_coverage") == Decimal("0.00")


def test_service_circle_coverage_counts_urban_communities_with_a_ledger_row(centres):
    make_village(W2)  # a village is not an urban community
    Community.objects.filter(code=E1).update(geometry=None)  # no outline: no centroid
    # Left: W1 (covered), E2 (covered), CY (not).
    assert value("service_circle_coverage") == Decimal("66.67")


def test_service_circle_coverage_without_communities_is_none(territory):
    facility(FacilityKind.SERVICE_CIRCLE, 116.31, 39.915)
    assert value("service_circle_coverage") is None


# --- per resident ------------------------------------------------------------------------------

def volunteers(community: str, n: int, **kw) -> None:
    for _ in range(n):
        Volunteer.objects.create(code=next_code("V"), name="志愿者", **place(community), **kw)


def test_volunteer_ratio(bodies):
    volunteers(W1, 5)
    volunteers(W2, 10)
    volunteers(E1, 7)  # E1's population is unknown: not counted
    volunteers(CY, 5)
    volunteers(W1, 1, valid_to=BEFORE)  # left before the date
    volunteers(W1, 1, valid_from=AS_OF + dt.timedelta(days=1))  # not yet registered
    Volunteer.objects.create(code=next_code("V"), name="街道志愿者", **place(STREET_W))
    assert value("volunteer_ratio") == Decimal("0.0020")  # 20 / 10,000
    assert value("volunteer_ratio", STREET_W) == Decimal("0.0038")  # 15 / 4,000 = 0.00375
    assert value("volunteer_ratio", STREET_E) == Decimal("0.0000")  # 0 / 2,000
    assert value("volunteer_ratio", E1) is None  # no population known


def case(community: str, when: dt.datetime, **kw) -> Case:
    n = Case.objects.count() + 1
    return Case.objects.create(number=f"T-{n:05d}", channel=Channel.HOTLINE, description="测试",
                               reported_at=when, **place(community), **kw)


def test_cases_per_1000_residents_in_the_365_days_up_to_the_date(bodies):
    first_day = dt.datetime(2017, 7, 1, 0, 0, tzinfo=BJ)  # AS_OF minus 364 days
    for day in (dt.datetime(2018, 1, 5, 9, tzinfo=BJ), dt.datetime(2018, 6, 30, 23, 59, tzinfo=BJ),
                dt.datetime(2017, 9, 1, 12, tzinfo=BJ)):
        case(W1, day)
    case(W1, first_day)
    case(W1, first_day - dt.timedelta(seconds=1))  # 365 days before: outside
    case(W1, dt.datetime(2018, 7, 1, 0, 0, tzinfo=BJ))  # after the date
    original = case(W1, dt.datetime(2018, 2, 1, tzinfo=BJ))
    case(W1, dt.datetime(2018, 2, 1, 1, tzinfo=BJ), merged_into=original)  # a duplicate
    for _ in range(4):
        case(E1, dt.datetime(2018, 3, 1, tzinfo=BJ))  # no population known: not counted
    case(CY, dt.datetime(2018, 3, 1, tzinfo=BJ))
    case(CY, dt.datetime(2018, 4, 1, tzinfo=BJ))
    # W1: 3 + first day + original = 5; CY 2 → 7 per 10,000 residents.
    assert value("cases_per_1000_residents") == Decimal("0.70")
    assert value("cases_per_1000_residents", STREET_W) == Decimal("1.25")  # 5 / 4,000
    assert value("cases_per_1000_residents", W1) == Decimal("5.00")
    assert value("cases_per_1000_residents", E1) is None


# --- social organisations and social workers per community -----------------------------------

def org(where: str, *, serves=(), **kw) -> SocialOrganization:
    o = SocialOrganization.objects.create(code=next_code("SO"), name="组织",
                                          org_type=kw.pop("org_type", OrgType.COMMUNITY),
                                          **place(where) if where else {}, **kw)
    o.communities_served.set(serves)
    return o


@pytest.fixture
def organisations(bodies):
    make_village(CY)
    for _ in range(10):
        org(W1, serves=[W1])  # based and serving: counted once
    org(STREET_W, serves=[W1, W2])  # a street-level organisation serving two communities
    for _ in range(9):
        org(W2)
    org(E2, serves=[E1])  # based in E2, serving E1: counts for both
    org(E1, valid_to=BEFORE)  # deregistered
    for _ in range(3):
        org(CY)  # a village: not an urban community


def test_social_orgs_per_community(organisations):
    # W1 11, W2 10, E1 1, E2 1 over 4 urban communities.
    assert value("social_orgs_per_community") == Decimal("5.75")
    assert value("social_orgs_per_community", STREET_E) == Decimal("1.00")
    assert value("social_orgs_per_community", CHAOYANG) is None  # no urban community


def test_communities_with_10_orgs(organisations):
    assert value("communities_with_10_orgs") == Decimal("50.00")
    assert value("communities_with_10_orgs", STREET_W) == Decimal("100.00")
    assert value("communities_with_10_orgs", STREET_E) == Decimal("0.00")


def worker(community: str, kind=WorkerKind.SOCIAL_WORKER, certificate=Certificate.NONE, **kw):
    return Worker.objects.create(code=next_code("W"), name="人员", kind=kind,
                                 certificate=certificate, **place(community), **kw)


@pytest.fixture
def social_workers(bodies):
    worker(W1)
    worker(W1)
    worker(W1, WorkerKind.COMMUNITY_WORKER, Certificate.ASSISTANT)  # certified: counts
    worker(W1, WorkerKind.COMMUNITY_WORKER)  # uncertified community worker: does not
    for _ in range(6):
        worker(W2, certificate=Certificate.CERTIFIED)
    worker(E1)
    worker(E2, valid_to=BEFORE)  # left before the date
    worker(STREET_E)  # not placed in a community


def test_social_workers_per_community(social_workers):
    # W1 3, W2 6, E1 1, E2 0, CY 0 over 5 urban communities.
    assert value("social_workers_per_community") == Decimal("2.00")
    assert value("social_workers_per_community", STREET_W) == Decimal("4.50")
    assert value("social_workers_per_community", E2) == Decimal("0.00")


def test_communities_with_2_to_5_social_workers(social_workers):
    assert value("communities_with_2_5_social_workers") == Decimal("20.00")  # only W1
    assert value("communities_with_2_5_social_workers", STREET_W) == Decimal("50.00")
    assert value("communities_with_2_5_social_workers", W2) == Decimal("0.00")  # 6 is not 2–5


def test_facility_area_500_share(bodies):
    # Known areas: W1 500.0 (meets), W2 499.9, E2 800, CY 900; E1 unknown.
    assert value("facility_area_500_share") == Decimal("75.00")
    make_village(CY)
    assert value("facility_area_500_share") == Decimal("66.67")
    assert value("facility_area_500_share", STREET_W) == Decimal("50.00")
    assert value("facility_area_500_share", E1) is None


# --- party-organisation coverage ----------------------------------------------------------------

def test_party_coverage_of_enterprises(territory):
    with_party = BuildingStation.objects.create(code="S1", name="有党组织的站", has_party_org=True,
                                                **place(STREET_W))
    without = BuildingStation.objects.create(code="S2", name="无党组织的站", **place(STREET_W))
    closed = BuildingStation.objects.create(code="S3", name="已撤站", has_party_org=True,
                                            valid_to=BEFORE, **place(STREET_E))

    def firm(where, **kw):
        Enterprise.objects.create(code=next_code("E"), name="企业", **place(where), **kw)

    firm(STREET_W, has_party_org=True)
    firm(STREET_W, station=with_party)  # covered by the station's joint party organisation
    firm(STREET_W, station=without)
    firm(STREET_E)
    firm(STREET_E, station=closed)  # the station closed before the date
    firm(STREET_E, has_party_org=True, valid_to=BEFORE)  # closed: in neither count
    assert value("party_coverage_enterprises") == Decimal("40.00")
    assert value("party_coverage_enterprises", STREET_W) == Decimal("66.67")
    assert value("party_coverage_enterprises", STREET_E) == Decimal("0.00")
    assert value("party_coverage_enterprises", CHAOYANG) is None


def test_party_coverage_of_social_organisations(territory):
    for has in (True, True, True, False):
        org(W1 if has else STREET_W, has_party_org=has)
    org(CY)
    org("", has_party_org=True, hub_level=HubLevel.CITY)  # a city-level organisation
    org(W2, has_party_org=True, valid_from=AS_OF + dt.timedelta(days=1))  # not yet registered
    assert value("party_coverage_social_orgs") == Decimal("66.67")  # 4 of 6
    assert value("party_coverage_social_orgs", STREET_W) == Decimal("75.00")
    assert value("party_coverage_social_orgs", XICHENG) == Decimal("75.00")
    assert value("party_coverage_social_orgs", CHAOYANG) == Decimal("0.00")


# --- counts ---------------------------------------------------------------------------------------

@pytest.fixture
def counted(territory):
    for kind, n in ((FacilityKind.SERVICE_CIRCLE, 3), (FacilityKind.COMMUNITY_HOME, 2),
                    (FacilityKind.ELDERLY_STATION, 4), (FacilityKind.SERVICE_CENTRE, 1)):
        for _ in range(n):
            facility(kind, None, None, **place(W1))
    facility(FacilityKind.SERVICE_CIRCLE, None, None, valid_to=BEFORE, **place(W1))
    facility(FacilityKind.ELDERLY_STATION, None, None, **place(CY))
    org("", hub_level=HubLevel.CITY)
    org(XICHENG, hub_level=HubLevel.DISTRICT)
    org(STREET_W, hub_level=HubLevel.STREET)
    org(STREET_E, hub_level=HubLevel.STREET)
    org(STREET_E, hub_level=HubLevel.STREET, valid_to=BEFORE)
    org(W1, org_type=OrgType.SOCIAL_SERVICE, is_social_work_agency=True)
    org(CY, org_type=OrgType.SOCIAL_SERVICE, is_social_work_agency=True)
    worker(W1, certificate=Certificate.CERTIFIED)
    worker(W2, WorkerKind.COMMUNITY_WORKER, Certificate.ASSISTANT)
    worker(W2, WorkerKind.COMMUNITY_WORKER)
    trained = [worker(W1, WorkerKind.COMMUNITY_WORKER) for _ in range(3)]
    social = worker(E1, certificate=Certificate.ASSISTANT)
    for w, day in ((trained[0], dt.date(2018, 3, 1)), (trained[0], dt.date(2018, 4, 1)),
                   (trained[1], dt.date(2017, 7, 1)),  # the first day of the year up to AS_OF
                   (trained[2], dt.date(2017, 6, 30)),  # one day too early
                   (social, dt.date(2018, 3, 1))):  # a social worker, not a community worker
        TrainingRecord.objects.create(worker=w, date=day, course="社区治理", hours=8)
    volunteers(W1, 3)
    volunteers(CY, 2)
    volunteers(CY, 1, valid_to=BEFORE)
    chief = LaneChief.objects.create(code="LC1", name="街巷长", lanes="西四北头条", **place(W1))
    LaneChief.objects.create(code="LC2", name="街巷长", lanes="西四北二条", valid_to=BEFORE,
                             **place(W1))
    for n in range(3):
        AlleySteward.objects.create(code=f"AS{n}", name="管家", lanes="西四北头条", chief=chief,
                                    **place(W1 if n else CY))


@pytest.mark.parametrize("code, city, xicheng", [
    ("service_circles", 3, 3), ("community_homes", 2, 2), ("elderly_stations", 5, 4),
    ("hub_orgs_city", 1, 0), ("hub_orgs_district", 1, 1), ("hub_orgs_street", 2, 2),
    ("social_work_agencies", 2, 1), ("certified_social_workers", 3, 3),
    ("community_workers_trained", 2, 2), ("registered_volunteers", 5, 3), ("lane_chiefs", 1, 1),
    ("alley_stewards", 3, 2),
])
def test_counts(counted, code, city, xicheng):
    assert value(code) == Decimal(city)
    assert value(code, XICHENG) == Decimal(xicheng)


def test_counts_as_of_an_earlier_date(counted):
    assert value("service_circles", as_of=dt.date(2010, 1, 1)) == Decimal(4)  # nothing ended yet
    assert value("community_workers_trained", as_of=dt.date(2019, 12, 31)) == Decimal(0)


def test_compute_all_and_bad_area(counted):
    results = compute_all(as_of=AS_OF, area_code=STREET_W)
    assert [ci.code for ci, _v in results] == list(COMPUTED)
    from civicgrid.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        COMPUTED["lane_chiefs"].compute(as_of=AS_OF, area_code="1101")


def test_every_computed_indicator_has_a_test_with_a_known_answer():
    """Every code of COMPUTED appears in a test of this module, and says what it counts."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [code for code in COMPUTED if f'"{code}"' not in source]
    assert missing == []
    for ci in COMPUTED.values():
        assert ci.name and ci.unit and ci.description


def test_within_walk_agrees_with_brute_force():
    """The STRtree shortcut finds exactly the points a full distance matrix finds."""
    import numpy as np

    from civicgrid.registry.measures import within_walk

    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(115.7, 117.4, 600), rng.uniform(39.4, 41.0, 600)
    clon, clat = rng.uniform(115.7, 117.4, 300), rng.uniform(39.4, 41.0, 300)
    brute = distance_m(lon[:, None], lat[:, None], clon[None, :], clat[None, :]).min(axis=1)
    for radius in (500.0, 1000.0, 3000.0):
        assert (within_walk(lon, lat, clon, clat, radius) == (brute <= radius)).all()
    assert not within_walk(lon, lat, clon[:0], clat[:0], 1000.0).any()
