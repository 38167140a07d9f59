"""Shared by the command-centre, workbench and case-action tests: the case fixtures of
tests/cases/conftest.py (import these names into a test module to use them), a signed-in HTTPS
client, a category on the always-running clock and a responsibility-list rule."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.dispatch.models import Category, CategoryKind, RoutingRule, Stream, UnitKind
from tests.cases import conftest as case_fixtures
from tests.factories import XICHENG

actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def get(user, url: str, **params):
    return client(user).get(url, params, secure=True)


def post(user, url: str, data=None, **kw):
    return client(user).post(url, data or {}, secure=True, **kw)


def html(resp) -> str:
    assert resp.status_code == 200, (resp.status_code, resp.content[:500])
    return resp.content.decode()


def numbers_in(page: str, pattern: str = r'<tr class="case-row[^"]*" data-number="([^"]+)"') \
        -> list[str]:
    return re.findall(pattern, page)


@pytest.fixture
def hourly(db):
    """A category on the always-running clock (emergency hours), so deadlines and warning
    levels do not depend on whether the test runs on a working day."""
    return Category.objects.create(
        code="T-HOURLY", name="燃气泄漏", stream=Stream.EMERGENCY_RESPONSE,
        kind=CategoryKind.EVENT, default_unit_kind=UnitKind.DEPARTMENT, register_limit=2,
        register_unit="emergency_hours", dispatch_limit=2, dispatch_unit="emergency_hours",
        handle_limit=100, handle_unit="emergency_hours")


@pytest.fixture
def rule(category, department, fresh_router):
    """The responsibility list sends 道路破损 in 西城区 to the department (西城区城管执法局)."""
    from civicgrid.dispatch.routing import get_router

    made = RoutingRule.objects.create(category=category, area_code=XICHENG, target="department",
                                      department=department, note="西城区责任清单第3条")
    get_router(refresh=True)
    return made


def ago(**kw) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kw)


def later(**kw) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kw)
