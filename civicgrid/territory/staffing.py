"""Staffing of the grids: 基础力量一员一格、专业力量一员多格、响应力量多员一格.

- every grid has exactly one basic worker, and every basic worker works exactly one grid;
- a specialist (城管、民警、市场监管...) covers two or more grids;
- every grid has at least one response worker (several may share one grid).

The report reads a whole city (~16,000 grids, ~40,000 assignments) with a handful of aggregate
queries, never one per grid. Only active workers count. Changing staffing goes through the
services at the end, which ask the permission policy: a street commander staffs only their
own street's grids, with their own street's workers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput, NotFound

from .models import Force, Grid, GridAssignment, GridWorker, Street

RULE_GRID_NO_BASIC = "grid_no_basic"
RULE_GRID_MANY_BASIC = "grid_many_basic"
RULE_BASIC_MANY_GRIDS = "basic_many_grids"
RULE_BASIC_NO_GRID = "basic_no_grid"
RULE_SPECIALIST_ONE_GRID = "specialist_one_grid"
RULE_SPECIALIST_NO_GRID = "specialist_no_grid"
RULE_GRID_NO_RESPONSE = "grid_no_response"


@dataclass(frozen=True)
class Violation:
    rule: str
    grid_code: str  # "" when the violation is about a worker
    worker_id: int | None
    message_zh: str


@dataclass
class Coverage:
    grids: int = 0
    grids_one_basic: int = 0
    grids_one_basic_pct: float = 0.0
    grids_with_response: int = 0
    grids_with_response_pct: float = 0.0
    basic_workers: int = 0
    specialists: int = 0
    grids_per_specialist: float = 0.0
    response_workers: int = 0


@dataclass
class StaffingReport:
    area_code: str
    coverage: Coverage
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict:
        return {"area_code": self.area_code, "coverage": asdict(self.coverage),
                "violations": [asdict(v) for v in self.violations]}


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


def _grid_q(area_code: str, prefix: str = "") -> Q:
    """Q for the grids (or rows whose `prefix` leads to a grid) inside an area: one indexed
    equality on the grid's own district/street/community column."""
    if not area_code:
        return Q()
    field_name = Grid.scope_fields.get(len(area_code))
    if field_name is None or not area_code.isdigit():
        raise InvalidInput(_("区域编码“%(code)s”无效：应为6位区县、9位街道、12位社区或15位网格编码。")
                           % {"code": area_code}, code="bad_area")
    return Q(**{prefix + field_name: area_code})


def _workers_in(area_code: str):
    """Active workers whose home street lies in the area, or who work a grid in it."""
    workers = GridWorker.objects.filter(active=True)
    if not area_code:
        return workers
    if len(area_code) <= 9:
        return workers.filter(permissions.area_q(GridWorker, area_code))
    return workers.filter(
        pk__in=GridAssignment.objects.filter(_grid_q(area_code, "grid__")).values("worker_id"))


def staffing_report(area_code: str = "") -> StaffingReport:
    """Coverage figures and every violation of the staffing rule inside `area_code`
    ('' = the whole city). Violations are sorted: grids first (by code), then workers."""
    grids = dict(Grid.objects.filter(_grid_q(area_code)).order_by("code")
                 .values_list("code", "name"))
    assignments = GridAssignment.objects.filter(_grid_q(area_code, "grid__"), worker__active=True)

    # 1. Basic workers of each grid, with their names (the violation names them).
    basic_of: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for grid_id, worker_id, name in (assignments.filter(worker__force=Force.BASIC)
                                     .order_by("grid_id", "worker__name")
                                     .values_list("grid_id", "worker_id", "worker__name")):
        basic_of[grid_id].append((worker_id, name))
    # 2. Grids with response force.
    with_response = set(assignments.filter(worker__force=Force.RESPONSE)
                        .values_list("grid_id", flat=True).distinct())
    # 3. Basic workers and specialists with their number of grids (anywhere in the city).
    workers = (_workers_in(area_code).filter(force__in=[Force.BASIC, Force.SPECIALIST])
               .annotate(n=Count("assignments"))
               .order_by("street_id", "name", "id").values_list("id", "name", "force", "n"))
    response_workers = _workers_in(area_code).filter(force=Force.RESPONSE).count()

    violations: list[Violation] = []
    for code, name in grids.items():
        label = f"“{name}”（{code}）"
        basics = basic_of.get(code, [])
        if not basics:
            violations.append(Violation(RULE_GRID_NO_BASIC, code, None, _(
                "网格%(grid)s没有基础力量网格员：一员一格，请为它指定一名。") % {"grid": label}))
        elif len(basics) > 1:
            violations.append(Violation(RULE_GRID_MANY_BASIC, code, None, _(
                "网格%(grid)s有%(n)d名基础力量网格员（%(names)s）：一员一格，请只保留一名。")
                % {"grid": label, "n": len(basics), "names": "、".join(n for _i, n in basics)}))
        if code not in with_response:
            violations.append(Violation(RULE_GRID_NO_RESPONSE, code, None, _(
                "网格%(grid)s没有响应力量：多员一格，请至少配置一名响应力量。") % {"grid": label}))

    n_basic = n_specialists = specialist_grids = 0
    for worker_id, name, force, n in workers:
        if force == Force.BASIC:
            n_basic += 1
            if n == 0:
                violations.append(Violation(RULE_BASIC_NO_GRID, "", worker_id, _(
                    "基础力量网格员%(name)s没有负责的网格，请为其分配一个网格。") % {"name": name}))
            elif n > 1:
                violations.append(Violation(RULE_BASIC_MANY_GRIDS, "", worker_id, _(
                    "基础力量网格员%(name)s负责%(n)d个网格：一员一格，请只保留一个。")
                    % {"name": name, "n": n}))
        else:
            n_specialists += 1
            specialist_grids += n
            if n == 0:
                violations.append(Violation(RULE_SPECIALIST_NO_GRID, "", worker_id, _(
                    "专业力量%(name)s没有负责的网格：一员多格，请为其分配多个网格。")
                    % {"name": name}))
            elif n == 1:
                violations.append(Violation(RULE_SPECIALIST_ONE_GRID, "", worker_id, _(
                    "专业力量%(name)s只负责1个网格：一员多格，请为其再分配网格。")
                    % {"name": name}))

    total = len(grids)
    one_basic = sum(1 for code in grids if len(basic_of.get(code, ())) == 1)
    responded = sum(1 for code in grids if code in with_response)
    coverage = Coverage(
        grids=total, grids_one_basic=one_basic, grids_one_basic_pct=_pct(one_basic, total),
        grids_with_response=responded, grids_with_response_pct=_pct(responded, total),
        basic_workers=n_basic, specialists=n_specialists,
        grids_per_specialist=round(specialist_grids / n_specialists, 2) if n_specialists else 0.0,
        response_workers=response_workers)
    return StaffingReport(area_code=area_code, coverage=coverage, violations=violations)


def grid_staff_counts(grid_codes) -> dict[str, dict[str, int]]:
    """Active workers of each force on each grid, for the map: {code: {"basic": n, ...}}.
    Every requested code is present (zeros when nobody works it)."""
    codes = list(grid_codes)
    out = {code: {force.value: 0 for force in Force} for code in codes}
    chunk = 5000  # stay well below SQLite's limit on query parameters
    for i in range(0, len(codes), chunk):
        rows = (GridAssignment.objects.filter(grid_id__in=codes[i:i + chunk], worker__active=True)
                .values("grid_id", "worker__force").annotate(n=Count("id")).order_by())
        for row in rows:
            out[row["grid_id"]][row["worker__force"]] = row["n"]
    return out


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def grid_worker_create(*, actor, name: str, phone: str, force: str, street: Street | str,
                       organisation: str = "") -> GridWorker:
    if not isinstance(street, Street):
        street = Street.objects.filter(code=street).first()
        if street is None:
            raise NotFound(_("街道不存在，请检查街道编码。"))
    permissions.require(actor, "staffing.edit", street)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写网格员姓名。"), code="name_required")
    if force not in Force.values:
        raise InvalidInput(_("力量类型应为基础力量、专业力量或响应力量。"), code="bad_force")
    return GridWorker.objects.create(name=name, phone=(phone or "").strip(), force=force,
                                     street=street, district_id=street.district_id,
                                     organisation=(organisation or "").strip())


def _check_staffing_scope(actor, worker: GridWorker, grid: Grid) -> None:
    permissions.require(actor, "staffing.edit", grid)
    # The worker must be one of the actor's too (a commander lends nobody else's staff).
    permissions.require(actor, "staffing.edit", worker.street)


@transaction.atomic
def grid_assign(*, actor, worker: GridWorker, grid: Grid) -> GridAssignment:
    """Put a worker on a grid. Refuses what would break 一员一格 for basic workers: a basic
    worker already on a grid, or a grid that already has its basic worker."""
    _check_staffing_scope(actor, worker, grid)
    # Lock the worker row so that two concurrent assignments cannot both pass the checks.
    worker = GridWorker.objects.select_for_update().get(pk=worker.pk)
    if not worker.active:
        raise InvalidInput(_("%(name)s已不在岗，不能分配网格。") % {"name": worker.name},
                           code="inactive_worker")
    if GridAssignment.objects.filter(worker=worker, grid=grid).exists():
        raise Conflict(_("%(name)s已负责网格%(grid)s。") % {"name": worker.name, "grid": grid.code},
                       code="already_assigned")
    if worker.force == Force.BASIC:
        current = GridAssignment.objects.filter(worker=worker).values_list("grid_id", flat=True)
        if current:
            raise Conflict(_("基础力量一员一格：%(name)s已负责网格%(grid)s，请先解除后再分配。")
                           % {"name": worker.name, "grid": current[0]}, code="basic_has_grid")
        other = (GridAssignment.objects.filter(grid=grid, worker__force=Force.BASIC,
                                               worker__active=True)
                 .values_list("worker__name", flat=True).first())
        if other:
            raise Conflict(_("基础力量一员一格：网格%(grid)s已由%(other)s负责，请先解除后再分配。")
                           % {"grid": grid.code, "other": other}, code="grid_has_basic")
    try:
        with transaction.atomic():
            return GridAssignment.objects.create(worker=worker, grid=grid)
    except IntegrityError as exc:  # the same pair inserted meanwhile
        raise Conflict(_("%(name)s已负责网格%(grid)s。") % {
            "name": worker.name, "grid": grid.code}, code="already_assigned") from exc


@transaction.atomic
def grid_unassign(*, actor, worker: GridWorker, grid: Grid) -> None:
    _check_staffing_scope(actor, worker, grid)
    deleted, _rows = GridAssignment.objects.filter(worker=worker, grid=grid).delete()
    if not deleted:
        raise NotFound(_("%(name)s并未负责网格%(grid)s。") % {"name": worker.name,
                                                            "grid": grid.code})
