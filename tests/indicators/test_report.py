"""A plan's evaluation from the database: per-aspect and per-area tables (areas judged against
their own targets), the seed-form sentence, computed indicators when the ledgers' calculation
is missing or present, and recomputing (command service and background task)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from civicgrid.indicators import computing
from civicgrid.indicators.models import Measurement, Origin, Status, Target
from civicgrid.indicators.recompute import indicators_recompute
from civicgrid.indicators.report import plan_report, report_json
from civicgrid.indicators.tasks import recompute_indicators
from tests.factories import STREET_E, STREET_W, XICHENG

from .conftest import make_indicator

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2018, 6, 30)


def figure(ind, day, value, area=""):
    value = Decimal(str(value))
    return Measurement.objects.create(
        indicator=ind, area_code=area, district_code=area[:6], street_code=area[:9],
        date=day, value=value, approved_value=value, approved_date=day,
        status=Status.APPROVED, origin=Origin.MANUAL)


@pytest.fixture
def filled(plan):
    """Four indicators: completed, meets mid-term, lagging, not evaluable (marked)."""
    done = make_indicator(plan, "done", final=(D(2020, 12, 31), 10))
    mid = make_indicator(plan, "mid", baseline=(D(2016, 1, 1), 0), final=(D(2020, 12, 31), 100))
    lag = make_indicator(plan, "lag", aspect="party", baseline=(D(2016, 1, 1), 0),
                         final=(D(2020, 12, 31), 100))
    make_indicator(plan, "cum", aspect="party", kind="cumulative",
                   not_evaluable_reason="五年累计指标，中期不评估")
    figure(done, D(2018, 1, 1), 12)
    figure(mid, D(2018, 1, 1), 60)
    figure(lag, D(2018, 1, 1), 5)
    return plan


def test_summary_aspects_and_sentence(filled):
    report = plan_report(filled, as_of=AS_OF)
    assert report.summary.as_dict() == {"total": 4, "evaluable": 3, "completed": 1,
                                        "midterm": 1, "lagging": 1, "not_evaluable": 1}
    by_aspect = {g.name: g.summary.as_dict() for g in report.aspects}
    assert by_aspect["社会服务"] == {"total": 2, "evaluable": 2, "completed": 1, "midterm": 1,
                                   "lagging": 0, "not_evaluable": 0}
    assert by_aspect["党的建设"]["lagging"] == 1 and by_aspect["党的建设"]["not_evaluable"] == 1
    assert report.sentence() == (
        "截至2018年6月30日，2方面4项指标，除1项不具备评估条件外，其余3项指标中，"
        "有1项已经完成，占33.3%，1项达到中期要求，占33.3%，1项滞后，占33.3%。")


def test_json_has_exactly_the_documented_keys(filled):
    data = report_json(plan_report(filled, as_of=AS_OF))
    assert list(data) == ["total", "evaluable", "completed", "midterm", "lagging",
                          "not_evaluable", "indicators"]
    first = {i["code"]: i for i in data["indicators"]}
    assert first["done"]["status"] == "completed" and first["done"]["value"] == 12.0
    assert first["cum"]["reason"] == "五年累计指标，中期不评估"
    assert first["mid"]["requirement"] == pytest.approx(100 * 911 / 1826, abs=1e-4)


def test_areas_are_judged_against_their_own_targets(plan, territory):
    ind = make_indicator(plan, "homes", final=(D(2020, 12, 31), 500))
    make_indicator(plan, "other", final=(D(2020, 12, 31), 1))
    for street, (base, final) in ((STREET_W, (10, 30)), (STREET_E, (10, 20))):
        Target.objects.create(indicator=ind, area_code=street, kind="baseline",
                              date=D(2016, 1, 1), value=base)
        Target.objects.create(indicator=ind, area_code=street, kind="final",
                              date=D(2020, 12, 31), value=final)
    figure(ind, D(2018, 6, 1), 315)  # the city: no baseline → not evaluable
    figure(ind, D(2018, 6, 1), 21, area=STREET_W)  # needs 10 + 20 × 911/1826 ≈ 19.98 → meets
    figure(ind, D(2018, 6, 1), 20, area=STREET_E)  # reaches its own final target 20
    Target.objects.create(indicator=ind, area_code=XICHENG, kind="final", date=D(2020, 12, 31),
                          value=50)  # a district breakdown without any figure
    report = plan_report(plan, as_of=AS_OF)
    city = {r.indicator.code: r.result for r in report.rows}
    assert city["homes"].status == "not_evaluable"
    areas = {g.code: g for g in report.areas}
    assert list(areas) == [XICHENG, STREET_W, STREET_E]
    assert areas[STREET_W].name == "西长安街街道"
    # Only the indicators broken down to the area are counted there.
    assert areas[STREET_W].summary.as_dict() == {"total": 1, "evaluable": 1, "completed": 0,
                                                 "midterm": 1, "lagging": 0, "not_evaluable": 0}
    assert areas[STREET_E].summary.completed == 1
    assert areas[XICHENG].rows[0].result.reason == "截至评估日没有已审核的数据"
    one = plan_report(plan, as_of=AS_OF, area_code=STREET_W)
    assert {r.indicator.code: r.result.status for r in one.rows} == {
        "homes": "midterm", "other": "not_evaluable"}
    assert one.areas == []
    assert one.sentence().startswith("截至2018年6月30日，西长安街街道的")


@dataclass
class Calculation:
    """Stands in for one entry of civicgrid.registry.computed.COMPUTED (the contract)."""

    code: str
    values: dict
    name: str = "测试"
    unit: str = "%"

    def compute(self, *, as_of, area_code=""):
        return self.values.get(area_code)


def test_computed_indicator_without_its_calculation_is_not_evaluable(plan, monkeypatch):
    make_indicator(plan, "ratio", source="ledger", compute_key="no_such_key",
                   final=(D(2020, 12, 31), 1))
    monkeypatch.setattr(computing, "computed_catalogue", lambda: ({}, ""))
    result = plan_report(plan, as_of=AS_OF).rows[0].result
    assert (result.status, result.reason) == (
        "not_evaluable", "计算口径“no_such_key”不存在（台账模块未提供）")
    monkeypatch.setattr(computing, "computed_catalogue",
                        lambda: (None, "台账模块（civicgrid.registry）尚未安装，无法计算"))
    result = plan_report(plan, as_of=AS_OF).rows[0].result
    assert result.reason == "台账模块（civicgrid.registry）尚未安装，无法计算"


def test_the_real_catalogue_is_read_when_installed(plan):
    catalogue, why = computing.computed_catalogue()
    if catalogue is None:
        assert why  # not installed: the reason is given instead of a crash
    else:
        key = next(iter(catalogue))
        assert computing.unavailable_reason(key, catalogue) == ""
        assert "不存在" in computing.unavailable_reason("no_such_key", catalogue)


def test_recompute_writes_approved_figures_idempotently(plan, territory, monkeypatch):
    ind = make_indicator(plan, "coverage", source="ledger", compute_key="cov",
                         final=(D(2020, 12, 31), 100))
    Target.objects.create(indicator=ind, area_code=STREET_W, kind="final",
                          date=D(2020, 12, 31), value=100)
    make_indicator(plan, "missing", source="cases", compute_key="absent",
                   final=(D(2020, 12, 31), 1))
    values = {"": Decimal("100"), STREET_W: None}
    monkeypatch.setattr(computing, "computed_catalogue",
                        lambda: ({"cov": Calculation("cov", values)}, ""))
    report = indicators_recompute(as_of=AS_OF, plan_code=plan.code)
    assert (report.written, report.unchanged) == (1, 0)
    assert report.skipped == ["test-plan/coverage [110102001]: 现有数据无法计算",
                              "test-plan/missing: 计算口径“absent”不存在（台账模块未提供）"]
    row = Measurement.objects.get(indicator=ind)
    assert (row.origin, row.status, row.approved_value, row.date) == (
        Origin.COMPUTED, Status.APPROVED, 100, AS_OF)
    assert plan_report(plan, as_of=AS_OF).rows[0].result.status == "completed"
    again = indicators_recompute(as_of=AS_OF, plan_code=plan.code)
    assert (again.written, again.unchanged) == (0, 1)
    assert row.history.count() == 1
    values[""] = Decimal("97.5")
    indicators_recompute(as_of=AS_OF, plan_code=plan.code)
    row.refresh_from_db()
    assert (row.value, row.approved_value, row.history.count()) == (Decimal("97.5"), Decimal("97.5"), 2)
    assert Measurement.objects.filter(indicator=ind).count() == 1


def test_recompute_task_runs_the_same_service(plan, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_indicator(plan, "coverage", source="ledger", compute_key="cov")
    monkeypatch.setattr(computing, "computed_catalogue",
                        lambda: ({"cov": Calculation("cov", {"": Decimal(7)})}, ""))
    result = recompute_indicators.enqueue("2018-06-30", plan.code)
    assert result.return_value == {"as_of": "2018-06-30", "written": 1, "unchanged": 0,
                                   "skipped": []}
    assert Measurement.objects.get().approved_value == 7


def test_recompute_from_a_page_needs_an_admin(plan, actors):
    from civicgrid.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        indicators_recompute(plan_code=plan.code, actor=actors.commander)
    assert indicators_recompute(plan_code=plan.code, actor=actors.city).written == 0
