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

from civicgrid.core.import_resource import AllOrNothingResource

from .exporting import export_queryset, export_rows
from .ledgers import LEDGERS, Ledger
from .selectors import masked_for
from .services import ledger_apply


class LedgerResource(AllOrNothingResource):
    ledger: Ledger  # set on each subclass (resource_for)

    def export(self, queryset=None, **kwargs):
        rows = export_queryset(self.ledger, queryset)
        masked = self.actor is not None and masked_for(self.actor, self.ledger)
        header, cells = export_rows(self.ledger, rows, masked=masked)
        return tablib.Dataset(*cells, headers=header)

    def apply_records(self, records, dry_run):
        return ledger_apply(self.ledger, records, actor=self.actor, dry_run=dry_run).outcomes

    def record_repr(self, record):
        return str(record.get(self.ledger.key_column.header) or "")


def resource_for(ledger: Ledger) -> type[LedgerResource]:
    meta = type("Meta", (), {"model": ledger.model, "import_id_fields": (ledger.key,),
                             "fields": (ledger.key,)})
    return type(f"{ledger.model.__name__}Resource", (LedgerResource,),
                {"Meta": meta, "ledger": ledger, "__module__": __name__})


RESOURCES: dict[str, type[LedgerResource]] = {name: resource_for(lg)
                                              for name, lg in LEDGERS.items()}
