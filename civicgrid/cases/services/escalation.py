"""Layered handling (分层处理): a community handles what it can or passes the case to its
street; a street (handling it, or before dispatching it) passes it to its district. The case
goes back to `registered` with `unit_area_code` = the level above, whose dispatchers then own
it (workflow.py). The district is the top: it dispatches to district departments instead."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case
from civicgrid.cases.workflow import WAITING_STATES, Action

from .clock import dispatch_deadline_from
from .guards import escalation_levels
from .transition import case_transition, prepare, required_text


@transaction.atomic
def case_escalate(*, case: Case, actor, reason: str, at: dt.datetime | None = None) -> Case:
    at = prepare(case, Action.ESCALATE, actor, at)
    reason = required_text(reason, _("请说明需要上级处理的原因。"))
    level, above = escalation_levels(case)
    unit = (None, level) if case.state in WAITING_STATES else None
    return case_transition(
        case=case, action=Action.ESCALATE, actor=actor, note=reason, at=at, unit=unit,
        data={"from_level": level, "to_level": above},
        changes={"unit_department_id": None, "unit_area_code": above,
                 "dispatch_deadline": dispatch_deadline_from(case, at)})
