"""Fixtures for the indicator tests: actors for every role (tests/cases/conftest.py) around
street 110102001 of the hand-built territory, a hand-made plan, and a private MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.indicators.models import Aspect, Indicator, Plan, Target
from tests.cases.conftest import actors, department, other_department  # noqa: F401

D = dt.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(db):
    p = Plan.objects.create(code="test-plan", name="测试规划", period_start=D(2016, 1, 1),
                            period_end=D(2020, 12, 31))
    Aspect.objects.create(plan=p, code="service", name="社会服务", sort_order=1)
    Aspect.objects.create(plan=p, code="party", name="党的建设", sort_order=2)
    return p


def make_indicator(plan, code="coverage", *, aspect="service", baseline=None, final=None,
                   midterms=(), **fields) -> Indicator:
    """An indicator with targets given as (date, value) pairs for the city."""
    fields.setdefault("name", f"指标{code}")
    ind = Indicator.objects.create(
        plan=plan, code=code, aspect=plan.aspects.filter(code=aspect).first(), **fields)
    for kind, pairs in (("baseline", [baseline]), ("final", [final]), ("midterm", midterms)):
        for pair in pairs:
            if pair is not None:
                Target.objects.create(indicator=ind, kind=kind, date=pair[0],
                                      value=Decimal(str(pair[1])))
    return ind


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
