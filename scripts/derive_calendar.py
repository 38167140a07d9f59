#!/usr/bin/env python3
"""Derive civicgrid/core/data/cn_workcalendar.csv from the PyPI package `chinesecalendar`.

    .venv/bin/pip install -U chinesecalendar      # a dev-only dependency
    .venv/bin/python scripts/derive_calendar.py [--output PATH]

The same as `civicgrid calendar update`: the package's years replace the table's, rows of years
the package does not have are kept, and the output is byte-identical for the same input.
Sources and licence: docs/data-sources.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civicgrid.core.management.commands.calendar import update_table  # noqa: E402


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "civicgrid/core/data/cn_workcalendar.csv"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=default)
    args = parser.parse_args()
    old, new = update_table(args.output)
    years = sorted({d.year for d in new})
    print(f"{args.output}: {len(new)} rows, {years[0]}-{years[-1]} "
          f"({len(set(new.items()) - set(old.items()))} new or changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
