"""Raising a whistle: only the street of the place, only catalogue problems unless the street
commander records an exception, departments suggested by the catalogue but chosen by the street,
report-in deadlines on the clock."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.cases.workflow import State
from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.whistles.models import WhistleState
from civicgrid.whistles.services import whistle_raise
from tests.cases.conftest import create_case
from tests.whistles.conftest import LAT, LON, T0


def test_the_street_raises_and_the_catalogues_departments_are_summoned(raise_whistle, depts):
    w = raise_whistle()
    assert w.number.startswith("SH-BJ-20250922-") or w.number.startswith("SH-XC-20250922-")
    assert (w.street_code, w.grid_code) == ("110102001", "110102001001001")
    assert w.state == WhistleState.OPEN and w.title == "群租房"
    ris = {r.department.code: r for r in w.report_ins.select_related("department")}
    assert set(ris) == {"XC-CGZF", "XC-FGJ", "XC-GAFJ"}
    assert all(r.deadline == T0 + dt.timedelta(minutes=30) for r in ris.values())


def test_key_work_gives_two_hours_and_deadlines_ignore_office_hours(raise_whistle, depts):
    sunday_night = dt.datetime(2025, 9, 28, 22, 0, tzinfo=T0.tzinfo) + dt.timedelta(days=-1)
    w = raise_whistle("YJ0101", at=sunday_night)  # gas leak, Saturday 22:00
    assert {r.deadline for r in w.report_ins.all()} == {sunday_night + dt.timedelta(minutes=30)}
    w2 = raise_whistle("ZD0402", departments=[depts.fgj])  # 弃管小区物业服务: key work
    assert [r.deadline for r in w2.report_ins.all()] == [T0 + dt.timedelta(minutes=120)]


def test_the_street_chooses_the_departments(raise_whistle, depts):
    w = raise_whistle(departments=[depts.fgj.pk, depts.rq])
    assert {r.department_id for r in w.report_ins.all()} == {depts.fgj.pk, depts.rq.pk}
    with pytest.raises(InvalidInput, match="至少选择一个"):
        raise_whistle(departments=[])


def test_only_the_street_of_the_place_may_whistle(raise_whistle, people):
    for actor in (people.other_dispatcher, people.community, people.cgzf, people.district,
                  people.resident):
        with pytest.raises(PermissionDenied):
            raise_whistle(actor=actor)
    with pytest.raises(InvalidInput, match="不在任何网格"):
        raise_whistle(lon=117.0, lat=40.5)
    # The east street may whistle for a place in the east street.
    assert raise_whistle(actor=people.other_dispatcher, lon=116.325, lat=39.905).street_code \
        == "110102003"


def test_off_catalogue_needs_the_commander_and_a_reason(catalogue, people, depts):
    base = dict(problem=None, departments=[depts.cgzf], title="商户私拉电线",
                description="沿街商户私拉电线给电动车充电", lon=LON, lat=LAT, at=T0)
    with pytest.raises(InvalidInput, match="吹哨清单"):
        whistle_raise(actor=people.commander, **base)
    with pytest.raises(PermissionDenied, match="指挥长"):
        whistle_raise(actor=people.dispatcher, exception_reason="隐患紧急", **base)
    w = whistle_raise(actor=people.commander, exception_reason="清单未列，但存在火灾隐患", **base)
    assert w.problem is None and w.exception_reason == "清单未列，但存在火灾隐患"
    assert [r.deadline for r in w.report_ins.all()] == [T0 + dt.timedelta(minutes=30)]


def test_a_whistle_on_a_case_takes_the_cases_place(raise_whistle, people):
    case = create_case(State.HANDLING, lon=116.315, lat=39.925, street_code="110102001",
                       community_code="110102001002", grid_code="110102001002002")
    w = raise_whistle(case=case, lon=None, lat=None)
    assert (w.case_id, w.lon, w.lat, w.grid_code) == (case.pk, 116.315, 39.925,
                                                      "110102001002002")
    with pytest.raises(PermissionDenied):
        raise_whistle(case=case, actor=people.other_dispatcher)
    closed = create_case(State.CLOSED)
    with pytest.raises(InvalidInput, match="已结案"):
        raise_whistle(case=closed)


def test_the_street_summons_another_department_later_with_its_own_deadline(raise_whistle,
                                                                           people, depts):
    from civicgrid.whistles.services import whistle_summon
    from tests.whistles.conftest import minutes

    w = raise_whistle(departments=[depts.cgzf])
    with pytest.raises(PermissionDenied):
        whistle_summon(actor=people.other_dispatcher, whistle=w, departments=[depts.rq])
    with pytest.raises(InvalidInput, match="已在召集之列"):
        whistle_summon(actor=people.dispatcher, whistle=w, departments=[depts.cgzf])
    [ri] = whistle_summon(actor=people.commander, whistle=w, departments=[depts.rq],
                          at=minutes(45))
    assert ri.deadline == minutes(75) and w.report_ins.count() == 2
