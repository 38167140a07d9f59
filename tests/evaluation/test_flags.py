"""What one case counts for: each counter's definition on hand-made cases (and through the real
services for reopening, co-handling and merging), its units and its day, and the vectorised
twin giving the same flags as the per-case function."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from civicgrid.cases import services as svc
from civicgrid.cases.services.merge import case_merge
from civicgrid.cases.workflow import State
from civicgrid.evaluation.flags import case_flags, day_of, units_of
from civicgrid.evaluation.models import COUNTERS
from civicgrid.evaluation.rollups_rebuild import read_cases
from tests.cases.conftest import COMMUNITY, GRID, at
from tests.factories import STREET_W, XICHENG

pytestmark = pytest.mark.django_db


def on(case) -> set[str]:
    """The counters the case counts for."""
    return {name for name, f in zip(COUNTERS, case_flags(case), strict=True) if f}


def test_a_new_report_is_only_received(make_case):
    assert on(make_case(State.REPORTED)) == {"received"}


def test_a_rejected_case_is_received_and_rejected(make_case):
    assert on(make_case(State.REJECTED)) == {"received", "rejected"}


def test_a_closed_rated_case_on_time_counts_everywhere_it_should(make_case):
    case = make_case(State.CLOSED, rating="basically_satisfied", solved=True,
                     rated_at=at(23))
    assert on(case) == {"received", "dispatched", "responded", "responded_on_time",
                        "reported_back", "closed", "closed_on_time", "solved", "rated",
                        "basically_satisfied"}


def test_unrated_and_unsolved_closed_case(make_case):
    case = make_case(State.CLOSED, rating="unsatisfied", solved=False, rated_at=at(23))
    assert {"rated", "unsatisfied"} <= on(case)
    assert not {"solved", "satisfied", "basically_satisfied"} & on(case)
    assert not {"rated", "solved"} & on(make_case(State.CLOSED))


def test_a_merged_duplicate_counts_for_nothing(make_case):
    target = make_case(State.REGISTERED)
    duplicate = make_case(State.MERGED, merged_into=target)
    assert on(duplicate) == set()
    assert on(target) == {"received"}


def test_merging_through_the_service_removes_the_duplicate(make_case, actors):
    target, duplicate = make_case(State.REGISTERED), make_case(State.REPORTED)
    merged = case_merge(duplicate=duplicate, into=target, actor=actors.dispatcher)
    assert on(merged) == set()


# --- response: accepted within 2 working hours of the dispatch -------------------------------

@pytest.mark.parametrize(("accepted", "on_time"), [
    (at(22, 10, 30), True),  # Fri 16:30 + 0.5 h on Friday + 1.5 h on Monday = Mon 10:30
    (at(22, 10, 31), False),
    (at(20, 9, 0), True),  # on Saturday, before the clock ran again
])
def test_response_on_time_counts_working_hours_across_a_weekend(make_case, accepted, on_time):
    case = make_case(State.HANDLING, dispatched_at=at(19, 16, 30), accepted_at=accepted)
    assert "responded" in on(case)
    assert ("responded_on_time" in on(case)) is on_time


def test_response_limit_is_a_setting(make_case, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "RESPONSE_LIMIT": (0.5, "emergency_hours")}
    case = make_case(State.HANDLING, dispatched_at=at(22, 10), accepted_at=at(22, 10, 31))
    assert "responded_on_time" not in on(case)


def test_a_dispatched_case_not_yet_accepted_has_not_responded(make_case):
    assert on(make_case(State.DISPATCHED)) == {"received", "dispatched"}


def test_redispatch_needs_a_new_acceptance(make_case):
    """Accepted by the first unit, escalated, dispatched again: the new unit has not signed."""
    case = make_case(State.DISPATCHED, accepted_at=at(22, 11), dispatched_at=at(23, 9))
    assert "responded" not in on(case) and "dispatched" in on(case)


# --- closing ---------------------------------------------------------------------------------

def test_closed_on_time_reads_the_report_back_against_the_deadline(make_case):
    deadline = at(26, 17)
    late_close = make_case(State.CLOSED, handle_deadline=deadline, reported_back_at=at(26, 16),
                           closed_at=at(30, 9))
    late_back = make_case(State.CLOSED, handle_deadline=deadline, reported_back_at=at(26, 17, 1))
    assert "closed_on_time" in on(late_close)  # the street closed late, the unit was on time
    assert "closed_on_time" not in on(late_back) and "closed" in on(late_back)


def test_a_case_verified_but_not_closed_is_not_closed(make_case):
    assert not {"closed", "closed_on_time"} & on(make_case(State.VERIFIED))


# --- counters --------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "counter"), [
    ("rework_count", "reworked"), ("extension_count", "extended"),
    ("return_count", "returned"), ("reopen_count", "reopened"),
    ("supervise_count", "supervised")])
def test_each_workflow_counter_marks_the_case_once(make_case, field, counter):
    assert counter not in on(make_case(State.HANDLING))
    assert counter in on(make_case(State.HANDLING, **{field: 2}))


def test_a_reworked_case_in_handling_has_been_reported_back(make_case):
    case = make_case(State.HANDLING, rework_count=1, reported_back_at=None)
    assert {"reworked", "reported_back"} <= on(case)


def test_reopening_clears_the_rating_until_rated_again(make_case, actors):
    case = make_case(State.CLOSED, rating="satisfied", solved=True, rated_at=at(23))
    case = svc.case_reopen(case=case, actor=actors.dispatcher, reason="问题复发", at=at(24))
    # the first unit's acceptance still stands until the case is dispatched again
    assert on(case) == {"received", "dispatched", "responded", "responded_on_time",
                        "reported_back", "reopened"}
    case = svc.case_dispatch(case=case, actor=actors.dispatcher, area_code=COMMUNITY, at=at(24))
    assert not {"responded", "closed", "rated", "solved", "satisfied"} & on(case)
    case = svc.case_accept(case=case, actor=actors.community, at=at(24, 11))
    case = svc.case_report_back(case=case, actor=actors.community, note="已修复", at=at(25))
    case = svc.case_verify(case=case, actor=actors.grid_worker, passed=True, at=at(25, 11))
    case = svc.case_close(case=case, actor=actors.dispatcher, at=at(25, 14))
    assert "rated" not in on(case) and "closed" in on(case)
    case = svc.case_rate(case=case, actor=actors.dispatcher, rating="unsatisfied", solved=False,
                         source="callback", at=at(26))
    assert {"rated", "unsatisfied", "reopened", "responded_on_time"} <= on(case)
    assert "solved" not in on(case)


# --- units and day ---------------------------------------------------------------------------

def test_units_are_the_location_codes_and_the_current_department(make_case, department):
    case = make_case(State.HANDLING)
    assert units_of(case) == [("district", XICHENG), ("street", STREET_W),
                              ("community", COMMUNITY), ("grid", GRID),
                              ("department", str(department.pk))]
    assert units_of(make_case(State.REPORTED)) == [
        ("district", XICHENG), ("street", STREET_W), ("community", COMMUNITY), ("grid", GRID)]


def test_a_case_without_codes_counts_only_for_its_department(make_case, department):
    case = make_case(State.HANDLING, district_code="", street_code="", community_code="",
                     grid_code="")
    assert units_of(case) == [("department", str(department.pk))]


def test_a_case_handled_by_its_community_counts_for_no_department(make_case):
    case = make_case(State.HANDLING, unit_area_code=COMMUNITY)
    assert [kind for kind, _code in units_of(case)] == ["district", "street", "community",
                                                       "grid"]


def test_co_handling_credits_only_the_lead_department(make_case, actors, department,
                                                      other_department):
    case = make_case(State.REGISTERED)
    case = svc.case_dispatch(case=case, actor=actors.dispatcher, department=department,
                             assisting=[other_department], at=at(22, 11))
    assert ("department", str(department.pk)) in units_of(case)
    assert ("department", str(other_department.pk)) not in units_of(case)


def test_the_day_is_the_local_report_day(make_case):
    late = make_case(State.REPORTED, reported_at=at(22, 23, 30))
    after_midnight = make_case(State.REPORTED, reported_at=at(23, 0, 30))
    assert day_of(late) == dt.date(2025, 9, 22)
    assert day_of(after_midnight) == dt.date(2025, 9, 23)  # 16:30 UTC on the 22nd


# --- the vectorised twin ---------------------------------------------------------------------

def test_flags_many_agrees_with_case_flags(make_case):
    from civicgrid.evaluation.flags import flags_many

    cases = [
        make_case(State.REPORTED), make_case(State.REJECTED), make_case(State.MERGED),
        make_case(State.HANDLING, dispatched_at=at(19, 16, 30), accepted_at=at(22, 10, 31)),
        make_case(State.HANDLING, dispatched_at=at(19, 16, 30), accepted_at=at(22, 10, 30)),
        make_case(State.DISPATCHED, accepted_at=at(22, 11), dispatched_at=at(23, 9)),
        make_case(State.CLOSED, rating="satisfied", solved=True, handle_deadline=at(22, 9),
                  reported_back_at=at(22, 9, 1)),
        make_case(State.CLOSED, handle_deadline=None),
        make_case(State.HANDLING, rework_count=1, reported_back_at=None, extension_count=1),
        make_case(State.REGISTERED, reopen_count=1, return_count=1, supervise_count=3,
                  dispatched_at=at(22, 12)),
    ]
    columns, n = read_cases(None)
    assert n == len(cases)
    # read_cases has no ORDER BY: compare the flags as multisets
    got = sorted(tuple(row) for row in flags_many(columns).T.astype(int).tolist())
    assert got == sorted(case_flags(c) for c in cases)


def test_flags_many_takes_state_and_rating_names_too():
    from civicgrid.evaluation.flags import INDEX, flags_many

    none = [-1, -1]
    columns = {"state": ["closed", "merged"], "rating": ["satisfied", ""], "solved": [1, -1],
               "dispatched_at": none, "accepted_at": none, "reported_back_at": none,
               "handle_deadline": none}
    for name in ("rework_count", "extension_count", "return_count", "reopen_count",
                 "supervise_count"):
        columns[name] = [0, 0]
    flags = flags_many({k: np.asarray(v) for k, v in columns.items()})
    assert {name for name, i in INDEX.items() if flags[i, 0]} == {
        "received", "dispatched", "closed", "closed_on_time", "solved", "rated", "satisfied"}
    assert not flags[:, 1].any()  # merged
