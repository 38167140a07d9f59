"""Writing the ledgers: an Excel/CSV file all rows or none, one row from the admin, and the
files the ledgers are exported to.

An import checks every row first (checks.check_records) and, when any row is bad, raises
InvalidInput naming each bad row and why — and writes nothing. Otherwise it upserts by key in
one transaction; rows the file does not mention are left alone, rows that would not change are
not touched (so their history does not fill with empty changes). Each change is saved through
the model, so django-simple-history records it with the acting user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.db import transaction
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from civicgrid.core import permissions
from civicgrid.core.errors import InvalidInput

from .checks import CleanRow, RowError, check_records
from .ledgers import Ledger, ledger_named
from .models import TrainingRecord

MAX_ROWS = 200_000  # a bigger file is a mistake (the whole city has ~7,500 communities)


@dataclass
class ImportReport:
    ledger: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    outcomes: dict[int, str] = field(default_factory=dict)  # row number -> new/update/skip

    def text(self) -> str:
        head = _("（试运行，未写入）") if self.dry_run else ""
        return head + _("%(ledger)s：新增 %(c)d 条，修改 %(u)d 条，未变 %(n)d 条") % {
            "ledger": self.ledger, "c": self.created, "u": self.updated, "n": self.unchanged}


class _DryRun(Exception):
    pass


# --- reading files -----------------------------------------------------------------------------

def read_records(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(row number, {header: cell}) for every non-blank row of an .xlsx or .csv file, read with
    django-import-export's formats. Raises InvalidInput for a file that cannot be read."""
    suffix = Path(filename).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            dataset = XLSX().create_dataset(data)
        elif suffix == ".csv":
            dataset = CSV().create_dataset(data.decode("utf-8-sig"))
        else:
            raise InvalidInput(_("只支持 .xlsx 或 .csv 文件，不支持“%(suffix)s”")
                               % {"suffix": suffix or filename}, code="ledger_file")
    except InvalidInput:
        raise
    except Exception as exc:  # not really Excel, bad encoding, an empty file
        raise InvalidInput(_("无法读取文件“%(name)s”：请上传 Excel（.xlsx）或 UTF-8 编码的 CSV 文件")
                           % {"name": filename}, code="ledger_file") from exc
    headers = [str(h).strip() if h is not None else "" for h in dataset.headers or []]
    records = [(line, dict(zip(headers, row, strict=False)))
               for line, row in enumerate(dataset, start=2)
               if any(v not in (None, "") for v in row)]
    if not records:
        raise InvalidInput(_("文件中没有数据：第一行应为表头，从第二行起每行一条记录"),
                           code="ledger_file")
    if len(records) > MAX_ROWS:
        raise InvalidInput(_("文件有 %(n)d 行，超过单次导入上限 %(max)d 行，请分批导入")
                           % {"n": len(records), "max": MAX_ROWS}, code="ledger_file")
    return records


# --- importing -------------------------------------------------------------------------------

def ledger_apply(ledger: Ledger, records: list[tuple[int, dict]], *, actor=None,
                 dry_run: bool = False, action: str = "registry.import") -> ImportReport:
    """Check every record, then write all of them in one transaction. Raises InvalidInput
    (details: the RowErrors, in row order) and writes nothing when any row is bad. `actor`
    None is the trusted command line; otherwise each row must be inside the actor's scope."""
    rows, errors = check_records(ledger, records, actor=actor, action=action)
    if errors:
        errors.sort(key=lambda e: e.line)
        raise InvalidInput(
            _("%(ledger)s文件有 %(n)d 处错误，未导入任何数据：\n%(lines)s") % {
                "ledger": ledger.title_zh, "n": len(errors),
                "lines": "\n".join(str(e) for e in errors)},
            code="ledger_rows", details=errors)
    report = ImportReport(ledger=ledger.title_zh, dry_run=dry_run)
    try:
        with transaction.atomic():
            _upsert(ledger, rows, report, actor)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _upsert(ledger: Ledger, rows: list[CleanRow], report: ImportReport, actor) -> None:
    model = ledger.model
    existing = {getattr(o, ledger.key): o for o in model.objects.filter(
        **{f"{ledger.key}__in": [r.key for r in rows]})} if len(rows) <= 5000 else {
        getattr(o, ledger.key): o for o in model.objects.all()}
    user = actor if getattr(actor, "pk", None) else None
    for row in rows:
        obj = existing.get(row.key)
        is_new = obj is None
        if is_new:
            obj = model(**{ledger.key: row.key})
        changed = is_new or any(getattr(obj, f) != v for f, v in row.values.items())
        for f, v in row.values.items():
            setattr(obj, f, v)
        if changed:
            obj._history_user = user
            obj.save()
        for f, codes in row.m2m.items():
            manager = getattr(obj, f)
            if (codes if is_new else set(manager.values_list("pk", flat=True)) != set(codes)):
                obj._history_user = user
                manager.set(codes)
                changed = True
        if row.trainings is not None and _set_trainings(obj, row.trainings, user):
            changed = True
        outcome = "new" if is_new else ("update" if changed else "skip")
        report.outcomes[row.line] = outcome
        if is_new:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1


def _set_trainings(worker, trainings: list, user) -> bool:
    """Make the worker's training records exactly the file's list; False when they already are."""
    current = list(worker.trainings.all()) if worker.pk else []
    if [(t.date, t.course, t.hours) for t in current] == list(trainings):
        return False
    for t in current:
        t._history_user = user
        t.delete()
    for day, course, hours in trainings:
        record = TrainingRecord(worker=worker, date=day, course=course, hours=hours)
        record._history_user = user
        record.save()
    return True


def ledger_import_file(name: str, path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """`civicgrid registry import`: the shell user is trusted like `civicgrid categories import`."""
    ledger = ledger_named(name)
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(_("无法读取文件“%(path)s”：%(error)s") % {"path": path,
                                                                 "error": exc.strerror},
                           code="ledger_file") from exc
    return ledger_apply(ledger, read_records(data, path.name), dry_run=dry_run)


def ledger_import(*, actor, name: str, data: bytes, filename: str,
                  dry_run: bool = False) -> ImportReport:
    """An administrator's upload: every row must be inside their scope."""
    permissions.require(actor, "registry.import")
    return ledger_apply(ledger_named(name), read_records(data, filename), actor=actor,
                        dry_run=dry_run)


# --- one row (the admin) --------------------------------------------------------------------

def row_problems(ledger: Ledger, instance, *, actor) -> list[str]:
    """Why this row (a filled admin form) would be refused by an import: [] if fine."""
    from .exporting import record_of

    record = record_of(ledger, instance)
    _rows, errors = check_records(ledger, [(1, record)], actor=actor, action="registry.edit")
    return [e.message for e in errors]


@transaction.atomic
def ledger_row_save(*, actor, row) -> None:
    """Save one row changed in the admin (checked by row_problems on the form), with history.
    The row must stay inside the actor's scope, where it was and where it goes."""
    ledger_model = type(row)
    # The form may give only the deepest code; the ancestors follow from it (checked already).
    deepest = row.community_code or row.street_code or row.district_code
    row.district_code = deepest[:6]
    row.street_code = deepest[:9] if len(deepest) >= 9 else ""
    if row.pk:
        before = ledger_model.objects.get(pk=row.pk)
        permissions.require(actor, "registry.edit", SimpleNamespace(area_code=before.area_code))
    permissions.require(actor, "registry.edit", SimpleNamespace(area_code=row.area_code))
    row._history_user = actor
    row.save()


@transaction.atomic
def ledger_row_delete(*, actor, row) -> None:
    permissions.require(actor, "registry.edit", SimpleNamespace(area_code=row.area_code))
    row._history_user = actor
    row.delete()


__all__ = ["ImportReport", "RowError", "ledger_apply", "ledger_import", "ledger_import_file",
           "ledger_row_delete", "ledger_row_save", "read_records", "row_problems"]
