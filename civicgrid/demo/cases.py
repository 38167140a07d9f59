"""A few months of synthetic cases for the demo city, written once.

The generator (civicgrid.cases.generate) gives each case a realistic history up to yesterday;
the bulk pipeline locates, classifies, routes and numbers them like a real import. Skipped when
the database already has cases, so `make demo` can run again and again."""

from __future__ import annotations

from civicgrid.cases.bulk import ImportReport, import_batches
from civicgrid.cases.cli.generate import period
from civicgrid.cases.generate import CHUNK, generate_cases
from civicgrid.cases.models import Case

DEMO_CASES = 20_000
DEMO_MONTHS = 3


def demo_cases(n: int = DEMO_CASES, *, months: int = DEMO_MONTHS, seed: int = 1) -> ImportReport | None:
    if n <= 0 or Case.objects.exists():
        return None
    start, end = period(months, None)
    chunks = generate_cases(n, start=start, end=end, seed=seed, chunk_size=CHUNK)
    return import_batches(((b, []) for b in chunks), expected_rows=n, now=end)
