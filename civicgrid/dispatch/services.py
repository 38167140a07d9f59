"""Changes to the category catalogue and the responsibility list (责任清单).

Every write goes through here so that the cached classifier and router of this process see it at
once (`dispatch_generation` is bumped after commit); other processes notice it by the hash of the
rows (selectors). The catalogue belongs to the whole city: only a city administrator edits it.
A routing rule belongs to its area: a district administrator edits the rules of their district.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import level_of
from civicgrid.core.errors import InvalidInput

from .catalogue import HEADERS, check_rows, export_rows, read_records, write_file
from .models import Category, Department, RoutingRule, RoutingTarget

CITY = SimpleNamespace(area_code="")  # the catalogue's place in the permission policy
_generation = itertools.count(1)
_state = {"generation": 0}


def dispatch_generation() -> int:
    """Bumped after every committed change made through these services (in this process)."""
    return _state["generation"]


def _bump() -> None:
    _state["generation"] = next(_generation)


def reset_dispatch_caches() -> None:
    """Make the next get_classifier()/get_router() re-read the catalogue and the rules (tests
    call it between cases: a rolled-back transaction bumps nothing)."""
    _bump()


def dispatch_touch() -> None:
    """Tell this process's caches that the catalogue or the rules changed: now (the writing
    transaction reads its own changes) and again after commit (for the other threads)."""
    _bump()
    transaction.on_commit(_bump)


# --- catalogue -----------------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    outcomes: dict[int, str] = field(default_factory=dict)  # row number -> new/update/skip

    def text(self) -> str:
        head = _("（试运行，未写入）") if self.dry_run else ""
        return head + _("新增 %(c)d 个分类，修改 %(u)d 个，未变 %(n)d 个") % {
            "c": self.created, "u": self.updated, "n": self.unchanged}


class _DryRun(Exception):
    pass


def catalogue_apply(records: list[tuple[int, dict]], *, dry_run: bool = False) -> ImportReport:
    """Check every record, then upsert by code in one transaction (parents first). Raises
    InvalidInput naming every bad row (details: the RowErrors) and then writes nothing. No
    permission check: callers are catalogue_import, the demo and the default loader."""
    existing = dict(Category.objects.values_list("code", "parent__code"))
    rows, errors = check_rows(records, {k: v or "" for k, v in existing.items()})
    if errors:
        raise InvalidInput(
            _("分类文件有 %(n)d 处错误，未导入任何数据：\n%(lines)s") % {
                "n": len(errors), "lines": "\n".join(str(e) for e in errors)},
            code="catalogue_rows", details=errors)
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _upsert(rows, report)
            if dry_run:
                raise _DryRun
            if report.created or report.updated:
                dispatch_touch()
    except _DryRun:
        pass
    return report


def _upsert(rows, report: ImportReport) -> None:
    by_code = {c.code: c for c in Category.objects.all()}
    for row in rows:
        values = dict(row.values)
        if row.parent is not None:
            values["parent_id"] = by_code[row.parent].pk if row.parent else None
        category = by_code.get(row.code)
        if category is None:
            by_code[row.code] = Category.objects.create(code=row.code, **values)
            report.created += 1
            report.outcomes[row.line] = "new"
            continue
        changed = [f for f, v in values.items() if getattr(category, f) != v]
        if changed:
            for f in changed:
                setattr(category, f, values[f])
            category.save(update_fields=changed)
            report.updated += 1
            report.outcomes[row.line] = "update"
        else:
            report.unchanged += 1
            report.outcomes[row.line] = "skip"


def catalogue_import_file(path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """Import an .xlsx or .csv catalogue file: all rows or none. No permission check: for the
    command line and catalogue_import."""
    try:
        records = read_records(path)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="catalogue_file") from exc
    except Exception as exc:  # a missing file, a file that is not really Excel
        raise InvalidInput(_("无法读取文件“%(path)s”：%(error)s") % {"path": path, "error": exc},
                           code="catalogue_file") from exc
    if not records:
        raise InvalidInput(_("文件中没有分类数据：第一行应为表头，从第二行起每行一个分类"),
                           code="catalogue_file")
    return catalogue_apply(records, dry_run=dry_run)


def catalogue_import(*, actor, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Import a catalogue file on behalf of a city administrator."""
    permissions.require(actor, "category.edit", CITY)
    return catalogue_import_file(path, dry_run=dry_run)


def catalogue_export_file(path: str | Path) -> int:
    """Write the whole catalogue to .xlsx (or .csv); returns the number of categories. The file
    imports back unchanged."""
    header, rows = export_rows(list(Category.objects.select_related("parent").order_by("code")))
    write_file(path, header, rows)
    return len(rows)


def catalogue_export(*, actor, path: str | Path) -> int:
    permissions.require(actor, "case.view")
    return catalogue_export_file(path)


def _category_record(category: Category | None, values: dict) -> dict:
    record = {}
    if category is not None:
        record = {"code": category.code, "name": category.name, "stream": category.stream,
                  "kind": category.kind}
    for f, v in values.items():
        if f == "parent":
            record["parent"] = v.code if isinstance(v, Category) else (v or "")
        elif f in HEADERS:
            record[f] = v if not isinstance(v, bool) else ("是" if v else "否")
        else:
            raise InvalidInput(_("分类没有“%(field)s”这一项") % {"field": f})
    return record


def category_problems(category: Category) -> list[str]:
    """Why this category (e.g. a filled admin form) would be refused by an import: [] if fine."""
    values = {f: getattr(category, f) for f in HEADERS if f not in ("code", "parent")}
    values["parent"] = category.parent.code if category.parent_id else ""
    record = _category_record(None, {"code": category.code, **values})
    existing = dict(Category.objects.exclude(code=category.code)
                    .values_list("code", "parent__code"))
    _rows, errors = check_rows([(1, record)], {k: v or "" for k, v in existing.items()})
    return [e.message for e in errors]


@transaction.atomic
def category_create(*, actor, code: str, name: str, stream: str, kind: str,
                    parent: Category | str | None = None, **fields) -> Category:
    """Create a category (the same checks as an import row)."""
    permissions.require(actor, "category.edit", CITY)
    if Category.objects.filter(code=code).exists():
        raise InvalidInput(_("分类编码“%(code)s”已存在，请换一个编码") % {"code": code})
    record = _category_record(None, {"code": code, "name": name, "stream": stream,
                                     "kind": kind, "parent": parent, **fields})
    catalogue_apply([(1, record)])
    return Category.objects.get(code=code)


@transaction.atomic
def category_update(*, actor, category: Category, **changes) -> Category:
    """Change fields of a category (code stays: cases and rules refer to it)."""
    permissions.require(actor, "category.edit", CITY)
    if "code" in changes and changes["code"] != category.code:
        raise InvalidInput(_("分类编码不能修改；如需新编码请新建分类并停用旧分类"))
    changes.pop("code", None)
    catalogue_apply([(1, _category_record(category, changes))])
    category.refresh_from_db()
    return category


# --- routing rules -------------------------------------------------------------------------------

def rule_problems(rule: RoutingRule) -> list[str]:
    """Why this rule (e.g. a filled admin form) would be refused: [] if fine."""
    return _rule_errors(rule.category, rule.area_code, rule.target, rule.department)


def _rule_errors(category, area_code: str, target: str, department) -> list[str]:
    problems = []
    if area_code and level_of(area_code) not in ("district", "street", "community", "grid"):
        problems.append(_("适用区域编码“%(code)s”应为空（全市）或6/9/12/15位的区县、街道、社区、"
                          "网格编码") % {"code": area_code})
    if target not in RoutingTarget.values:
        problems.append(_("未知的处置单位类型“%(t)s”，可选：指定部门、属地街道、属地社区")
                        % {"t": target})
    if target == RoutingTarget.DEPARTMENT and department is None:
        problems.append(_("处置单位为“指定部门”时必须选择部门"))
    if target != RoutingTarget.DEPARTMENT and department is not None:
        problems.append(_("处置单位为属地街道或社区时不能再指定部门"))
    if department is not None and not department.active:
        problems.append(_("部门“%(name)s”已停用，请选择启用的部门") % {"name": department.name})
    return problems


@transaction.atomic
def routing_rule_create(*, actor, target: str, category: Category | None = None,
                        area_code: str = "", department: Department | None = None,
                        priority: int = 0, note: str = "", active: bool = True) -> RoutingRule:
    """Add a line to the responsibility list. `category` None: every category;
    `area_code` "": the whole city."""
    permissions.require(actor, "routing.edit", SimpleNamespace(area_code=area_code))
    problems = _rule_errors(category, area_code, target, department)
    if problems:
        raise InvalidInput("；".join(problems), code="routing_rule")
    rule = RoutingRule.objects.create(category=category, area_code=area_code, target=target,
                                      department=department, priority=priority, note=note,
                                      active=active)
    dispatch_touch()
    return rule


@transaction.atomic
def routing_rule_update(*, actor, rule: RoutingRule, **changes) -> RoutingRule:
    permissions.require(actor, "routing.edit", SimpleNamespace(area_code=rule.area_code))
    allowed = {"category", "area_code", "target", "department", "priority", "note", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("责任清单规则没有“%(f)s”这一项") % {"f": "、".join(sorted(unknown))})
    for f, v in changes.items():
        setattr(rule, f, v)
    permissions.require(actor, "routing.edit", SimpleNamespace(area_code=rule.area_code))
    problems = _rule_errors(rule.category, rule.area_code, rule.target, rule.department)
    if problems:
        raise InvalidInput("；".join(problems), code="routing_rule")
    rule.save()
    dispatch_touch()
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    permissions.require(actor, "routing.edit", SimpleNamespace(area_code=rule.area_code))
    rule.delete()
    dispatch_touch()
