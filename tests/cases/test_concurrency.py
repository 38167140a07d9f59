"""Two people act on one case at once: exactly one wins, the other gets a Conflict, and exactly
one event is written. Real threads against PostgreSQL; on SQLite (one writer at a time, and the
tests' in-memory database is not shared between threads) the same conditional-update path is
exercised deterministically with stale case objects."""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial

import pytest
from django.db import connection, connections

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, CaseEvent, Extension
from civicgrid.cases.services import (
    case_accept,
    case_dispatch,
    case_report_back,
    case_request_extension,
    case_return,
    case_suspend,
)
from civicgrid.cases.workflow import State
from civicgrid.core.errors import Conflict
from tests.factories import make_user

from .conftest import COMMUNITY, T0

ROUNDS = 5

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent writers need PostgreSQL (set DATABASE_URL=postgres://...); "
           "SQLite serialises writers and its in-memory test database is per connection")


def race(*calls):
    """Run each call in its own thread, released together; returns [result or exception]."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            out[i] = fn()
        except Exception as e:  # noqa: BLE001 - the caller inspects what each thread got
            out[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return out


def _one_winner(case: Case, outcomes: list) -> Case:
    wins = [o for o in outcomes if isinstance(o, Case)]
    losses = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(wins), len(losses)) == (1, len(outcomes) - 1), outcomes
    assert "请刷新后重试" in losses[0].message
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.version == case.version + 1
    assert CaseEvent.objects.filter(case=case).count() == case.version + 1
    return fresh


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_accept_against_return(make_case, actors, department):
    colleague = make_user(Role.DEPARTMENT_HANDLER, username="colleague", department=department)
    for _ in range(ROUNDS):
        case = make_case(State.DISPATCHED)
        a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
        outcomes = race(partial(case_accept, case=a, actor=actors.handler, at=T0),
                        partial(case_return, case=b, actor=colleague, reason="非本部门", at=T0))
        fresh = _one_winner(case, outcomes)
        assert fresh.state in (State.HANDLING, State.RETURNED)
        assert fresh.return_count == (fresh.state == State.RETURNED)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_dispatch_one_case(make_case, actors, department, other_department):
    for _ in range(ROUNDS):
        case = make_case(State.REGISTERED)
        a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
        outcomes = race(
            partial(case_dispatch, case=a, actor=actors.dispatcher, department=department,
                    assisting=[COMMUNITY], at=T0),
            partial(case_dispatch, case=b, actor=actors.commander, department=other_department,
                    at=T0))
        fresh = _one_winner(case, outcomes)
        # The loser's co-handling tasks were rolled back with it.
        assert fresh.tasks.count() == (2 if fresh.unit_department == department else 0)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_four_handlers_race_to_accept(make_case, department):
    handlers = [make_user(Role.DEPARTMENT_HANDLER, username=f"h{i}", department=department)
                for i in range(4)]
    for _ in range(ROUNDS):
        case = make_case(State.DISPATCHED)
        copies = [Case.objects.get(pk=case.pk) for _ in handlers]
        outcomes = race(*[partial(case_accept, case=c, actor=h, at=T0)
                          for c, h in zip(copies, handlers, strict=True)])
        assert _one_winner(case, outcomes).state == State.HANDLING


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_extension_request_against_report_back_leaves_no_stray_request(make_case, actors):
    colleague = make_user(Role.DEPARTMENT_HANDLER, username="colleague",
                          department=actors.handler.department)
    for _ in range(ROUNDS):
        case = make_case(State.HANDLING)
        a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
        outcomes = race(
            partial(case_request_extension, case=a, actor=actors.handler, amount=2,
                    reason="等配件", at=T0),
            partial(case_report_back, case=b, actor=colleague, note="已修复", at=T0))
        fresh = _one_winner(case, outcomes)
        assert Extension.objects.filter(case=case).count() == (
            fresh.state == State.EXTENSION_REQUESTED)


# --- the same path, deterministic (runs on SQLite and PostgreSQL) -------------------------------
def test_the_second_of_two_stale_copies_gets_a_conflict(make_case, actors, department):
    case = make_case(State.REGISTERED)
    a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    case_dispatch(case=a, actor=actors.dispatcher, department=department, at=T0)
    with pytest.raises(Conflict, match="当前状态：待签收"):
        case_dispatch(case=b, actor=actors.commander, area_code=COMMUNITY, at=T0)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.unit_department, fresh.version) == (
        State.DISPATCHED, department, 1)
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_same_state_change_still_moves_the_version(make_case, actors, department,
                                                     other_department):
    """Two assisting reports leave the state as it was; the version still tells them apart."""
    from civicgrid.cases.services import case_assist_report

    case = make_case(State.REGISTERED)
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department,
                         assisting=[other_department, COMMUNITY], at=T0)
    stale = Case.objects.get(pk=case.pk)
    case_assist_report(case=case, actor=actors.other_handler, note="已完成", at=T0)
    with pytest.raises(Conflict):
        case_assist_report(case=stale, actor=actors.community, note="已完成", at=T0)
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_the_losers_side_rows_are_rolled_back(make_case, actors):
    case = make_case(State.HANDLING)
    a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    case_suspend(case=a, actor=actors.commander, review_date=dt.date(2025, 12, 1),
                 reason="需立项", at=T0)
    with pytest.raises(Conflict, match="挂账"):
        case_request_extension(case=b, actor=actors.handler, amount=2, reason="等配件", at=T0)
    assert not Extension.objects.filter(case=case).exists()
