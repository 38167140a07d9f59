"""Which units a ranking holds, their names, and what each actor sees of it.

A ranking compares peers, so its POPULATION is wider than what a small scope may see: a street
is ranked among the streets of its district, and a street's dispatcher sees its own street's
row with its rank among them, plus the whole department ranking. Who sees which rows follows the
permission policy (core.permissions.visible), so the pages and the policy cannot disagree:
- streets, communities: ranked within the parent area of the actor's scope (streets within the
  district, communities within the street); rows shown = the nodes the actor may see;
- grid workers (basic force, one grid each): ranked within the street; shown when their street
  is in the actor's scope, or to the grid worker whose grid it is;
- departments: ranked with the departments of the same level (district departments within their
  district, city departments and enterprises with the city's); every row is shown to every
  staff role that may open the rankings, because departments answer to all streets;
- department handlers see the department ranking only.
Unit codes: area codes, or str(id) for departments and grid workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.dispatch.models import Department
from civicgrid.territory.models import Community, Force, GridAssignment, GridWorker, Street

from .models import UnitKind
from .ranking import GRID_WORKER, RANKED_KINDS

# Length of the area code a population is cut at, per unit kind (its parent level).
PARENT_LEVEL = {UnitKind.STREET: 6, UnitKind.COMMUNITY: 9, GRID_WORKER: 9,
                UnitKind.DEPARTMENT: 6}
AREA_MODELS = {UnitKind.STREET: Street, UnitKind.COMMUNITY: Community}


def worker_grids(worker_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """{worker id: [grid codes]} of the active basic-force grid workers."""
    links = GridAssignment.objects.filter(worker__force=Force.BASIC, worker__active=True)
    if worker_ids is not None:
        links = links.filter(worker_id__in=list(worker_ids))
    out: dict[int, list[str]] = {}
    for worker_id, grid in links.order_by("grid_id").values_list("worker_id", "grid_id"):
        out.setdefault(worker_id, []).append(grid)
    return out


def unit_codes(unit_kind: str, area: str = "") -> list[str]:
    """Every unit of a kind inside `area` ('' = the city); departments: those of that level
    (area '' = every active department; a district code = that district's departments)."""
    if unit_kind in AREA_MODELS:
        qs = AREA_MODELS[unit_kind].objects.all()
        if area:
            qs = qs.filter(code__startswith=area)
        return list(qs.order_by("code").values_list("code", flat=True))
    if unit_kind == UnitKind.DEPARTMENT:
        qs = Department.objects.filter(active=True)
        if area:
            qs = qs.filter(area_code=area[:6])
        return [str(pk) for pk in qs.order_by("code").values_list("pk", flat=True)]
    if unit_kind == GRID_WORKER:
        qs = GridWorker.objects.filter(force=Force.BASIC, active=True,
                                       assignments__isnull=False).distinct()
        if area:
            qs = qs.filter(assignments__grid__code__startswith=area)
        return [str(pk) for pk in qs.order_by("pk").values_list("pk", flat=True)]
    if unit_kind == UnitKind.GRID:
        from civicgrid.territory.models import Grid

        qs = Grid.objects.filter(code__startswith=area) if area else Grid.objects.all()
        return list(qs.order_by("code").values_list("code", flat=True))
    raise ValueError(f"no ranking for unit kind {unit_kind!r}")


def unit_names(unit_kind: str, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    if unit_kind in AREA_MODELS or unit_kind == UnitKind.GRID:
        from civicgrid.territory.models import Grid

        model = AREA_MODELS.get(unit_kind, Grid)
        return dict(model.objects.filter(code__in=codes).values_list("code", "name"))
    ids = [int(c) for c in codes]
    if unit_kind == UnitKind.DEPARTMENT:
        return {str(pk): name for pk, name in
                Department.objects.filter(pk__in=ids).values_list("pk", "name")}
    grids = worker_grids(ids)
    names = dict(GridAssignment.objects.filter(grid_id__in={g for gs in grids.values()
                                                            for g in gs})
                 .values_list("grid_id", "grid__name"))
    return {str(pk): f"{name}（{'、'.join(names.get(g, g) for g in grids.get(pk, []))}）"
            for pk, name in GridWorker.objects.filter(pk__in=ids).values_list("pk", "name")}


# --- what an actor sees ------------------------------------------------------------------------

@dataclass
class View:
    """One tab of the rankings page: the population ranked and the rows this actor sees."""

    unit_kind: str
    population: list[str]
    shown: set[str]


def kinds_for(actor) -> list[str]:
    """The unit kinds whose ranking this actor may open (none for residents)."""
    if not permissions.may(actor, "evaluation.view"):
        return []
    if permissions.scope_of(actor).department_id is not None:
        return [UnitKind.DEPARTMENT.value]
    return list(RANKED_KINDS)


def _area(actor) -> str:
    return permissions.scope_of(actor).area or ""


def view_for(actor, unit_kind: str) -> View | None:
    """The population and the visible rows of one kind for this actor; None if refused."""
    if unit_kind not in kinds_for(actor):
        return None
    area = _area(actor)
    level = PARENT_LEVEL[unit_kind]
    population = unit_codes(unit_kind, area[:level] if len(area) >= level else area)
    if unit_kind == UnitKind.DEPARTMENT:
        return View(unit_kind, population, set(population))
    if unit_kind in AREA_MODELS:
        qs = AREA_MODELS[unit_kind].objects.filter(code__in=population)
        shown = set(permissions.visible(actor, qs).values_list("code", flat=True))
        return View(unit_kind, population, shown)
    # Grid workers: those whose grid lies in the actor's area (or, for a grid worker, the
    # worker themself: a worker scoped to a community sees that community's workers).
    grids = worker_grids([int(c) for c in population])
    own = getattr(getattr(actor, "grid_worker", None), "pk", None) \
        if actor.role == Role.GRID_WORKER else None
    shown = {str(w) for w, gs in grids.items()
             if w == own or any(g.startswith(area) for g in gs)}
    return View(unit_kind, population, shown)


def views_for(actor) -> dict[str, View]:
    return {k: v for k in kinds_for(actor) if (v := view_for(actor, k)) is not None}
