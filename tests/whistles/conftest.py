"""Whistle fixtures: the hand-built territory (tests/factories.py), three departments, the
default catalogue and score items, and one user per role around 西长安街街道 (110102001).

The clock: T0 = Monday 2025-09-22 10:00 Beijing time. The whistles' place: (116.305, 39.905),
inside grid 110102001001001."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from civicgrid.whistles.catalogue import catalogue_load_default
from civicgrid.whistles.models import WhistleProblem
from tests.factories import STREET_E, STREET_W, XICHENG, Role, make_department, make_user

BJ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 9, 22, 10, 0, tzinfo=BJ)
LON, LAT = 116.305, 39.905


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def depts(db):
    return SimpleNamespace(
        cgzf=make_department("XC-CGZF", "西城区城管执法局"),
        fgj=make_department("XC-FGJ", "西城区房屋管理局"),
        gafj=make_department("XC-GAFJ", "北京市公安局西城分局"),
        rq=make_department("BJ-RQ", "北京市燃气集团有限责任公司", ""),
    )


@pytest.fixture
def catalogue(depts):
    catalogue_load_default()
    return {p.code: p for p in WhistleProblem.objects.all()}


@pytest.fixture
def people(territory, depts):
    return SimpleNamespace(
        dispatcher=make_user(Role.STREET_DISPATCHER, STREET_W, username="dispatcher"),
        commander=make_user(Role.STREET_COMMANDER, STREET_W, username="commander"),
        other_dispatcher=make_user(Role.STREET_DISPATCHER, STREET_E, username="east"),
        other_commander=make_user(Role.STREET_COMMANDER, STREET_E, username="east_cmd"),
        cgzf=make_user(Role.DEPARTMENT_HANDLER, username="cgzf", department=depts.cgzf),
        fgj=make_user(Role.DEPARTMENT_HANDLER, username="fgj", department=depts.fgj),
        gafj=make_user(Role.DEPARTMENT_HANDLER, username="gafj", department=depts.gafj),
        rq=make_user(Role.DEPARTMENT_HANDLER, username="rq", department=depts.rq),
        community=make_user(Role.COMMUNITY_STAFF, f"{STREET_W}001", username="community"),
        district=make_user(Role.DISTRICT_ADMIN, XICHENG, username="district"),
        city=make_user(Role.CITY_ADMIN, "", username="city"),
        resident=make_user(Role.RESIDENT, username="resident"),
    )


@pytest.fixture
def raise_whistle(catalogue, people):
    """raise_whistle(code="ZF0301", **overrides): 群租房 (城管执法、房管、公安; 30 minutes) in
    西长安街街道 by its dispatcher at T0."""
    from civicgrid.whistles.services import whistle_raise

    def make(code: str = "ZF0301", **kw):
        values = dict(actor=people.dispatcher, problem=catalogue[code],
                      description="某小区一套住房隔出12间出租，消防隐患大", lon=LON, lat=LAT,
                      at=T0)
        values.update(kw)
        return whistle_raise(**values)
    return make
