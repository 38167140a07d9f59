"""django-import-export resources for the ledgers, as the category catalogue does it
(civicgrid/dispatch/admin.py): the resource is a thin adapter, so the admin's import screen,
the ledger pages and `civicgrid registry import` accept and refuse exactly the same files. Its
`export` writes the ledger's own format (Chinese headers, labels, masked personal data for
roles that may not see it); its `import_data` hands the rows to services.ledger_apply — every
row checked, each bad row named with its reason, nothing written unless all rows are good —
and turns the named rows back into import-export's row errors for the admin to show.
"""

from __future__ import annotations

import tablib
from django.core.exceptions import ValidationError
from import_export import resources
from import_export.results import Error, RowResult

from civicgrid.core.errors import DomainError

from .exporting import export_queryset, export_rows
from .ledgers import LEDGERS, Ledger
from .selectors import masked_for
from .services import ledger_apply


class LedgerResource(resources.ModelResource):
    ledger: Ledger  # set on each subclass (resource_for)

    def __init__(self, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor

    def export(self, queryset=None, **kwargs):
        rows = export_queryset(self.ledger, queryset)
        masked = self.actor is not None and masked_for(self.actor, self.ledger)
        header, cells = export_rows(self.ledger, rows, masked=masked)
        return tablib.Dataset(*cells, headers=header)

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = self.get_result_class()()
        headers = [str(h or "") for h in dataset.headers or []]
        result.diff_headers = headers
        records = [(line, dict(zip(headers, row, strict=False)))
                   for line, row in enumerate(dataset, start=2)
                   if any(v not in (None, "") for v in row)]
        try:
            report = ledger_apply(self.ledger, records, actor=self.actor, dry_run=dry_run)
        except DomainError as exc:
            by_line: dict[int, list[str]] = {}
            for error in exc.details or []:
                by_line.setdefault(error.line, []).append(error.message)
            rows = dict(records)
            for line, messages in sorted(by_line.items()):
                result.append_invalid_row(line, rows.get(line, {}), ValidationError(messages))
            if not by_line:
                result.append_base_error(Error(exc))
            return result
        for line, record in records:
            row = RowResult()
            row.import_type = {"new": RowResult.IMPORT_TYPE_NEW,
                               "update": RowResult.IMPORT_TYPE_UPDATE}.get(
                report.outcomes.get(line), RowResult.IMPORT_TYPE_SKIP)
            row.diff = [record.get(h, "") for h in headers]
            row.object_repr = str(record.get(self.ledger.key_column.header) or "")
            result.append_row_result(row)
            result.increment_row_result_total(row)
        result.total_rows = len(records)
        return result


def resource_for(ledger: Ledger) -> type[LedgerResource]:
    meta = type("Meta", (), {"model": ledger.model, "import_id_fields": (ledger.key,),
                             "fields": (ledger.key,)})
    return type(f"{ledger.model.__name__}Resource", (LedgerResource,),
                {"Meta": meta, "ledger": ledger, "__module__": __name__})


RESOURCES: dict[str, type[LedgerResource]] = {name: resource_for(lg)
                                              for name, lg in LEDGERS.items()}
