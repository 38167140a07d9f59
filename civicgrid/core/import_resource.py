"""The import side of a django-import-export resource whose rows are applied all-or-nothing by
a service (the category catalogue, the ledgers): the resource reads the sheet into (line,
record) pairs, hands them to `apply_records`, and turns the service's outcome per line — or
the rows its DomainError names — into import-export's row results for the admin to show. So
the admin and the command line accept and refuse exactly the same files."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import resources
from import_export.results import Error, RowResult

from .errors import DomainError


class AllOrNothingResource(resources.ModelResource):
    def __init__(self, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor

    def apply_records(self, records: list[tuple[int, dict]], dry_run: bool) -> dict[int, str]:
        """Check and (unless dry_run) write the records; {line: "new" | "update" | "skip"}.
        Raises DomainError with one detail per bad line when any line is bad."""
        raise NotImplementedError

    def record_repr(self, record: dict) -> str:
        raise NotImplementedError

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = self.get_result_class()()
        headers = [str(h or "") for h in dataset.headers or []]
        result.diff_headers = headers
        records = [(line, dict(zip(headers, row, strict=False)))
                   for line, row in enumerate(dataset, start=2)
                   if any(v not in (None, "") for v in row)]
        try:
            outcomes = self.apply_records(records, dry_run)
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
        types = {"new": RowResult.IMPORT_TYPE_NEW, "update": RowResult.IMPORT_TYPE_UPDATE}
        for line, record in records:
            row = RowResult()
            row.import_type = types.get(outcomes.get(line), RowResult.IMPORT_TYPE_SKIP)
            row.diff = [record.get(h, "") for h in headers]
            row.object_repr = self.record_repr(record)
            result.append_row_result(row)
            result.increment_row_result_total(row)
        result.total_rows = len(records)
        return result
