"""双向考评: the street scores each department once per closed whistle and per closed case, on
the configurable items; departments rate dispatch accuracy once, attributed to the dispatcher."""

from __future__ import annotations

import pytest

from civicgrid.cases.models import CaseEvent, CaseTask
from civicgrid.cases.workflow import State
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.whistles.models import ScoreItem
from civicgrid.whistles.services import (
    dispatch_rate,
    report_in_arrive,
    score_department,
    whistle_close,
    whistle_resolve,
)
from tests.cases.conftest import create_case
from tests.whistles.conftest import LAT, LON, T0, minutes

GOOD = {"whistle_timeliness": 100, "whistle_attitude": 90, "whistle_result": 80}


@pytest.fixture
def closed_whistle(raise_whistle, people, depts):
    w = raise_whistle(departments=[depts.cgzf, depts.fgj])
    for actor in (people.cgzf, people.fgj):
        ri = w.report_ins.get(department=actor.department)
        report_in_arrive(actor=actor, report_in=ri, lon=LON, lat=LAT, at=minutes(20))
    w = whistle_resolve(actor=people.cgzf, whistle=w, result="已处置", at=minutes(60))
    return whistle_close(actor=people.commander, whistle=w, at=minutes(70))


def test_total_is_the_weighted_average_scaled_to_100(closed_whistle, people, depts):
    s = score_department(actor=people.dispatcher, department=depts.cgzf, whistle=closed_whistle,
                         items=GOOD, comment="到场及时")
    assert s.total == pytest.approx(0.4 * 100 + 0.3 * 90 + 0.3 * 80)  # 91.0
    assert (s.street_code, s.district_code, s.target) == ("110102001", "110102", "whistle")
    # Items out of 10 with other weights: the total is still out of 100.
    ScoreItem.objects.filter(code="whistle_attitude").update(max_score=10, weight=2)
    s2 = score_department(actor=people.commander, department=depts.fgj, whistle=closed_whistle,
                          items={**GOOD, "whistle_attitude": 5})
    assert s2.total == pytest.approx(100 * (0.4 * 1 + 2 * 0.5 + 0.3 * 0.8) / 2.7, abs=0.05)


def test_scores_are_given_once_by_the_street_after_close(closed_whistle, raise_whistle, people,
                                                         depts):
    with pytest.raises(PermissionDenied):
        score_department(actor=people.other_dispatcher, department=depts.cgzf,
                         whistle=closed_whistle, items=GOOD)
    with pytest.raises(PermissionDenied):
        score_department(actor=people.cgzf, department=depts.cgzf, whistle=closed_whistle,
                         items=GOOD)
    with pytest.raises(InvalidInput, match="未被本次吹哨召集"):
        score_department(actor=people.dispatcher, department=depts.rq, whistle=closed_whistle,
                         items=GOOD)
    with pytest.raises(InvalidInput, match="办结后"):
        score_department(actor=people.dispatcher, department=depts.cgzf,
                         whistle=raise_whistle(), items=GOOD)
    with pytest.raises(InvalidInput, match="“工作态度”的得分须在 0 到 100"):
        score_department(actor=people.dispatcher, department=depts.cgzf,
                         whistle=closed_whistle, items={**GOOD, "whistle_attitude": 101})
    with pytest.raises(InvalidInput, match="请为“处置效果”打分"):
        score_department(actor=people.dispatcher, department=depts.cgzf,
                         whistle=closed_whistle, items={**GOOD, "whistle_result": ""})
    with pytest.raises(InvalidInput, match="case_result"):
        score_department(actor=people.dispatcher, department=depts.cgzf,
                         whistle=closed_whistle, items={**GOOD, "case_result": 50})
    score_department(actor=people.dispatcher, department=depts.cgzf, whistle=closed_whistle,
                     items=GOOD)
    with pytest.raises(Conflict, match="只评一次"):
        score_department(actor=people.commander, department=depts.cgzf,
                         whistle=closed_whistle, items=GOOD)


def test_the_street_scores_a_closed_case_its_department_handled(catalogue, people, depts):
    case = create_case(State.CLOSED, department=depts.cgzf)
    items = {"case_timeliness": 60, "case_attitude": 80, "case_result": 70}
    with pytest.raises(InvalidInput, match="没有办理"):
        score_department(actor=people.dispatcher, department=depts.fgj, case=case, items=items)
    CaseTask.objects.create(case=case, role="assist", unit_department=depts.fgj, assigned_at=T0)
    score_department(actor=people.dispatcher, department=depts.fgj, case=case, items=items)
    s = score_department(actor=people.dispatcher, department=depts.cgzf, case=case, items=items)
    assert s.total == pytest.approx(69.0) and s.target == "case"
    with pytest.raises(InvalidInput, match="结案后"):
        score_department(actor=people.dispatcher, department=depts.cgzf,
                         case=create_case(State.HANDLING, department=depts.cgzf), items=items)


def test_dispatch_accuracy_is_rated_once_and_counts_against_the_dispatcher(people, depts):
    case = create_case(State.RETURNED, unit_department=None)
    for dept, actor in ((depts.fgj, people.commander), (depts.cgzf, people.dispatcher)):
        CaseEvent.objects.create(case=case, action="dispatch", from_state="registered",
                                 to_state="dispatched", at=T0, actor=actor,
                                 actor_role=actor.role, unit_department=dept)
    with pytest.raises(PermissionDenied, match="没有派遣给您所在部门"):
        dispatch_rate(actor=people.rq, case=case, accurate=True)
    with pytest.raises(PermissionDenied):
        dispatch_rate(actor=people.dispatcher, case=case, accurate=True)
    with pytest.raises(InvalidInput, match="原因"):
        dispatch_rate(actor=people.cgzf, case=case, accurate=False)
    r = dispatch_rate(actor=people.cgzf, case=case, accurate=False,
                      note="属房屋安全问题，应派区房管局")
    assert (r.dispatcher, r.street_code, r.accurate) == (people.dispatcher, "110102001", False)
    with pytest.raises(Conflict, match="已评价过"):
        dispatch_rate(actor=people.cgzf, case=case, accurate=True)
    r2 = dispatch_rate(actor=people.fgj, case=case, accurate=True)
    assert r2.dispatcher == people.commander
