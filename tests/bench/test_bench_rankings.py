"""The GROUP BY baseline of `civicgrid bench rankings` computes the same counters as the rollups
on hand-made cases (the edges of every flag), and the benchmark at a tiny scale says equal."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.bench.bench_rankings import bench_rankings
from civicgrid.bench.rankings_groupby import groupby_counts
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import State
from civicgrid.evaluation.metrics import unit_counts
from civicgrid.evaluation.models import CompositeWeight
from civicgrid.evaluation.rollups import rollup_rebuild
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import create_case
from tests.factories import STREET_E, STREET_W, make_department

category = case_fixtures.category  # the case fixtures' category, used by name
BJ = ZoneInfo("Asia/Shanghai")
SEPT = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))


def t(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 9, micro: int = 0):
    return dt.datetime(2025, month, day, hour, minute, second, micro, tzinfo=BJ)


@pytest.fixture
def edge_cases(territory, category):
    """Cases at the edges of each flag. The response limit is 2 working hours (09:00–12:00,
    13:30–17:00 on working days); Monday 2025-09-22."""
    a, b = make_department("XC-A", "城管执法局"), make_department("XC-B", "房管局")
    mon = 22

    def case(state=State.CLOSED, *, dept=b, street=STREET_W, reported=None, **fields):
        reported = reported or t(mon, 9)
        values = {"unit_department": dept, "street_code": street,
                  "community_code": f"{street}001", "grid_code": f"{street}001001"}
        values.update(fields)
        return create_case(state, category=category, reported_at=reported, **values)

    d = t(mon, 10)
    # Department A gets only the response-time edges: 7 responded, 4 of them on time.
    case(dept=a, dispatched_at=d, accepted_at=t(mon, 12))  # exactly at the deadline: on time
    case(dept=a, dispatched_at=d, accepted_at=t(mon, 12, 0, 1))  # a second late
    case(dept=a, dispatched_at=d, accepted_at=t(mon, 12, 0, 0, micro=900_000))  # cut: on time
    case(dept=a, dispatched_at=d, accepted_at=t(mon, 13, 0))  # lunch: the deadline was 12:00
    case(dept=a, dispatched_at=t(19, 16, 30), accepted_at=t(mon, 10, 29),
         reported=t(19, 16))  # Friday 16:30 + 2 working hours = Monday 10:30: on time
    case(dept=a, dispatched_at=t(19, 16, 30), accepted_at=t(mon, 10, 31), reported=t(19, 16))
    case(dept=a, dispatched_at=t(30, 16), accepted_at=t(9, 10, month=10),
         reported=t(30, 15))  # over the National Day holiday: due 9 October 10:00, on time
    case(State.DISPATCHED, dept=a, dispatched_at=d, accepted_at=t(mon, 9, 30))  # re-dispatched
    case(State.DISPATCHED, dept=b, accepted_at=None)
    case(reported_back_at=t(mon, 11), handle_deadline=t(mon, 11))  # back at the deadline
    case(reported_back_at=t(mon, 12), handle_deadline=t(mon, 11))  # back after it
    case(handle_deadline=None)  # no deadline: on time
    case(State.HANDLING, rework_count=1, reported_back_at=None)  # reported back before
    case(State.REGISTERED, dept=None, reopen_count=1, reported_back_at=None, rating="",
         solved=None)
    case(rating="satisfied", solved=True, extension_count=1, supervise_count=1)
    case(rating="basically_satisfied", solved=False, return_count=1, street=STREET_E, dept=b)
    case(rating="unsatisfied", solved=None, street=STREET_E)
    case(State.REJECTED, dept=None)
    case(State.MERGED, dept=None)
    case(reported=t(30, 23, 59))  # the last minute of September, local time
    case(reported=t(1, 0, 0, month=10))  # 1 October 00:00 local = 30 September 16:00 UTC
    case(reported=t(31, 23, month=8))
    return a


@pytest.mark.django_db
def test_the_group_by_gives_the_rollups_counters_on_the_edge_cases(edge_cases):
    report = rollup_rebuild()
    assert report.cases == Case.objects.count()
    for kind in ("district", "street", "community", "grid", "department"):
        ours = unit_counts(unit_kind=kind, start=SEPT[0], end=SEPT[1])
        theirs = groupby_counts(kind, *SEPT)
        assert theirs.keys() == ours.keys(), kind
        differ = {(code, name): (theirs[code][name], ours[code][name])
                  for code in ours for name in ours[code] if theirs[code][name] != ours[code][name]}
        assert not differ, (kind, differ)
    west = unit_counts(unit_kind="street", start=SEPT[0], end=SEPT[1])[STREET_W]
    assert west["received"] == 17  # not the merged case, not 1 October, not August
    a = groupby_counts("department", *SEPT)[str(edge_cases.pk)]
    assert (a["dispatched"], a["responded"], a["responded_on_time"]) == (8, 7, 4)


@pytest.mark.django_db
def test_the_benchmark_at_a_tiny_scale_gives_equal_figures_and_leaves_the_test_db_alone(db):
    CompositeWeight.objects.none()
    res = bench_rankings(0.0005, rounds=1)  # 1,000 cases
    assert res.unit == "ms" and res.value > 0 and res.baseline > 0
    extra = res.extra
    assert extra["equal"] is True
    assert extra["n_cases"] == 1000 and extra["rollup_rows"] > 0
    assert extra["streets"] > 300 and extra["departments"] > 100
    assert not Case.objects.exists()
