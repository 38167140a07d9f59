"""The ONE place a case changes state.

`case_transition` checks the transition table (workflow.TRANSITIONS), the actor's role, their
scope, then applies one conditional UPDATE on (id, state, version) and writes the CaseEvent in
the same transaction. Two people acting on one case at once cannot both win: the second UPDATE
matches no row (the version moved) and gets a Conflict, and its transaction writes nothing.

Scope, in three layers:
- area: permissions.require(actor, "case.act", case) for every staff role but department
  handlers, whose policy scope is their department's whole jurisdiction (a district
  department would otherwise act on every case of its district);
- unit: UNIT_ACTIONS (accept, return, report back, request extension, escalate from handling)
  only by the handling unit itself; assist_report only by a unit with an open assisting task;
  department handlers act on nothing else;
- level: while a case waits for dispatch, `unit_area_code` (if set) names the level it was
  escalated to, and only actors at or above that level act on it (workflow.py).
Residents have no area: they may only rate, and only cases they reported.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import (
    COUNTERS,
    INTERNAL_ACTIONS,
    TRANSITIONS,
    WAITING_STATES,
    Action,
    State,
    is_unit_action,
)
from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from civicgrid.evaluation.rollups import rollup_case_change

from .guards import run_guard
from .units import acts_for_unit, open_assist_task, reporter_owns, unit_label


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def action_label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action


def check_transition(case: Case, action: str, actor) -> str:
    """Table, role and scope for `actor` taking `action` on `case`; returns the next state.
    Raises InvalidInput (not possible in this state) or PermissionDenied."""
    entry = TRANSITIONS.get((case.state, action))
    if entry is None:
        raise InvalidInput(
            _("当前状态「%(state)s」不能执行「%(action)s」，请刷新页面查看案件可办理的操作。")
            % {"state": state_label(case.state), "action": action_label(action)},
            code="illegal_transition")
    to_state, roles = entry
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录后再办理案件。"), code="login_required")
    if actor.is_superuser:
        return to_state
    if actor.role not in roles:
        raise PermissionDenied(
            _("您的角色「%(role)s」不能执行「%(action)s」，请联系有权限的人员办理。")
            % {"role": actor.get_role_display(), "action": action_label(action)},
            code="role")
    _check_scope(case, action, actor)
    return to_state


def _check_scope(case: Case, action: str, actor) -> None:
    if actor.role == Role.RESIDENT:
        if not reporter_owns(case, actor):
            raise PermissionDenied(_("您只能评价本人反映的案件，请核对案件编号。"),
                                   code="not_reporter")
        return
    if actor.role == Role.DEPARTMENT_HANDLER:
        if not permissions.role_may(actor, "case.act"):
            permissions.require(actor, "case.act")
    else:
        permissions.require(actor, "case.act", case)
    level = case.unit_area_code
    if case.state in WAITING_STATES and level and not level.startswith(actor.area_code or ""):
        raise PermissionDenied(
            _("该案件已上报至「%(level)s」，由其派遣人员办理。") % {"level": unit_label(None, level)},
            code="level")
    if action == Action.ASSIST_REPORT:
        if open_assist_task(case, actor) is None:
            raise PermissionDenied(_("您所在单位不是该案件的协办单位，或已提交协办反馈。"),
                                   code="not_assisting")
    elif (is_unit_action(case.state, action) or actor.role == Role.DEPARTMENT_HANDLER) \
            and not acts_for_unit(actor, case):
        unit = unit_label(case.unit_department_id, case.unit_area_code)
        raise PermissionDenied(
            _("只有承办单位「%(unit)s」可以执行「%(action)s」。")
            % {"unit": unit or _("未指定"), "action": action_label(action)}, code="not_unit")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def case_transition(*, case: Case, action: str, actor, note: str = "", internal: bool = False,
                    data: dict | None = None, changes: dict | None = None,
                    at: dt.datetime | None = None,
                    unit: tuple[int | None, str] | None = None) -> Case:
    """Apply `action` to `case` and record it. `changes` are extra field values written by the
    same UPDATE (F expressions allowed); the action's counter (workflow.COUNTERS) is added here.
    Events of workflow.INTERNAL_ACTIONS are internal whatever `internal` says.
    `unit` = (department id, area code) the event names; default: the case's unit before the
    change (the unit that acted, or the one a return leaves).

    Returns the refreshed case; `case.last_event` is the event written."""
    to_state = check_transition(case, action, actor)
    at = at or timezone.now()
    values = dict(changes or {})
    counter = COUNTERS.get(action)
    if counter:
        values[counter] = F(counter) + 1
    from_state = case.state
    before = copy.copy(case)  # the stored row (its version matched) for the rollup delta
    updated = Case.objects.filter(pk=case.pk, state=from_state, version=case.version).update(
        state=to_state, version=F("version") + 1, updated_at=timezone.now(), **values)
    if not updated:
        current = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
        if current is None:
            raise NotFound(_("案件不存在或已被删除。"), code="case_missing")
        raise Conflict(
            _("案件已被他人处理（当前状态：%(state)s），请刷新后重试。")
            % {"state": state_label(current)}, code="case_moved")
    dept_id, area = unit if unit is not None else (case.unit_department_id, case.unit_area_code)
    event = CaseEvent.objects.create(
        case_id=case.pk, action=action, from_state=from_state, to_state=to_state,
        actor=actor if actor.pk is not None else None, actor_role=actor.role,
        unit_department_id=dept_id,
        unit_area_code=area or "", at=at, note=note,
        internal=internal or action in INTERNAL_ACTIONS,
        data=_jsonable(data or {}))
    case.refresh_from_db()
    rollup_case_change(before, case)  # same transaction: the rollups stay exact
    # After commit: webhook fan-out (a lazy import: cases does not depend on webhooks).
    transaction.on_commit(lambda: import_string(
        "civicgrid.webhooks.services.case_event_committed")(event.pk), robust=True)
    case.last_event = event
    return case


def prepare(case: Case, action: str, actor, at: dt.datetime | None = None) -> dt.datetime:
    """What every action service does first: table, role, scope, then the data guard, so the
    user hears "not possible now" before "fill in the reason". Returns the action's time."""
    at = at or timezone.now()
    check_transition(case, action, actor)
    run_guard(case, action, actor, at)
    return at


def required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, code="required")
    return value
