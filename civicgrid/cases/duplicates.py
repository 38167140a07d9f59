"""Possible duplicates: open cases of the same category, near in space and time.

"Near" is the category's duplicate_radius_m (great-circle distance) and duplicate_window_hours
(either side of the report time). The database narrows the search with a lon/lat bounding box
(plain indexed range filters, the same on SQLite and PostgreSQL); the exact haversine distance is
then computed in numpy for the few rows left. Nearest first. Merging is the dispatcher's decision
(services/merge.py); intake only flags.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from civicgrid.core.geo import EARTH_RADIUS_M, distance_m

from .models import Case
from .workflow import OPEN_STATES, State

DUPLICATE_STATES = frozenset(OPEN_STATES | {State.REPORTED})
MAX_CANDIDATES = 10


def _box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def find_duplicates_near(*, category, lon: float | None, lat: float | None, at: dt.datetime,
                         exclude_pk: int | None = None, limit: int = MAX_CANDIDATES) -> list[Case]:
    """Open cases of `category` within its radius of (lon, lat) and its window around `at`;
    each returned case carries `.distance_m`. Empty without a category or coordinates."""
    if category is None or lon is None or lat is None:
        return []
    radius = float(category.duplicate_radius_m)
    window = dt.timedelta(hours=category.duplicate_window_hours)
    x0, y0, x1, y1 = _box(lon, lat, radius)
    qs = (Case.objects.filter(category=category, state__in=DUPLICATE_STATES,
                              lon__range=(x0, x1), lat__range=(y0, y1),
                              reported_at__range=(at - window, at + window))
          .select_related("category"))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    rows = list(qs[:1000])  # a box of ~100 m never holds more open cases of one kind
    if not rows:
        return []
    d = distance_m(lon, lat, np.array([r.lon for r in rows]), np.array([r.lat for r in rows]))
    order = np.argsort(d, kind="stable")
    out = []
    for i in order:
        if d[i] <= radius:
            rows[i].distance_m = float(d[i])
            out.append(rows[i])
    return out[:limit]


def find_duplicates(case: Case, *, limit: int = MAX_CANDIDATES) -> list[Case]:
    """Possible duplicates of an existing case, nearest first (never the case itself)."""
    return find_duplicates_near(category=case.category, lon=case.lon, lat=case.lat,
                                at=case.reported_at, exclude_pk=case.pk, limit=limit)
