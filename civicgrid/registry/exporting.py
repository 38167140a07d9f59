"""Ledgers out to Excel: one header row of Chinese headers, one row per record, in key order.
The file imports back unchanged (tests/registry/test_excel.py round-trips every ledger).

Who exports decides what the file holds: the command line writes everything; a page writes the
rows the actor may see, with volunteers' ID numbers and phones masked unless the actor may see
personal data (a masked file is refused on import, so it cannot overwrite the real values).
"""

from __future__ import annotations

import io
from pathlib import Path

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from civicgrid.cases.privacy import mask_phone

from .columns import format_trainings, format_value
from .ledgers import Ledger, ledger_named
from .models import TrainingRecord

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_queryset(ledger: Ledger, queryset: QuerySet | None = None) -> QuerySet:
    """The rows with what their columns need fetched in bulk."""
    qs = ledger.model.objects.all() if queryset is None else queryset
    kinds = {c.kind: c for c in ledger.columns}
    if "trainings" in kinds:
        qs = qs.prefetch_related(Prefetch("trainings",
                                          queryset=TrainingRecord.objects.order_by("date", "id")))
    if "codes" in kinds:
        qs = qs.prefetch_related(kinds["codes"].field)
    refs = [c.field for c in ledger.columns if c.kind == "ref"]
    if refs:
        qs = qs.select_related(*refs)
    return qs.order_by(ledger.key)


def _cell(ledger: Ledger, column, obj, masked: bool):
    if column.kind == "crs":
        return "WGS84" if getattr(obj, "lon", None) is not None else ""
    if column.kind == "trainings":
        return format_trainings(obj.trainings.all()) if obj.pk else ""
    if column.kind == "codes":
        return format_value(column, sorted(c.pk for c in getattr(obj, column.field).all())
                            if obj.pk else [])
    if column.kind == "ref":
        related = getattr(obj, column.field)
        return related.code if related is not None else ""
    value = getattr(obj, column.field)
    if masked and column.field in ledger.personal:
        return mask_phone(value)  # keeps the first 3 and last 4 characters, like phones
    return format_value(column, value)


def export_rows(ledger: Ledger, rows, *, masked: bool = False) -> tuple[list[str], list[list]]:
    """The header and one list of cells per row (select rows with export_queryset)."""
    return ledger.headers, [[_cell(ledger, c, obj, masked) for c in ledger.columns]
                            for obj in rows]


def record_of(ledger: Ledger, obj) -> dict:
    """One row as the {header: cell} record an import reads (for checking admin forms the
    same way as files). Communities served and training records are left out: the admin's
    own widgets edit them."""
    return {c.header: _cell(ledger, c, obj, False) for c in ledger.columns
            if c.kind not in ("codes", "trainings")}


def workbook_bytes(title: str, header: list[str], rows: list[list]) -> bytes:
    """An .xlsx with one sheet. Text starting with '=' stays text (never a formula)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)

    def cell(value, font=None):
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(h, bold) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_export_file(name: str, path: str | Path) -> int:
    """`civicgrid registry export`: the whole ledger, unmasked (the shell user is trusted).
    Returns the number of rows written."""
    ledger = ledger_named(name)
    header, rows = export_rows(ledger, export_queryset(ledger))
    Path(path).write_bytes(workbook_bytes(ledger.title_zh, header, rows))
    return len(rows)


def ledger_export(*, actor, name: str, area: str = "") -> tuple[bytes, int]:
    """The rows of a ledger the actor may see (optionally only inside `area`), masked as the
    actor must see them: the .xlsx bytes and the row count."""
    from .selectors import ledger_rows, masked_for

    ledger = ledger_named(name)
    qs = export_queryset(ledger, ledger_rows(actor, ledger, area=area))
    header, rows = export_rows(ledger, qs, masked=masked_for(actor, ledger))
    return workbook_bytes(ledger.title_zh, header, rows), len(rows)


def export_filename(name: str) -> str:
    from django.utils import timezone

    return f"{name}-{timezone.localdate():%Y%m%d}.xlsx"


