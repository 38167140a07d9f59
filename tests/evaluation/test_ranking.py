"""Composite score, ranks, ties, movement, the departments' extra figures and the Excel export,
on hand-made rollup rows (the metrics' own definitions are tested in test_metrics.py)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from civicgrid.accounts.models import Role
from civicgrid.evaluation.export import rankings_workbook
from civicgrid.evaluation.models import CaseRollup, CompositeWeight, UnitDayRollup
from civicgrid.evaluation.ranking import (
    composite,
    default_weights,
    rankings,
    weights_for,
    weights_load_default,
)
from civicgrid.whistles.models import DepartmentScore, ReportIn, Whistle
from tests.factories import STREET_CY, STREET_E, STREET_W, XICHENG, make_department, make_user

BJ = ZoneInfo("Asia/Shanghai")
OCT, SEP = dt.date(2026, 10, 15), dt.date(2026, 9, 10)


def rollup(kind: str, code: str, day: dt.date, **counts) -> CaseRollup:
    UnitDayRollup.objects.create(unit_kind=kind, unit_code=code, day=day, **counts)  # its sum
    return CaseRollup.objects.create(unit_kind=kind, unit_code=code, category_id=0, day=day,
                                     **counts)


def weights(kind: str, **values) -> None:
    CompositeWeight.objects.filter(unit_kind=kind).delete()
    for metric, w in values.items():
        CompositeWeight.objects.create(unit_kind=kind, metric=metric, weight=w)


# --- composite ---------------------------------------------------------------------------------

def test_composite_is_the_weighted_mean_of_the_rates_in_points():
    rates = {"response_rate": 0.9, "satisfaction_rate": 0.6}
    assert composite(rates, {"response_rate": 0.5, "satisfaction_rate": 0.5}) == pytest.approx(75)
    assert composite(rates, {"response_rate": 3, "satisfaction_rate": 1}) == pytest.approx(82.5)


def test_a_missing_rate_drops_out_and_the_other_weights_are_renormalised():
    w = {"response_rate": 0.25, "satisfaction_rate": 0.5, "resolution_rate": 0.25}
    rates = {"response_rate": 0.8, "satisfaction_rate": None, "resolution_rate": 0.4}
    # Not (0.25×0.8 + 0.25×0.4) × 100 = 30: the missing half of the weight is not a zero.
    assert composite(rates, w) == pytest.approx(60)
    assert composite({"response_rate": None}, w) is None
    assert composite({}, {}) is None


def test_lower_is_better_rates_count_inverted_and_zero_weights_do_not_count():
    higher = {"rework_rate": False}
    assert composite({"rework_rate": 0.1}, {"rework_rate": 1}, higher) == pytest.approx(90)
    assert composite({"rework_rate": 0.1, "response_rate": 0.0},
                     {"rework_rate": 1, "response_rate": 0}, higher) == pytest.approx(90)


# --- weights -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_default_weights_load_once_and_never_overwrite_the_citys_changes():
    shipped = default_weights()
    assert shipped["department"]["street_score"] > 0 and "report_in" in shipped["department"]
    created = weights_load_default()
    assert created == sum(len(m) for m in shipped.values())
    CompositeWeight.objects.filter(unit_kind="street", metric="response_rate").update(weight=9)
    assert weights_load_default() == 0
    assert weights_for("street")["response_rate"] == 9
    assert CompositeWeight.objects.count() == created


@pytest.mark.django_db
def test_without_rows_the_shipped_example_is_in_force():
    assert weights_for("street") == default_weights()["street"]
    weights("street", satisfaction_rate=1)
    assert weights_for("street") == {"satisfaction_rate": 1}


# --- ranks, ties, movement ---------------------------------------------------------------------

@pytest.fixture
def streets(territory):
    """October: W and E both at 80 % response (a tie; E received more), Chaoyang at 50 %.
    September: W 90 %, E 60 %, Chaoyang had no dispatched case (no rate, unranked)."""
    weights("street", response_rate=1)
    rollup("street", STREET_W, OCT, received=10, dispatched=10, responded_on_time=8)
    rollup("street", STREET_E, OCT, received=12, dispatched=5, responded_on_time=4)
    rollup("street", STREET_E, OCT + dt.timedelta(days=3), received=0, dispatched=5,
           responded_on_time=4)
    rollup("street", STREET_CY, OCT, received=20, dispatched=10, responded_on_time=5)
    rollup("street", STREET_W, SEP, received=10, dispatched=10, responded_on_time=9)
    rollup("street", STREET_E, SEP, received=10, dispatched=10, responded_on_time=6)
    rollup("street", STREET_CY, SEP, received=3)
    # November: W none on time, Chaoyang all; E nothing.
    rollup("street", STREET_W, dt.date(2026, 11, 1), received=50, dispatched=50)
    rollup("street", STREET_CY, dt.date(2026, 11, 30), received=5, dispatched=5,
           responded_on_time=5)
    return territory


@pytest.mark.django_db
def test_ties_share_a_rank_and_are_listed_by_received_then_code(streets):
    rows = rankings(unit_kind="street", month=OCT)
    assert [(r.unit_code, r.rank) for r in rows] == [(STREET_E, 1), (STREET_W, 1), (STREET_CY, 3)]
    e = rows[0]
    assert e.unit_name == "新街口街道" and e.composite == pytest.approx(80)
    assert e.metrics["response_rate"].numerator == 8 and e.metrics["response_rate"].denominator == 10
    assert e.received == 12


@pytest.mark.django_db
def test_movement_against_the_previous_month(streets):
    rows = {r.unit_code: r for r in rankings(unit_kind="street", month=OCT)}
    assert (rows[STREET_E].previous_rank, rows[STREET_E].movement_label) == (2, "↑1")
    assert (rows[STREET_W].previous_rank, rows[STREET_W].movement_label) == (1, "—")
    assert rows[STREET_CY].previous_rank is None and rows[STREET_CY].movement_label == "新上榜"
    sept = {r.unit_code: r for r in rankings(unit_kind="street", month=SEP)}
    assert sept[STREET_CY].rank is None and sept[STREET_CY].composite is None
    nov = {r.unit_code: r for r in rankings(unit_kind="street", month=dt.date(2026, 11, 5))}
    assert list(nov) == [STREET_CY, STREET_W, STREET_E]  # ranked first, then unranked
    assert [nov[c].movement_label for c in nov] == ["↑2", "↓1", ""]
    assert nov[STREET_E].rank is None and nov[STREET_E].previous_rank == 1


@pytest.mark.django_db
def test_only_the_units_asked_for_are_ranked(streets):
    rows = rankings(unit_kind="street", month=OCT, units=[STREET_CY, STREET_W])
    assert [(r.unit_code, r.rank) for r in rows] == [(STREET_W, 1), (STREET_CY, 2)]


# --- departments: the streets' scores and report-in timeliness ---------------------------------

def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BJ)


@pytest.fixture
def departments(territory):
    """Two departments, 80 % response each in October. A is scored 50 and 70 by streets and
    arrived on time at one of two whistles; B has neither scores nor whistles."""
    a = make_department("XC-A", "西城区城管执法局")
    b = make_department("XC-B", "西城区房管局")
    weights("department", response_rate=0.5, street_score=0.3, report_in=0.2)
    for dept in (a, b):
        rollup("department", str(dept.pk), OCT, received=10, dispatched=10, responded_on_time=8)
    commander = make_user(Role.STREET_COMMANDER, STREET_W)
    whistles = [Whistle.objects.create(
        number=f"XC-CS-{i}", street_code=STREET_W, district_code=XICHENG, title="占道经营",
        description="早市占道", lon=116.305, lat=39.905, raised_by=commander,
        raised_at=at(OCT, 9)) for i in range(2)]
    ReportIn.objects.create(whistle=whistles[0], department=a, summoned_at=at(OCT, 9),
                            deadline=at(OCT, 9, 30), arrived_at=at(OCT, 9, 20))
    ReportIn.objects.create(whistle=whistles[1], department=a, summoned_at=at(OCT, 9),
                            deadline=at(OCT, 9, 30), arrived_at=at(OCT, 10, 5))  # late
    for w, total in zip(whistles, (50, 70), strict=True):
        DepartmentScore.objects.create(department=a, street_code=STREET_W, target="whistle",
                                       whistle=w, items={}, total=total, scored_by=commander,
                                       scored_at=at(OCT, 18))
    return a, b


@pytest.mark.django_db
def test_department_composite_takes_the_street_scores_and_report_in(departments):
    a, b = departments
    rows = {r.unit_code: r for r in rankings(unit_kind="department", month=OCT)}
    ra, rb = rows[str(a.pk)], rows[str(b.pk)]
    assert (ra.street_score.numerator, ra.street_score.denominator) == (60, 2)
    assert (ra.report_in.numerator, ra.report_in.denominator) == (1, 2)
    assert ra.report_in.detail["late"] == 1
    # 100 × (0.5×0.8 + 0.3×0.6 + 0.2×0.5) / 1.0
    assert ra.composite == pytest.approx(68)
    # B has only its response rate: renormalised over its weight, not dragged down by zeros.
    assert rb.street_score is None and rb.report_in is None
    assert rb.composite == pytest.approx(80)
    assert [r.unit_code for r in rows.values()] == [str(b.pk), str(a.pk)]
    assert rb.unit_name == "西城区房管局"


# --- Excel -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_workbook_has_a_sheet_per_kind_counts_beside_rates_definitions_and_weights(
        streets, departments):
    a, _b = departments
    street_rows = rankings(unit_kind="street", month=OCT)
    dept_rows = rankings(unit_kind="department", month=OCT)
    data = rankings_workbook([("street", street_rows), ("department", dept_rows)],
                             period=(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["街道乡镇", "职能部门", "指标定义", "权重"]
    ws = wb["街道乡镇"]
    head = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[head.index("单位编码")] for r in rows] == [STREET_E, STREET_W, STREET_CY]
    first = dict(zip(head, rows[0], strict=True))
    assert first["排名"] == 1 and first["名次变化"] == "↑1" and first["受理数"] == 12
    assert first["响应率(%)"] == 80 and first["响应率·按时响应数"] == 8
    assert first["响应率·派遣数"] == 10
    dept = {r[head_d.index("单位编码")]: dict(zip(head_d, r, strict=True))
            for head_d in [[c.value for c in wb["职能部门"][1]]]
            for r in ([c.value for c in row] for row in wb["职能部门"].iter_rows(min_row=2))}
    assert dept[str(a.pk)]["街道评分"] == 60 and dept[str(a.pk)]["报到及时率(%)"] == 50
    definitions = " ".join(str(c.value) for row in wb["指标定义"].iter_rows() for c in row)
    assert "响应率" in definitions and "受理数" in definitions and "2026-10-01" in definitions
    weight_rows = [[c.value for c in r] for r in wb["权重"].iter_rows(min_row=2)]
    assert ["职能部门", "street_score", "街道评分", 0.3] in [r[:4] for r in weight_rows]


# --- the command -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_ranking_command_prints_the_month_or_writes_excel(streets, tmp_path):
    out = io.StringIO()
    call_command("ranking", "--kind", "street", "--month", "2026-10", stdout=out)
    lines = out.getvalue().splitlines()
    assert "街道乡镇排名 2026-10" in lines[0]
    assert "新街口街道" in lines[1] and "↑1" in lines[1] and "80.0% (8/10)" in lines[1]
    path = tmp_path / "streets.xlsx"
    call_command("ranking", "--month", "2026-10", "--xlsx", str(path), stdout=io.StringIO())
    assert load_workbook(path)["街道乡镇"].max_row == 4  # the header and three streets
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("ranking", "--month", "10/2026")


# --- the admin ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_weights_are_edited_in_the_admin_and_rollups_are_read_only(streets):
    from django.test import Client

    admin = make_user(Role.CITY_ADMIN, "")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    c.force_login(admin)
    weight = CompositeWeight.objects.get(unit_kind="street", metric="response_rate")
    resp = c.post(f"/admin/evaluation/compositeweight/{weight.pk}/change/",
                  {"unit_kind": "street", "metric": "street_score", "weight": "0.5"})
    assert resp.status_code == 200 and "该指标不适用于这类单位" in resp.content.decode()
    resp = c.post(f"/admin/evaluation/compositeweight/{weight.pk}/change/",
                  {"unit_kind": "street", "metric": "response_rate", "weight": "0.5"})
    assert resp.status_code == 302 and weights_for("street") == {"response_rate": 0.5}
    row = CaseRollup.objects.filter(unit_kind="street").first()
    assert c.get("/admin/evaluation/caserollup/").status_code == 200
    assert c.get("/admin/evaluation/caserollup/add/").status_code == 403
    page = c.get(f"/admin/evaluation/caserollup/{row.pk}/change/").content.decode()
    assert 'name="received"' not in page  # shown, not editable
