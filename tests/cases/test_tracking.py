"""What people read: the resident's look-up by number and phone (public history only), the
scoped case list, the dispatcher's queue and a unit's queue, with warning levels."""

from django.utils import timezone

from civicgrid.cases.models import Attachment, CaseEvent, CaseTask, TaskRole
from civicgrid.cases.selectors import (
    case_for_resident,
    cases_reported_by,
    cases_visible,
    dispatch_queue,
    unit_queue,
)
from civicgrid.cases.services.actions import case_accept, case_dispatch
from civicgrid.cases.workflow import State
from tests.factories import CHAOYANG, XICHENG, Role, make_department, make_user

from .conftest import COMMUNITY, REPORTER_PHONE, at


def _history(make_case, actors, department):
    case = make_case(State.REGISTERED)
    case = case_dispatch(case=case, actor=actors.dispatcher, department=department,
                         note="请尽快处理", at=at(22, 11))
    case = case_accept(case=case, actor=actors.handler, at=at(22, 14))
    CaseEvent.objects.create(case=case, action="note", actor=actors.dispatcher, at=at(22, 15),
                             note="内部：报告人情绪激动，回访注意方式", internal=True)
    for public, name in ((True, "after.png"), (False, "internal.png")):
        Attachment.objects.create(case=case, stage="after", file=f"cases/ab/{name}",
                                  content_type="image/png", size=10, sha256="0" * 64,
                                  public=public, uploaded_by=actors.handler)
    return case


def test_resident_sees_the_public_history_only(make_case, actors, department):
    case = _history(make_case, actors, department)
    view = case_for_resident(case.number.lower(), "138-0013-8000")
    assert view.number == case.number and view.state_label == "处置中"
    assert view.category_name == "道路破损"
    assert [(e.action, e.unit_name) for e in view.events] == [
        ("dispatch", "西城区城管执法局"), ("accept", "西城区城管执法局")]
    assert view.events[0].note == "请尽快处理" and view.events[0].action_label == "派遣"
    assert [p.url for p in view.photos] == ["/media/cases/ab/after.png"]
    text = repr(view)
    for secret in ("内部", "dispatcher", "handler", "张三", REPORTER_PHONE, "internal.png"):
        assert secret not in text
    assert not view.can_rate


def test_wrong_number_or_phone_gives_the_same_nothing(make_case, actors, department):
    case = make_case(State.REGISTERED)
    assert case_for_resident(case.number, "13900000000") is None
    assert case_for_resident("XC-TEST-999999", REPORTER_PHONE) is None
    assert case_for_resident(case.number, "") is None
    assert case_for_resident("", "") is None
    assert case_for_resident(case.number, REPORTER_PHONE) is not None


def test_closed_unrated_case_can_be_rated(make_case):
    case = make_case(State.CLOSED)
    assert case_for_resident(case.number, REPORTER_PHONE).can_rate


def test_cases_visible_follows_scope_and_assisting_tasks(make_case, actors, department):
    mine = make_case(State.HANDLING)  # handled by `department`
    assisted = make_case(State.HANDLING)
    waiting = make_case(State.REGISTERED)
    # A department of another district sees a Xicheng case only while it assists on it.
    chaoyang = make_department(code="CY-SW", name="朝阳区水务局", area_code=CHAOYANG)
    helper = make_user(Role.DEPARTMENT_HANDLER, department=chaoyang)
    assert not cases_visible(helper).exists()
    CaseTask.objects.create(case=assisted, role=TaskRole.ASSIST, unit_department=chaoyang,
                            assigned_at=assisted.dispatched_at)
    assert list(cases_visible(helper)) == [assisted]
    # A department sees what is handed to it (and what it assists on), not its whole district:
    # the case still waiting for dispatch is not its business yet.
    assert set(cases_visible(actors.handler)) == {mine, assisted}
    assert set(cases_visible(actors.dispatcher)) == {mine, assisted, waiting}
    assert not cases_visible(actors.other_dispatcher).exists()
    assert not cases_visible(actors.resident).exists()
    assert cases_visible(actors.auditor).count() == 3


def test_residents_list_their_own_reports(make_case, actors):
    case = make_case(State.REPORTED)
    case.reporters.update(user=actors.resident)
    make_case(State.REPORTED)
    assert list(cases_reported_by(actors.resident)) == [case]
    assert not cases_reported_by(actors.stranger).exists()


def test_dispatch_queue_by_nearest_deadline_with_levels(make_case, actors):
    a = make_case(State.REPORTED, register_deadline=at(22, 11))
    b = make_case(State.REGISTERED, dispatch_deadline=at(22, 15))
    c = make_case(State.RETURNED, dispatch_deadline=at(22, 10, 30))
    d = make_case(State.REGISTERED, dispatch_deadline=None)
    make_case(State.HANDLING)  # not waiting for a dispatcher
    escalated = make_case(State.REGISTERED, unit_area_code=XICHENG,
                          dispatch_deadline=at(23, 17))  # the district's to dispatch now
    now = at(22, 10, 50)
    queue = dispatch_queue(actors.dispatcher, now=now)
    assert [(i.case, i.step, i.level) for i in queue] == [
        (c, "dispatch", "red"), (a, "register", "yellow"), (b, "dispatch", "normal"),
        (d, "dispatch", "")]
    assert [i.case for i in dispatch_queue(actors.district, now=now)] == [c, a, b, escalated, d]
    assert dispatch_queue(actors.other_dispatcher, now=now) == []
    assert dispatch_queue(actors.handler, now=now) == []
    # Nothing is stored: the same queue an hour later is all red but for the 15:00 one.
    later = [i.level for i in dispatch_queue(actors.dispatcher, now=at(22, 14, 30))]
    assert later == ["red", "red", "yellow", ""]


def test_unit_queue_by_handle_deadline(make_case, actors, department, other_department):
    late = make_case(State.HANDLING, handle_deadline=at(23, 17))
    soon = make_case(State.DISPATCHED, handle_deadline=at(22, 17))
    make_case(State.REPORTED_BACK)  # done, waiting for verification
    assisted = make_case(State.HANDLING, department=other_department,
                         handle_deadline=at(24, 17))
    CaseTask.objects.create(case=assisted, role=TaskRole.ASSIST, unit_department=department,
                            assigned_at=assisted.dispatched_at)
    community_case = make_case(State.HANDLING, unit_area_code=COMMUNITY)
    queue = unit_queue(actors.handler, now=at(22, 16))
    assert [(i.case, i.level) for i in queue] == [(soon, "yellow"), (late, "normal"),
                                                  (assisted, "normal")]
    assert [i.case for i in unit_queue(actors.community, now=timezone.now())] == [community_case]
    assert unit_queue(actors.resident) == []
