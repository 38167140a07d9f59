"""Random sequences of (action, actor) on a few cases never reach an invalid state and always
leave exactly one event per change (hypothesis stateful testing against the real database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from civicgrid.cases import services as svc
from civicgrid.cases.models import Case, ExtensionDecision
from civicgrid.cases.workflow import COUNTERS, TRANSITIONS, Action, State
from civicgrid.core.errors import DomainError

from .conftest import COMMUNITY, STREET_W, T0, create_case

N_CASES = 2
# Actions that end a case; offered ones are taken only now and then so that the walks reach
# the deep states (rework, extension, suspension, rating, reopening) instead of dying early.
SINKS = {Action.MERGE, Action.REJECT}
# The main loop, preferred most of the time for the same reason.
FORWARD = [Action.REGISTER, Action.DISPATCH, Action.ACCEPT, Action.ASSIST_REPORT,
           Action.REPORT_BACK, Action.VERIFY_PASS, Action.CLOSE, Action.RATE, Action.REOPEN]
ACTORS = ("dispatcher", "commander", "community", "grid_worker", "handler", "other_handler",
          "district", "city", "resident", "stranger", "other_dispatcher", "auditor")
HAS_UNIT = {State.DISPATCHED, State.HANDLING, State.EXTENSION_REQUESTED, State.SUSPENDED,
            State.REPORTED_BACK, State.VERIFIED, State.CLOSED}
REPORTED_BACK = {State.REPORTED_BACK, State.VERIFIED, State.CLOSED}
ROLES_IN_STATE: dict[str, set[str]] = {}
for (_state, _action), (_next, _roles) in TRANSITIONS.items():
    ROLES_IN_STATE.setdefault(_state, set()).update(_roles)


def perform(ctx, case: Case, action: str, actor, variant: int, at: dt.datetime,
            others: list[Case]) -> Case:
    """Call the action's service with valid input (`variant` picks among the choices)."""
    A = Action
    if action == A.REGISTER:
        return svc.case_register(case=case, actor=actor, at=at)
    if action == A.REJECT:
        return svc.case_reject(case=case, actor=actor, reason="非本市管辖", at=at)
    if action == A.DISPATCH:
        unit = [{"department": ctx.department}, {"area_code": COMMUNITY},
                {"area_code": STREET_W},
                {"department": ctx.department,
                 "assisting": [ctx.other_department, COMMUNITY]}][variant % 4]
        return svc.case_dispatch(case=case, actor=actor, at=at, **unit)
    if action == A.ACCEPT:
        return svc.case_accept(case=case, actor=actor, at=at)
    if action == A.RETURN:
        return svc.case_return(case=case, actor=actor, reason="不属本单位职责", at=at)
    if action == A.REPORT_BACK:
        return svc.case_report_back(case=case, actor=actor, note="已处置", at=at)
    if action == A.ASSIST_REPORT:
        return svc.case_assist_report(case=case, actor=actor, note="协办完成", at=at)
    if action in (A.VERIFY_PASS, A.VERIFY_FAIL):
        return svc.case_verify(case=case, actor=actor, passed=action == A.VERIFY_PASS,
                               note="现场核查", at=at)
    if action == A.CLOSE:
        return svc.case_close(case=case, actor=actor, at=at)
    if action == A.RATE:
        source = "reporter" if actor.role == "resident" else "callback"
        rating = ["satisfied", "basically_satisfied", "unsatisfied"][variant % 3]
        return svc.case_rate(case=case, actor=actor, rating=rating, solved=variant % 2 == 0,
                             source=source, at=at)
    if action == A.REOPEN:
        return svc.case_reopen(case=case, actor=actor, reason="问题复发", at=at)
    if action == A.REQUEST_EXTENSION:
        return svc.case_request_extension(case=case, actor=actor, amount=1 + variant % 3,
                                          reason="等待材料", at=at)
    if action in (A.APPROVE_EXTENSION, A.DENY_EXTENSION):
        return svc.case_decide_extension(case=case, actor=actor,
                                         approve=action == A.APPROVE_EXTENSION, note="意见",
                                         at=at)
    if action == A.SUPERVISE:
        return svc.case_supervise(case=case, actor=actor, note="请加快办理", at=at)
    if action == A.SUSPEND:
        return svc.case_suspend(case=case, actor=actor, reason="需立项",
                                review_date=at.date() + dt.timedelta(days=30), at=at)
    if action == A.RESUME:
        return svc.case_resume(case=case, actor=actor, at=at)
    if action == A.ESCALATE:
        return svc.case_escalate(case=case, actor=actor, reason="需上级协调", at=at)
    if action == A.MERGE:
        into = next(c for c in others if c.pk != case.pk)
        return svc.case_transition(case=case, action=action, actor=actor, at=at,
                                   changes={"merged_into": into})
    raise AssertionError(f"no canned call for {action}")


def make_machine(ctx):
    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.now = T0
            self.cases = [create_case(State.REPORTED, category=ctx.category)
                          for _ in range(N_CASES)]
            self.changes = dict.fromkeys((c.pk for c in self.cases), 0)

        def _try(self, i, action, actor_key, variant, hours, *, must_succeed=False):
            self.now += dt.timedelta(hours=hours)
            case = Case.objects.get(pk=self.cases[i].pk)
            before = case.events.count()
            try:
                result = perform(ctx, case, action, getattr(ctx.actors, actor_key), variant,
                                 self.now, self.cases)
            except DomainError as e:
                assert not must_succeed, f"offered {action} to {actor_key} but: {e.message}"
                fresh = Case.objects.get(pk=case.pk)
                assert (fresh.state, fresh.version) == (case.state, case.version)
                assert fresh.events.count() == before
                return
            self.changes[case.pk] += 1
            assert result.events.count() == before + 1
            assert result.events.last().action == action

        @rule(i=st.integers(0, N_CASES - 1), action=st.sampled_from(list(Action)),
              actor=st.sampled_from(ACTORS), variant=st.integers(0, 11),
              hours=st.integers(0, 30))
        def act_at_random(self, i, action, actor, variant, hours):
            self._try(i, action, actor, variant, hours)

        @rule(i=st.integers(0, N_CASES - 1), who=st.integers(0, 99),
              pick=st.integers(0, 99), variant=st.integers(0, 11), hours=st.integers(0, 30))
        def act_as_offered(self, i, who, pick, variant, hours):
            """What available_actions offers succeeds given valid input. The actor is one whose
            role the table allows in this state (their scope may still refuse)."""
            case = Case.objects.get(pk=self.cases[i].pk)
            candidates = [k for k in ACTORS if getattr(ctx.actors, k).role in
                          ROLES_IN_STATE.get(case.state, ())]
            if not candidates:
                return
            actor = candidates[who % len(candidates)]
            offered = svc.available_actions(case, getattr(ctx.actors, actor),
                                            at=self.now + dt.timedelta(hours=hours))
            if pick >= 10:
                offered = [a for a in offered if a not in SINKS] or offered
            if pick >= 40:
                offered = [a for a in FORWARD if a in offered] or offered
                offered = offered[:1]
            if offered:
                self._try(i, offered[pick % len(offered)], actor, variant, hours,
                          must_succeed=True)

        @invariant()
        def cases_are_consistent(self):
            for case in Case.objects.filter(pk__in=self.changes).prefetch_related("events"):
                events = list(case.events.all())
                assert case.state in State.values
                assert case.version == len(events) == self.changes[case.pk]
                for action, field in COUNTERS.items():
                    assert getattr(case, field) == sum(e.action == action for e in events)
                assert (case.closed_at is not None) == (case.state == State.CLOSED)
                assert (case.reported_back_at is not None) == (case.state in REPORTED_BACK)
                assert (case.review_date is not None) == (case.state == State.SUSPENDED)
                # A handling unit from dispatch on; before that at most the level that owns
                # the dispatching (an escalated case, workflow.py).
                if case.state in HAS_UNIT:
                    assert case.unit_department_id is not None or case.unit_area_code
                else:
                    assert case.unit_department_id is None
                if case.state in (State.REPORTED, State.REJECTED):
                    assert case.unit_area_code == ""
                pending = case.extensions.filter(decision=ExtensionDecision.PENDING).count()
                assert pending == (case.state == State.EXTENSION_REQUESTED)
                # One rating per closure: at most one rate event since the last reopen.
                rates = 0
                for e in events:
                    rates = 0 if e.action == Action.REOPEN else rates + (e.action == Action.RATE)
                    assert rates <= 1
                assert bool(case.rating) == (rates == 1)
                if case.state == State.MERGED:
                    assert case.merged_into_id is not None

    return Workflow


@pytest.mark.django_db
def test_random_sequences_keep_the_workflow_consistent(make_case, actors, category, department,
                                                       other_department):
    class Ctx:
        pass

    ctx = Ctx()
    ctx.actors, ctx.category, ctx.department, ctx.other_department = (
        actors, category, department, other_department)
    run_state_machine_as_test(make_machine(ctx), settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
