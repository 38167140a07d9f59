"""Shared case fixtures: a category, departments, actors for every role around one place, and
`make_case(state, **fields)` that creates a case directly in any workflow state (no services,
no events: version 0), with the fields that state implies.

The place: grid 110102001001001 in community 110102001001 of street 110102001 (西城区), the
hand-built territory of tests/factories.py. The clock: T0 = Monday 2025-09-22 10:00 in Beijing,
a week before the National Day holiday (9-28 is a make-up working day, 10-01..10-08 are off)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, Channel, Extension, Reporter
from civicgrid.cases.workflow import State
from civicgrid.core.calendar import get_calendar
from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
from tests.factories import STREET_E, STREET_W, XICHENG, make_department, make_user

BJ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2025, 9, 22, 10, 0, tzinfo=BJ)
COMMUNITY = f"{STREET_W}001"
GRID = f"{COMMUNITY}001"
REPORTER_PHONE = "13800138000"

# States at or after dispatch: the case has a handling unit and a handling deadline.
_DISPATCHED_ON = {State.DISPATCHED, State.HANDLING, State.EXTENSION_REQUESTED, State.SUSPENDED,
                  State.REPORTED_BACK, State.VERIFIED, State.CLOSED}
_ACCEPTED_ON = _DISPATCHED_ON - {State.DISPATCHED}
_numbers = itertools.count(1)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 9) -> dt.datetime:
    """A Beijing time in 2025 (September unless told)."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=BJ)


@pytest.fixture
def category(db):
    """A component whose owner only the responsibility list knows: with no routing rule the
    router suggests nobody, so dispatching anywhere needs no override reason."""
    return Category.objects.create(
        code="T-ROAD", name="道路破损", stream=Stream.CITY_MANAGEMENT,
        kind=CategoryKind.COMPONENT, default_unit_kind=UnitKind.DEPARTMENT,
        register_limit=2, register_unit="working_hours", dispatch_limit=2,
        dispatch_unit="working_hours", handle_limit=5, handle_unit="working_days")


@pytest.fixture
def fresh_router(db):
    """The routing module caches its router per process for a few seconds; tests roll their
    rows back, so start from the rules this test's database really holds."""
    from civicgrid.dispatch.routing import get_router

    get_router(refresh=True)


@pytest.fixture
def department(db):
    return make_department()


@pytest.fixture
def other_department(db):
    return make_department(code="XC-FGJ", name="西城区房管局")


@pytest.fixture
def actors(db, department, other_department):
    """One user per role around the case's place, plus outsiders."""
    resident = make_user(Role.RESIDENT, username="resident")
    resident.phone = REPORTER_PHONE
    resident.save(update_fields=["phone"])
    superuser = make_user(Role.CITY_ADMIN, username="root")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    return SimpleNamespace(
        dispatcher=make_user(Role.STREET_DISPATCHER, STREET_W, username="dispatcher"),
        commander=make_user(Role.STREET_COMMANDER, STREET_W, username="commander"),
        community=make_user(Role.COMMUNITY_STAFF, COMMUNITY, username="community"),
        grid_worker=make_user(Role.GRID_WORKER, GRID, username="grid_worker"),
        handler=make_user(Role.DEPARTMENT_HANDLER, username="handler", department=department),
        other_handler=make_user(Role.DEPARTMENT_HANDLER, username="other_handler",
                                department=other_department),
        district=make_user(Role.DISTRICT_ADMIN, XICHENG, username="district"),
        city=make_user(Role.CITY_ADMIN, "", username="city"),
        resident=resident,
        stranger=make_user(Role.RESIDENT, username="stranger"),
        other_dispatcher=make_user(Role.STREET_DISPATCHER, STREET_E, username="other_dispatcher"),
        auditor=make_user(Role.AUDITOR, "", username="auditor"),
        superuser=superuser,
    )


def create_case(state: str = State.REPORTED, *, category=None, department=None,
                reported_at: dt.datetime = T0, reporter_phone: str = REPORTER_PHONE,
                **fields) -> Case:
    """A case created directly in `state` with the fields that state implies (override any).
    Cases at or after dispatch are handled by `department` unless unit fields are given."""
    values = dict(
        number=f"XC-TEST-{next(_numbers):06d}", channel=Channel.HOTLINE, state=state,
        category=category, stream=category.stream if category else "",
        description="路面塌陷，有积水", reported_at=reported_at, lon=116.305, lat=39.905,
        location_source="gps", district_code=XICHENG, street_code=STREET_W,
        community_code=COMMUNITY, grid_code=GRID)
    if state not in (State.REPORTED, State.REJECTED):
        values["registered_at"] = reported_at
    if state in _DISPATCHED_ON:
        if "unit_area_code" not in fields and "unit_department" not in fields:
            values["unit_department"] = department
        values["dispatched_at"] = reported_at
        values["handle_deadline"] = get_calendar().add(reported_at, 5, "working_days")
    if state in _ACCEPTED_ON:
        values["accepted_at"] = reported_at
    if state in (State.REPORTED_BACK, State.VERIFIED, State.CLOSED):
        values["reported_back_at"] = reported_at
    if state == State.CLOSED:
        values["closed_at"] = reported_at
    if state == State.SUSPENDED:
        values["review_date"] = reported_at.date() + dt.timedelta(days=30)
    values.update(fields)
    case = Case.objects.create(**values)
    if reporter_phone:
        Reporter.objects.create(case=case, name="张三", phone=reporter_phone,
                                channel=case.channel, reported_at=reported_at)
    if state == State.EXTENSION_REQUESTED:
        Extension.objects.create(case=case, requested_at=reported_at, amount=3,
                                 unit="working_days", reason="需要协调施工队")
    return case


@pytest.fixture
def make_case(db, category, department, fresh_router):
    """make_case(state=State.REPORTED, **fields) -> Case; see create_case."""
    def make(state: str = State.REPORTED, **fields) -> Case:
        fields.setdefault("category", category)
        fields.setdefault("department", department)
        return create_case(state, **fields)
    return make
