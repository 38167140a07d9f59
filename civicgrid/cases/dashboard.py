"""Live figures from the case table for the command centre: what is open and overdue now, what
was closed since a moment, today's intake by hour, overdue cases by responsible unit, the open
load per grid or street, and the open cases as map points.

Counts over whole days (received, rates, category mix) come from the evaluation rollups
(civicgrid.evaluation.dashboard), never from this table. What is read here is either the open
cases (a small share of the table: indexed by (street_code, state) and (state,
handle_deadline)) or today's rows (indexed by (district_code, reported_at)); a city-wide read of
today's rows lists the districts so that index is used too.

Everything starts from `cases_visible`, so a street commander's figures can only hold their
street's cases; `Slice.area` narrows further, never widens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from . import search
from .models import Case
from .selectors import cases_visible
from .workflow import State

UNFINISHED = tuple(sorted(search.UNFINISHED_STATES))
HANDLE_STATES = search.STEP_STATES["handle"]
POINT_LIMIT = 3000


@dataclass(frozen=True)
class Slice:
    """Which cases a figure counts: an area code ('' = all the actor sees), a stream, a
    category (None = any)."""

    area: str = ""
    stream: str = ""
    category: int | None = None


def sliced(actor, s: Slice) -> QuerySet:
    """The actor's visible cases inside the slice."""
    qs = cases_visible(actor)
    if s.area:
        qs = qs.filter(**{Case.scope_fields[len(s.area)]: s.area})
    if s.stream:
        qs = qs.filter(stream=s.stream)
    if s.category is not None:
        qs = qs.filter(category_id=s.category)
    return qs


def overdue_q(now: dt.datetime) -> Q:
    """Open cases whose current step deadline has passed (search.due_expression < now), written
    as three ranges so that (state, handle_deadline) serves the handling step."""
    steps = search.STEP_STATES
    return (Q(state__in=steps["register"], register_deadline__lt=now)
            | Q(state__in=steps["dispatch"], dispatch_deadline__lt=now)
            | Q(state__in=steps["handle"], handle_deadline__lt=now))


def live_counts(actor, s: Slice, *, since: dt.datetime, now: dt.datetime) -> dict[str, int]:
    """open: not finished (reported included); overdue: open and past its step deadline;
    closed: closed at or after `since` (and still closed)."""
    qs = sliced(actor, s)
    return {
        "open": qs.filter(state__in=UNFINISHED).count(),
        "overdue": qs.filter(overdue_q(now)).count(),
        "closed": qs.filter(state=State.CLOSED, closed_at__gte=since, closed_at__lte=now).count(),
    }


def _reported_between(actor, s: Slice, start: dt.datetime, end: dt.datetime) -> QuerySet:
    qs = sliced(actor, s).filter(reported_at__gte=start, reported_at__lt=end)
    if not s.area:
        from civicgrid.territory.models import District

        # A city-wide read: naming the districts lets (district_code, reported_at) serve it.
        # Cases outside every district count for no area, as in the rollups.
        qs = qs.filter(district_code__in=list(District.objects.values_list("code", flat=True)))
    return qs.exclude(state=State.MERGED)


def intake_by_hour(actor, s: Slice, *, day: dt.date) -> dict[str, list[int]]:
    """{stream: [24 counts]} of the cases reported on `day` (local time), merged duplicates not
    counted (they count once, in the case they joined: the evaluation's "received")."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
    rows = (_reported_between(actor, s, start, end)
            .annotate(hour=ExtractHour("reported_at", tzinfo=tz))
            .values("hour", "stream").annotate(n=Count("id")).order_by())
    out: dict[str, list[int]] = {}
    for r in rows:
        out.setdefault(r["stream"] or "", [0] * 24)[r["hour"]] += r["n"]
    return out


@dataclass(frozen=True)
class UnitCount:
    department_id: int | None
    area_code: str  # the street/community handling or dispatching it ('' with a department)
    waiting: bool  # True: overdue at registration or dispatch (the street's step)
    count: int


def overdue_by_unit(actor, s: Slice, *, now: dt.datetime, limit: int = 10) -> list[UnitCount]:
    """Overdue open cases per responsible unit, most first: the handling unit while a unit holds
    the case, else the level that must register or dispatch it (its street, or the level it was
    escalated to)."""
    rows = (sliced(actor, s).filter(overdue_q(now))
            .values("unit_department_id", "unit_area_code", "street_code", "state")
            .annotate(n=Count("id")).order_by())
    totals: dict[tuple, int] = {}
    for r in rows:
        if r["state"] in HANDLE_STATES:
            key = (r["unit_department_id"], "" if r["unit_department_id"] else r["unit_area_code"],
                   False)
        else:
            key = (None, r["unit_area_code"] or r["street_code"], True)
        totals[key] = totals.get(key, 0) + r["n"]
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0][0]), kv[0][1]))
    return [UnitCount(d, a, w, n) for (d, a, w), n in ranked[:limit]]


def area_load(actor, s: Slice, *, level_field: str, now: dt.datetime) -> dict[str, list[int]]:
    """{area code: [open, overdue]} per grid (level_field="grid_code") or street
    ("street_code"): what colours the map."""
    qs = sliced(actor, s)
    out: dict[str, list[int]] = {}
    for code, n in (qs.filter(state__in=UNFINISHED).values_list(level_field)
                    .annotate(n=Count("id")).order_by()):
        if code:
            out[code] = [n, 0]
    for code, n in (qs.filter(overdue_q(now)).values_list(level_field)
                    .annotate(n=Count("id")).order_by()):
        if code:
            out.setdefault(code, [0, 0])[1] = n
    return out


@dataclass(frozen=True)
class Point:
    number: str
    lon: float
    lat: float
    state: str
    level: str  # normal / yellow / red ("" when no deadline runs)
    category: str


def open_points(actor, s: Slice, *, now: dt.datetime, limit: int = POINT_LIMIT
                ) -> tuple[list[Point], int]:
    """The open cases with coordinates, nearest deadline first, at most `limit`; and how many
    there are in all."""
    qs = (sliced(actor, s).filter(state__in=UNFINISHED, lon__isnull=False, lat__isnull=False)
          .annotate(due=search.due_expression()))
    total = qs.count()
    rows = list(qs.order_by(F("due").asc(nulls_last=True), "id")
                .values_list("number", "lon", "lat", "state", "category_id", "due",
                             "reported_at", "dispatched_at", "category__name")[:limit])
    levels = search.warning_levels(
        [(st, cat, due, search.step_start(st, rep, disp))
         for _n, _x, _y, st, cat, due, rep, disp, _c in rows], now=now)
    return [Point(n, x, y, st, lv, c or "")
            for (n, x, y, st, _cat, _due, _rep, _disp, c), lv in zip(rows, levels, strict=True)
            ], total
