"""The category catalogue (with each step's deadline rule) and the handling units an actor
works with: departments in their scope and the area units (streets, communities) they see."""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from civicgrid.cases.deadlines import category_limits
from civicgrid.core.calendar import DeadlineUnit
from civicgrid.core.codes import ancestor_codes
from civicgrid.core.errors import NotFound
from civicgrid.core.permissions import require, scope_of
from civicgrid.dispatch.models import CategoryKind, Department, Stream, UnitKind
from civicgrid.dispatch.selectors import categories_for_choice
from civicgrid.territory.selectors import area_nodes

from .schemas import Error

router = Router(tags=["catalogue"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
UnitName = Literal[tuple(DeadlineUnit.values)]  # type: ignore[valid-type]


class DeadlineRule(Schema):
    amount: float
    unit: UnitName
    unit_label: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    stream: Literal[tuple(Stream.values)]  # type: ignore[valid-type]
    kind: Literal[tuple(CategoryKind.values)]  # type: ignore[valid-type]
    default_unit_kind: Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
    is_leaf: bool
    deadlines: dict[Literal["register", "dispatch", "handle"], DeadlineRule]


def _category(c, leaves: set[int]) -> dict:
    labels = dict(DeadlineUnit.choices)
    return {"id": c.pk, "code": c.code, "name": c.name, "parent_id": c.parent_id,
            "stream": c.stream, "kind": c.kind, "default_unit_kind": c.default_unit_kind,
            "is_leaf": c.pk in leaves,
            "deadlines": {step: {"amount": amount, "unit": unit,
                                 "unit_label": str(labels.get(unit, unit))}
                          for step, (amount, unit) in category_limits(c).items()}}


def _leaves(qs) -> set[int]:
    parents = set(qs.model.objects.filter(parent__isnull=False, active=True)
                  .values_list("parent_id", flat=True))
    return {c for c in qs.values_list("pk", flat=True) if c not in parents}


@router.get("/categories", response={200: list[CategoryOut], **ERRORS},
            url_name="category_list", summary="问题分类（含各环节时限）")
def category_list(request: HttpRequest, stream: Literal[tuple(Stream.values)] | None = None):  # type: ignore[valid-type]
    """The active categories in catalogue order, each with its register, dispatch and handle
    deadline rules (amount and unit on the working calendar)."""
    qs = categories_for_choice()
    if stream:
        qs = qs.filter(stream=stream)
    rows = list(qs)
    leaves = _leaves(qs)
    return [_category(c, leaves) for c in rows]


@router.get("/categories/{ref}", response={200: CategoryOut, **ERRORS},
            url_name="category_detail", summary="一个问题分类")
def category_detail(request: HttpRequest, ref: str):
    """An active category by id or by code."""
    qs = categories_for_choice()
    lookup = Q(code=ref) | Q(pk=int(ref)) if ref.isdigit() and len(ref) < 18 else Q(code=ref)
    c = qs.filter(lookup).first()
    if c is None:
        raise NotFound(_("没有找到问题分类“%(ref)s”，或它已停用。") % {"ref": ref},
                       code="category_not_found")
    return _category(c, _leaves(qs.filter(pk=c.pk)))


# --- units -----------------------------------------------------------------------------------

class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
    area_code: str = Field(description="管辖区域：空为市级，6位为区级")
    phone: str


class AreaUnitOut(Schema):
    code: str
    name: str
    level: Literal["street", "community"]
    parent_code: str


class Units(Schema):
    departments: list[DepartmentOut]
    areas: list[AreaUnitOut]


def departments_in_scope(actor):
    """Departments an actor works with: a department handler its own; area staff the city's,
    their district's and those below their scope; the city everything. Active ones only."""
    scope = scope_of(actor)
    qs = Department.objects.filter(active=True).order_by("area_code", "code")
    if scope.department_id is not None:
        return qs.filter(pk=scope.department_id)
    if scope.area is None:
        return qs.none()
    if scope.area == "":
        return qs
    return qs.filter(Q(area_code__in=["", *ancestor_codes(scope.area)])
                     | Q(area_code__startswith=scope.area))


@router.get("/units", response={200: Units, **ERRORS}, url_name="unit_list",
            summary="处置单位（部门与属地）")
def unit_list(request: HttpRequest, level: Literal["street", "community"] | None = None,
              parent: str | None = Query(None, pattern=r"^\d{6}(\d{3})?$")):
    """Departments in the user's scope and the streets and communities the user may see
    (optionally one `level`, or those under a district or street `parent`)."""
    actor = request.user
    require(actor, "department.view")
    areas = []
    for lvl, parent_field in (("street", "district_id"), ("community", "street_id")):
        if level and level != lvl:
            continue
        qs = area_nodes(actor=actor, level=lvl).order_by("code")
        if parent:
            qs = qs.filter(code__startswith=parent)
        areas += [{"code": code, "name": name, "level": lvl, "parent_code": p}
                  for code, name, p in qs.values_list("code", "name", parent_field)]
    departments = list(departments_in_scope(actor).values(
        "id", "code", "name", "short_name", "kind", "area_code", "phone"))
    return {"departments": departments, "areas": areas}
