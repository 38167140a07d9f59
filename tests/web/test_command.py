"""The command centre (指挥中心): who may open it, figures that equal a direct count of the case
table and move when a case closes, the scope (a street commander sees only their street in the
figures, the charts, the map and the whistle board), the filters and the JSON the map and the
charts draw from."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.cases.workflow import State
from civicgrid.dispatch.models import Stream
from civicgrid.evaluation.rollups import rollup_rebuild
from tests.factories import STREET_E, STREET_W, XICHENG, Role, make_user
from tests.web import work_helpers
from tests.web.work_helpers import client, get, html, post

# Fixtures of tests/web/work_helpers.py (the case fixtures and more), used by name.
actors = work_helpers.actors
category = work_helpers.category
department = work_helpers.department
fresh_router = work_helpers.fresh_router
hourly = work_helpers.hourly
make_case = work_helpers.make_case
other_department = work_helpers.other_department

pytestmark = pytest.mark.django_db

URLS = ["/command/", "/command/figures/", "/command/whistles/", "/command/charts.json",
        "/command/map.json", "/command/areas.json"]
GRID_E = f"{STREET_E}001001"
UNFINISHED = {"reported", "registered", "dispatched", "returned", "handling",
              "extension_requested", "suspended", "reported_back", "verified"}


def today_start() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def earlier_today() -> dt.datetime:
    """A moment today before now (also just after midnight)."""
    start = today_start()
    return start + (timezone.now() - start) / 2


@pytest.fixture
def city(make_case, hourly, territory):
    """Cases in two streets of 西城区, most reported today, on the always-running clock."""
    now, t = timezone.now(), earlier_today()
    past, future = now - dt.timedelta(hours=1), now + dt.timedelta(hours=50)
    mk = lambda state, **kw: make_case(state, **{"category": hourly, "reported_at": t, **kw})  # noqa: E731
    w = {
        "late_register": mk(State.REPORTED, register_deadline=past),
        "waiting": mk(State.REGISTERED, dispatch_deadline=future),
        "late_handling": mk(State.HANDLING, handle_deadline=past),
        "handling": mk(State.HANDLING, handle_deadline=future),
        "verified": mk(State.VERIFIED),
        "closed": mk(State.CLOSED, closed_at=t),
        "merged": mk(State.MERGED),
        "old": mk(State.HANDLING, reported_at=now - dt.timedelta(days=3),
                  handle_deadline=future),
        "road": make_case(State.REGISTERED, reported_at=t),  # 道路破损: city management
    }
    east = dict(street_code=STREET_E, community_code=f"{STREET_E}001", grid_code=GRID_E,
                lon=116.325, lat=39.905)
    e = {"late": mk(State.HANDLING, handle_deadline=past, **east),
         "new": mk(State.REPORTED, register_deadline=future, **east)}
    rollup_rebuild()
    return {"w": w, "e": e}


def figures_of(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)"[^>]*>.*?<strong class="tile-value">'
                           r'([^<]*)</strong>', page, re.S))


def direct(street: str) -> dict[str, int]:
    """The same figures counted straight from the case table, written out independently."""
    now, start = timezone.now(), today_start()
    rows = list(Case.objects.filter(street_code=street))

    def overdue(c: Case) -> bool:
        due = {"reported": c.register_deadline, "registered": c.dispatch_deadline,
               "returned": c.dispatch_deadline, "dispatched": c.handle_deadline,
               "handling": c.handle_deadline,
               "extension_requested": c.handle_deadline}.get(c.state)
        return due is not None and due < now

    return {
        "received": sum(c.reported_at >= start and c.state != "merged" for c in rows),
        "open": sum(c.state in UNFINISHED for c in rows),
        "overdue": sum(overdue(c) for c in rows),
        "closed": sum(c.state == "closed" and c.closed_at >= start for c in rows),
    }


def as_ints(figures: dict[str, str]) -> dict[str, int]:
    return {k: int(figures[k]) for k in ("received", "open", "overdue", "closed")}


# --- who may open it ---------------------------------------------------------------------------

def test_the_command_centre_opens_for_commanders_dispatchers_admins_and_auditors(actors,
                                                                                 territory):
    allowed = [actors.commander, actors.dispatcher, actors.district, actors.city,
               actors.auditor, actors.superuser]
    refused = [actors.handler, actors.community, actors.grid_worker, actors.resident]
    for url in URLS:
        for user in allowed:
            assert get(user, url).status_code == 200, (user, url)
        for user in refused:
            resp = get(user, url)
            assert resp.status_code == 403, (user, url)
        anonymous = client().get(url, secure=True)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert "您的角色不能打开此页面" in get(actors.handler, "/command/").content.decode()


def test_the_nav_links_the_command_centre_for_who_may_open_it(actors, territory):
    assert 'href="/command/"' in html(get(actors.commander, "/cases/"))
    assert 'href="/command/"' not in html(get(actors.handler, "/cases/"))


# --- figures -------------------------------------------------------------------------------------

def test_figures_equal_a_direct_count_and_move_when_a_case_closes(actors, city):
    shown = figures_of(html(get(actors.commander, "/command/")))
    assert as_ints(shown) == direct(STREET_W)
    # Written out too, so that a wrong "direct" count cannot hide a wrong figure.
    assert as_ints(shown) == {"received": 7, "open": 7, "overdue": 2, "closed": 1}

    resp = post(actors.dispatcher, f"/cases/{city['w']['verified'].number}/act/close/")
    assert resp.status_code == 302
    after = as_ints(figures_of(html(get(actors.commander, "/command/figures/"))))
    assert after == direct(STREET_W)
    assert after == {"received": 7, "open": 6, "overdue": 2, "closed": 2}


def test_the_three_rates_follow_the_evaluation_definitions(actors, city):
    from civicgrid.evaluation.metrics import metric_values, unit_counts

    post(actors.dispatcher, f"/cases/{city['w']['closed'].number}/act/rate/",
         {"rating": "satisfied", "solved": "1", "source": "callback"})
    shown = figures_of(html(get(actors.commander, "/command/figures/")))
    today = timezone.localdate()
    counts = unit_counts(unit_kind="street", start=today, end=today, units=[STREET_W])
    expected = metric_values(counts[STREET_W])
    for code in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert shown[code] == expected[code].percent
    assert shown["satisfaction_rate"] == "100.0%" and shown["resolution_rate"] == "100.0%"


def test_a_street_commander_sees_only_their_street(actors, city):
    east = as_ints(figures_of(html(get(actors.district, "/command/", area=STREET_E))))
    assert east == direct(STREET_E) == {"received": 2, "open": 2, "overdue": 1, "closed": 0}
    # Asking for another street is refused quietly: the page says so and shows the own street.
    page = html(get(actors.commander, "/command/", area=STREET_E))
    assert "不在您的辖区内" in page
    assert as_ints(figures_of(page)) == direct(STREET_W)

    data = json.loads(get(actors.commander, "/command/map.json", area=STREET_E).content)
    w_numbers = {c.number for c in city["w"].values()}
    assert data["level"] == "grid" and data["points"]
    assert {p[0] for p in data["points"]} <= w_numbers
    assert all(code.startswith(STREET_W) for code in data["load"])
    areas = json.loads(get(actors.commander, "/command/areas.json").content)
    assert {f["properties"]["code"][:9] for f in areas["features"]} == {STREET_W}

    charts = json.loads(get(actors.commander, "/command/charts.json").content)
    assert sum(sum(s["data"]) for s in charts["intake"]["series"]) == 7
    assert [r["name"] for r in charts["streets"]] in ([], ["西长安街街道"])
    whole = json.loads(get(actors.district, "/command/charts.json").content)
    assert sum(sum(s["data"]) for s in whole["intake"]["series"]) == 9


def test_the_district_sees_both_streets_and_the_city_sees_streets_on_the_map(actors, city):
    data = json.loads(get(actors.district, "/command/map.json").content)
    assert data["load"][GRID_E] == [2, 1]
    assert {p[0] for p in data["points"]} >= {city["e"]["late"].number,
                                              city["w"]["late_register"].number}
    kinds = {p[0]: p[3] for p in data["points"]}
    assert kinds[city["e"]["late"].number] == "overdue"
    assert kinds[city["w"]["waiting"].number] == "waiting"
    city_map = json.loads(get(actors.city, "/command/map.json").content)
    assert city_map["level"] == "street" and city_map["load"][STREET_E] == [2, 1]
    streets = json.loads(get(actors.city, "/command/areas.json").content)
    assert streets["level"] == "street" and len(streets["features"]) == 3
    grids = json.loads(get(actors.city, "/command/areas.json", area=XICHENG).content)
    assert grids["level"] == "grid" and len(grids["features"]) == 8


def test_filters_by_stream_category_and_time_window(actors, city, hourly, category):
    emergency = as_ints(figures_of(html(get(actors.commander, "/command/",
                                            stream=Stream.EMERGENCY_RESPONSE))))
    assert emergency["received"] == 6 and emergency["open"] == 6  # the road case left out
    road = as_ints(figures_of(html(get(actors.commander, "/command/",
                                       category=str(category.pk)))))
    assert road == {"received": 1, "open": 1, "overdue": 0, "closed": 0}
    week = as_ints(figures_of(html(get(actors.commander, "/command/", window="7d"))))
    assert week["received"] == 8  # the case reported three days ago too
    week_charts = json.loads(get(actors.commander, "/command/charts.json", window="7d").content)
    assert len(week_charts["intake"]["axis"]) == 7
    assert sum(sum(s["data"]) for s in week_charts["intake"]["series"]) == 8
    assert sum(c["value"] for c in week_charts["categories"]) == 8
    page = html(get(actors.commander, "/command/", window="year", stream="x", category="abc"))
    assert page.count('class="wall-alert"') == 1
    assert "时间范围“year”无效" in page and "业务板块“x”无效" in page


def test_overdue_by_unit_names_the_responsible_units(actors, city, department):
    charts = json.loads(get(actors.district, "/command/charts.json").content)
    overdue = {r["name"]: r["value"] for r in charts["overdue"]}
    # Two cases late at their handling unit (the department), one waiting for registration.
    assert overdue == {"西城区城管执法局": 2, "西长安街街道（待立案/派遣）": 1}


def test_the_whistle_board_shows_the_streets_own_whistles(actors, city, department):
    from civicgrid.whistles.services import whistle_raise

    whistle_raise(actor=actors.dispatcher, departments=[department], title="群租房整治",
                  description="一套住房隔出12间出租", lon=116.305, lat=39.905,
                  exception_reason="", problem=_any_problem())
    board = html(get(actors.commander, "/command/whistles/"))
    assert "群租房整治" in board and "西城区城管执法局" in board
    east_commander = make_user(Role.STREET_COMMANDER, STREET_E, username="east-commander")
    assert "群租房整治" not in html(get(east_commander, "/command/"))
    assert "群租房整治" in html(get(actors.district, "/command/"))


def _any_problem():
    from civicgrid.whistles.catalogue import catalogue_load_default
    from civicgrid.whistles.models import WhistleProblem

    catalogue_load_default()
    return WhistleProblem.objects.filter(active=True).order_by("code").first()
