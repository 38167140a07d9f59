"""What each actor sees of whistles, the board's statuses, and the figures the rankings read
(report-in timeliness, the street's scores, dispatch accuracy) on hand-made data."""

from __future__ import annotations

import datetime as dt

from civicgrid.cases.workflow import State
from civicgrid.whistles.models import DepartmentScore, DispatchRating
from civicgrid.whistles.selectors import (
    department_score_stats,
    dispatch_accuracy_stats,
    whistle_board,
    whistle_report_in_stats,
    whistles_visible,
)
from civicgrid.whistles.services import (
    report_in_acknowledge,
    report_in_arrive,
    report_in_mark_absent,
    whistle_cancel,
)
from tests.cases.conftest import create_case
from tests.whistles.conftest import LAT, LON, T0, minutes

DAY = T0.date()


def test_each_actor_sees_their_own_whistles(raise_whistle, people, depts):
    west = raise_whistle()  # 城管执法、房管、公安
    east = raise_whistle(actor=people.other_dispatcher, lon=116.325, lat=39.905,
                         departments=[depts.rq])
    seen = lambda actor: set(whistles_visible(actor))  # noqa: E731
    assert seen(people.dispatcher) == {west} and seen(people.other_dispatcher) == {east}
    assert seen(people.district) == seen(people.city) == {west, east}
    assert seen(people.cgzf) == {west} and seen(people.rq) == {east}
    assert seen(people.community) == seen(people.resident) == set()


def test_the_board_shows_each_departments_status_now(raise_whistle, people, depts):
    w = raise_whistle()
    ri = {r.department.code: r for r in w.report_ins.select_related("department", "whistle")}
    report_in_acknowledge(actor=people.fgj, report_in=ri["XC-FGJ"], at=minutes(5))
    report_in_arrive(actor=people.cgzf, report_in=ri["XC-CGZF"], lon=LON, lat=LAT,
                     at=minutes(12))
    cancelled = raise_whistle()
    whistle_cancel(actor=people.commander, whistle=cancelled, reason="重复吹哨")
    board = whistle_board(people.dispatcher, now=minutes(40))
    assert [b.whistle for b in board] == [w]
    statuses = {r.report_in.department.code: (r.status, r.label) for r in board[0].report_ins}
    assert statuses == {"XC-CGZF": ("on_site", "按时到场"), "XC-FGJ": ("overdue", "超时未到"),
                        "XC-GAFJ": ("overdue", "超时未到")}
    assert board[0].arrived == 1 and board[0].counts == {"on_site": 1, "overdue": 2}
    assert whistle_board(people.other_dispatcher) == []


def test_report_in_stats_count_on_time_late_and_absent(raise_whistle, people, depts):
    w1 = raise_whistle()
    ri = {r.department.code: r for r in w1.report_ins.select_related("department", "whistle")}
    report_in_acknowledge(actor=people.cgzf, report_in=ri["XC-CGZF"], at=minutes(2))
    report_in_arrive(actor=people.cgzf, report_in=ri["XC-CGZF"], lon=LON, lat=LAT,
                     at=minutes(25))
    report_in_arrive(actor=people.fgj, report_in=ri["XC-FGJ"], lon=LON, lat=LAT, at=minutes(45))
    report_in_mark_absent(actor=people.commander, report_in=ri["XC-GAFJ"], reason="未派员")
    # A second whistle, now overdue with nobody there; a third cancelled (counts nowhere);
    # a fourth the next day (outside a one-day period).
    raise_whistle(departments=[depts.cgzf], at=minutes(60))
    whistle_cancel(actor=people.commander, whistle=raise_whistle(), reason="误报")
    raise_whistle(departments=[depts.cgzf], at=T0 + dt.timedelta(days=1))
    stats = whistle_report_in_stats(start=DAY, end=DAY, now=minutes(600))
    assert stats[depts.cgzf.pk] == {"summoned": 2, "acknowledged_on_time": 1,
                                    "arrived_on_time": 1, "late": 0, "absent": 1}
    assert stats[depts.fgj.pk] == {"summoned": 1, "acknowledged_on_time": 0,
                                   "arrived_on_time": 0, "late": 1, "absent": 0}
    assert stats[depts.gafj.pk]["absent"] == 1
    # Before the second whistle's deadline it is not yet absent; department filter works.
    early = whistle_report_in_stats([depts.cgzf.pk], start=minutes(0), end=minutes(120),
                                    now=minutes(70))
    assert list(early) == [depts.cgzf.pk] and early[depts.cgzf.pk]["absent"] == 0


def test_score_and_dispatch_accuracy_stats(people, depts):
    def score(dept, total, day):
        case = create_case(State.CLOSED, department=dept)
        DepartmentScore.objects.create(department=dept, street_code="110102001", target="case",
                                       case=case, items={}, total=total, scored_by=people.city,
                                       scored_at=T0 + dt.timedelta(days=day))

    score(depts.cgzf, 90, 0)
    score(depts.cgzf, 75, 3)
    score(depts.cgzf, 10, 40)  # next month
    score(depts.fgj, 60, 1)
    stats = department_score_stats(dt.date(2025, 9, 1), dt.date(2025, 9, 30))
    assert stats == {depts.cgzf.pk: {"count": 2, "average": 82.5},
                     depts.fgj.pk: {"count": 1, "average": 60.0}}
    assert department_score_stats(dt.date(2025, 9, 1), dt.date(2025, 9, 30),
                                  [depts.fgj.pk]) == {depts.fgj.pk: {"count": 1, "average": 60.0}}
    for street, accurate, dept in (("110102001", True, depts.cgzf),
                                   ("110102001", False, depts.fgj),
                                   ("110102003", False, depts.cgzf)):
        DispatchRating.objects.create(case=create_case(State.HANDLING), department=dept,
                                      street_code=street, accurate=accurate,
                                      rated_by=people.cgzf, rated_at=T0)
    assert dispatch_accuracy_stats(DAY, DAY) == {"110102001": {"rated": 2, "misrouted": 1},
                                                 "110102003": {"rated": 1, "misrouted": 1}}
    assert dispatch_accuracy_stats(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)) == {}
