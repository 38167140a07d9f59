"""Outcomes of generated historical cases: timestamps, counters, states and ratings.

Each case gets a planned path drawn against its own step deadlines (cases/deadlines.py) on the
working calendar: registered and dispatched mostly within their deadlines, accepted within the
hour or so, handled within the handle deadline except the overdue ones (then often supervised),
verified and closed within hours, and called back one or two days later. Everything planned
after `end` has not happened yet: the case stops in the state it had reached by then. The
bulk importer derives the CaseEvent history from these columns (bulk_history.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from civicgrid.core.calendar import get_calendar

from .bulk_columns import NAT
from .bulk_enrich import handle_deadlines_many
from .bulk_history import extended_deadline
from .deadlines import LimitTable, step_deadlines_many
from .generate import HOUR, RATING_P, RATINGS, SOLVED_P
from .workflow import State

P_REJECT, P_RETURN, P_RETURN2, P_REWORK, P_EXTEND = 0.02, 0.06, 0.01, 0.04, 0.05
P_OVERDUE, P_SUPERVISE, P_REOPEN, P_UNRATED = 0.08, 0.5, 0.015, 0.08
P_SUSPEND = 0.01
WORK_DAY = 6.5 * HOUR  # the default working hours: 09:00–12:00 and 13:30–17:00


def _after(t0, t1, frac, units, minimum=300):
    """The instant `frac` of the way through the working time from t0 to t1 (frac > 1 goes
    past t1), at least `minimum` seconds of working time after t0."""
    cal = get_calendar()
    span = cal.working_time_between_many(t0, np.maximum(t1, t0), units)
    secs = np.maximum(np.floor(span * frac), minimum).astype(np.int64)
    return cal.extend_many(t0, secs, units)


def outcomes(rng: np.random.Generator, b: dict, emergency: np.ndarray, end: dt.datetime) -> None:
    """Fill the outcome columns of batch `b` in place (see the module doc)."""
    n = len(b["row"])
    cal = get_calendar()
    now = np.datetime64(int(end.timestamp()), "s")
    units = np.where(emergency, "emergency_hours", "working_hours")
    R, cid, prio = b["reported_at"], b["category_id"], b["priority"]
    table = LimitTable.from_db()
    dl = step_deadlines_many(cid, R, prio, table=table)
    late_reg = rng.random(n) < 0.03
    G = _after(R, dl["register_deadline"], np.where(late_reg, rng.uniform(1.1, 2, n),
                                                    rng.uniform(0.05, 0.9, n)), units)
    D = _after(G, np.maximum(dl["dispatch_deadline"], G),
               np.where(rng.random(n) < 0.03, rng.uniform(1.1, 2, n), rng.uniform(0.05, 0.9, n)),
               units)
    rejected = rng.random(n) < P_REJECT
    reopened = (rng.random(n) < P_REOPEN) & ~rejected
    # A reopened case went once round the loop (about five working days) before this dispatch.
    D = np.where(reopened, cal.extend_many(D, np.full(n, int(5 * WORK_DAY)), units), D)
    A = cal.extend_many(D, rng.integers(300, int(1.5 * HOUR), n), units)
    ext = (rng.random(n) < P_EXTEND).astype(np.int64)
    HD = extended_deadline(handle_deadlines_many(cid, D, prio, table=table), ext)
    overdue = rng.random(n) < P_OVERDUE
    B = _after(A, HD, np.where(overdue, rng.uniform(1.05, 1.6, n), rng.uniform(0.15, 0.95, n)),
               units, minimum=1800)
    C = cal.extend_many(B, rng.integers(1800, 6 * HOUR, n), units)
    T = C + rng.integers(2 * HOUR, 36 * HOUR, n).astype("timedelta64[s]")
    rating = rng.choice(3, n, p=RATING_P)
    solved = rng.random(n) < np.asarray(SOLVED_P)[rating]
    rated = rng.random(n) >= P_UNRATED

    returns = np.where(rng.random(n) < P_RETURN, 1, 0) + (rng.random(n) < P_RETURN2)
    rework = (rng.random(n) < P_REWORK).astype(np.int64)
    supervise = np.where(overdue & (rng.random(n) < P_SUPERVISE), 1 + (rng.random(n) < 0.2), 0)

    # Where each case is at `end`: the last step planned before it.
    state = np.full(n, State.CLOSED.value, dtype=object)
    for t, s in ((T, None), (C, State.REPORTED_BACK), (B, State.HANDLING),
                 (A, State.DISPATCHED), (D, State.REGISTERED), (G, State.REPORTED)):
        if s is not None:
            state[t > now] = s.value
    state[rejected & (now >= G)] = State.REJECTED.value
    state[rejected & (now < G)] = State.REPORTED.value
    handling = state == State.HANDLING.value
    pick = rng.random(n)
    state[handling & (pick < 0.1)] = State.EXTENSION_REQUESTED.value
    suspended = (state == State.CLOSED.value) & (rng.random(n) < P_SUSPEND) & ~reopened
    state[suspended | (handling & (pick >= 0.1) & (pick < 0.14))] = State.SUSPENDED.value

    stage = {s: i for i, s in enumerate(("reported", "registered", "dispatched", "handling",
                                         "reported_back", "closed"))}
    level = np.array([stage.get(s, 3) for s in state])
    level[state == State.REJECTED.value] = 0
    b["state"] = state
    b["registered_at"] = np.where(level >= 1, G, NAT)
    b["dispatched_at"] = np.where(level >= 2, D, NAT)
    b["accepted_at"] = np.where(level >= 3, A, NAT)
    b["reported_back_at"] = np.where(level >= 4, B, NAT)
    closed = level >= 5
    b["closed_at"] = np.where(closed, C, np.where(state == State.REJECTED.value, G, NAT))
    rated &= closed & (now >= T)
    b["rated_at"] = np.where(rated, T, NAT)
    b["rating"] = np.where(rated, np.array(RATINGS, dtype=object)[rating], "").astype(object)
    b["solved"] = np.where(rated, solved, -1).astype(np.int8)
    b["return_count"] = np.where(level >= 2, returns, 0)
    b["rework_count"] = np.where(level >= 4, rework, 0)
    b["extension_count"] = np.where(level >= 4, ext, 0)
    late = (level >= 3) & (np.minimum(np.where(level >= 4, B, now), now) > HD)
    b["supervise_count"] = np.where(late, supervise, 0)
    b["reopen_count"] = np.where(closed, reopened, 0).astype(np.int64)
    pending = (state == State.SUSPENDED.value)
    b["review_date"] = np.where(pending, (now + np.timedelta64(30, "D")).astype("datetime64[D]"),
                                np.datetime64("NaT", "D"))
