"""报到 and ending a whistle: acknowledge and arrive only for the summoned department, arrival
checked against the place, statuses derived from the times, 事不完、人不撤 when closing, and
one winner when two people act at once."""

from __future__ import annotations

import pytest

from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.whistles.models import Whistle, WhistleState
from civicgrid.whistles.selectors import report_in_status
from civicgrid.whistles.services import (
    report_in_acknowledge,
    report_in_arrive,
    report_in_mark_absent,
    whistle_cancel,
    whistle_close,
    whistle_resolve,
)
from tests.whistles.conftest import LAT, LON, minutes


def report_ins(whistle):
    return {r.department.code: r for r in whistle.report_ins.select_related("department",
                                                                           "whistle")}


def test_status_follows_the_times(raise_whistle, people):
    ri = report_ins(raise_whistle())
    cgzf = ri["XC-CGZF"]
    assert report_in_status(cgzf, minutes(5)) == "pending"
    cgzf = report_in_acknowledge(actor=people.cgzf, report_in=cgzf, at=minutes(3))
    assert report_in_status(cgzf, minutes(5)) == "acknowledged"
    assert report_in_status(cgzf, minutes(31)) == "overdue"
    cgzf = report_in_arrive(actor=people.cgzf, report_in=cgzf, lon=LON + 0.001, lat=LAT,
                            at=minutes(25))
    assert report_in_status(cgzf, minutes(600)) == "on_site"
    assert 80 < cgzf.arrival_distance_m < 90  # 0.001° of longitude at 39.9° N ≈ 85 m
    fgj = report_in_arrive(actor=people.fgj, report_in=ri["XC-FGJ"], lon=LON, lat=LAT,
                           at=minutes(42))
    assert report_in_status(fgj, minutes(50)) == "late"
    assert fgj.acknowledged_at == minutes(42)  # arriving is acknowledging too
    assert report_in_status(ri["XC-GAFJ"], minutes(31)) == "overdue"


def test_only_the_summoned_department_reports_in(raise_whistle, people):
    ri = report_ins(raise_whistle())
    for actor in (people.fgj, people.rq, people.dispatcher, people.commander):
        with pytest.raises(PermissionDenied, match="城管执法局"):
            report_in_acknowledge(actor=actor, report_in=ri["XC-CGZF"])
    report_in_acknowledge(actor=people.cgzf, report_in=ri["XC-CGZF"], at=minutes(1))
    with pytest.raises(Conflict, match="已报到"):
        report_in_acknowledge(actor=people.cgzf, report_in=ri["XC-CGZF"], at=minutes(2))


def test_arriving_too_far_away_is_refused_with_the_distance(raise_whistle, people):
    ri = report_ins(raise_whistle())  # 群租房: 300 m
    with pytest.raises(InvalidInput, match=r"约 1,7\d\d 米.*300 米"):
        report_in_arrive(actor=people.cgzf, report_in=ri["XC-CGZF"], lon=LON + 0.02, lat=LAT)
    ri["XC-CGZF"].refresh_from_db()
    assert ri["XC-CGZF"].arrived_at is None


def test_close_waits_until_everyone_arrived_or_was_marked_absent(raise_whistle, people):
    w = raise_whistle()
    ri = report_ins(w)
    report_in_arrive(actor=people.cgzf, report_in=ri["XC-CGZF"], lon=LON, lat=LAT,
                     at=minutes(20))
    with pytest.raises(PermissionDenied):  # the east street's commander may not resolve it
        whistle_resolve(actor=people.other_commander, whistle=w, result="已清理")
    with pytest.raises(PermissionDenied):  # a department that has not arrived neither
        whistle_resolve(actor=people.fgj, whistle=w, result="已清理")
    w = whistle_resolve(actor=people.cgzf, whistle=w, result="已拆除隔断，清退租户", at=minutes(90))
    assert w.state == WhistleState.RESOLVED
    with pytest.raises(InvalidInput, match="事不完、人不撤.*房屋管理局、北京市公安局西城分局"):
        whistle_close(actor=people.dispatcher, whistle=w)
    report_in_arrive(actor=people.fgj, report_in=ri["XC-FGJ"], lon=LON, lat=LAT,
                     at=minutes(40))
    with pytest.raises(PermissionDenied, match="指挥长"):
        report_in_mark_absent(actor=people.dispatcher, report_in=ri["XC-GAFJ"], reason="未到")
    with pytest.raises(InvalidInput, match="未到场的情况"):
        report_in_mark_absent(actor=people.commander, report_in=ri["XC-GAFJ"], reason=" ")
    gafj = report_in_mark_absent(actor=people.commander, report_in=ri["XC-GAFJ"],
                                 reason="电话联系值班室，称警力不足未派员", at=minutes(100))
    assert report_in_status(gafj, minutes(100)) == "absent"
    with pytest.raises(Conflict, match="标记为未到场"):
        report_in_arrive(actor=people.gafj, report_in=gafj, lon=LON, lat=LAT)
    with pytest.raises(PermissionDenied):
        whistle_close(actor=people.cgzf, whistle=w)
    w = whistle_close(actor=people.dispatcher, whistle=w, at=minutes(120))
    assert (w.state, w.closed_by, w.closed_at) == (WhistleState.CLOSED, people.dispatcher,
                                                   minutes(120))


def test_two_people_cannot_both_close_a_whistle(raise_whistle, people):
    w = raise_whistle(departments=[people.cgzf.department])
    report_in_arrive(actor=people.cgzf, report_in=w.report_ins.get(), lon=LON, lat=LAT)
    w = whistle_resolve(actor=people.dispatcher, whistle=w, result="已处置")
    seen_by_commander = Whistle.objects.get(pk=w.pk)
    whistle_close(actor=people.dispatcher, whistle=w)
    with pytest.raises(Conflict, match="已被他人处理（当前状态：已办结）"):
        whistle_close(actor=people.commander, whistle=seen_by_commander)
    with pytest.raises(Conflict):
        whistle_cancel(actor=people.commander, whistle=seen_by_commander, reason="误报")


def test_close_needs_the_job_done_and_report_ins_stop_after_the_end(raise_whistle, people):
    w = raise_whistle()
    with pytest.raises(InvalidInput, match="处置完成后"):
        whistle_close(actor=people.commander, whistle=w)
    with pytest.raises(PermissionDenied):
        whistle_cancel(actor=people.dispatcher, whistle=w, reason="误报")
    w = whistle_cancel(actor=people.commander, whistle=w, reason="经核实为正常出租，误报")
    assert w.state == WhistleState.CANCELLED and "误报" in w.cancel_reason
    assert w.cancelled_by == people.commander and w.closed_at is None
    with pytest.raises(Conflict, match="已撤销"):
        report_in_acknowledge(actor=people.cgzf, report_in=report_ins(w)["XC-CGZF"])
