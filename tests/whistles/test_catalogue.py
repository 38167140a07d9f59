"""The default whistle catalogue: 3 areas, 15 categories, 32 problems, departments resolved to
the rows that exist, report-in limits, and a load that can run again without changing edits."""

from __future__ import annotations

from civicgrid.whistles.catalogue import catalogue_load_default
from civicgrid.whistles.models import ScoreItem, WhistleArea, WhistleCategory, WhistleProblem
from tests.factories import make_department


def test_default_catalogue_has_the_beijing_shape(catalogue, depts):
    assert WhistleCategory.objects.count() == 15
    assert WhistleProblem.objects.count() == 32
    assert set(WhistleCategory.objects.values_list("area", flat=True)) == set(WhistleArea.values)
    gas = catalogue["YJ0101"]
    assert gas.name == "燃气泄漏" and gas.category.area == WhistleArea.EMERGENCY_RESPONSE
    assert gas.report_in_minutes == 30
    # Only the departments that exist are linked (区应急管理局 was not created here).
    assert {d.code for d in gas.departments.all()} == {"BJ-RQ", "XC-GAFJ"}
    assert catalogue["ZD0201"].report_in_minutes == 120  # key work is planned, not urgent
    assert ScoreItem.objects.filter(applies_to="whistle").count() == 3
    assert ScoreItem.objects.filter(applies_to="case").count() == 3


def test_loading_again_creates_nothing_and_keeps_the_citys_edits(catalogue, depts):
    group_rent = catalogue["ZF0301"]
    group_rent.departments.set([depts.fgj])
    WhistleProblem.objects.filter(pk=group_rent.pk).update(report_in_minutes=45)
    assert catalogue_load_default() == 0
    group_rent.refresh_from_db()
    assert group_rent.report_in_minutes == 45
    assert list(group_rent.departments.all()) == [depts.fgj]
    assert WhistleProblem.objects.count() == 32


def test_departments_created_later_are_linked_to_problems_that_had_none(db):
    catalogue_load_default()
    collapse = WhistleProblem.objects.get(code="YJ0201")
    assert not collapse.departments.exists()
    make_department("XC-CGW", "西城区城市管理委员会")
    catalogue_load_default()
    assert [d.code for d in collapse.departments.all()] == ["XC-CGW"]
