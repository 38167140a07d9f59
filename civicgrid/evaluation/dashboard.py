"""Figures over whole days for the command centre, read from the rollups (never the case table):
cases received in a window, the three rates, the category mix, intake per day and stream, and
the top of the street and department rankings.

The definitions are the evaluation's own (metrics.py): every figure counts the cases REPORTED in
the window by their current outcome, merged duplicates not counted. An area is one rollup unit:
the city sums its districts, a district / street / community / grid is its own row. A category
or stream filter reads CaseRollup (per category); without one, UnitDayRollup (per unit and day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from .metrics import MetricValue, metric_values
from .models import COUNTERS, CaseRollup, UnitDayRollup, UnitKind
from .ranking import RankRow, rankings
from .units import view_for

AREA_KIND = {0: UnitKind.DISTRICT, 6: UnitKind.DISTRICT, 9: UnitKind.STREET,
             12: UnitKind.COMMUNITY, 15: UnitKind.GRID}
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def category_ids(*, stream: str = "", category: int | None = None) -> list[int] | None:
    """The categories a stream / category filter stands for (None: no filter)."""
    if not stream and category is None:
        return None
    from civicgrid.dispatch.models import Category

    qs = Category.objects.all()
    if stream:
        qs = qs.filter(stream=stream)
    if category is not None:
        qs = qs.filter(pk=category)
    return list(qs.values_list("pk", flat=True))


def _rows(area: str, start: dt.date, end: dt.date, categories: Iterable[int] | None):
    """Rollup rows of the area's unit over start..end (both included)."""
    model = UnitDayRollup if categories is None else CaseRollup
    rows = model.objects.filter(unit_kind=AREA_KIND[len(area)], day__gte=start, day__lte=end)
    if area:
        rows = rows.filter(unit_code=area)
    if categories is not None:
        rows = rows.filter(category_id__in=list(categories))
    return rows


@dataclass
class WindowFigures:
    counts: dict[str, int]
    metrics: dict[str, MetricValue]

    @property
    def received(self) -> int:
        return self.counts["received"]


def window_figures(*, area: str, start: dt.date, end: dt.date,
                   categories: Iterable[int] | None = None) -> WindowFigures:
    """Summed counters and every metric of the cases reported start..end in `area`."""
    sums = _rows(area, start, end, categories).aggregate(**{n: Sum(n) for n in COUNTERS})
    counts = {n: sums[n] or 0 for n in COUNTERS}
    return WindowFigures(counts, metric_values(counts))


def received_by_category(*, area: str, start: dt.date, end: dt.date,
                         categories: Iterable[int] | None = None) -> dict[int, int]:
    """{category id (0 = none yet): cases received} over the window."""
    rows = CaseRollup.objects.filter(unit_kind=AREA_KIND[len(area)], day__gte=start,
                                     day__lte=end)
    if area:
        rows = rows.filter(unit_code=area)
    if categories is not None:
        rows = rows.filter(category_id__in=list(categories))
    return {c: n for c, n in rows.values_list("category_id").annotate(n=Sum("received"))
            .order_by() if n}


def received_by_day_and_stream(*, area: str, start: dt.date, end: dt.date,
                               categories: Iterable[int] | None = None
                               ) -> dict[dt.date, dict[str, int]]:
    """{day: {stream ('' = not classified): cases received}} over the window."""
    from civicgrid.dispatch.models import Category

    stream_of = dict(Category.objects.values_list("pk", "stream"))
    rows = CaseRollup.objects.filter(unit_kind=AREA_KIND[len(area)], day__gte=start,
                                     day__lte=end)
    if area:
        rows = rows.filter(unit_code=area)
    if categories is not None:
        rows = rows.filter(category_id__in=list(categories))
    out: dict[dt.date, dict[str, int]] = {}
    for day, cat, n in (rows.values_list("day", "category_id").annotate(n=Sum("received"))
                        .order_by()):
        if n:
            per = out.setdefault(day, {})
            stream = stream_of.get(cat, "")
            per[stream] = per.get(stream, 0) + n
    return out


def top_ranked(actor, *, unit_kind: str, start: dt.date, end: dt.date,
               limit: int = 10) -> list[RankRow]:
    """The first `limit` rows of the ranking this actor may see (units.view_for): a street
    commander sees their own street's row among the district's streets, every staff role the
    departments. Empty when the actor may not see this ranking."""
    view = view_for(actor, unit_kind)
    if view is None:
        return []
    rows = rankings(unit_kind=unit_kind, start=start, end=end, units=view.population,
                    previous=False)
    return [r for r in rows if r.unit_code in view.shown and r.rank is not None][:limit]
