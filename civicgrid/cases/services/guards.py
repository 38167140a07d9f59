"""Guards that depend on the case's data, beyond the table, role and scope.

Each guard takes (case, actor, at) and raises a DomainError; the action services call them
before writing, and available_actions() uses them to offer only what would succeed."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from civicgrid.cases.models import Case, ExtensionDecision, TaskRole
from civicgrid.cases.workflow import WAITING_STATES, Action
from civicgrid.core.errors import Conflict, InvalidInput

from .clock import warning_level
from .units import current_tasks, parent_level, unit_label


def require_category(case: Case, actor, at) -> None:
    if case.category_id is None:
        raise InvalidInput(_("案件尚未确定问题分类，请先选择分类。"), code="no_category")


def all_assists_reported(case: Case, actor, at) -> None:
    missing = [unit_label(t.unit_department_id, t.unit_area_code) for t in
               current_tasks(case).filter(role=TaskRole.ASSIST, reported_back_at__isnull=True)
               .order_by("id")]
    if missing:
        raise Conflict(_("协办单位尚未全部反馈：%(units)s。请待其反馈后再提交。")
                       % {"units": "、".join(missing)}, code="assists_pending",
                       details={"missing": missing})


def overdue_or_warned(case: Case, actor, at) -> None:
    """督办 is for a unit that is late or about to be: yellow (little time left) or red."""
    if case.handle_deadline is None:
        raise InvalidInput(_("案件没有处置时限，不能督办。"), code="no_deadline")
    if warning_level(case, at) == "normal":
        raise InvalidInput(_("案件尚未临近或超过处置时限，不能督办。"), code="not_overdue")


def not_rated(case: Case, actor, at) -> None:
    if case.rating:
        raise Conflict(_("该案件已评价过，每个案件只能评价一次。"), code="already_rated")


def has_deadline(case: Case, actor, at) -> None:
    if case.handle_deadline is None:
        raise InvalidInput(_("案件没有处置时限，无需申请延期。"), code="no_deadline")


def pending_extension(case: Case, actor, at) -> None:
    if not case.extensions.filter(decision=ExtensionDecision.PENDING).exists():
        raise InvalidInput(_("没有待审批的延期申请。"), code="no_pending_extension")


def escalation_levels(case: Case) -> tuple[str, str | None]:
    """(the level the case is at, the level above it) for layered handling."""
    if case.state in WAITING_STATES:
        level = case.unit_area_code or case.street_code
    else:
        level = case.unit_area_code if case.unit_department_id is None else ""
    return level, (parent_level(level) if level else None)


def can_escalate(case: Case, actor, at) -> None:
    level, above = escalation_levels(case)
    if not level:
        raise InvalidInput(_("只有街道或社区承办的案件可以上报上级，部门请使用退单。"),
                           code="not_area_unit")
    if above is None:
        raise InvalidInput(_("区级已是最高处置层级，请派遣给区级职能部门办理。"),
                           code="top_level")


GUARDS = {
    Action.REGISTER: None,
    Action.DISPATCH: require_category,
    Action.REPORT_BACK: all_assists_reported,
    Action.SUPERVISE: overdue_or_warned,
    Action.RATE: not_rated,
    Action.REQUEST_EXTENSION: has_deadline,
    Action.APPROVE_EXTENSION: pending_extension,
    Action.DENY_EXTENSION: pending_extension,
    Action.ESCALATE: can_escalate,
}


def run_guard(case: Case, action: str, actor, at: dt.datetime) -> None:
    guard = GUARDS.get(action)
    if guard is not None:
        guard(case, actor, at)

