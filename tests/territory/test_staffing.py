"""Staffing: 基础力量一员一格、专业力量一员多格、响应力量多员一格.

The `territory` fixture has 8 grids in 西城区 (4 per street) and 1 in 朝阳区."""

import json

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.errors import Conflict, PermissionDenied
from civicgrid.territory.models import Force, Grid, GridAssignment, GridWorker
from civicgrid.territory.staffing import (
    grid_assign,
    grid_staff_counts,
    grid_unassign,
    grid_worker_create,
    staffing_report,
)
from tests.factories import STREET_CY, STREET_E, STREET_W, Role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes ~0.2 s per account: far too slow for tests that create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def worker(name, force, street, grids=(), active=True):
    w = GridWorker.objects.create(name=name, force=force, street_id=street,
                                  district_id=street[:6], active=active)
    for code in grids:
        GridAssignment.objects.create(worker=w, grid_id=code)
    return w


def staff_cleanly():
    """One basic worker per grid, one specialist on each street's grids, one response worker
    per street covering all its grids."""
    for grid in Grid.objects.all():
        worker(f"基础{grid.code}", Force.BASIC, grid.street_id, [grid.code])
    for street in (STREET_W, STREET_E, STREET_CY):
        codes = list(Grid.objects.filter(street_id=street).values_list("code", flat=True))
        worker(f"响应{street}", Force.RESPONSE, street, codes)
    xicheng = list(Grid.objects.filter(district_id="110102").values_list("code", flat=True))
    worker("城管李", Force.SPECIALIST, STREET_W, xicheng)
    worker("民警赵", Force.SPECIALIST, STREET_CY, ["110105001001001", "110102003001001"])


def test_a_clean_configuration_reports_no_violation(territory):
    staff_cleanly()
    report = staffing_report()
    assert report.violations == []
    c = report.coverage
    assert (c.grids, c.grids_one_basic, c.grids_with_response) == (9, 9, 9)
    assert (c.grids_one_basic_pct, c.grids_with_response_pct) == (100.0, 100.0)
    assert (c.basic_workers, c.specialists, c.response_workers) == (9, 2, 3)
    assert c.grids_per_specialist == 5.0  # (8 + 2) / 2


def test_every_rule_is_reported_with_names(territory):
    staff_cleanly()
    g1, g2, g3, g4 = ("110102001001001", "110102001001002", "110102001002001",
                      "110102001002002")
    # g1's basic worker leaves it (and has no grid now); 张三 takes g1 and also works g3.
    GridAssignment.objects.filter(grid_id=g1, worker__force=Force.BASIC).delete()
    unassigned = GridWorker.objects.get(name=f"基础{g1}")
    worker("王二", Force.BASIC, STREET_W, [g2])  # g2: two basic workers
    moonlighter = worker("张三", Force.BASIC, STREET_W, [g1, g3])
    idle = worker("李四", Force.BASIC, STREET_W)
    lone = worker("刘五", Force.SPECIALIST, STREET_W, [g4])
    idle_specialist = worker("陈六", Force.SPECIALIST, STREET_W)
    GridAssignment.objects.filter(grid_id=g4, worker__force=Force.RESPONSE).delete()
    # Inactive workers count for nothing, in either direction.
    worker("退休周", Force.BASIC, STREET_W, [g4], active=False)
    worker("退休吴", Force.SPECIALIST, STREET_W, active=False)

    report = staffing_report()
    got = {(v.rule, v.grid_code, v.worker_id) for v in report.violations}
    assert got == {
        ("grid_many_basic", g2, None),
        ("grid_many_basic", g3, None),  # 张三 sits on g3 beside its own basic worker
        ("basic_many_grids", "", moonlighter.pk),
        ("basic_no_grid", "", idle.pk),
        ("basic_no_grid", "", unassigned.pk),
        ("specialist_one_grid", "", lone.pk),
        ("specialist_no_grid", "", idle_specialist.pk),
        ("grid_no_response", g4, None),
    }
    many = next(v for v in report.violations if v.rule == "grid_many_basic" and v.grid_code == g2)
    assert "王二" in many.message_zh and "一员一格" in many.message_zh
    assert report.coverage.grids_one_basic == 7  # all but g2 and g3 (g1 has 张三 alone)
    assert report.coverage.grids_with_response == 8


def test_grid_without_basic_and_inactive_worker_not_counted(territory):
    staff_cleanly()
    GridWorker.objects.filter(grids__code="110102003002002", force=Force.BASIC).update(
        active=False)
    rules = {(v.rule, v.grid_code) for v in staffing_report().violations}
    assert rules == {("grid_no_basic", "110102003002002")}


def test_report_for_one_area_only_looks_inside_it(territory):
    # Nobody is staffed: every grid of the street lacks basic and response force.
    worker("李四", Force.BASIC, STREET_E)
    report = staffing_report(STREET_W)
    assert report.coverage.grids == 4
    assert {v.grid_code for v in report.violations} == {
        "110102001001001", "110102001001002", "110102001002001", "110102001002002"}
    assert staffing_report("110102001001").coverage.grids == 2


def test_report_uses_a_fixed_number_of_queries(territory, django_assert_max_num_queries):
    staff_cleanly()
    with django_assert_max_num_queries(6):
        staffing_report()


def test_grid_staff_counts_for_the_map(territory):
    staff_cleanly()
    counts = grid_staff_counts(["110102001001001", "110105001001001", "110102003002002"])
    assert counts["110102001001001"] == {"basic": 1, "specialist": 1, "response": 1}
    assert counts["110105001001001"] == {"basic": 1, "specialist": 1, "response": 1}
    assert counts["110102003002002"] == {"basic": 1, "specialist": 1, "response": 1}
    assert grid_staff_counts([]) == {}


def test_cli_prints_coverage_and_violations_and_fails_on_any(territory, capsys):
    staff_cleanly()
    call_command("territory", "staffing")
    assert "100.0%" in capsys.readouterr().out
    GridAssignment.objects.filter(grid_id="110102001001001", worker__force=Force.RESPONSE).delete()
    with pytest.raises(CommandError):
        call_command("territory", "staffing", "--area", STREET_W)
    assert "没有响应力量" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("territory", "staffing", "--json")
    data = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in data["violations"]] == ["grid_no_response"]


def test_commander_staffs_own_street_only(territory):
    commander = make_user(Role.STREET_COMMANDER, STREET_W)
    own_grid, other_grid = territory["110102001001001"], territory["110102003001001"]
    w = grid_worker_create(actor=commander, name="张三", phone="13800000000", force=Force.BASIC,
                           street=territory[STREET_W], organisation="西长1号社区居委会")
    assert w.district_id == "110102"
    grid_assign(actor=commander, worker=w, grid=own_grid)
    assert list(w.grids.values_list("code", flat=True)) == [own_grid.code]
    with pytest.raises(PermissionDenied):
        grid_assign(actor=commander, worker=w, grid=other_grid)
    with pytest.raises(PermissionDenied):
        grid_worker_create(actor=commander, name="李四", phone="", force=Force.BASIC,
                           street=territory[STREET_E])
    stranger = make_user(Role.STREET_COMMANDER, STREET_E)
    with pytest.raises(PermissionDenied):
        grid_unassign(actor=stranger, worker=w, grid=own_grid)
    with pytest.raises(PermissionDenied):  # a dispatcher sees staffing but does not change it
        grid_unassign(actor=make_user(Role.STREET_DISPATCHER, STREET_W), worker=w, grid=own_grid)
    grid_unassign(actor=commander, worker=w, grid=own_grid)
    assert not w.grids.exists()


def test_assign_refuses_to_break_one_basic_worker_one_grid(territory):
    admin = make_user(Role.DISTRICT_ADMIN, "110102")
    a = grid_worker_create(actor=admin, name="甲", phone="", force=Force.BASIC, street=STREET_W)
    b = grid_worker_create(actor=admin, name="乙", phone="", force=Force.BASIC, street=STREET_W)
    spec = grid_worker_create(actor=admin, name="丙", phone="", force=Force.SPECIALIST,
                              street=STREET_W)
    g1, g2 = territory["110102001001001"], territory["110102001001002"]
    grid_assign(actor=admin, worker=a, grid=g1)
    with pytest.raises(Conflict):
        grid_assign(actor=admin, worker=a, grid=g2)  # a basic worker on a second grid
    with pytest.raises(Conflict):
        grid_assign(actor=admin, worker=b, grid=g1)  # a second basic worker on a grid
    with pytest.raises(Conflict):
        grid_assign(actor=admin, worker=a, grid=g1)  # already there
    grid_assign(actor=admin, worker=spec, grid=g1)
    grid_assign(actor=admin, worker=spec, grid=g2)
    assert GridAssignment.objects.count() == 3
