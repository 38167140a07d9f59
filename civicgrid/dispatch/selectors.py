"""Reading the catalogue and the responsibility list.

The classifier and the router are cached per process. They are rebuilt when the rows they are
built from change: `catalogue_rows()` and `routing_rows()` are small (a few hundred rows) and
their hash is the version, so an edit made by another process (the admin, an import on another
server) is noticed on the next check without a revision table; edits made through services in
this process are noticed at once (services.dispatch_generation).
"""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core import permissions
from civicgrid.core.codes import ancestor_codes

from .models import Category, Department, RoutingRule

CATALOGUE_FIELDS = ("id", "code", "name", "parent_id", "keywords", "active", "kind",
                    "default_unit_kind")
RULE_FIELDS = ("id", "category_id", "area_code", "target", "department_id", "priority", "note")


def catalogue_rows() -> list[tuple]:
    """(id, code, name, parent_id, keywords, active, kind, default_unit_kind) of every category."""
    return list(Category.objects.order_by("id").values_list(*CATALOGUE_FIELDS))


def routing_rows() -> tuple[list[tuple], list[tuple]]:
    """The active rules whose department (if any) is active, and (id, name, active) of the
    departments."""
    rules = list(RoutingRule.objects.filter(active=True).order_by("id")
                 .values_list(*RULE_FIELDS))
    departments = list(Department.objects.order_by("id").values_list("id", "name", "active"))
    return rules, departments


def categories_for_choice(*, active_only: bool = True) -> QuerySet:
    """Categories in catalogue order, for pick lists."""
    qs = Category.objects.select_related("parent").order_by("sort_order", "code")
    return qs.filter(active=True) if active_only else qs


def leaf_categories() -> QuerySet:
    """Categories without children: what a case is normally filed under."""
    return categories_for_choice().filter(children__isnull=True)


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code).first()


def routing_rules_visible(actor) -> QuerySet:
    """The rules an actor may read: those of their area, below it and above it (a street sees
    the district's and the city's rules that apply to it)."""
    area = permissions.scope_of(actor).area
    qs = RoutingRule.objects.select_related("category", "department").order_by(
        "category__code", "area_code", "-priority", "id")
    if area is None:
        return qs.none()
    if area == "":
        return qs
    return qs.filter(area_code__startswith=area) | qs.filter(
        area_code__in=["", *ancestor_codes(area)])
