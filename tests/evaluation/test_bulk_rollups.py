"""A bulk import keeps the evaluation rollups exact: the days it touched are recomputed in the
same transaction, so the rankings read the imported cases at once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.bulk import import_batches
from civicgrid.cases.generate import generate_cases
from civicgrid.evaluation.models import CaseRollup
from civicgrid.evaluation.rollups import rollup_rebuild

BJ = ZoneInfo("Asia/Shanghai")
START, END = dt.date(2025, 9, 1), dt.datetime(2025, 11, 1, tzinfo=BJ)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(territory):
    from civicgrid.demo.routing import ensure_demo_routing

    ensure_demo_routing()
    return territory


def test_imported_cases_are_in_the_rollups_and_they_equal_a_recomputation(city):
    chunks = generate_cases(600, start=START, end=END, seed=11, chunk_size=250)
    report = import_batches(((b, []) for b in chunks), now=END)
    assert report.imported == 600
    streets = CaseRollup.objects.filter(unit_kind="street")
    assert sum(streets.values_list("received", flat=True)) == 600
    assert rollup_rebuild(check=True).different == 0


def test_a_dry_run_leaves_no_rollups(city):
    chunks = generate_cases(100, start=START, end=END, seed=12, chunk_size=100)
    import_batches(((b, []) for b in chunks), now=END, dry_run=True)
    assert not CaseRollup.objects.exists()
