"""The whistle catalogue (吹哨清单) shipped by default, and the default score items.

The catalogue in data/catalogue.csv is an ILLUSTRATIVE default modelled on the structure Beijing
fixed for 街乡吹哨 — 3 areas (综合执法, 重点工作, 应急处置), 15 categories, 32 specific problems —
not the official list, which this project's sources do not contain. A city edits it in the admin.

Loading is idempotent and never overwrites what a city has edited: categories and problems are
created when their code is missing; a problem that still has no departments (because the
departments did not exist when it was first loaded) gets the default ones on a later load.
Department codes that do not exist are skipped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import ScoreItem, ScoreTarget, WhistleArea, WhistleCategory, WhistleProblem

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "catalogue.csv"

# (code, name, applies_to, max score, weight): 一哨一考核、一件一考核. The weights are an example
# (timeliness counts most, as 报到 is the point of a whistle), not an official number.
DEFAULT_SCORE_ITEMS: tuple[tuple[str, str, str, int, float], ...] = (
    ("whistle_timeliness", "准时报到", ScoreTarget.WHISTLE, 100, 0.4),
    ("whistle_attitude", "工作态度", ScoreTarget.WHISTLE, 100, 0.3),
    ("whistle_result", "处置效果", ScoreTarget.WHISTLE, 100, 0.3),
    ("case_timeliness", "按时办理", ScoreTarget.CASE, 100, 0.4),
    ("case_attitude", "工作态度", ScoreTarget.CASE, 100, 0.3),
    ("case_result", "处置效果", ScoreTarget.CASE, 100, 0.3),
)


@dataclass(frozen=True)
class ProblemRow:
    area: str
    category_code: str
    category_name: str
    code: str
    name: str
    departments: tuple[str, ...]
    report_in_minutes: int
    arrival_radius_m: int


def read_default(path: Path = DEFAULT_CSV) -> list[ProblemRow]:
    """The rows of the default catalogue file (comment lines start with #)."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    rows = []
    for r in csv.DictReader(lines):
        if r["area"] not in WhistleArea.values:
            raise ValueError(f"{path.name}: unknown area {r['area']!r} in {r['problem_code']}")
        rows.append(ProblemRow(
            area=r["area"], category_code=r["category_code"], category_name=r["category_name"],
            code=r["problem_code"], name=r["problem_name"],
            departments=tuple(r["departments"].split()),
            report_in_minutes=int(r["report_in_minutes"]),
            arrival_radius_m=int(r["arrival_radius_m"])))
    return rows


@transaction.atomic
def catalogue_load_default(path: Path = DEFAULT_CSV) -> int:
    """Create the default areas' categories and problems that are missing, and the default
    score items. Returns how many categories, problems and items were created (0 the second
    time)."""
    from civicgrid.dispatch.models import Department

    rows = read_default(path)
    created = 0
    categories = {c.code: c for c in WhistleCategory.objects.all()}
    for order, row in enumerate(rows):
        if row.category_code not in categories:
            categories[row.category_code] = WhistleCategory.objects.create(
                code=row.category_code, name=row.category_name, area=row.area,
                sort_order=order)
            created += 1
    departments = dict(Department.objects.values_list("code", "pk"))
    problems = {p.code: p for p in WhistleProblem.objects.all()}
    for order, row in enumerate(rows):
        problem = problems.get(row.code)
        if problem is None:
            problem = WhistleProblem.objects.create(
                code=row.code, name=row.name, category=categories[row.category_code],
                report_in_minutes=row.report_in_minutes, arrival_radius_m=row.arrival_radius_m,
                sort_order=order)
            created += 1
        elif problem.departments.exists():
            continue  # the city's own choice of departments stands
        problem.departments.set([departments[c] for c in row.departments if c in departments])
    created += score_items_load_default()
    return created


def score_items_load_default() -> int:
    have = set(ScoreItem.objects.values_list("code", flat=True))
    new = [ScoreItem(code=code, name=name, applies_to=target, max_score=top, weight=weight,
                     sort_order=i)
           for i, (code, name, target, top, weight) in enumerate(DEFAULT_SCORE_ITEMS)
           if code not in have]
    ScoreItem.objects.bulk_create(new)
    return len(new)
