"""Every metric's definition on a street's hand-made cases (unrated, reopened, merged, reworked,
extended, returned, late), how unrated cases count, co-handling, periods, grid workers."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from civicgrid.cases import services as svc
from civicgrid.cases.workflow import State
from civicgrid.core.errors import InvalidInput
from civicgrid.evaluation.metrics import (
    COUNTER_DEFINITIONS,
    METRICS,
    MetricValue,
    metric_values,
    period_bounds,
    unit_metrics,
    worker_metrics,
)
from civicgrid.evaluation.models import COUNTERS
from civicgrid.evaluation.rollups import rollup_rebuild
from civicgrid.territory.models import District, Force, GridAssignment, GridWorker, Street
from tests.cases.conftest import GRID, at
from tests.factories import STREET_E, STREET_W

pytestmark = pytest.mark.django_db
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))


@pytest.fixture
def street_cases(make_case):
    """Ten cases reported in 西长安街街道 in September (numbers as in the comments) and one in
    October. Cases made at or after dispatch were dispatched, accepted, reported back and
    closed at the report time, well within their limits, unless told otherwise."""
    c1 = make_case(State.CLOSED, rating="satisfied", solved=True)
    make_case(State.CLOSED, rating="basically_satisfied", solved=False,  # 2: late twice
              dispatched_at=at(19, 16, 30), accepted_at=at(22, 11),
              handle_deadline=at(26, 17), reported_back_at=at(29, 9), closed_at=at(29, 10))
    make_case(State.CLOSED)  # 3: closed, nobody rated it
    make_case(State.CLOSED, rating="unsatisfied", solved=False, rework_count=1)  # 4
    make_case(State.HANDLING, extension_count=1)  # 5
    make_case(State.DISPATCHED, return_count=1)  # 6: returned once, sent again, not signed
    make_case(State.REJECTED)  # 7
    make_case(State.MERGED, merged_into=c1)  # 8: a duplicate of 1
    make_case(State.REPORTED)  # 9
    make_case(State.REGISTERED, reopen_count=1, dispatched_at=at(22, 10),  # 10: reopened
              accepted_at=at(22, 10, 30), unit_department=None)
    make_case(State.CLOSED, rating="unsatisfied", solved=False, reported_at=at(1, month=10))
    rollup_rebuild()


def street(**kw) -> dict[str, MetricValue]:
    return unit_metrics(unit_kind="street", start=SEPTEMBER[0], end=SEPTEMBER[1],
                        units=[STREET_W], **kw)[STREET_W]


def fractions(values: dict[str, MetricValue]) -> dict[str, Fraction | None]:
    return {code: None if v.rate is None else Fraction(v.numerator) / Fraction(v.denominator)
            for code, v in values.items()}


def test_every_metric_on_the_street_cases(street_cases):
    m = street()
    assert fractions(m) == {
        "response_rate": Fraction(5, 7),  # 1, 3, 4, 5, 10 signed in time; 2 late; 6 not yet
        "resolution_rate": Fraction(1, 3),  # solved: 1 of the rated 1, 2, 4
        "satisfaction_rate": Fraction(2, 3),  # 满意 1 + 基本满意 2
        "closure_rate": Fraction(4, 8),  # 1-4 of 9 received (not 8, merged) − 1 rejected
        "on_time_closure_rate": Fraction(3, 4),  # 2 was reported back after its deadline
        "rework_rate": Fraction(1, 5),  # 4 of reported back 1-4 and reopened 10
        "extension_rate": Fraction(1, 7),
        "return_rate": Fraction(1, 7),
    }
    assert (m["closure_rate"].numerator, m["closure_rate"].denominator) == (4, 8)
    assert m["response_rate"].percent == "71.4%"


@pytest.mark.parametrize(("policy", "resolution", "satisfaction"), [
    ("exclude", Fraction(1, 3), Fraction(2, 3)),
    ("satisfied", Fraction(2, 4), Fraction(3, 4)),  # case 3 counts as satisfied and solved
    ("unsatisfied", Fraction(1, 4), Fraction(2, 4)),
])
def test_unrated_closed_cases_count_as_configured(street_cases, policy, resolution,
                                                  satisfaction):
    m = fractions(street(unrated=policy))
    assert (m["resolution_rate"], m["satisfaction_rate"]) == (resolution, satisfaction)
    assert m["closure_rate"] == Fraction(1, 2)  # nothing else moves


def test_the_unrated_default_and_the_weight_are_settings(street_cases, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "EVALUATION": {
        "UNRATED": "unsatisfied", "BASICALLY_SATISFIED_WEIGHT": 0.5}}
    m = street()
    assert (m["satisfaction_rate"].numerator, m["satisfaction_rate"].denominator) == (1.5, 4)
    assert fractions(street(unrated="exclude", weight=1))["satisfaction_rate"] == Fraction(2, 3)


def test_bad_options_are_refused():
    with pytest.raises(InvalidInput):
        metric_values({}, unrated="ignore")
    with pytest.raises(InvalidInput):
        metric_values({}, weight=1.5)


def test_a_rate_without_cases_is_none_not_zero(street_cases):
    m = unit_metrics(unit_kind="street", start=SEPTEMBER[0], end=SEPTEMBER[1],
                     units=[STREET_E])[STREET_E]
    assert all(v == MetricValue(None, 0, 0) for v in m.values())
    assert m["response_rate"].percent == "—"


def test_the_period_is_the_report_day(street_cases):
    october = unit_metrics(unit_kind="street", start=dt.date(2025, 10, 1),
                           end=dt.date(2025, 10, 31))
    assert october[STREET_W]["satisfaction_rate"] == MetricValue(0.0, 0, 1)
    year = unit_metrics(unit_kind="street", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert year[STREET_W]["closure_rate"].numerator == 5


def test_departments_count_the_cases_they_handle_now(street_cases, department):
    m = unit_metrics(unit_kind="department", start=SEPTEMBER[0], end=SEPTEMBER[1])
    assert list(m) == [str(department.pk)]  # reopened 10 waits for a new dispatch
    assert m[str(department.pk)]["response_rate"].denominator == 6  # cases 1-6


def test_co_handling_counts_for_the_lead_department_only(make_case, actors, department,
                                                        other_department):
    case = make_case(State.REGISTERED)
    svc.case_dispatch(case=case, actor=actors.dispatcher, department=department,
                      assisting=[other_department], at=at(22, 11))
    m = unit_metrics(unit_kind="department", start=SEPTEMBER[0], end=SEPTEMBER[1],
                     units=[str(department.pk), str(other_department.pk)])
    assert m[str(department.pk)]["response_rate"] == MetricValue(0.0, 0, 1)
    assert m[str(other_department.pk)]["response_rate"] == MetricValue(None, 0, 0)


def test_category_filter(street_cases, category):
    assert street(category_ids=[category.pk])["closure_rate"].denominator == 8
    assert street(category_ids=[category.pk + 1])["closure_rate"].denominator == 0


def test_grid_workers_are_measured_by_their_grid(territory, street_cases):
    place = {"street": Street.objects.get(code=STREET_W),
             "district": District.objects.get(code=STREET_W[:6])}
    basic = GridWorker.objects.create(name="王网格", force=Force.BASIC, **place)
    specialist = GridWorker.objects.create(name="李专业", force=Force.SPECIALIST, **place)
    for worker in (basic, specialist):
        GridAssignment.objects.create(worker=worker, grid_id=GRID)
    m = worker_metrics(start=SEPTEMBER[0], end=SEPTEMBER[1])
    assert list(m) == [basic.pk]
    assert m[basic.pk] == street()


# --- periods ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("period", "first", "last"), [
    ("day", dt.date(2025, 8, 14), dt.date(2025, 8, 14)),
    ("month", dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
    ("quarter", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    ("year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
])
def test_period_bounds(period, first, last):
    assert period_bounds(period, dt.date(2025, 8, 14)) == (first, last)


def test_february_and_the_previous_period():
    assert period_bounds("month", dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1),
                                                            dt.date(2024, 2, 29))
    first, _last = period_bounds("quarter", dt.date(2025, 2, 10))
    assert period_bounds("quarter", first - dt.timedelta(days=1)) == (
        dt.date(2024, 10, 1), dt.date(2024, 12, 31))


def test_custom_periods_need_both_ends_in_order():
    span = (dt.date(2025, 3, 5), dt.date(2025, 4, 2))
    assert period_bounds("custom", start=span[0], end=span[1]) == span
    with pytest.raises(InvalidInput):
        period_bounds("custom", start=span[1], end=span[0])
    with pytest.raises(InvalidInput):
        period_bounds("custom", start=span[0])
    with pytest.raises(InvalidInput):
        period_bounds("week", dt.date(2025, 3, 5))


def test_every_metric_and_counter_is_explained_in_chinese():
    assert set(COUNTER_DEFINITIONS) == set(COUNTERS)
    for metric in METRICS.values():
        assert metric.label_zh.endswith("率") and "比例" in str(metric.definition_zh)
        assert metric.numerator and metric.denominator
    assert [c for c, m in METRICS.items() if not m.higher_is_better] == [
        "rework_rate", "extension_rate", "return_rate"]
