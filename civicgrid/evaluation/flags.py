"""What a case counts for in the rollups: its flags (COUNTERS order), its units, day and category.

Flags come from the case's CURRENT fields only (state, timestamps in whole seconds, counters,
rating), so the same case always gives the same flags: the incremental path (rollups.rollup_case_change) and the full
recomputation (rollups.rollup_rebuild, the vectorised `flags_many` below) must agree exactly,
and tests compare them. The definitions (also written in Chinese in metrics.COUNTER_DEFINITIONS):

- received: every case except a merged duplicate (its reporters moved to the target, which is
  one case and counts once).
- rejected: state rejected (不予立案).
- dispatched: dispatched at least once (dispatched_at is never cleared).
- responded: the CURRENT dispatch was accepted (签收): accepted_at set and not before
  dispatched_at. A case re-dispatched after a return, escalation or reopening counts as
  responded again only once the new unit accepts it: the unit credited (units_of) is the
  current one.
- responded_on_time: responded, and accepted within the response limit after the dispatch:
  settings.CIVICGRID["RESPONSE_LIMIT"] (default (2, "working_hours")) on the working calendar.
  Changing the setting needs `civicgrid evaluation rebuild`.
- reported_back: reported back at least once: reported_back_at set, or a rework or a reopening
  happened (both clear reported_back_at, but the unit had reported back before them).
- closed: state closed.
- closed_on_time: closed, and the unit's report-back was not after the handling deadline (the
  unit finished in time; verification and closing are the street's steps). A case without a
  deadline counts as on time.
- solved: solved is True (the reporter's answer at rating; cleared by a reopening).
- rated / satisfied / basically_satisfied / unsatisfied: from `rating`; a reopening clears it,
  so a reopened case is unrated until it is rated after its next closure.
- reworked / extended / returned / reopened / supervised: the counter (rework_count,
  extension_count = approved extensions, return_count, reopen_count, supervise_count) > 0.

Units (units_of): the district, street, community and grid of the case's location codes (a code
that is empty counts nowhere), and the CURRENT handling department (unit_department_id; only the
lead unit of a co-handled case — assisting units are not credited). A department that returned
a case is no longer its unit: the case counts for the department it went to next.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings

from civicgrid.cases.models import Rating
from civicgrid.cases.workflow import State
from civicgrid.core.calendar import get_calendar

from .models import COUNTERS, UnitKind

INDEX = {name: i for i, name in enumerate(COUNTERS)}
STATES = list(State.values)
RATINGS = ["", *Rating.values]
ZERO = (0,) * len(COUNTERS)
DEFAULT_RESPONSE_LIMIT = (2, "working_hours")
# States in which the case has been dispatched even if dispatched_at were missing.
DISPATCHED_STATES = frozenset({State.DISPATCHED, State.RETURNED, State.HANDLING,
                               State.EXTENSION_REQUESTED, State.SUSPENDED, State.REPORTED_BACK,
                               State.VERIFIED, State.CLOSED})
AREA_FIELDS = ((UnitKind.DISTRICT, "district_code"), (UnitKind.STREET, "street_code"),
               (UnitKind.COMMUNITY, "community_code"), (UnitKind.GRID, "grid_code"))

Key = tuple[str, str, int, dt.date]  # (unit_kind, unit_code, category_id, day)


def response_limit() -> tuple[float, str]:
    amount, unit = getattr(settings, "CIVICGRID", {}).get("RESPONSE_LIMIT",
                                                          DEFAULT_RESPONSE_LIMIT)
    return amount, str(unit)


@functools.lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_tz() -> ZoneInfo:
    return _zone(settings.TIME_ZONE)


# --- one case --------------------------------------------------------------------------------

def _seconds(t: dt.datetime | None) -> dt.datetime | None:
    """Times compare in whole seconds, as the vectorised twin reads them from the database."""
    return None if t is None else t.replace(microsecond=0)


def case_flags(case) -> tuple[int, ...]:
    """The case's flags as 0/1 ints in COUNTERS order (see the module doc)."""
    if case.state == State.MERGED:
        return ZERO
    f = dict.fromkeys(COUNTERS, 0)
    f["received"] = 1
    f["rejected"] = int(case.state == State.REJECTED)
    d, a = _seconds(case.dispatched_at), _seconds(case.accepted_at)
    f["dispatched"] = int(d is not None or case.state in DISPATCHED_STATES)
    responded = d is not None and a is not None and a >= d
    f["responded"] = int(responded)
    if responded:
        f["responded_on_time"] = int(a <= get_calendar().add(d, *response_limit()))
    f["reported_back"] = int(case.reported_back_at is not None or case.rework_count > 0
                             or case.reopen_count > 0)
    closed = case.state == State.CLOSED
    f["closed"] = int(closed)
    if closed:
        back, deadline = _seconds(case.reported_back_at), _seconds(case.handle_deadline)
        f["closed_on_time"] = int(deadline is None or (back is not None and back <= deadline))
    f["solved"] = int(case.solved is True)
    rating = case.rating or ""
    f["rated"] = int(rating in Rating.values)
    for value in Rating.values:
        f[value] = int(rating == value)
    f["reworked"] = int(case.rework_count > 0)
    f["extended"] = int(case.extension_count > 0)
    f["returned"] = int(case.return_count > 0)
    f["reopened"] = int(case.reopen_count > 0)
    f["supervised"] = int(case.supervise_count > 0)
    return tuple(f[name] for name in COUNTERS)


def units_of(case) -> list[tuple[str, str]]:
    """[(unit_kind, unit_code)] the case counts for (see the module doc)."""
    units = [(kind.value, code) for kind, field in AREA_FIELDS
             if (code := getattr(case, field) or "")]
    if case.unit_department_id:
        units.append((UnitKind.DEPARTMENT.value, str(case.unit_department_id)))
    return units


def day_of(case) -> dt.date:
    """The local (settings.TIME_ZONE) day the case was reported."""
    return case.reported_at.astimezone(local_tz()).date()


def rollup_keys(case) -> list[Key]:
    day, category = day_of(case), case.category_id or 0
    return [(kind, code, category, day) for kind, code in units_of(case)]


# --- many cases (numpy columns) --------------------------------------------------------------

def local_days(epoch: np.ndarray) -> np.ndarray:
    """Local day numbers (days since 1970-01-01) of UTC epoch seconds, exact in any zone: an
    offset changes only at a multiple of 15 minutes, so each quarter hour is looked up once."""
    epoch = np.asarray(epoch, dtype=np.int64)
    if not epoch.size:
        return epoch.copy()
    tz = local_tz()
    quarters, inverse = np.unique(epoch // 900, return_inverse=True)
    offsets = np.array([
        int(dt.datetime.fromtimestamp(int(q) * 900, dt.UTC).astimezone(tz).utcoffset()
            .total_seconds()) for q in quarters], dtype=np.int64)
    return (epoch + offsets[inverse.reshape(epoch.shape)]) // 86_400


def _codes(values, names: list[str]) -> np.ndarray:
    """Values as their index in `names` (-1 = unknown); integer arrays are indexes already."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr
    uniq, inverse = np.unique(arr.astype(str), return_inverse=True)
    index = {name: i for i, name in enumerate(names)}
    return np.array([index.get(u, -1) for u in uniq], dtype=np.int64)[inverse]


def flags_many(c: dict[str, np.ndarray]) -> np.ndarray:
    """Vectorised case_flags: a (len(COUNTERS), n) bool array, one row per counter.

    `c` holds equal-length arrays: state and rating (str, or their index in STATES and
    RATINGS), dispatched_at, accepted_at, reported_back_at, handle_deadline (int64 UTC epoch
    seconds, NULL as -1), solved (1 true, 0 false, -1 null), rework_count, extension_count,
    return_count, reopen_count, supervise_count (ints)."""
    state, rating = _codes(c["state"], STATES), _codes(c["rating"], RATINGS)
    n = state.size
    S = {name: STATES.index(name) for name in STATES}
    live = state != S[State.MERGED]
    d, a = c["dispatched_at"], c["accepted_at"]
    back, deadline = c["reported_back_at"], c["handle_deadline"]
    closed = state == S[State.CLOSED]
    responded = (d >= 0) & (a >= 0) & (a >= d)
    on_time = np.zeros(n, dtype=bool)
    if responded.any():
        amount, unit = response_limit()
        limit = get_calendar().add_many(d[responded].astype("datetime64[s]"), amount, unit)
        on_time[responded] = a[responded] <= limit.astype(np.int64)
    cols = {
        "received": np.ones(n, dtype=bool),
        "rejected": state == S[State.REJECTED],
        "dispatched": (d >= 0) | np.isin(state, [S[x] for x in DISPATCHED_STATES]),
        "responded": responded,
        "responded_on_time": on_time,
        "reported_back": (back >= 0) | (c["rework_count"] > 0) | (c["reopen_count"] > 0),
        "closed": closed,
        "closed_on_time": closed & ((deadline < 0) | ((back >= 0) & (back <= deadline))),
        "solved": np.asarray(c["solved"]) == 1,
        "rated": rating > 0,
        "reworked": c["rework_count"] > 0,
        "extended": c["extension_count"] > 0,
        "returned": c["return_count"] > 0,
        "reopened": c["reopen_count"] > 0,
        "supervised": c["supervise_count"] > 0,
    }
    for value in Rating.values:
        cols[value] = rating == RATINGS.index(value)
    out = np.empty((len(COUNTERS), n), dtype=bool)
    for name, values in cols.items():
        np.logical_and(values, live, out=out[INDEX[name]])
    return out
