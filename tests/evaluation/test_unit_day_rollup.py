"""UnitDayRollup (unit × day, CaseRollup summed over categories) is kept exact beside CaseRollup
by the online path and the rebuild, the check finds it wrong, and the reads without a category
filter give the same figures from it as CaseRollup gives with every category."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db.models import F

from civicgrid.cases import services as svc
from civicgrid.cases.workflow import State
from civicgrid.dispatch.models import Category
from civicgrid.evaluation.metrics import unit_counts, unit_metrics
from civicgrid.evaluation.models import COUNTERS, CaseRollup, UnitDayRollup
from civicgrid.evaluation.rollups import rollup_rebuild
from civicgrid.evaluation.rollups_rebuild import RowSet, sum_categories
from tests.cases.conftest import COMMUNITY, GRID, at
from tests.evaluation.test_rollups import DAY, _command, assert_exact, row
from tests.factories import STREET_W, XICHENG

pytestmark = pytest.mark.django_db


def day_row(kind: str, code: str, day: dt.date = DAY) -> dict[str, int]:
    r = UnitDayRollup.objects.filter(unit_kind=kind, unit_code=code, day=day).values(
        *COUNTERS).first()
    return {k: v for k, v in (r or {}).items() if v}


@pytest.fixture
def lamp(category):
    return Category.objects.create(code="T-LAMP", name="路灯不亮", stream=category.stream,
                                   kind=category.kind)


def test_changes_through_the_services_add_up_over_categories(make_case, actors, department,
                                                             category, lamp):
    road = make_case(State.REGISTERED)
    make_case(State.CLOSED, category=lamp, rating="satisfied", solved=True)
    rollup_rebuild()
    assert day_row("street", STREET_W) == {
        "received": 2, "dispatched": 1, "responded": 1, "responded_on_time": 1,
        "reported_back": 1, "closed": 1, "closed_on_time": 1, "solved": 1, "rated": 1,
        "satisfied": 1}
    svc.case_dispatch(case=road, actor=actors.dispatcher, department=department, at=at(22, 11))
    assert day_row("street", STREET_W)["dispatched"] == 2
    assert day_row("department", str(department.pk))["received"] == 2
    assert_exact()


def test_a_change_of_category_alone_leaves_the_unit_day_row_as_it_was(make_case, actors, lamp,
                                                                      category):
    case = make_case(State.REPORTED)
    rollup_rebuild()
    svc.case_register(case=case, actor=actors.dispatcher, category=lamp, at=at(22, 11))
    assert row("grid", GRID, category.pk) == {}
    assert row("grid", GRID, lamp.pk) == {"received": 1}
    assert day_row("grid", GRID) == {"received": 1}
    assert UnitDayRollup.objects.filter(unit_kind="grid").count() == 1
    assert_exact()


def test_check_reports_a_corrupted_unit_day_row_and_rebuild_repairs_it(make_case):
    make_case(State.CLOSED, rating="satisfied", solved=True)
    rollup_rebuild()
    UnitDayRollup.objects.filter(unit_kind="street").update(closed=F("closed") + 1)
    report = rollup_rebuild(check=True)
    assert report.different == 1
    assert report.differences[0].category_id is None
    status, out = _command("--check")
    assert status == 1
    assert f"street:{STREET_W} 全部分类 2025-09-22: closed 2→1" in out
    assert _command()[0] == 0
    assert day_row("street", STREET_W)["closed"] == 1
    assert_exact()


def test_check_reports_missing_and_stray_unit_day_rows(make_case):
    make_case(State.REPORTED)
    rollup_rebuild()
    UnitDayRollup.objects.filter(unit_kind="community").delete()
    UnitDayRollup.objects.create(unit_kind="grid", unit_code="110102001002002", day=DAY,
                                 received=1)
    report = rollup_rebuild(check=True, limit=1)
    assert report.different == 2 and len(report.differences) == 1
    assert {(d.unit_code, d.expected["received"], d.stored["received"])
            for d in rollup_rebuild(check=True).differences} == {
        (COMMUNITY, 1, 0), ("110102001002002", 0, 1)}


def test_rebuild_of_some_days_replaces_only_their_unit_day_rows(make_case):
    make_case(State.REPORTED, reported_at=at(22))
    make_case(State.REPORTED, reported_at=at(24))
    rollup_rebuild()
    UnitDayRollup.objects.update(received=F("received") + 5)
    # four units (no department yet), in each table
    assert rollup_rebuild(days=(dt.date(2025, 9, 24),) * 2).written == 8
    assert day_row("grid", GRID, dt.date(2025, 9, 24)) == {"received": 1}
    assert day_row("grid", GRID) == {"received": 6}
    assert rollup_rebuild(check=True, days=(DAY, DAY)).different == 4  # four units on the 22nd


def test_unit_counts_without_a_category_filter_equal_those_with_every_category(
        make_case, department, category, lamp):
    make_case(State.CLOSED, rating="satisfied", solved=True)
    make_case(State.HANDLING, category=lamp, reported_at=at(23))
    make_case(State.CLOSED, category=lamp, rating="unsatisfied", solved=False,
              reported_at=at(30))
    make_case(State.REPORTED, category=None)  # uncategorised: category 0
    rollup_rebuild()
    every = [category.pk, lamp.pk, 0]
    for kind, code in (("district", XICHENG), ("street", STREET_W), ("grid", GRID),
                       ("department", str(department.pk))):
        span = dict(unit_kind=kind, start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30))
        assert unit_counts(**span) == unit_counts(**span, category_ids=every)
        assert unit_counts(**span, units=[code, "nowhere"]) == unit_counts(
            **span, units=[code, "nowhere"], category_ids=every)
        assert unit_metrics(**span) == unit_metrics(**span, category_ids=every)
    street = dict(unit_kind="street", start=DAY, end=DAY + dt.timedelta(days=1))
    assert unit_counts(**street)[STREET_W]["received"] == 3
    assert unit_counts(**street, category_ids=[lamp.pk])[STREET_W]["received"] == 1


def test_unit_counts_without_a_filter_read_the_unit_day_rows(make_case):
    """The unit-day rows are what the rankings read: a corrupted one shows there (which is why
    the check covers both tables), while a category filter still reads CaseRollup."""
    make_case(State.REPORTED)
    rollup_rebuild()
    UnitDayRollup.objects.filter(unit_kind="street").update(received=7)
    span = dict(unit_kind="street", start=DAY, end=DAY)
    assert unit_counts(**span)[STREET_W]["received"] == 7
    assert unit_counts(**span, category_ids=[0, *CaseRollup.objects.values_list(
        "category_id", flat=True)])[STREET_W]["received"] == 1


def test_summing_over_categories_sorts_rows_that_do_not_come_grouped():
    def rows(kind, code, cat, day, received):
        counts = [[r] + [0] * (len(COUNTERS) - 1) for r in received]
        return RowSet(*(np.array(v, dtype=np.int64) for v in (kind, code, cat, day)),
                      np.array(counts, dtype=np.int32))

    mixed = rows([1, 0, 1, 1, 0], [15, 12, 15, 14, 12], [3, 3, 4, 3, 4], [9, 9, 9, 9, 9],
                 [1, 2, 4, 8, 16])
    out = sum_categories(mixed)
    assert list(zip(out.kind.tolist(), out.code.tolist(), out.counts[:, 0].tolist(),
                    strict=True)) == [(0, 12, 18), (1, 14, 8), (1, 15, 5)]
