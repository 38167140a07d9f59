"""Deadline actions: extension (延期), supervision (督办), long-term pending (挂账).

Clock pauses. While an extension request waits for approval the handling clock stops when the
city says so (settings.CIVICGRID["PAUSE_CLOCK_DURING_EXTENSION"], default True): whatever the
decision, the deadline is pushed by the working time the request was pending. A suspended case
is not being timed at all: resuming pushes the deadline by the working time it was suspended."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case, Extension, ExtensionDecision
from civicgrid.cases.workflow import Action
from civicgrid.core.calendar import DeadlineUnit, get_calendar
from civicgrid.core.errors import InvalidInput

from .clock import (
    handle_unit,
    move_deadline,
    pause_during_extension,
    push_by_pause,
    warning_level,
)
from .transition import case_transition, prepare, required_text


@transaction.atomic
def case_request_extension(*, case: Case, actor, amount: float, reason: str,
                           unit: str = DeadlineUnit.working_days,
                           at: dt.datetime | None = None) -> Case:
    """申请延期 by the handling unit: `amount` `unit`s more, with a reason."""
    at = prepare(case, Action.REQUEST_EXTENSION, actor, at)
    if unit not in DeadlineUnit.values:
        raise InvalidInput(_("延期单位无效，请选择工作日、工作时、紧急工作时或自然日。"), code="unit")
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        amount = 0.0
    if amount <= 0 or (unit in (DeadlineUnit.working_days, DeadlineUnit.natural_days)
                       and amount != int(amount)):
        raise InvalidInput(_("请填写大于零的延期时长（天数须为整数）。"), code="amount")
    reason = required_text(reason, _("请填写延期理由。"))
    ext = Extension.objects.create(case=case, requested_by=actor, requested_at=at,
                                   amount=amount, unit=unit, reason=reason)
    return case_transition(
        case=case, action=Action.REQUEST_EXTENSION, actor=actor, note=reason, at=at,
        data={"extension_id": ext.pk, "amount": amount, "unit": unit})


@transaction.atomic
def case_decide_extension(*, case: Case, actor, approve: bool, note: str = "",
                          at: dt.datetime | None = None) -> Case:
    """批准/驳回延期. Approved: the deadline moves by the requested amount from the current
    deadline (on the working calendar). Either way the case goes back to handling, and a
    paused clock pushes the deadline by the time the request was pending."""
    action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    at = prepare(case, action, actor, at)
    note = (note or "").strip()
    if not approve:
        note = required_text(note, _("驳回延期时请填写审批意见。"))
    ext = case.extensions.filter(decision=ExtensionDecision.PENDING).order_by("-requested_at",
                                                                           "-id").first()
    old = case.handle_deadline
    new, paused = old, dt.timedelta(0)
    if pause_during_extension():
        new, paused = push_by_pause(old, ext.requested_at, at, handle_unit(case))
    if approve and new is not None:
        new = move_deadline(new, ext.amount, ext.unit)
    Extension.objects.filter(pk=ext.pk).update(
        decision=ExtensionDecision.APPROVED if approve else ExtensionDecision.DENIED,
        decided_by=actor, decided_at=at, decision_note=note)
    return case_transition(
        case=case, action=action, actor=actor, note=note, at=at,
        data={"extension_id": ext.pk, "old_deadline": old, "new_deadline": new,
              "paused_seconds": int(paused.total_seconds())},
        changes={"handle_deadline": new})


@transaction.atomic
def case_supervise(*, case: Case, actor, note: str, at: dt.datetime | None = None) -> Case:
    """督办 a unit that is late (red) or about to be (yellow); the note is the instruction."""
    at = prepare(case, Action.SUPERVISE, actor, at)
    note = required_text(note, _("请填写督办意见。"))
    return case_transition(case=case, action=Action.SUPERVISE, actor=actor, note=note, at=at,
                           data={"level": warning_level(case, at)})


@transaction.atomic
def case_suspend(*, case: Case, actor, review_date: dt.date, reason: str,
                 at: dt.datetime | None = None) -> Case:
    """挂账: the problem cannot be solved now; it is tracked and reviewed on `review_date`."""
    at = prepare(case, Action.SUSPEND, actor, at)
    reason = required_text(reason, _("请填写挂账原因。"))
    if not isinstance(review_date, dt.date) or isinstance(review_date, dt.datetime):
        raise InvalidInput(_("请填写复核日期。"), code="review_date")
    if review_date <= timezone.localtime(at, get_calendar().tz).date():
        raise InvalidInput(_("复核日期须晚于今天。"), code="review_date")
    return case_transition(case=case, action=Action.SUSPEND, actor=actor, note=reason, at=at,
                           data={"review_date": review_date},
                           changes={"review_date": review_date})


@transaction.atomic
def case_resume(*, case: Case, actor, note: str = "", at: dt.datetime | None = None) -> Case:
    """恢复办理: back to handling; the deadline moves by the time the case was suspended."""
    at = prepare(case, Action.RESUME, actor, at)
    since = case.events.filter(action=Action.SUSPEND).order_by("-at", "-id") \
        .values_list("at", flat=True).first() or at
    new, paused = push_by_pause(case.handle_deadline, since, at, handle_unit(case))
    return case_transition(
        case=case, action=Action.RESUME, actor=actor, note=(note or "").strip(), at=at,
        data={"old_deadline": case.handle_deadline, "new_deadline": new,
              "paused_seconds": int(paused.total_seconds())},
        changes={"handle_deadline": new, "review_date": None})
