"""Who handles a case: the handling unit, co-handling tasks, the levels of layered handling and
the reporter's ownership that lets a resident rate. Small reads the transition service and the
guards share."""

from __future__ import annotations

from django.db.models import Q

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, CaseTask, Reporter, TaskRole

# Layered handling: community (12) → street (9) → district (6); the district is the top.
PARENT_LEVEL = {12: 9, 9: 6}


def parent_level(code: str) -> str | None:
    """The area one level up (community → street → district), or None at the top."""
    n = PARENT_LEVEL.get(len(code))
    return code[:n] if n else None


def unit_label(department_id: int | None, area_code: str) -> str:
    """A unit's name for messages: the department's name, or the area node's name."""
    if department_id:
        from civicgrid.dispatch.models import Department

        dept = Department.objects.filter(pk=department_id).only("name").first()
        return dept.name if dept else str(department_id)
    if not area_code:
        return ""
    from civicgrid.territory.models import Community, District, Street

    model = {6: District, 9: Street, 12: Community}.get(len(area_code))
    node = model.objects.filter(code=area_code).only("name").first() if model else None
    return node.name if node else area_code


def current_tasks(case: Case):
    """Co-handling tasks of the latest dispatch (older ones are history: each dispatch makes
    its own tasks, and a return or escalation ends them without deleting anything)."""
    if case.dispatched_at is None:
        return CaseTask.objects.none()
    return case.tasks.filter(assigned_at__gte=case.dispatched_at)


def acts_for_unit(actor, case: Case) -> bool:
    """Is the actor the handling unit itself (its department, or exactly its area unit)?"""
    if actor.is_superuser:
        return True
    if actor.role == Role.DEPARTMENT_HANDLER:
        return case.unit_department_id is not None and case.unit_department_id == \
            actor.department_id
    return case.unit_department_id is None and bool(case.unit_area_code) and \
        case.unit_area_code == actor.area_code


def _unit_q(actor) -> Q:
    if actor.role == Role.DEPARTMENT_HANDLER:
        return Q(unit_department_id=actor.department_id) if actor.department_id else Q(pk__in=[])
    return Q(unit_department__isnull=True, unit_area_code=actor.area_code)


def open_assist_task(case: Case, actor) -> CaseTask | None:
    """The actor's unit's assisting task on this case that still owes its report."""
    if actor.is_superuser:
        q = Q()
    elif actor.role == Role.DEPARTMENT_HANDLER or actor.area_code:
        q = _unit_q(actor)
    else:
        return None
    return current_tasks(case).filter(q, role=TaskRole.ASSIST, reported_back_at__isnull=True) \
        .order_by("id").first()


def reporter_owns(case: Case, actor) -> bool:
    """Did this resident report the case (their account, or the phone number they gave the
    hotline, compared as intake stores it)? Merged duplicates keep every reporter, so each of
    them may rate."""
    from .intake import normalize_phone

    q = Q(user_id=actor.pk) if actor.pk is not None else Q(pk__in=[])
    phone = normalize_phone(getattr(actor, "phone", "") or "")
    if phone:
        q |= Q(phone=phone)
    return Reporter.objects.filter(q, case_id=case.pk).exists()


class VerifiedReporter:
    """A reporter without an account who proved who they are with the case number and the phone
    they gave (the tracking page, a follow-up SMS link). It acts as a resident that owns exactly
    the cases reported with that phone; events record no user, role "resident"."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None
    role = "resident"

    def __init__(self, phone: str):
        self.phone = phone

    def get_role_display(self) -> str:
        return str(Role.RESIDENT.label)
