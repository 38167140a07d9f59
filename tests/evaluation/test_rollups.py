"""The rollup rows follow every change made through the real services (intake, the workflow
actions, merging) and always equal a full recomputation from the cases; the rebuild command
finds and repairs a corrupted row."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from civicgrid.cases import services as svc
from civicgrid.cases.models import Case, Channel
from civicgrid.cases.services.intake import case_intake
from civicgrid.cases.services.merge import case_merge
from civicgrid.cases.workflow import TRANSITIONS, Action, State
from civicgrid.core.errors import DomainError
from civicgrid.dispatch.models import Category
from civicgrid.evaluation.models import COUNTERS, CaseRollup, UnitDayRollup
from civicgrid.evaluation.rollups import rollup_rebuild
from civicgrid.territory.locator import reset_locator
from civicgrid.territory.models import District
from tests.cases.conftest import COMMUNITY, GRID, T0, at, create_case
from tests.cases.test_workflow_stateful import ACTORS, perform
from tests.factories import STREET_W, XICHENG, Role, make_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 9, 22)  # T0's day


def row(kind: str, code: str, category_id: int, day: dt.date = DAY) -> dict[str, int]:
    r = CaseRollup.objects.filter(unit_kind=kind, unit_code=code, category_id=category_id,
                                  day=day).values(*COUNTERS).first()
    return {k: v for k, v in (r or {}).items() if v}


def assert_exact() -> None:
    """Both rollup tables (CaseRollup and UnitDayRollup) equal a recomputation."""
    report = rollup_rebuild(check=True)
    assert report.ok, [d.describe() for d in report.differences]


# --- intake ----------------------------------------------------------------------------------

@pytest.fixture
def city(territory):
    District.objects.filter(code=XICHENG).update(abbr="XC")
    reset_locator()
    yield make_user(Role.RESIDENT)
    reset_locator()


def test_a_new_report_counts_as_received_in_its_units_on_its_local_day(city):
    reported = dt.datetime(2025, 9, 22, 23, 50, tzinfo=T0.tzinfo)  # 15:50 UTC
    result = case_intake(actor=city, channel=Channel.RESIDENT, description="井盖破了，很危险",
                         lon=116.325, lat=39.93, reported_at=reported)
    case = result.case
    assert case.grid_code
    for kind, code in (("district", XICHENG), ("street", case.street_code),
                       ("community", case.community_code), ("grid", case.grid_code)):
        assert row(kind, code, case.category_id or 0) == {"received": 1}
    assert CaseRollup.objects.filter(unit_kind="department").count() == 0
    assert_exact()


# --- the workflow ----------------------------------------------------------------------------

def test_the_whole_loop_keeps_the_rows_exact(make_case, actors, department, other_department,
                                             category):
    case = make_case(State.REPORTED)
    rollup_rebuild()
    dept, other = str(department.pk), str(other_department.pk)
    steps = [
        lambda c: svc.case_register(case=c, actor=actors.dispatcher, at=at(22, 10, 30)),
        lambda c: svc.case_dispatch(case=c, actor=actors.dispatcher, department=department,
                                    at=at(22, 11)),
        lambda c: svc.case_return(case=c, actor=actors.handler, reason="不属本单位",
                                  at=at(22, 11, 30)),
        lambda c: svc.case_dispatch(case=c, actor=actors.dispatcher,
                                    department=other_department, reason="改派", at=at(22, 14)),
        lambda c: svc.case_accept(case=c, actor=actors.other_handler, at=at(22, 15)),
        lambda c: svc.case_request_extension(case=c, actor=actors.other_handler, amount=2,
                                             reason="等待材料", at=at(23)),
        lambda c: svc.case_decide_extension(case=c, actor=actors.commander, approve=True,
                                            at=at(23, 11)),
        # the deadline (9-28, +2 working days, +the hour the request waited) is 10-09 10:00
        # after the National Day holiday: on 9-30 afternoon it is yellow
        lambda c: svc.case_supervise(case=c, actor=actors.commander, note="请加快",
                                     at=at(30, 16)),
        lambda c: svc.case_report_back(case=c, actor=actors.other_handler, note="已修",
                                       at=at(30, 16, 30)),
        lambda c: svc.case_verify(case=c, actor=actors.grid_worker, passed=False,
                                  note="没修好", at=at(30, 16, 40)),
        lambda c: svc.case_report_back(case=c, actor=actors.other_handler, note="已修好",
                                       at=at(9, 9, 30, month=10)),
        lambda c: svc.case_verify(case=c, actor=actors.grid_worker, passed=True,
                                  at=at(9, 11, month=10)),
        lambda c: svc.case_close(case=c, actor=actors.dispatcher, at=at(10, 14, month=10)),
        lambda c: svc.case_rate(case=c, actor=actors.resident, rating="basically_satisfied",
                                solved=True, at=at(11, month=10)),
    ]
    for step in steps:
        case = step(case)
        assert_exact()
    assert row("department", dept, category.pk) == {}  # it returned the case: not its unit
    assert row("department", other, category.pk) == {
        "received": 1, "dispatched": 1, "responded": 1, "responded_on_time": 1,
        "reported_back": 1, "closed": 1, "closed_on_time": 1, "solved": 1, "rated": 1,
        "basically_satisfied": 1, "reworked": 1, "extended": 1, "returned": 1,
        "supervised": 1}
    assert row("street", STREET_W, category.pk) == row("department", other, category.pk)

    case = svc.case_reopen(case=case, actor=actors.dispatcher, reason="又坏了",
                           at=at(13, month=10))
    assert_exact()
    assert row("department", other, category.pk) == {}  # waiting for a new dispatch
    assert {"closed", "rated", "solved"}.isdisjoint(row("street", STREET_W, category.pk))
    assert row("street", STREET_W, category.pk)["reopened"] == 1


def test_registering_under_another_category_moves_the_case(make_case, actors, category):
    other = Category.objects.create(code="T-LAMP", name="路灯不亮", stream=category.stream,
                                    kind=category.kind)
    case = make_case(State.REPORTED)
    rollup_rebuild()
    svc.case_register(case=case, actor=actors.dispatcher, category=other, at=at(22, 11))
    assert row("grid", GRID, category.pk) == {}
    assert row("grid", GRID, other.pk) == {"received": 1}
    assert_exact()


def test_a_merged_duplicate_leaves_only_the_target_counted(make_case, actors, category):
    target, duplicate = make_case(State.REGISTERED), make_case(State.REPORTED)
    rollup_rebuild()
    assert row("community", COMMUNITY, category.pk) == {"received": 2}
    case_merge(duplicate=duplicate, into=target, actor=actors.dispatcher)
    assert row("community", COMMUNITY, category.pk) == {"received": 1}
    assert_exact()


def test_a_failed_change_leaves_the_rows_alone(make_case, actors, category):
    case = make_case(State.REGISTERED)
    rollup_rebuild()
    before = row("street", STREET_W, category.pk)
    with pytest.raises(DomainError):
        svc.case_dispatch(case=case, actor=actors.resident, department=None, area_code=STREET_W)
    assert row("street", STREET_W, category.pk) == before


# --- the rebuild -----------------------------------------------------------------------------

def _command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("evaluation", "rebuild", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_check_reports_a_corrupted_row_and_rebuild_repairs_it(make_case, category):
    make_case(State.CLOSED, rating="satisfied", solved=True)
    make_case(State.HANDLING)
    rollup_rebuild()
    assert _command("--check")[0] == 0
    CaseRollup.objects.filter(unit_kind="street", unit_code=STREET_W).update(
        closed=F("closed") + 1)
    status, out = _command("--check")
    assert status == 1
    assert f"street:{STREET_W} 分类{category.pk} 2025-09-22: closed 2→1" in out
    report = rollup_rebuild(check=True)
    assert report.different == 1 and report.differences[0].stored["closed"] == 2
    assert _command()[0] == 0
    assert _command("--check")[0] == 0
    assert row("street", STREET_W, category.pk)["closed"] == 1


def test_check_reports_missing_and_stray_rows(make_case, category):
    make_case(State.REPORTED)
    rollup_rebuild()
    CaseRollup.objects.filter(unit_kind="grid").delete()
    CaseRollup.objects.create(unit_kind="grid", unit_code="110102001002002", category_id=0,
                              day=DAY, received=1)
    report = rollup_rebuild(check=True)
    assert report.different == 2
    assert {(d.unit_code, d.expected["received"], d.stored["received"])
            for d in report.differences} == {(GRID, 1, 0), ("110102001002002", 0, 1)}


def test_rebuild_of_some_days_leaves_the_other_days_alone(make_case, category):
    make_case(State.REPORTED, reported_at=at(22))
    make_case(State.REPORTED, reported_at=at(24))
    rollup_rebuild()
    CaseRollup.objects.update(received=F("received") + 5)
    assert _command("--from", "2025-09-24", "--to", "2025-09-24")[0] == 0
    assert row("grid", GRID, category.pk, dt.date(2025, 9, 24)) == {"received": 1}
    assert row("grid", GRID, category.pk, DAY) == {"received": 6}
    assert rollup_rebuild(check=True, days=(DAY, DAY)).different == 4  # four units on the 22nd
    assert _command("--check", "--from", "2025-09-23", "--to", "2025-09-30")[0] == 0


# --- random sequences of real service calls --------------------------------------------------

N_CASES = 2
ROLES_IN_STATE: dict[str, set[str]] = {}
for (_state, _action), (_next, _roles) in TRANSITIONS.items():
    ROLES_IN_STATE.setdefault(_state, set()).update(_roles)
# Most steps take the first of these that is offered, so that ~10 steps per case reach the
# deep states (rework, extension, rating, reopening); the rest take any offered action.
PREFERRED = [Action.REGISTER, Action.DISPATCH, Action.ACCEPT, Action.ASSIST_REPORT,
             Action.APPROVE_EXTENSION, Action.REPORT_BACK, Action.VERIFY_PASS, Action.CLOSE,
             Action.RATE, Action.REOPEN]
# Detours the main loop would skip, preferred on some other steps.
DETOURS = [Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION, Action.VERIFY_FAIL,
           Action.RETURN, Action.SUPERVISE]
SINKS = (Action.MERGE, Action.REJECT)


def make_machine(ctx):
    class Rollups(RuleBasedStateMachine):
        """Walk a few cases through the actions the service offers; after every step the
        rollup rows of both tables (CaseRollup, UnitDayRollup) must equal the recomputation."""

        def __init__(self):
            super().__init__()
            self.now = T0
            self.cases = [create_case(State.REPORTED, category=ctx.category,
                                      reported_at=T0 + dt.timedelta(hours=13 * i))
                          for i in range(N_CASES)]
            rollup_rebuild()  # cases made directly, not through intake

        def _offer(self, case, who: int):
            """The first actor (from `who` on) to whom the service offers something."""
            names = [k for k in ACTORS
                     if getattr(ctx.actors, k).role in ROLES_IN_STATE.get(case.state, ())]
            for j in range(len(names)):
                actor = getattr(ctx.actors, names[(who + j) % len(names)])
                if offered := svc.available_actions(case, actor, at=self.now):
                    return actor, offered
            return None, []

        @rule(i=st.integers(0, N_CASES - 1), who=st.integers(0, 99), pick=st.integers(0, 99),
              variant=st.integers(0, 11), hours=st.integers(0, 30))
        def act(self, i, who, pick, variant, hours):
            self.now += dt.timedelta(hours=hours)
            case = Case.objects.get(pk=self.cases[i].pk)
            actor, offered = self._offer(case, who)
            if pick >= 10:  # merging and rejecting end a walk: only now and then
                offered = [a for a in offered if a not in SINKS]
            if 10 <= pick < 80:
                prefer = PREFERRED if pick < 60 else DETOURS + PREFERRED
                offered = [a for a in prefer if a in offered][:1] or offered
            if not offered:
                return
            action = offered[pick % len(offered)]
            with contextlib.suppress(DomainError):  # refused: nothing changes (invariant)
                if action == Action.REGISTER and variant % 2:
                    # another category: the CaseRollup rows move, the UnitDayRollup rows not
                    svc.case_register(case=case, actor=actor, category=ctx.other_category,
                                      at=self.now)
                else:
                    perform(ctx, case, action, actor, variant, self.now, self.cases)

        @invariant()
        def rollups_equal_a_rebuild(self):
            assert_exact()

    return Rollups


def test_random_sequences_of_service_calls_keep_the_rollups_exact(make_case, actors, category,
                                                                   department,
                                                                   other_department):
    other = Category.objects.create(code="T-LAMP", name="路灯不亮", stream=category.stream,
                                    kind=category.kind)
    ctx = SimpleNamespace(actors=actors, category=category, department=department,
                          other_department=other_department, other_category=other)
    run_state_machine_as_test(make_machine(ctx), settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))


def test_a_big_rewrite_keeps_the_secondary_index(make_case, category, monkeypatch):
    from django.db import connection

    from civicgrid.evaluation import rollups_rebuild

    monkeypatch.setattr(rollups_rebuild, "BIG_WRITE", 1)  # take the path of large rebuilds
    make_case(State.CLOSED, rating="satisfied", solved=True)
    # district, street, community, grid, department; in CaseRollup and in UnitDayRollup
    assert rollup_rebuild().written == 10
    assert_exact()
    for model in (CaseRollup, UnitDayRollup):
        with connection.cursor() as cur:
            found = connection.introspection.get_constraints(cur, model._meta.db_table)
        assert any(c["columns"] == ["unit_kind", "day"] and c["index"] for c in found.values())


def test_the_rebuild_reads_times_the_same_on_older_sqlite(make_case, monkeypatch):
    """SQLite before 3.38 has no unixepoch(): the rebuild falls back to strftime('%s')."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    make_case(State.CLOSED, rating="satisfied", solved=True,
              accepted_at=T0 + dt.timedelta(hours=3, microseconds=500))
    rollup_rebuild()
    monkeypatch.setattr(connection.Database, "sqlite_version_info", (3, 37, 2))
    assert_exact()
