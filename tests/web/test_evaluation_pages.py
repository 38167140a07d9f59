"""The rankings pages: who may open them and which rows each role sees, the definitions and
counts on the page, one unit's twelve months, and the Excel export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from civicgrid.accounts.models import Role
from civicgrid.evaluation.models import CaseRollup, CompositeWeight, UnitDayRollup
from civicgrid.territory.models import Force, GridAssignment, GridWorker
from tests.factories import STREET_CY, STREET_E, STREET_W, XICHENG, make_department, make_user

pytestmark = pytest.mark.django_db
OCT, SEP = dt.date(2026, 10, 12), dt.date(2026, 9, 3)
QUERY = "?month=2026-10"
GRID_W = f"{STREET_W}001001"


def client(user=None) -> Client:
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c


def html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.content.decode()


def rollup(kind, code, day, **counts):
    UnitDayRollup.objects.create(unit_kind=kind, unit_code=code, day=day, **counts)  # its sum
    CaseRollup.objects.create(unit_kind=kind, unit_code=code, category_id=0, day=day, **counts)


@pytest.fixture
def city(territory):
    """Xicheng's two streets and two departments with October and September figures, a grid
    worker in street W, and users for each role."""
    CompositeWeight.objects.create(unit_kind="street", metric="response_rate", weight=1)
    CompositeWeight.objects.create(unit_kind="department", metric="response_rate", weight=1)
    a, b = make_department("XC-A", "西城区城管执法局"), make_department("XC-B", "西城区房管局")
    for code, on_time, before in ((STREET_W, 8, 9), (STREET_E, 9, 5)):
        rollup("street", code, OCT, received=12, dispatched=10, responded_on_time=on_time)
        rollup("street", code, SEP, received=10, dispatched=10, responded_on_time=before)
    rollup("community", f"{STREET_W}001", OCT, received=4, dispatched=4, responded_on_time=4)
    rollup("grid", GRID_W, OCT, received=4, dispatched=4, responded_on_time=3)
    for dept, on_time in ((a, 7), (b, 6)):
        rollup("department", str(dept.pk), OCT, received=10, dispatched=10,
               responded_on_time=on_time)
    worker = GridWorker.objects.create(name="王网格", force=Force.BASIC, street_id=STREET_W,
                                       district_id=XICHENG)
    GridAssignment.objects.create(worker=worker, grid_id=GRID_W)
    return {
        "a": a, "b": b, "worker": worker,
        "city": make_user(Role.CITY_ADMIN, ""),
        "district": make_user(Role.DISTRICT_ADMIN, XICHENG),
        "street": make_user(Role.STREET_DISPATCHER, STREET_W),
        "handler": make_user(Role.DEPARTMENT_HANDLER, department=a),
        "community": make_user(Role.COMMUNITY_STAFF, f"{STREET_W}001"),
        "resident": make_user(Role.RESIDENT),
    }


def tabs(page: str) -> list[str]:
    nav = page.split('class="tabs"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([^<>]+)</a>", nav)


def ranked_units(page: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', page)


def test_the_city_sees_every_kind_ranked_with_definitions_counts_and_movement(city):
    page = html(client(city["city"]).get("/evaluation/" + QUERY))
    assert tabs(page) == ["街道乡镇", "职能部门", "社区村", "网格员"]
    assert ranked_units(page) == [STREET_E, STREET_W, STREET_CY]  # 90 %, 80 %, no data
    assert "按时响应的案件占派遣案件的比例" in page  # the response rate's definition
    assert "9 / 10" in page and "8 / 10" in page  # counts beside the rates
    assert "↑1" in page and "↓1" in page  # E was 2nd in September (50 %), W 1st (90 %)
    assert "2026-10-01 至 2026-10-31" in page
    assert "出厂权重只是示例" in page
    assert "export/?" in page


def test_a_street_sees_its_own_street_and_every_department(city):
    c = client(city["street"])
    page = html(c.get("/evaluation/" + QUERY))
    assert ranked_units(page) == [STREET_W]
    assert "新街口街道" not in page  # the other street's name and figures stay hidden
    assert ">2<" in page  # W's rank among the district's streets, not 1 of 1
    depts = html(c.get("/evaluation/?kind=department&month=2026-10"))
    assert ranked_units(depts) == [str(city["a"].pk), str(city["b"].pk)]
    workers = html(c.get("/evaluation/?kind=grid_worker&month=2026-10"))
    assert ranked_units(workers) == [str(city["worker"].pk)] and "王网格" in workers
    assert html(c.get(f"/evaluation/unit/street/{STREET_W}/" + QUERY))
    assert c.get(f"/evaluation/unit/street/{STREET_E}/" + QUERY).status_code == 404


def test_a_department_sees_the_department_ranking_only(city):
    c = client(city["handler"])
    page = html(c.get("/evaluation/" + QUERY))
    assert tabs(page) == ["职能部门"]
    assert ranked_units(page) == [str(city["a"].pk), str(city["b"].pk)]
    assert c.get("/evaluation/?kind=street").status_code == 404
    assert c.get(f"/evaluation/unit/street/{STREET_W}/").status_code == 404
    assert html(c.get(f"/evaluation/unit/department/{city['b'].pk}/" + QUERY))


def test_residents_and_visitors_are_refused(city):
    assert client(city["resident"]).get("/evaluation/").status_code == 403
    assert client(city["resident"]).get("/evaluation/export/").status_code == 403
    assert client(city["resident"]).get(
        f"/evaluation/unit/street/{STREET_W}/").status_code == 403
    assert client().get("/evaluation/").status_code == 302  # to the login page


def test_the_nav_links_the_rankings_for_staff_only(city):
    assert 'href="/evaluation/"' in html(client(city["community"]).get("/"))
    assert 'href="/evaluation/"' not in html(client(city["resident"]).get("/"))


def test_one_units_twelve_months_with_a_chart(city):
    page = html(client(city["district"]).get(f"/evaluation/unit/street/{STREET_E}/" + QUERY))
    assert "新街口街道" in page and "vendor/echarts/echarts.min.js" in page
    data = json.loads(re.search(r'id="unit-chart-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert data["months"][0] == "2025-11" and data["months"][-1] == "2026-10"
    composite = data["series"][0]["data"]
    assert composite[-2:] == [50.0, 90.0] and composite[0] is None
    assert page.count('<th scope="row">') == 12
    assert "1 / 2" in page  # first of the two ranked streets in October


def test_the_export_holds_the_rows_the_actor_sees(city):
    resp = client(city["street"]).get("/evaluation/export/" + QUERY)
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["街道乡镇", "职能部门", "社区村", "网格员", "指标定义", "权重"]
    streets = [[c.value for c in r] for r in wb["街道乡镇"].iter_rows(min_row=2)]
    assert [r[3] for r in streets] == [STREET_W]
    assert streets[0][0] == 2 and streets[0][2] == "↓1"
    assert len(list(wb["职能部门"].iter_rows(min_row=2))) == 2


def test_a_bad_period_falls_back_to_the_month_and_says_why(city):
    page = html(client(city["city"]).get("/evaluation/?period=week"))
    assert "统计周期只能是" in page
    page = html(client(city["city"]).get(
        "/evaluation/?period=custom&start=2026-10-01&end=2026-10-15"))
    assert "2026-10-01 至 2026-10-15" in page and "2026-09-16 至 2026-09-30" in page
