"""The workflow, walked: every transition of the table with an allowed actor, every pair not
in the table refused, roles, scopes, and the loops a city runs every day."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.cases.models import CaseEvent, CaseTask, Extension, TaskRole
from civicgrid.cases.services import (
    available_actions,
    case_accept,
    case_assist_report,
    case_close,
    case_decide_extension,
    case_dispatch,
    case_escalate,
    case_rate,
    case_register,
    case_reject,
    case_reopen,
    case_report_back,
    case_request_extension,
    case_resume,
    case_return,
    case_supervise,
    case_suspend,
    case_transition,
    case_verify,
)
from civicgrid.cases.workflow import COUNTERS, TRANSITIONS, Action, State
from civicgrid.core.calendar import get_calendar
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import STREET_W, XICHENG

from .conftest import COMMUNITY, T0, at

T1 = T0 + dt.timedelta(hours=1)
LATE = at(30, 10)  # after the 5-working-day deadline of a case dispatched at T0


def _co_handled(make_case, state, department, other_department):
    case = make_case(state)
    CaseTask.objects.create(case=case, role=TaskRole.LEAD, unit_department=department,
                            assigned_at=case.dispatched_at)
    CaseTask.objects.create(case=case, role=TaskRole.ASSIST, unit_department=other_department,
                            assigned_at=case.dispatched_at)
    return case


# (state, action) -> (actor, how to make the case, how to act, the note the event gets).
# Each makes the case with ctx.make_case and acts at T1 unless the action needs another time.
def _scenarios():
    def simple(actor, fn, note, **case_fields):
        return actor, (lambda c, s: c.make_case(s, **case_fields)), fn, note

    def merge(c, case, actor):
        into = c.make_case(State.REGISTERED)
        return case_transition(case=case, action=Action.MERGE, actor=actor, note="重复上报",
                               changes={"merged_into": into}, at=T1)

    def co_handled(c, s):
        return _co_handled(c.make_case, s, c.department, c.other_department)

    A, S = Action, State
    return {
        (S.REPORTED, A.REGISTER): simple(
            "dispatcher", lambda c, k, u: case_register(case=k, actor=u, note="立案", at=T1),
            "立案"),
        (S.REPORTED, A.REJECT): simple(
            "community", lambda c, k, u: case_reject(case=k, actor=u, reason="非本市事项", at=T1),
            "非本市事项"),
        (S.REPORTED, A.MERGE): simple("dispatcher", merge, "重复上报"),
        (S.REGISTERED, A.MERGE): simple("dispatcher", merge, "重复上报"),
        (S.REGISTERED, A.DISPATCH): simple(
            "dispatcher", lambda c, k, u: case_dispatch(case=k, actor=u, department=c.department,
                                                        note="请尽快处置", at=T1), "请尽快处置"),
        (S.REGISTERED, A.ESCALATE): simple(
            "dispatcher", lambda c, k, u: case_escalate(case=k, actor=u, reason="需区级协调",
                                                        at=T1), "需区级协调"),
        (S.RETURNED, A.DISPATCH): simple(
            "dispatcher", lambda c, k, u: case_dispatch(case=k, actor=u, area_code=COMMUNITY,
                                                        reason="社区先行处置", at=T1), ""),
        (S.RETURNED, A.ESCALATE): simple(
            "commander", lambda c, k, u: case_escalate(case=k, actor=u, reason="街道无对应部门",
                                                       at=T1), "街道无对应部门"),
        (S.DISPATCHED, A.ACCEPT): simple(
            "handler", lambda c, k, u: case_accept(case=k, actor=u, note="已签收", at=T1),
            "已签收"),
        (S.DISPATCHED, A.RETURN): simple(
            "handler", lambda c, k, u: case_return(case=k, actor=u, reason="不属于本部门职责",
                                                   at=T1), "不属于本部门职责"),
        (S.DISPATCHED, A.ASSIST_REPORT): ("other_handler", co_handled, lambda c, k, u:
                                          case_assist_report(case=k, actor=u, note="协办完成",
                                                             at=T1), "协办完成"),
        (S.DISPATCHED, A.SUPERVISE): simple(
            "commander", lambda c, k, u: case_supervise(case=k, actor=u, note="请立即签收",
                                                        at=LATE), "请立即签收"),
        (S.HANDLING, A.REPORT_BACK): simple(
            "handler", lambda c, k, u: case_report_back(case=k, actor=u, note="已修复", at=T1),
            "已修复"),
        (S.HANDLING, A.ASSIST_REPORT): ("other_handler", co_handled, lambda c, k, u:
                                        case_assist_report(case=k, actor=u, note="协办完成",
                                                           at=T1), "协办完成"),
        (S.HANDLING, A.REQUEST_EXTENSION): simple(
            "handler", lambda c, k, u: case_request_extension(
                case=k, actor=u, amount=3, reason="需等待材料", at=T1), "需等待材料"),
        (S.HANDLING, A.SUPERVISE): simple(
            "district", lambda c, k, u: case_supervise(case=k, actor=u, note="限期办结",
                                                       at=LATE), "限期办结"),
        (S.HANDLING, A.SUSPEND): simple(
            "commander", lambda c, k, u: case_suspend(
                case=k, actor=u, review_date=dt.date(2025, 12, 1), reason="需纳入明年计划",
                at=T1), "需纳入明年计划"),
        (S.HANDLING, A.ESCALATE): simple(
            "community", lambda c, k, u: case_escalate(case=k, actor=u, reason="社区无力处置",
                                                       at=T1), "社区无力处置",
            unit_area_code=COMMUNITY),
        (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): simple(
            "commander", lambda c, k, u: case_decide_extension(case=k, actor=u, approve=True,
                                                               note="同意", at=T1), "同意"),
        (S.EXTENSION_REQUESTED, A.DENY_EXTENSION): simple(
            "commander", lambda c, k, u: case_decide_extension(case=k, actor=u, approve=False,
                                                               note="理由不足", at=T1), "理由不足"),
        (S.EXTENSION_REQUESTED, A.ASSIST_REPORT): ("other_handler", co_handled, lambda c, k, u:
                                                   case_assist_report(case=k, actor=u,
                                                                      note="协办完成", at=T1),
                                                   "协办完成"),
        (S.SUSPENDED, A.RESUME): simple(
            "commander", lambda c, k, u: case_resume(case=k, actor=u, note="条件已具备", at=T1),
            "条件已具备"),
        (S.REPORTED_BACK, A.VERIFY_PASS): simple(
            "grid_worker", lambda c, k, u: case_verify(case=k, actor=u, passed=True,
                                                       note="现场已修复", at=T1), "现场已修复"),
        (S.REPORTED_BACK, A.VERIFY_FAIL): simple(
            "community", lambda c, k, u: case_verify(case=k, actor=u, passed=False,
                                                     note="仍有积水", at=T1), "仍有积水"),
        (S.VERIFIED, A.CLOSE): simple(
            "dispatcher", lambda c, k, u: case_close(case=k, actor=u, note="结案", at=T1), "结案"),
        (S.CLOSED, A.RATE): simple(
            "resident", lambda c, k, u: case_rate(case=k, actor=u, rating="satisfied",
                                                  solved=True, at=T1), ""),
        (S.CLOSED, A.REOPEN): simple(
            "city", lambda c, k, u: case_reopen(case=k, actor=u, reason="群众反映问题复发",
                                                at=T1), "群众反映问题复发"),
    }


SCENARIOS = _scenarios()
COUNTER_FIELDS = sorted(set(COUNTERS.values()))


def test_every_transition_has_a_scenario():
    assert set(SCENARIOS) == set(TRANSITIONS)


@pytest.fixture
def ctx(make_case, department, other_department, actors):
    class Ctx:
        pass

    c = Ctx()
    c.make_case, c.department, c.other_department, c.actors = (
        make_case, department, other_department, actors)
    return c


@pytest.mark.parametrize("pair", list(TRANSITIONS), ids=lambda p: f"{p[0]}-{p[1]}")
def test_transition(ctx, pair):
    state, action = pair
    actor_key, make, act, note = SCENARIOS[pair]
    case = make(ctx, state)
    actor = getattr(ctx.actors, actor_key)
    result = act(ctx, case, actor)
    to_state = TRANSITIONS[pair][0]
    assert result.state == to_state
    assert result.version == 1
    event = CaseEvent.objects.get(case=result)
    assert (event.action, event.from_state, event.to_state) == (action, state, to_state)
    assert (event.actor, event.actor_role) == (actor, actor.role)
    assert event.note == note
    for field in COUNTER_FIELDS:
        assert getattr(result, field) == (1 if COUNTERS.get(action) == field else 0), field


@pytest.mark.parametrize("state", list(State))
def test_pairs_not_in_the_table_are_refused(make_case, actors, state):
    case = make_case(state)
    for action in Action:
        if (state, action) in TRANSITIONS:
            continue
        with pytest.raises(InvalidInput) as err:
            case_transition(case=case, action=action, actor=actors.superuser, note="x")
        assert str(State(state).label) in err.value.message
        assert str(Action(action).label) in err.value.message
    case.refresh_from_db()
    assert (case.state, case.version) == (state, 0)
    assert not CaseEvent.objects.filter(case=case).exists()


def test_illegal_message_names_state_and_action(make_case, actors):
    case = make_case(State.REGISTERED)
    with pytest.raises(InvalidInput, match="当前状态「待派遣」不能执行「结案」"):
        case_close(case=case, actor=actors.dispatcher)


# --- roles and scope ---------------------------------------------------------------------------
def _refused(fn, **kw):
    case = kw["case"]
    with pytest.raises(PermissionDenied):
        fn(**kw)
    case.refresh_from_db()
    assert case.version == 0 and not case.events.exists()


def test_a_resident_cannot_dispatch(make_case, actors, department):
    _refused(case_dispatch, case=make_case(State.REGISTERED), actor=actors.resident,
             department=department)


def test_a_handler_of_another_department_cannot_accept(make_case, actors):
    _refused(case_accept, case=make_case(State.DISPATCHED), actor=actors.other_handler)


def test_a_dispatcher_of_another_street_cannot_act(make_case, actors, department):
    _refused(case_register, case=make_case(State.REPORTED), actor=actors.other_dispatcher)
    _refused(case_dispatch, case=make_case(State.REGISTERED), actor=actors.other_dispatcher,
             department=department)


def test_an_auditor_only_reads(make_case, actors):
    _refused(case_register, case=make_case(State.REPORTED), actor=actors.auditor)


def test_only_the_handling_unit_itself_takes_unit_actions(make_case, actors):
    # A department's case: the community around it does not sign for the department.
    _refused(case_accept, case=make_case(State.DISPATCHED), actor=actors.community)
    # A community's case: the street does not sign for its community either.
    case = make_case(State.DISPATCHED, unit_area_code=COMMUNITY)
    _refused(case_accept, case=case, actor=actors.dispatcher)
    assert case_accept(case=case, actor=actors.community, at=T1).state == State.HANDLING


def test_an_assisting_department_reports_its_part_but_not_the_case(
        make_case, actors, department, other_department):
    case = _co_handled(make_case, State.HANDLING, department, other_department)
    _refused(case_report_back, case=case, actor=actors.other_handler, note="完成")
    case = case_assist_report(case=case, actor=actors.other_handler, note="已清运", at=T1)
    assert case.state == State.HANDLING
    with pytest.raises(PermissionDenied):  # once only
        case_assist_report(case=case, actor=actors.other_handler, note="再次反馈", at=T1)


def test_residents_rate_only_what_they_reported(make_case, actors):
    _refused(case_rate, case=make_case(State.CLOSED), actor=actors.stranger,
             rating="satisfied", solved=True)
    case = make_case(State.CLOSED)
    with pytest.raises(InvalidInput):
        case_rate(case=case, actor=actors.resident, rating="satisfied", solved=True,
                  source="callback")
    with pytest.raises(InvalidInput):
        case_rate(case=case, actor=actors.resident, rating="great", solved=True)
    # The account's phone matches the number given to the hotline, however it is written.
    actors.stranger.phone = "+86 138-0013-8000"
    assert case_rate(case=case, actor=actors.stranger, rating="basically_satisfied",
                     solved=True, at=T1).rating == "basically_satisfied"
    # Or the report was made from the resident's own account.
    from civicgrid.cases.models import Reporter

    own = make_case(State.CLOSED, reporter_phone="")
    Reporter.objects.create(case=own, user=actors.resident, channel="resident", reported_at=T0)
    actors.resident.phone = ""
    assert case_rate(case=own, actor=actors.resident, rating="satisfied", solved=True,
                     at=T1).state == State.CLOSED


# --- the loops ---------------------------------------------------------------------------------
def test_happy_path(make_case, actors, department, category):
    case = make_case(State.REPORTED)
    case = case_register(case=case, actor=actors.dispatcher, at=at(22, 10))
    cal = get_calendar()
    assert case.registered_at == at(22, 10)
    # Anchored at the report (10:00): register by 12:00, then 2 working hours more for the
    # dispatch, lunch 12:00–13:30 off.
    assert (case.register_deadline, case.dispatch_deadline) == (at(22, 12), at(22, 15, 30))
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department,
                         at=at(22, 11))
    assert (case.unit_department, case.dispatched_at) == (department, at(22, 11))
    # 5 working days after Monday: Tue..Fri and Sunday 9-28, a make-up working day.
    assert case.handle_deadline == cal.add(at(22, 11), 5, "working_days") == at(28, 17)
    case = case_accept(case=case, actor=actors.handler, at=at(22, 15))
    assert case.accepted_at == at(22, 15)
    case = case_report_back(case=case, actor=actors.handler, note="已修复路面", at=at(24, 16))
    assert case.reported_back_at == at(24, 16)
    case = case_verify(case=case, actor=actors.grid_worker, passed=True, at=at(25, 9))
    case = case_close(case=case, actor=actors.dispatcher, at=at(25, 10))
    assert (case.state, case.closed_at) == (State.CLOSED, at(25, 10))
    case = case_rate(case=case, actor=actors.resident, rating="satisfied", solved=True,
                     at=at(26, 10))
    assert (case.rating, case.solved, case.rated_at) == ("satisfied", True, at(26, 10))
    events = list(case.events.values_list("action", "from_state", "to_state", "actor__username"))
    assert events == [
        ("register", "reported", "registered", "dispatcher"),
        ("dispatch", "registered", "dispatched", "dispatcher"),
        ("accept", "dispatched", "handling", "handler"),
        ("report_back", "handling", "reported_back", "handler"),
        ("verify_pass", "reported_back", "verified", "grid_worker"),
        ("close", "verified", "closed", "dispatcher"),
        ("rate", "closed", "closed", "resident"),
    ]
    assert case.version == 7
    with pytest.raises(Conflict, match="只能评价一次"):
        case_rate(case=case, actor=actors.dispatcher, rating="unsatisfied", solved=False,
                  source="callback")


def test_register_needs_a_category_and_may_change_it(make_case, actors, category):
    with pytest.raises(InvalidInput, match="分类"):
        case_register(case=make_case(State.REPORTED, category=None), actor=actors.dispatcher)
    from civicgrid.dispatch.models import Category

    other = Category.objects.create(code="T-NOISE", name="噪音扰民", stream="social_service",
                                    kind="service", handle_limit=3, handle_unit="working_days")
    case = case_register(case=make_case(State.REPORTED), actor=actors.dispatcher,
                         category=other, at=T1)
    assert (case.category, case.stream) == (other, "social_service")
    assert case.last_event.data == {"category_id": other.pk, "old_category_id": category.pk}


def test_rework_loop_stays_with_the_same_unit(make_case, actors, department):
    case = make_case(State.REPORTED_BACK)
    with pytest.raises(InvalidInput, match="问题所在"):
        case_verify(case=case, actor=actors.grid_worker, passed=False)
    case = case_verify(case=case, actor=actors.grid_worker, passed=False, note="仍有积水", at=T1)
    assert (case.state, case.unit_department, case.rework_count) == (
        State.HANDLING, department, 1)
    assert case.reported_back_at is None
    case = case_report_back(case=case, actor=actors.handler, note="已抽水", at=T1)
    case = case_verify(case=case, actor=actors.grid_worker, passed=False, note="路面未修",
                       at=T1)
    assert case.rework_count == 2
    case = case_report_back(case=case, actor=actors.handler, note="已修复", at=T1)
    case = case_verify(case=case, actor=actors.grid_worker, passed=True, at=T1)
    assert case.state == State.VERIFIED
    assert case.events.filter(action=Action.VERIFY_FAIL).count() == 2


def test_return_loop_records_the_dispatcher_and_the_returning_unit(
        make_case, actors, department):
    case = make_case(State.REGISTERED)
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department, at=T0)
    with pytest.raises(InvalidInput, match="退单理由"):
        case_return(case=case, actor=actors.handler, reason=" ")
    case = case_return(case=case, actor=actors.handler, reason="属房管局职责", at=T1)
    assert (case.state, case.unit_department, case.unit_area_code, case.return_count) == (
        State.RETURNED, None, "", 1)
    event = case.last_event
    assert event.unit_department == department and event.internal
    assert event.data["dispatcher_id"] == actors.dispatcher.pk
    assert event.data["department_id"] == department.pk
    case = case_dispatch(case=case, actor=actors.dispatcher, area_code=COMMUNITY, at=T1)
    case = case_accept(case=case, actor=actors.community, at=T1)
    assert (case.state, case.unit_area_code, case.accepted_at) == (State.HANDLING, COMMUNITY, T1)


def test_dispatch_validates_the_unit(make_case, actors, department):
    from tests.factories import make_department

    case = make_case(State.REGISTERED)
    with pytest.raises(InvalidInput):
        case_dispatch(case=case, actor=actors.dispatcher)
    with pytest.raises(InvalidInput):
        case_dispatch(case=case, actor=actors.dispatcher, department=department,
                      area_code=STREET_W)
    with pytest.raises(InvalidInput, match="所在的街道或社区"):
        case_dispatch(case=case, actor=actors.dispatcher, area_code="110102003001")
    chaoyang = make_department(code="CY-CGZF", name="朝阳区城管执法局", area_code="110105")
    with pytest.raises(InvalidInput, match="不管辖"):
        case_dispatch(case=case, actor=actors.dispatcher, department=chaoyang)
    with pytest.raises(InvalidInput, match="重复"):
        case_dispatch(case=case, actor=actors.dispatcher, department=department,
                      assisting=[department])
    assert case.events.count() == 0


def test_extension_pauses_the_clock_across_holidays(make_case, actors):
    # Deadline Friday 9-26 17:00. Requested Fri 16:00, approved Sunday 9-28 10:00 (a make-up
    # working day): pending 1 h + 1 h of working time, so the deadline first moves to Sun 11:00;
    # then 3 working days: Mon 9-29, Tue 9-30, and — over the National Day holiday — Thu 10-09.
    case = make_case(State.HANDLING, handle_deadline=at(26, 17))
    case = case_request_extension(case=case, actor=actors.handler, amount=3, unit="working_days",
                                  reason="需等待配件", at=at(26, 16))
    assert case.state == State.EXTENSION_REQUESTED
    ext = Extension.objects.get(case=case)
    assert (ext.decision, ext.amount, ext.requested_by) == ("pending", 3, actors.handler)
    case = case_decide_extension(case=case, actor=actors.commander, approve=True, at=at(28, 10))
    assert case.state == State.HANDLING
    assert case.handle_deadline == at(9, 17, month=10)
    assert case.extension_count == 1
    assert case.last_event.data["paused_seconds"] == 7200
    ext.refresh_from_db()
    assert (ext.decision, ext.decided_by, ext.decided_at) == (
        "approved", actors.commander, at(28, 10))


def test_extension_without_the_pause(make_case, actors, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "PAUSE_CLOCK_DURING_EXTENSION": False}
    case = make_case(State.HANDLING, handle_deadline=at(26, 17))
    case = case_request_extension(case=case, actor=actors.handler, amount=3, reason="等配件",
                                  at=at(26, 16))
    case = case_decide_extension(case=case, actor=actors.commander, approve=True, at=at(28, 10))
    # 17:00 Friday + 3 working days = Sun 9-28 (make-up day), Mon 9-29, Tue 9-30.
    assert case.handle_deadline == at(30, 17)


def test_denied_extension_still_gets_the_paused_time_back(make_case, actors):
    case = make_case(State.HANDLING, handle_deadline=at(26, 17))
    case = case_request_extension(case=case, actor=actors.handler, amount=3, reason="等配件",
                                  at=at(26, 16))
    with pytest.raises(InvalidInput, match="审批意见"):
        case_decide_extension(case=case, actor=actors.commander, approve=False)
    case = case_decide_extension(case=case, actor=actors.commander, approve=False,
                                 note="请按期办结", at=at(28, 10))
    assert (case.state, case.extension_count) == (State.HANDLING, 0)
    assert case.handle_deadline == at(28, 11)
    assert Extension.objects.get(case=case).decision == "denied"


def test_extension_input(make_case, actors):
    case = make_case(State.HANDLING)
    for kw in ({"amount": 0}, {"amount": 1.5}, {"amount": 2, "unit": "weeks"},
               {"amount": 2, "reason": ""}):
        with pytest.raises(InvalidInput):
            case_request_extension(case=case, actor=actors.handler, **{"reason": "r", **kw})
    assert not Extension.objects.exists()


def test_supervise_only_a_late_or_nearly_late_case(make_case, actors):
    # Dispatched Mon 9-22 10:00, deadline Sun 9-28 17:00 (a make-up working day): 38 working
    # hours allowed, yellow when less than 20 % (7.6 h) is left.
    case = make_case(State.HANDLING)
    assert case.handle_deadline == at(28, 17)
    with pytest.raises(InvalidInput, match="尚未临近"):
        case_supervise(case=case, actor=actors.commander, note="加快", at=at(26, 10))
    assert Action.SUPERVISE not in available_actions(case, actors.commander, at=at(26, 10))
    assert Action.SUPERVISE in available_actions(case, actors.commander, at=at(28, 10))
    case = case_supervise(case=case, actor=actors.commander, note="今日办结", at=at(28, 10))
    assert (case.supervise_count, case.last_event.data["level"]) == (1, "yellow")
    case = case_supervise(case=case, actor=actors.commander, note="已超期", at=at(30, 10))
    assert (case.supervise_count, case.last_event.data["level"]) == (2, "red")
    _refused(case_supervise, case=make_case(State.HANDLING), actor=actors.dispatcher,
             note="x", at=LATE)


def test_suspend_and_resume_push_the_deadline_by_the_suspended_time(make_case, actors):
    case = make_case(State.HANDLING, handle_deadline=at(26, 17))
    with pytest.raises(InvalidInput, match="复核日期"):
        case_suspend(case=case, actor=actors.commander, review_date=dt.date(2025, 9, 22),
                     reason="需立项", at=at(22, 10))
    case = case_suspend(case=case, actor=actors.commander, review_date=dt.date(2025, 11, 1),
                        reason="需立项改造", at=at(22, 10))
    assert (case.state, case.review_date) == (State.SUSPENDED, dt.date(2025, 11, 1))
    case = case_resume(case=case, actor=actors.commander, at=at(24, 10))
    # Suspended two working days (13 working hours): Fri 17:00 → Sun 9-28 (make-up day, 6.5 h)
    # → Mon 9-29 17:00.
    assert (case.state, case.review_date) == (State.HANDLING, None)
    assert case.handle_deadline == at(29, 17)


def test_escalate_community_to_street_to_district(make_case, actors, department):
    case = make_case(State.DISPATCHED, unit_area_code=COMMUNITY)
    case = case_accept(case=case, actor=actors.community, at=T0)
    case = case_escalate(case=case, actor=actors.community, reason="涉及多个社区", at=T1)
    assert (case.state, case.unit_area_code) == (State.REGISTERED, STREET_W)
    assert case.last_event.data == {"from_level": COMMUNITY, "to_level": STREET_W}
    assert case.last_event.unit_area_code == COMMUNITY
    case = case_dispatch(case=case, actor=actors.dispatcher, area_code=STREET_W, at=T1)
    case = case_accept(case=case, actor=actors.dispatcher, at=T1)
    case = case_escalate(case=case, actor=actors.dispatcher, reason="需区级统筹", at=T1)
    assert (case.state, case.unit_area_code) == (State.REGISTERED, XICHENG)
    # The street no longer owns it; the district does.
    _refused_kw = {"case": case, "actor": actors.dispatcher, "department": department}
    with pytest.raises(PermissionDenied, match="已上报"):
        case_dispatch(**_refused_kw)
    assert available_actions(case, actors.dispatcher) == []
    with pytest.raises(InvalidInput, match="最高"):
        case_escalate(case=case, actor=actors.superuser, reason="再上报")
    case = case_dispatch(case=case, actor=actors.district, department=department, at=T1)
    assert (case.unit_department, case.unit_area_code) == (department, "")
    # A department returns a case; it does not escalate. The return goes back to the district.
    case = case_return(case=case, actor=actors.handler, reason="非本部门", at=T1)
    assert (case.state, case.unit_area_code) == (State.RETURNED, XICHENG)
    with pytest.raises(PermissionDenied):
        case_dispatch(case=case, actor=actors.dispatcher, department=department)
    case = case_dispatch(case=case, actor=actors.district, department=department, at=T1)
    case = case_accept(case=case, actor=actors.handler, at=T1)
    with pytest.raises(PermissionDenied):
        case_escalate(case=case, actor=actors.handler, reason="x")


def test_co_handling_waits_for_every_assisting_unit(
        territory, make_case, actors, department, other_department):
    case = make_case(State.REGISTERED)
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department,
                         assisting=[other_department, COMMUNITY], at=T0)
    tasks = list(case.tasks.order_by("id").values_list("role", "unit_department", "unit_area_code"))
    assert tasks == [("lead", department.pk, ""), ("assist", other_department.pk, ""),
                     ("assist", None, COMMUNITY)]
    case = case_accept(case=case, actor=actors.handler, at=T0)
    with pytest.raises(Conflict) as err:
        case_report_back(case=case, actor=actors.handler, note="完成", at=T1)
    assert "西城区房管局" in err.value.message and "西长1号社区" in err.value.message
    case = case_assist_report(case=case, actor=actors.other_handler, note="已拆除", at=T1)
    assert case.last_event.unit_department == other_department
    with pytest.raises(Conflict, match="西长1号社区"):
        case_report_back(case=case, actor=actors.handler, note="完成", at=T1)
    case = case_assist_report(case=case, actor=actors.community, note="已通知居民", at=T1)
    case = case_report_back(case=case, actor=actors.handler, note="完成", at=T1)
    assert case.state == State.REPORTED_BACK
    assert all(t.reported_back_at == T1 for t in case.tasks.all())


def test_reopen_keeps_the_old_rating_in_the_event_and_allows_a_new_one(make_case, actors,
                                                                        department):
    case = make_case(State.CLOSED)
    case = case_rate(case=case, actor=actors.resident, rating="unsatisfied", solved=False,
                     at=T1)
    case = case_reopen(case=case, actor=actors.dispatcher, reason="未解决", at=T1)
    assert (case.state, case.rating, case.solved, case.closed_at, case.reopen_count) == (
        State.REGISTERED, "", None, None, 1)
    assert case.last_event.data["old_rating"] == "unsatisfied"
    assert case.last_event.data["old_solved"] is False
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department, at=T1)
    case = case_accept(case=case, actor=actors.handler, at=T1)
    case = case_report_back(case=case, actor=actors.handler, note="已彻底修复", at=T1)
    case = case_verify(case=case, actor=actors.grid_worker, passed=True, at=T1)
    case = case_close(case=case, actor=actors.dispatcher, at=T1)
    case = case_rate(case=case, actor=actors.dispatcher, rating="satisfied", solved=True,
                     source="callback", at=T1)
    assert (case.rating, case.last_event.data["source"]) == ("satisfied", "callback")


def test_available_actions(make_case, actors):
    case = make_case(State.DISPATCHED)
    assert available_actions(case, actors.handler) == [Action.ACCEPT, Action.RETURN]
    assert available_actions(case, actors.other_handler) == []
    assert available_actions(case, actors.resident) == []
    closed = make_case(State.CLOSED)
    assert available_actions(closed, actors.resident, at=T1) == [Action.RATE]
    assert available_actions(closed, actors.stranger, at=T1) == []
    assert available_actions(closed, actors.dispatcher, at=T1) == [Action.RATE, Action.REOPEN]


def test_a_stale_case_object_gets_a_conflict(make_case, actors):
    case = make_case(State.DISPATCHED)
    from civicgrid.cases.models import Case

    stale = Case.objects.get(pk=case.pk)
    case_accept(case=case, actor=actors.handler, at=T1)
    with pytest.raises(Conflict, match="案件已被他人处理（当前状态：处置中）"):
        case_transition(case=stale, action=Action.RETURN, actor=actors.handler, note="x")
    assert case.events.count() == 1


def test_dispatch_follows_the_responsibility_list_or_says_why_not(
        make_case, actors, department, category):
    from civicgrid.dispatch.models import RoutingRule
    from civicgrid.dispatch.routing import get_router

    RoutingRule.objects.create(category=category, area_code=XICHENG, target="department",
                               department=department, note="西城区责任清单第3条")
    get_router(refresh=True)
    case = make_case(State.REGISTERED)
    with pytest.raises(InvalidInput, match="改派理由"):
        case_dispatch(case=case, actor=actors.dispatcher, area_code=COMMUNITY)
    case = case_dispatch(case=case, actor=actors.dispatcher, area_code=COMMUNITY,
                         reason="社区物业负责该路段", at=T1)
    assert case.routing_reason == "人工派遣：社区物业负责该路段"
    assert case.last_event.data["override"] is True
    assert case.last_event.data["suggested"]["department_id"] == department.pk
    case = make_case(State.REGISTERED)
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department, at=T1)
    assert case.last_event.data["override"] is False
    assert "依据：西城区责任清单第3条" in case.routing_reason


def test_report_back_stores_the_photos_on_its_event(make_case, actors, settings, tmp_path):
    from tests.cases.test_attachments import png_bytes

    settings.MEDIA_ROOT = tmp_path
    case = make_case(State.HANDLING)
    case = case_report_back(case=case, actor=actors.handler, note="已修复",
                            photos=[("修复后.png", png_bytes())], at=T1)
    event = case.last_event
    assert event.data["photos"] == 1
    assert list(event.attachments.values_list("stage", "content_type")) == [
        ("after", "image/png")]
