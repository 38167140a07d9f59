"""Action services of the case workflow: one function per action, keyword-only, atomic; each
checks, then calls case_transition (the one place a state changes) and writes its side rows
(co-handling tasks, extension requests) in the same transaction.

The main loop lives here (register → dispatch → accept/return → report back → verify → close);
rating and reopening in outcome.py, deadline actions (extension, supervision, suspension) in
timing.py, layered handling in escalation.py. All are importable from this module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.cases.models import AttachmentStage, Case, CaseTask, TaskRole
from civicgrid.cases.workflow import Action
from civicgrid.core.errors import InvalidInput
from civicgrid.dispatch.models import Category, Department

from .clock import handle_deadline, register_deadlines
from .transition import case_transition, prepare, required_text
from .units import current_tasks, unit_label


@transaction.atomic
def case_register(*, case: Case, actor, category: Category | None = None, note: str = "",
                  at: dt.datetime | None = None) -> Case:
    """立案: confirm (or change) the category. The step deadlines are recomputed for it, still
    anchored at the report (a slow registration does not buy time); the handling deadline is
    provisional until dispatch sets it from the dispatch time."""
    at = prepare(case, Action.REGISTER, actor, at)
    category = category or case.category
    if category is None:
        raise InvalidInput(_("请先选择问题分类再立案。"), code="no_category")
    if not category.active:
        raise InvalidInput(_("分类「%(name)s」已停用，请选择其他分类。") % {"name": category.name})
    data = {"category_id": category.pk}
    if case.category_id and case.category_id != category.pk:
        data["old_category_id"] = case.category_id
    return case_transition(
        case=case, action=Action.REGISTER, actor=actor, note=note.strip(), at=at, data=data,
        changes={"category": category, "stream": category.stream, "registered_at": at,
                 **register_deadlines(case, category)})


@transaction.atomic
def case_reject(*, case: Case, actor, reason: str, at: dt.datetime | None = None) -> Case:
    """不予立案, with the reason the reporter will see."""
    at = prepare(case, Action.REJECT, actor, at)
    reason = required_text(reason, _("请填写不予立案的理由。"))
    return case_transition(case=case, action=Action.REJECT, actor=actor, note=reason, at=at)


def _suggestion(case: Case):
    """The responsibility list's unit for this case, or None (no rule, no routing module yet,
    or the case was escalated: the suggested unit is the one that asked for help)."""
    if case.category_id is None or case.unit_area_code:
        return None
    try:
        from civicgrid.dispatch.routing import route
    except ImportError:
        return None
    decision = route(category=case.category, district_code=case.district_code,
                     street_code=case.street_code, community_code=case.community_code,
                     grid_code=case.grid_code)
    if decision is None or (not decision.department_id and not decision.area_code):
        return None
    return decision


def _unit_key(item) -> tuple[int | None, str]:
    if isinstance(item, Department):
        return item.pk, ""
    if isinstance(item, str) and len(item) in (9, 12) and item.isdigit():
        return None, item
    raise InvalidInput(_("协办单位须为部门或街道、社区编码：%(item)s") % {"item": item})


def _check_department(case: Case, department: Department) -> None:
    if not department.active:
        raise InvalidInput(_("部门「%(name)s」已停用，请选择其他部门。") % {"name": department.name})
    if department.area_code and not case.area_code.startswith(department.area_code):
        raise InvalidInput(_("部门「%(name)s」不管辖该案件所在区域，请选择其他部门。")
                           % {"name": department.name})


@transaction.atomic
def case_dispatch(*, case: Case, actor, department: Department | None = None,
                  area_code: str = "", reason: str = "", assisting: Iterable = (),
                  note: str = "", at: dt.datetime | None = None) -> Case:
    """派遣 to a department or to the case's own street/community. A unit other than the
    responsibility list's suggestion needs a reason. `assisting` (departments or area codes)
    makes a co-handled case: one lead task and one assisting task per unit. The handling clock
    starts at the dispatch."""
    at = prepare(case, Action.DISPATCH, actor, at)
    if (department is None) == (not area_code):
        raise InvalidInput(_("请选择一个处置单位：部门，或案件所在的街道/社区。"), code="unit")
    if department is not None:
        _check_department(case, department)
    elif area_code not in {c for c in (case.street_code, case.community_code) if c}:
        raise InvalidInput(_("属地处置单位只能是案件所在的街道或社区，请核对案件位置。"),
                           code="unit")
    lead = (department.pk if department else None, "" if department else area_code)
    assists = []
    for item in assisting:
        key = _unit_key(item)
        if isinstance(item, Department):
            _check_department(case, item)
        if key == lead or key in assists:
            raise InvalidInput(_("协办单位不能与主办单位或其他协办单位重复。"), code="assisting")
        assists.append(key)
    reason = (reason or "").strip()
    suggested = _suggestion(case)
    override = False
    if suggested is not None:
        override = (suggested.department_id or None, "" if suggested.department_id else
                    suggested.area_code) != lead
        if override and not reason:
            raise InvalidInput(
                _("派遣单位与责任清单建议的「%(unit)s」不同，请填写改派理由。")
                % {"unit": unit_label(suggested.department_id, suggested.area_code)},
                code="reason_required")
    if suggested is not None and not override:
        routing_reason = suggested.reason_zh
    else:
        routing_reason = _("人工派遣：%(reason)s") % {"reason": reason} if reason else _("人工派遣")
    data = {
        "dispatcher_id": actor.pk, "level": case.unit_area_code,
        "department_id": lead[0], "area_code": lead[1], "override": override,
        "reason": reason,
        "assisting": [{"department_id": d, "area_code": a} for d, a in assists],
        "suggested": None if suggested is None else {
            "department_id": suggested.department_id, "area_code": suggested.area_code,
            "rule_id": suggested.rule_id},
    }
    case = case_transition(
        case=case, action=Action.DISPATCH, actor=actor, note=note.strip(), at=at, data=data,
        unit=lead,
        changes={"unit_department_id": lead[0], "unit_area_code": lead[1], "dispatched_at": at,
                 "routing_reason": routing_reason,
                 "handle_deadline": handle_deadline(case, at)})
    if assists:
        CaseTask.objects.bulk_create(
            [CaseTask(case=case, role=TaskRole.LEAD, unit_department_id=lead[0],
                      unit_area_code=lead[1], assigned_at=at)]
            + [CaseTask(case=case, role=TaskRole.ASSIST, unit_department_id=d,
                        unit_area_code=a, assigned_at=at) for d, a in assists])
    return case


@transaction.atomic
def case_accept(*, case: Case, actor, note: str = "", at: dt.datetime | None = None) -> Case:
    """签收: the handling unit takes the case; accepted_at is its first contact (the response
    rate reads it; every accept follows a dispatch, so it belongs to the current unit)."""
    at = prepare(case, Action.ACCEPT, actor, at)
    return case_transition(case=case, action=Action.ACCEPT, actor=actor, note=note.strip(),
                           at=at, changes={"accepted_at": at})


@transaction.atomic
def case_return(*, case: Case, actor, reason: str, at: dt.datetime | None = None) -> Case:
    """退单: the unit says it is not responsible; the case goes back to the level that
    dispatched it. The event names the returning unit and the dispatcher who sent the case
    there (a misrouted case counts against the dispatcher in the two-way evaluation)."""
    at = prepare(case, Action.RETURN, actor, at)
    reason = required_text(reason, _("请填写退单理由，便于派遣人员重新派遣。"))
    dispatch = case.events.filter(action=Action.DISPATCH).order_by("-at", "-id").first()
    level = (dispatch.data.get("level", "") if dispatch else "") or ""
    data = {"dispatcher_id": dispatch.actor_id if dispatch else None,
            "dispatch_event_id": dispatch.pk if dispatch else None,
            "department_id": case.unit_department_id, "area_code": case.unit_area_code}
    return case_transition(case=case, action=Action.RETURN, actor=actor, note=reason, at=at,
                           data=data,
                           changes={"unit_department_id": None, "unit_area_code": level})


def _attach(case: Case, event, photos, actor, stage: str) -> None:
    """Store the photos that came with an action, linked to that action's event."""
    from civicgrid.cases.services.attachments import attach

    if photos:
        attach(case=case, files=list(photos), stage=stage, actor=actor, event=event)


@transaction.atomic
def case_report_back(*, case: Case, actor, note: str, photos: Iterable = (),
                     at: dt.datetime | None = None) -> Case:
    """反馈: the handling unit says it is done (after every assisting unit reported)."""
    at = prepare(case, Action.REPORT_BACK, actor, at)
    note = required_text(note, _("请填写处置结果说明。"))
    photos = list(photos)
    case = case_transition(case=case, action=Action.REPORT_BACK, actor=actor, note=note, at=at,
                           data={"photos": len(photos)}, changes={"reported_back_at": at})
    current_tasks(case).filter(role=TaskRole.LEAD).update(reported_back_at=at, note=note)
    _attach(case, case.last_event, photos, actor, AttachmentStage.AFTER)
    return case


@transaction.atomic
def case_assist_report(*, case: Case, actor, note: str, at: dt.datetime | None = None) -> Case:
    """协办反馈: an assisting unit reports its part; the state does not change."""
    from .units import open_assist_task

    at = prepare(case, Action.ASSIST_REPORT, actor, at)
    note = required_text(note, _("请填写协办处置情况。"))
    task = open_assist_task(case, actor)
    case = case_transition(case=case, action=Action.ASSIST_REPORT, actor=actor, note=note, at=at,
                           data={"task_id": task.pk},
                           unit=(task.unit_department_id, task.unit_area_code))
    CaseTask.objects.filter(pk=task.pk).update(reported_back_at=at, note=note)
    return case


@transaction.atomic
def case_verify(*, case: Case, actor, passed: bool, note: str = "", photos: Iterable = (),
                at: dt.datetime | None = None) -> Case:
    """核查: passed → ready to close; failed → rework at the same unit (返工). The verifier's
    photos from the site are kept with the verification event."""
    action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
    at = prepare(case, action, actor, at)
    photos = list(photos)
    if passed:
        case = case_transition(case=case, action=action, actor=actor, note=note.strip(), at=at,
                               data={"photos": len(photos)})
    else:
        note = required_text(note, _("核查不通过时请写明问题所在，便于承办单位返工。"))
        case = case_transition(case=case, action=action, actor=actor, note=note, at=at,
                               data={"photos": len(photos)}, changes={"reported_back_at": None})
        current_tasks(case).filter(role=TaskRole.LEAD).update(reported_back_at=None)
    _attach(case, case.last_event, photos, actor, AttachmentStage.VERIFY)
    return case


@transaction.atomic
def case_close(*, case: Case, actor, note: str = "", at: dt.datetime | None = None) -> Case:
    """结案."""
    at = prepare(case, Action.CLOSE, actor, at)
    return case_transition(case=case, action=Action.CLOSE, actor=actor, note=note.strip(), at=at,
                           changes={"closed_at": at})


from .escalation import case_escalate  # noqa: E402
from .outcome import case_rate, case_reopen  # noqa: E402
from .timing import (  # noqa: E402
    case_decide_extension,
    case_request_extension,
    case_resume,
    case_supervise,
    case_suspend,
)

__all__ = [
    "case_register", "case_reject", "case_dispatch", "case_accept", "case_return",
    "case_report_back", "case_assist_report", "case_verify", "case_close", "case_rate",
    "case_reopen", "case_request_extension", "case_decide_extension", "case_supervise",
    "case_suspend", "case_resume", "case_escalate",
]
