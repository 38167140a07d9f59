"""`civicgrid demo load`: the territory, staffing by the rule, departments and demo accounts."""

from io import StringIO

import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from civicgrid.accounts.models import Role, User
from civicgrid.core.geo import area_m2
from civicgrid.demo.load import demo_load
from civicgrid.demo.users import DEMO_PASSWORD
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import (
    Community,
    District,
    Force,
    Grid,
    GridAssignment,
    GridWorker,
    Street,
    TerritoryRevision,
)

SHIJINGSHAN = "110107"  # fewest communities: 9 streets, 153 communities, 306 grids


def _counts():
    return [m.objects.count() for m in (District, Street, Community, Grid, GridWorker,
                                        GridAssignment, Department, User)]


def _load(*args) -> str:
    if "--cases" not in args:
        args = (*args, "--cases", "0")  # the territory tests need no cases
    out = StringIO()
    call_command("demo", "load", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_loading_one_district_twice_is_idempotent():
    first = _load("--districts", SHIJINGSHAN)
    counts = _counts()
    assert counts[:4] == [1, 9, 153, 306]
    revision = TerritoryRevision.objects.get().revision
    second = _load("--districts", SHIJINGSHAN)
    assert _counts() == counts
    assert TerritoryRevision.objects.get().revision == revision  # nothing changed: no reload
    assert "已生成" in first and "沿用" in second
    for text in (first, second):
        for url in ("http://127.0.0.1:8000/", "/territory/", "/admin/"):
            assert url in text
        assert "dispatcher" in text and DEMO_PASSWORD in text


@pytest.mark.django_db
def test_stored_geometry_and_area_match_the_builder():
    demo_load([SHIJINGSHAN])
    grid = Grid.objects.order_by("code").first()
    assert grid.code.startswith("110107001") and grid.code.endswith("001")
    shape = grid.shape
    assert shape.is_valid and shape.geom_type == "Polygon"
    assert grid.area_m2 == pytest.approx(area_m2(shape))
    assert (grid.community_id, grid.street_id, grid.district_id) == (
        grid.code[:12], grid.code[:9], SHIJINGSHAN)
    community = Community.objects.get(code=grid.community_id)
    union = shapely.union_all([g.shape for g in community.grids.all()])
    assert shapely.symmetric_difference(union, community.shape).area < 1e-4 * community.shape.area


@pytest.mark.django_db
def test_staffing_follows_one_grid_many_grids_many_workers():
    demo_load([SHIJINGSHAN])
    grids = set(Grid.objects.values_list("code", flat=True))
    per_worker = dict(GridWorker.objects.annotate(n=Count("assignments"))
                      .values_list("id", "n"))
    force = dict(GridWorker.objects.values_list("id", "force"))
    basic_per_grid = {}
    response_per_grid = {}
    for worker_id, grid in GridAssignment.objects.values_list("worker_id", "grid_id"):
        kind = force[worker_id]
        if kind == Force.BASIC:
            basic_per_grid[grid] = basic_per_grid.get(grid, 0) + 1
        elif kind == Force.RESPONSE:
            response_per_grid[grid] = response_per_grid.get(grid, 0) + 1
    assert basic_per_grid == dict.fromkeys(grids, 1)  # every grid exactly one basic worker
    assert all(per_worker[w] == 1 for w, f in force.items() if f == Force.BASIC)
    specialists = [per_worker[w] for w, f in force.items() if f == Force.SPECIALIST]
    assert specialists and min(specialists) >= 2
    assert set(response_per_grid) == grids and min(response_per_grid.values()) >= 2
    names = list(GridWorker.objects.order_by("id").values_list("name", flat=True))
    assert all(2 <= len(n) <= 3 for n in names)


@pytest.mark.django_db
def test_one_account_per_role_scoped_to_the_loaded_territory():
    demo_load([SHIJINGSHAN])
    users = {u.role: u for u in User.objects.filter(username__in=[
        "resident", "gridworker", "community", "dispatcher", "commander", "handler",
        "districtadmin", "admin", "auditor"])}
    assert set(users) == set(Role)
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    # Xicheng was not loaded: the scopes fall back to nodes that exist.
    assert Grid.objects.filter(code=users[Role.GRID_WORKER].area_code).exists()
    assert Community.objects.filter(code=users[Role.COMMUNITY_STAFF].area_code).exists()
    assert Street.objects.filter(code=users[Role.STREET_DISPATCHER].area_code).exists()
    assert users[Role.DISTRICT_ADMIN].area_code == SHIJINGSHAN
    assert users[Role.DEPARTMENT_HANDLER].department.name == "西城区城管执法局"
    admin = users[Role.CITY_ADMIN]
    assert admin.is_staff and admin.is_superuser and admin.area_code == ""
    assert {r for r, u in users.items() if u.is_staff} == {Role.DISTRICT_ADMIN, Role.CITY_ADMIN}
    worker = users[Role.GRID_WORKER].grid_worker
    assert worker.force == Force.BASIC
    assert list(worker.grids.values_list("code", flat=True)) == [users[Role.GRID_WORKER].area_code]


@pytest.mark.django_db
def test_force_regenerates_the_district_and_relinks_the_grid_worker():
    demo_load([SHIJINGSHAN])
    counts = _counts()
    codes = list(Grid.objects.order_by("code").values_list("code", "geometry"))
    _load("--districts", SHIJINGSHAN, "--force")
    assert _counts() == counts
    assert list(Grid.objects.order_by("code").values_list("code", "geometry")) == codes
    assert GridWorker.objects.filter(user__username="gridworker").count() == 1


@pytest.mark.django_db
def test_unknown_district_is_refused_with_a_message():
    with pytest.raises(CommandError, match="不是北京市的区县编码"):
        _load("--districts", "120101")
    assert District.objects.count() == 0


@pytest.mark.django_db
def test_info_without_a_city_says_how_to_load_it():
    out = StringIO()
    call_command("demo", "info", stdout=out)
    assert "civicgrid demo load" in out.getvalue()


@pytest.mark.django_db
def test_xicheng_demo_accounts_stand_on_yuetan():
    demo_load(["110102"])
    assert Grid.objects.count() == 1541
    users = {u.username: u for u in User.objects.all()}
    assert users["dispatcher"].area_code == users["commander"].area_code == "110102007"
    assert users["community"].area_code == "110102007006"
    assert users["gridworker"].area_code.startswith("110102007006")
    assert users["districtadmin"].area_code == "110102"
    assert users["gridworker"].grid_worker.grids.get().code == users["gridworker"].area_code


@pytest.mark.django_db
def test_demo_load_adds_cases_and_whistles_once():
    """`make demo` loads months of cases with their rollups and the demo whistles; run again,
    it adds nothing."""
    from civicgrid.cases.models import Case
    from civicgrid.evaluation.models import UnitDayRollup
    from civicgrid.evaluation.rollups import rollup_rebuild
    from civicgrid.whistles.models import Whistle

    out = _load("--districts", "110102", "--cases", "300")
    assert Case.objects.count() == 300 and "导入 300 个案件" in out
    assert sum(UnitDayRollup.objects.filter(unit_kind="district")
               .values_list("received", flat=True)) > 0
    assert rollup_rebuild(check=True).different == 0
    assert Whistle.objects.filter(street_code="110102007").exists()
    again = _load("--districts", "110102", "--cases", "300")
    assert Case.objects.count() == 300 and "已有 300 个，沿用" in again
