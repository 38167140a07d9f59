"""A bulk import keeps the evaluation rollups exact: each chunk's cases are added to the rollup
rows in the import's own transaction (from the chunk's columns, nothing read back), so the
rankings read the imported cases at once and never half an import."""

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


def test_a_second_import_of_the_same_days_adds_to_the_rows(city):
    first = generate_cases(300, start=START, end=END, seed=13, chunk_size=150)
    import_batches(((b, []) for b in first), now=END)
    before = CaseRollup.objects.count()
    second = generate_cases(300, start=START, end=END, seed=14, chunk_size=120)
    import_batches(((b, []) for b in second), now=END)
    streets = CaseRollup.objects.filter(unit_kind="street")
    assert sum(streets.values_list("received", flat=True)) == 600
    assert CaseRollup.objects.count() > before
    departments = CaseRollup.objects.filter(unit_kind="department")
    assert departments.exists()  # dispatched cases count for their handling department
    assert rollup_rebuild(check=True).different == 0


def test_an_import_that_fails_half_way_leaves_the_rollups_as_they_were(city):
    from civicgrid.cases.models import Case

    import_batches(((b, []) for b in generate_cases(200, start=START, end=END, seed=15)),
                   now=END)
    stored = sorted(CaseRollup.objects.values_list("unit_kind", "unit_code", "category_id",
                                                    "day", "received", "closed"))

    def batches():
        for i, b in enumerate(generate_cases(300, start=START, end=END, seed=16,
                                             chunk_size=100)):
            if i == 2:
                raise OSError("disk gone")
            yield b, []

    with pytest.raises(OSError):
        import_batches(batches(), now=END)
    assert Case.objects.count() == 200
    assert sorted(CaseRollup.objects.values_list("unit_kind", "unit_code", "category_id",
                                                 "day", "received", "closed")) == stored
    assert rollup_rebuild(check=True).different == 0
