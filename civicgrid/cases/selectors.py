"""Reads of cases, already scoped to what the actor may see.

- `cases_visible(actor)`: the permission policy's scope (area or handling department) plus the
  cases a department assists on (co-handling tasks).
- `dispatch_queue(actor)`: what waits for a dispatcher (reported / registered / returned), the
  nearest step deadline first, with its warning level.
- `unit_queue(actor)`: what a handling unit (department, street or community) has to do, by
  handle deadline.
- `case_for_resident(number, phone)`: a resident's look-up; a public view or None.
Warning levels come from the working calendar at read time; they are never stored.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case as When_
from django.db.models import F, Q, QuerySet, When
from django.utils import timezone

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.core.calendar import get_calendar

from .deadlines import category_limits
from .models import Attachment, Case, CaseEvent, CaseTask, Reporter, TaskRole
from .workflow import TRANSITIONS, Action, State

DISPATCH_STATES = (State.REPORTED, State.REGISTERED, State.RETURNED)
UNIT_STATES = (State.DISPATCHED, State.HANDLING, State.EXTENSION_REQUESTED)
QUEUE_LIMIT = 200


def cases_visible(actor) -> QuerySet:
    """Cases the actor may see: their area's, their department's and those it assists on."""
    qs = permissions.visible(actor, Case.objects.all(), action="case.view")
    dept = permissions.scope_of(actor).department_id
    if dept is not None and permissions.role_may(actor, "case.view"):
        assisting = CaseTask.objects.filter(unit_department_id=dept).values("case_id")
        qs = qs | Case.objects.filter(pk__in=assisting)
    return qs


def cases_reported_by(user) -> QuerySet:
    """The cases a signed-in resident reported (render them with `public_case`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(pk__in=Reporter.objects.filter(user=user).values("case_id"))


# --- queues ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    case: Case
    step: str  # register / dispatch / handle
    deadline: dt.datetime | None
    level: str  # normal / yellow / red ("" without a deadline)


def _levels(cases: list[Case], steps: list[str], starts: list, now=None) -> list[str]:
    """Warning level of each case's step deadline, in one vectorised calendar call."""
    cal = get_calendar()
    now = now or timezone.now()
    idx = [i for i, c in enumerate(cases) if getattr(c, f"{steps[i]}_deadline") is not None]
    out = [""] * len(cases)
    if not idx:
        return out

    def utc64(values):
        return np.array([v.astimezone(dt.UTC).replace(tzinfo=None) for v in values],
                        dtype="datetime64[s]")

    deadlines = utc64([getattr(cases[i], f"{steps[i]}_deadline") for i in idx])
    begin = utc64([min(starts[i], getattr(cases[i], f"{steps[i]}_deadline")) for i in idx])
    units = np.array([category_limits(cases[i].category)[steps[i]][1] for i in idx])
    levels = cal.warning_levels(np.datetime64(now.astimezone(dt.UTC).replace(tzinfo=None), "s"),
                                begin, deadlines, units)
    for i, level in zip(idx, levels, strict=True):
        out[i] = str(level)
    return out


def _roles_for(*actions) -> frozenset[str]:
    return frozenset().union(*(roles for (_s, a), (_n, roles) in TRANSITIONS.items()
                               if a in actions))


def dispatch_queue(actor, *, limit: int = QUEUE_LIMIT, now=None) -> list[QueueItem]:
    """Reported, registered and returned cases in the actor's scope, the nearest step deadline
    (register for reported cases, dispatch for the others) first."""
    if not (getattr(actor, "is_superuser", False)
            or getattr(actor, "role", None) in _roles_for(Action.REGISTER, Action.DISPATCH)):
        return []
    qs = cases_visible(actor).filter(state__in=DISPATCH_STATES)
    area = permissions.scope_of(actor).area or ""
    if area:
        # A case escalated to a higher level (unit_area_code while it waits, see workflow.py)
        # is that level's to dispatch, not the street's any more.
        qs = qs.filter(Q(unit_area_code="") | Q(unit_area_code__startswith=area))
    qs = (qs
          .annotate(queue_deadline=When_(
              When(state=State.REPORTED, then=F("register_deadline")),
              default=F("dispatch_deadline")))
          .select_related("category")
          .order_by(F("queue_deadline").asc(nulls_last=True), "reported_at", "id"))
    cases = list(qs[:limit])
    steps = ["register" if c.state == State.REPORTED else "dispatch" for c in cases]
    levels = _levels(cases, steps, [c.reported_at for c in cases], now)
    return [QueueItem(c, s, c.queue_deadline, lv) for c, s, lv in
            zip(cases, steps, levels, strict=True)]


def unit_queue(actor, *, limit: int = QUEUE_LIMIT, now=None) -> list[QueueItem]:
    """A handling unit's cases by handle deadline: a department handler's department (as lead
    or, for open co-handling tasks, as assistant), or a community's / street's own cases when
    the street or community handles them (unit_area_code)."""
    if not permissions.role_may(actor, "case.act"):
        return []
    scope = permissions.scope_of(actor)
    if actor.role == Role.DEPARTMENT_HANDLER and scope.department_id is not None:
        open_tasks = CaseTask.objects.filter(unit_department_id=scope.department_id,
                                             role=TaskRole.ASSIST, reported_back_at=None)
        mine = (Q(unit_department_id=scope.department_id)
                | Q(pk__in=open_tasks.values("case_id"), state=State.HANDLING))
    elif scope.area:
        mine = Q(unit_area_code=scope.area, unit_department=None)
    else:
        return []
    qs = (Case.objects.filter(mine, state__in=UNIT_STATES).select_related("category")
          .order_by(F("handle_deadline").asc(nulls_last=True), "id"))
    cases = list(qs[:limit])
    levels = _levels(cases, ["handle"] * len(cases),
                     [c.dispatched_at or c.reported_at for c in cases], now)
    return [QueueItem(c, "handle", c.handle_deadline, lv) for c, lv in
            zip(cases, levels, strict=True)]


# --- residents -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    action: str
    action_label: str
    note: str
    unit_name: str


@dataclass(frozen=True)
class PublicPhoto:
    url: str
    stage: str
    stage_label: str


@dataclass(frozen=True)
class PublicCase:
    number: str
    category_name: str
    state: str
    state_label: str
    address: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    rating: str
    can_rate: bool
    merged_from: str  # the number looked up when that case was merged into this one, else ""
    events: list[PublicEvent] = field(default_factory=list)
    photos: list[PublicPhoto] = field(default_factory=list)


def _area_names(codes: set[str]) -> dict[str, str]:
    from civicgrid.territory.models import Community, District, Grid, Street

    names: dict[str, str] = {}
    for model in (District, Street, Community, Grid):
        names.update(model.objects.filter(code__in=codes).values_list("code", "name"))
    return names


def public_case(case: Case, *, looked_up: str = "") -> PublicCase:
    """What the public may see of a case: no internal events, no people, units by name only."""
    events = list(CaseEvent.objects.filter(case=case, internal=False)
                  .select_related("unit_department").order_by("at", "id"))
    areas = _area_names({e.unit_area_code for e in events if e.unit_area_code})
    action_labels = dict(CaseEvent._meta.get_field("action").choices)
    photos = (Attachment.objects.filter(case=case, public=True)
              .filter(Q(event=None) | Q(event__internal=False)).order_by("uploaded_at", "id"))
    return PublicCase(
        number=case.number,
        category_name=case.category.name if case.category_id else "",
        state=case.state, state_label=State(case.state).label, address=case.address,
        reported_at=case.reported_at, closed_at=case.closed_at, rating=case.rating,
        can_rate=case.state == State.CLOSED and not case.rating,
        merged_from=looked_up if looked_up and looked_up != case.number else "",
        events=[PublicEvent(at=e.at, action=e.action,
                            action_label=str(action_labels.get(e.action, e.action)),
                            note=e.note,
                            unit_name=(e.unit_department.name if e.unit_department_id
                                       else areas.get(e.unit_area_code, "")))
                for e in events],
        photos=[PublicPhoto(url=p.file.url, stage=p.stage, stage_label=p.get_stage_display())
                for p in photos])


def _phone_digits(phone: str) -> bytes:
    from .services.intake import normalize_phone

    return normalize_phone(phone).encode()


def case_for_resident(number: str, phone: str) -> PublicCase | None:
    """The public view of case `number` when `phone` is the phone of any of its reporters;
    None otherwise, the same None whether the number or the phone was wrong. A duplicate that
    was merged is found by its old number and shows the case it was merged into."""
    number, given = (number or "").strip().upper(), _phone_digits(phone)
    reporters = list(Reporter.objects.filter(Q(case__number=number)
                                             | Q(original_case_number=number))
                     .select_related("case", "case__category"))
    match = None
    # Compare with every reporter (and once even when there is none) in constant time, so the
    # response time says nothing about which part was wrong.
    for reporter in reporters or [None]:
        stored = _phone_digits(reporter.phone) if reporter else b"\0"
        if hmac.compare_digest(stored, given) and given and reporter is not None:
            match = match or reporter
    if match is None:
        return None
    return public_case(match.case, looked_up=number)


def resident_rater(case: Case, *, user, phone: str):
    """Who rates a case from the tracking page: a signed-in resident, else the account of the
    reporter whose phone was just proved, else that reporter without an account
    (services.units.VerifiedReporter). The workflow checks any of them against the reporters."""
    from .services.intake import normalize_phone
    from .services.units import VerifiedReporter

    if getattr(user, "is_authenticated", False) and user.role == Role.RESIDENT:
        return user
    linked = (Reporter.objects.filter(case=case, phone=normalize_phone(phone),
                                      user__is_active=True, user__role=Role.RESIDENT)
              .select_related("user").order_by("id").first())
    return linked.user if linked else VerifiedReporter(phone)
