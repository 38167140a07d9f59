"""The one permission policy. Every view, endpoint, service and selector asks here:

- `may(actor, action, obj=None)`: may this actor do this (to this object)?
- `require(actor, action, obj=None)`: the same, raising PermissionDenied with a Chinese message.
- `visible(actor, queryset)`: the objects of a queryset this actor may see.

An actor's scope is an area code ('' = the whole city) or a department. An object's place is its
area code; models say which field holds each level's code in `scope_fields`
({6: "district_id", 9: "street_id", ...}) and, when departments act on them, `department_field`:
a department then sees only the rows handed to it, not everything in its jurisdiction.
Seeing follows the tree both ways (your subtree and the ancestors above you, so a community
worker sees the name of their street); changing is only ever inside your own subtree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.core.errors import PermissionDenied

STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
ADMIN_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.CITY_ADMIN})
# Roles whose view is read-only everywhere in their scope.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})

# action -> roles allowed to perform it (scope is checked separately).
ACTIONS: dict[str, frozenset[str]] = {
    "territory.view": STAFF_ROLES,
    "territory.edit": ADMIN_ROLES,
    "staffing.view": STAFF_ROLES - {Role.DEPARTMENT_HANDLER},
    "staffing.edit": ADMIN_ROLES | {Role.STREET_COMMANDER},
    "user.manage": ADMIN_ROLES,
    "department.view": STAFF_ROLES,
    "department.edit": ADMIN_ROLES,
    # Cases. Which workflow action a role may take is the transition table's business
    # (cases/workflow.py); these say who may see, create and administer cases at all.
    "case.view": STAFF_ROLES,
    "case.create": frozenset(Role),
    "case.act": STAFF_ROLES - READ_ONLY_ROLES,
    # Reporters' names and phone numbers: only those who call people back.
    "case.view_contact": frozenset({Role.STREET_DISPATCHER, Role.STREET_COMMANDER,
                                    Role.DISTRICT_ADMIN, Role.CITY_ADMIN}),
    "case.import": ADMIN_ROLES,
    # The grid worker's phone page (/m/grid/): report on patrol, verify reported-back cases.
    # Community staff patrol and verify in their community too.
    "patrol.report": frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
    "patrol.verify": frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
    "category.edit": ADMIN_ROLES,
    "routing.edit": ADMIN_ROLES,
    # Whistles (街乡吹哨、部门报到). Scope: streets their own, departments the whistles that
    # summoned them (civicgrid.whistles.selectors), district and city admins all in scope.
    "whistle.view": frozenset({Role.STREET_DISPATCHER, Role.STREET_COMMANDER,
                               Role.DEPARTMENT_HANDLER, Role.DISTRICT_ADMIN, Role.CITY_ADMIN,
                               Role.AUDITOR}),
    "whistle.raise": frozenset({Role.STREET_DISPATCHER, Role.STREET_COMMANDER}),
    "whistle.command": frozenset({Role.STREET_COMMANDER}),  # exceptions, absences, cancelling
    "whistle.report_in": frozenset({Role.DEPARTMENT_HANDLER}),
    "whistle.score": frozenset({Role.STREET_DISPATCHER, Role.STREET_COMMANDER}),
    "whistle.catalogue_edit": ADMIN_ROLES,
    "dispatch.rate": frozenset({Role.DEPARTMENT_HANDLER}),
    # Metrics and rankings; which rows each role sees: civicgrid.evaluation.units.
    "evaluation.view": STAFF_ROLES,
    "evaluation.edit": ADMIN_ROLES,  # composite weights: city-wide, so city admins in effect
    # Working pages (civicgrid.web): the command centre's wall (read-only, so auditors too),
    # the dispatcher's workbench (intake queue, supervision, closing) and the department's.
    "command.view": frozenset({Role.STREET_COMMANDER, Role.STREET_DISPATCHER,
                               Role.DISTRICT_ADMIN, Role.CITY_ADMIN, Role.AUDITOR}),
    "workbench.dispatch": frozenset({Role.STREET_DISPATCHER, Role.STREET_COMMANDER,
                                     Role.DISTRICT_ADMIN, Role.CITY_ADMIN}),
    "workbench.department": frozenset({Role.DEPARTMENT_HANDLER}),
    # Ledgers (台账, civicgrid.registry): every staff role reads its area's ledgers; the
    # community keeps its own rows, the street commander the street's, admins theirs; whole
    # files are imported by admins. Volunteers' ID numbers and phones: only those who organise
    # volunteers (the community, the street commander, admins); everybody else sees them masked.
    "registry.view": STAFF_ROLES,
    "registry.edit": frozenset({Role.COMMUNITY_STAFF, Role.STREET_COMMANDER}) | ADMIN_ROLES,
    "registry.import": ADMIN_ROLES,
    "registry.view_personal": frozenset({Role.COMMUNITY_STAFF, Role.STREET_COMMANDER})
    | ADMIN_ROLES,
    # Webhooks (civicgrid.webhooks): any staff account (an integration's account) subscribes
    # to the events of the cases it may see; admins manage everybody's subscriptions.
    "webhook.subscribe": STAFF_ROLES,
    "webhook.manage": ADMIN_ROLES,
    # Goals + indicators (civicgrid.indicators). Plans and approved figures are the city's
    # published goals: all staff read them. Figures are kept per city, district or street, so
    # those who answer for a street or above enter them (inside their own area only; community
    # staff have no indicator area of their own) and admins approve them and edit the plans.
    "indicator.view": STAFF_ROLES,
    "indicator.measure": frozenset({Role.STREET_COMMANDER}) | ADMIN_ROLES,
    "indicator.approve": ADMIN_ROLES,
    "indicator.edit": ADMIN_ROLES,
}

# Which roles need which kind of scope (checked when an account is created or changed).
SCOPE_LEVELS: dict[str, tuple[int, ...]] = {
    Role.RESIDENT: (),
    Role.GRID_WORKER: (12, 15),
    Role.COMMUNITY_STAFF: (12,),
    Role.STREET_DISPATCHER: (9,),
    Role.STREET_COMMANDER: (9,),
    Role.DEPARTMENT_HANDLER: (),  # scoped by department
    Role.DISTRICT_ADMIN: (6,),
    Role.CITY_ADMIN: (0,),
    Role.AUDITOR: (0, 6, 9),
}


@dataclass(frozen=True)
class Scope:
    """What an actor stands on: an area code ('' = city) and/or a department id."""

    area: str | None  # None: no area at all (a resident)
    department_id: int | None = None


def scope_of(actor) -> Scope:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope(area=None)
    if actor.is_superuser:
        return Scope(area="")
    if actor.role == Role.DEPARTMENT_HANDLER:
        dept = actor.department
        return Scope(area=dept.area_code if dept else None, department_id=actor.department_id)
    if actor.role == Role.RESIDENT:
        return Scope(area=None)
    return Scope(area=actor.area_code or "")


def role_may(actor, action: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to core.permissions.ACTIONS")
    return actor.role in ACTIONS[action]


def _is_read(action: str) -> bool:
    return action.endswith(".view")


def in_scope(actor, obj, *, write: bool = False) -> bool:
    """Is the object inside the actor's scope? Reads also allow the ancestors of the scope."""
    scope = scope_of(actor)
    department_field = getattr(obj, "department_field", None)
    if scope.department_id is not None and department_field:
        # A department sees and acts on what is handed to it, not everything in its district.
        return getattr(obj, department_field, None) == scope.department_id
    if scope.area is None:
        return False
    code = getattr(obj, "area_code", None)
    if code is None:
        return False
    if code.startswith(scope.area):
        return True
    return not write and scope.area.startswith(code)


def may(actor, action: str, obj=None) -> bool:
    if not role_may(actor, action):
        return False
    if not _is_read(action) and actor.role in READ_ONLY_ROLES and not actor.is_superuser:
        return False
    return obj is None or in_scope(actor, obj, write=not _is_read(action))


def require(actor, action: str, obj=None) -> None:
    if not may(actor, action, obj):
        raise PermissionDenied(
            _("您没有权限执行此操作（%(action)s），请联系上级管理员开通。") % {"action": action},
            code="forbidden")


def area_q(model, area: str) -> Q:
    """Q for the rows of `model` inside area `area` or above it (its ancestors)."""
    if area == "":
        return Q()
    fields = model.scope_fields
    n = len(area)
    if n in fields:
        return Q(**{fields[n]: area})
    deeper = [k for k in fields if k > n]
    if deeper:
        # The model has no column for this level: filter by prefix of the nearest deeper code.
        return Q(**{f"{fields[min(deeper)]}__startswith": area})
    # The actor stands below this model's deepest level: only the ancestor row is visible.
    deepest = max(fields)
    return Q(**{fields[deepest]: area[:deepest]})


def visible(actor, queryset: QuerySet, *, action: str | None = None) -> QuerySet:
    """Rows of `queryset` the actor may see. Models opt in with `scope_fields`."""
    model = queryset.model
    if action is not None and not role_may(actor, action):
        return queryset.none()
    scope = scope_of(actor)
    department_field = getattr(model, "department_field", None)
    if scope.department_id is not None and department_field:
        # Rows handed to a department (cases, tasks): only its own, whatever its jurisdiction.
        return queryset.filter(**{department_field: scope.department_id})
    if scope.area is None:
        return queryset.none()
    return queryset.filter(area_q(model, scope.area))
