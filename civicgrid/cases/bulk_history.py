"""The history (CaseEvent rows) of imported and generated cases, built in bulk from each case's
state, timestamps and counters — never through the online services, which would take hours for
a city-year.

Every event follows the transition table (workflow.TRANSITIONS); only the first, "report"
("" → reported), is the creation event, as the online intake writes it. The path of a case:

    report · register (or reject) · [reopened rounds] · [dispatch · return_case]×returns ·
    dispatch · accept · [request_extension · approve_extension]×extensions ·
    [report_back · verify_fail]×reworks · supervise×n · report_back · verify_pass · close · rate

cut where the case's state says it stopped (handling, suspended, extension_requested...).
A reopened round is dispatch · accept · report_back · verify_pass · close · rate · reopen.
Main steps happen at the case's own timestamps (registered_at ... rated_at: dispatched_at is the
last dispatch, reported_back_at the last report back); the steps between two of them are spread
evenly in *working time* between those two instants (calendar.extend_many), so they fall in
office hours like the main ones (wall-clock time for emergency-hours categories). Supervision
(督办) is placed after the handle deadline when the case ran past it.
"""

from __future__ import annotations

import numpy as np

from civicgrid.accounts.models import Role
from civicgrid.core.calendar import get_calendar

from .bulk_columns import NAT, stage_of
from .workflow import Action as A
from .workflow import State as S

MAX_REPEATS = 5  # per counter; the importer rejects more (a typo, not a history)
IMPORTED = '{"imported": true}'
EXTENSION_DAYS = 5  # an approved extension (延期) adds this many working days
EXTENSION_DATA = f'{{"imported": true, "amount": {EXTENSION_DAYS}, "unit": "working_days"}}'

ROLE = {
    A.REGISTER: Role.STREET_DISPATCHER, A.REJECT: Role.STREET_DISPATCHER,
    A.DISPATCH: Role.STREET_DISPATCHER, A.ACCEPT: Role.DEPARTMENT_HANDLER,
    A.RETURN: Role.DEPARTMENT_HANDLER, A.REPORT_BACK: Role.DEPARTMENT_HANDLER,
    A.REQUEST_EXTENSION: Role.DEPARTMENT_HANDLER, A.APPROVE_EXTENSION: Role.STREET_COMMANDER,
    A.SUPERVISE: Role.STREET_COMMANDER, A.SUSPEND: Role.STREET_COMMANDER,
    A.VERIFY_PASS: Role.GRID_WORKER, A.VERIFY_FAIL: Role.GRID_WORKER,
    A.CLOSE: Role.STREET_DISPATCHER, A.RATE: Role.RESIDENT, A.REOPEN: Role.STREET_DISPATCHER,
}
UNIT_ACTIONS = frozenset({A.DISPATCH, A.ACCEPT, A.RETURN, A.REPORT_BACK, A.REQUEST_EXTENSION})
REOPEN_ROUND = ((A.DISPATCH, S.REGISTERED, S.DISPATCHED), (A.ACCEPT, S.DISPATCHED, S.HANDLING),
                (A.REPORT_BACK, S.HANDLING, S.REPORTED_BACK),
                (A.VERIFY_PASS, S.REPORTED_BACK, S.VERIFIED), (A.CLOSE, S.VERIFIED, S.CLOSED),
                (A.RATE, S.CLOSED, S.CLOSED), (A.REOPEN, S.CLOSED, S.REGISTERED))


class _Events:
    """Collects event columns slot by slot; `order` keeps each case's events in path order."""

    def __init__(self, n: int):
        self.n = n
        self.parts: list[tuple] = []
        self.slot = 0

    def emit(self, mask, action, from_state, to_state, at, data=IMPORTED) -> None:
        idx = np.flatnonzero(mask)
        self.slot += 1
        if idx.size:
            frm = from_state[idx] if isinstance(from_state, np.ndarray) else \
                np.full(idx.size, str(from_state), dtype=object)
            times = at(idx) if callable(at) else at[idx]
            self.parts.append((idx, self.slot, str(action), frm, str(to_state), times, data))

    def columns(self) -> dict[str, np.ndarray]:
        if not self.parts:
            return {"pos": np.zeros(0, np.int64), "action": np.zeros(0, object),
                    "from_state": np.zeros(0, object), "to_state": np.zeros(0, object),
                    "at": np.zeros(0, "datetime64[s]"), "data": np.zeros(0, object),
                    "actor_role": np.zeros(0, object), "unit": np.zeros(0, bool)}
        pos = np.concatenate([p[0] for p in self.parts])
        slot = np.concatenate([np.full(p[0].size, p[1]) for p in self.parts])
        order = np.lexsort((slot, pos))

        def cat(values):
            return np.concatenate(values)[order]

        def rep(i):
            return cat([np.full(p[0].size, p[i], dtype=object) for p in self.parts])

        actions = rep(2)
        return {"pos": pos[order], "action": actions,
                "from_state": cat([p[3] for p in self.parts]), "to_state": rep(4),
                "at": cat([p[5] for p in self.parts]), "data": rep(6),
                "actor_role": _roles(actions),
                "unit": np.isin(actions, [str(a) for a in UNIT_ACTIONS])}


def _roles(actions: np.ndarray) -> np.ndarray:
    out = np.full(len(actions), "", dtype=object)
    for action, role in ROLE.items():
        out[actions == str(action)] = str(role)
    return out


def _spread(a, b, k, m, units):
    """A function of row indices: the k-th (1-based) of m instants spread evenly in working
    time over [a, b] for those rows (emit calls it only for the rows that have the event)."""

    def at(idx: np.ndarray) -> np.ndarray:
        aa = np.asarray(a, "datetime64[s]")[idx]
        bb = np.maximum(np.asarray(b, "datetime64[s]")[idx], aa)
        kk = np.broadcast_to(np.asarray(k, np.float64), np.shape(units))[idx]
        mm = np.broadcast_to(np.asarray(m, np.float64), np.shape(units))[idx]
        cal = get_calendar()
        span = cal.working_time_between_many(aa, bb, units[idx])
        frac = np.clip(kk / np.maximum(mm + 1, 1), 0, 1)
        out = cal.extend_many(aa, np.floor(span * frac).astype(np.int64), units[idx])
        return np.minimum(out, bb)

    return at


def build_events(b: dict[str, np.ndarray], *, now: np.datetime64,
                 handle_deadline: np.ndarray | None = None,
                 wall_clock: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Event columns for the cases of batch `b` (its rows in order; `pos` = row index).

    `wall_clock`: True where the category's handle clock always runs (emergency hours)."""
    n = len(b["state"])
    ev = _Events(n)
    state = np.asarray(b["state"])
    stage = stage_of(state)
    units = np.where(wall_clock if wall_clock is not None else np.zeros(n, bool),
                     "emergency_hours", "working_hours")
    now = np.full(n, np.datetime64(now, "s"))
    R, G, D = b["reported_at"], b["registered_at"], b["dispatched_at"]
    Acc, B, C, T = b["accepted_at"], b["reported_back_at"], b["closed_at"], b["rated_at"]
    r, w = np.minimum(b["return_count"], MAX_REPEATS), np.minimum(b["rework_count"], MAX_REPEATS)
    x, s = (np.minimum(b["extension_count"], MAX_REPEATS),
            np.minimum(b["supervise_count"], MAX_REPEATS))
    o = np.minimum(b["reopen_count"], MAX_REPEATS)
    returned = state == S.RETURNED
    r = np.where(returned, np.maximum(r, 1), r)

    ev.emit(np.ones(n, bool), "report", "", S.REPORTED, R)
    rejected = state == S.REJECTED
    ev.emit(rejected, A.REJECT, S.REPORTED, S.REJECTED, np.where(np.isnat(C), R, C))
    ev.emit(stage >= 1, A.REGISTER, S.REPORTED, S.REGISTERED, G)

    # Window 1, between registration and the last dispatch: reopened rounds, then returns.
    end1 = np.where(np.isnat(D), np.where(stage >= 2, G, now), D)
    pairs = np.where(returned, r - 1, r) * (stage >= 2)
    m1 = o * len(REOPEN_ROUND) + 2 * pairs
    for i in range(MAX_REPEATS):
        for action, frm, to in REOPEN_ROUND:
            has = (stage >= 1) & (o > i)
            k_arr = i * len(REOPEN_ROUND) + REOPEN_ROUND.index((action, frm, to)) + 1
            ev.emit(has, action, frm, to, _spread(G, end1, np.full(n, k_arr), m1, units))
    k = o * len(REOPEN_ROUND)
    for i in range(MAX_REPEATS):
        has = pairs > i
        frm = S.REGISTERED if i == 0 else S.RETURNED
        ev.emit(has, A.DISPATCH, frm, S.DISPATCHED, _spread(G, end1, k + 2 * i + 1, m1, units))
        ev.emit(has, A.RETURN, S.DISPATCHED, S.RETURNED,
                _spread(G, end1, k + 2 * i + 2, m1, units))
    from_dispatch = np.where(pairs > 0, S.RETURNED, S.REGISTERED).astype(object)
    ev.emit(stage >= 2, A.DISPATCH, from_dispatch, S.DISPATCHED, D)
    ev.emit(returned, A.RETURN, S.DISPATCHED, S.RETURNED, D)
    ev.emit(stage >= 3, A.ACCEPT, S.DISPATCHED, S.HANDLING, Acc)

    # Window 2, while handling: extensions and reworks, then supervision (after the handle
    # deadline when the case ran past it) and a pending request or suspension, in that order.
    handling = stage >= 3
    pending = ((state == S.EXTENSION_REQUESTED) | (state == S.SUSPENDED)).astype(np.int64)
    end2 = np.where(np.isnat(B), np.maximum(now, Acc), B)
    late_from = Acc if handle_deadline is None else np.where(
        np.isnat(handle_deadline), Acc, np.clip(handle_deadline, Acc, end2))
    mid = np.where(s > 0, late_from, end2)
    m_a = (2 * x + 2 * w) * handling
    for i in range(MAX_REPEATS):
        has = handling & (x > i)
        ev.emit(has, A.REQUEST_EXTENSION, S.HANDLING, S.EXTENSION_REQUESTED,
                _spread(Acc, mid, 2 * i + 1, m_a, units))
        ev.emit(has, A.APPROVE_EXTENSION, S.EXTENSION_REQUESTED, S.HANDLING,
                _spread(Acc, mid, 2 * i + 2, m_a, units), EXTENSION_DATA)
    for i in range(MAX_REPEATS):
        has = handling & (w > i)
        ev.emit(has, A.REPORT_BACK, S.HANDLING, S.REPORTED_BACK,
                _spread(Acc, mid, 2 * x + 2 * i + 1, m_a, units))
        ev.emit(has, A.VERIFY_FAIL, S.REPORTED_BACK, S.HANDLING,
                _spread(Acc, mid, 2 * x + 2 * i + 2, m_a, units))
    m_b = (s + pending) * handling
    for i in range(MAX_REPEATS):
        ev.emit(handling & (s > i), A.SUPERVISE, S.HANDLING, S.HANDLING,
                _spread(mid, end2, i + 1, m_b, units))
    ev.emit(state == S.EXTENSION_REQUESTED, A.REQUEST_EXTENSION, S.HANDLING,
            S.EXTENSION_REQUESTED, _spread(mid, end2, s + 1, m_b, units))
    ev.emit(state == S.SUSPENDED, A.SUSPEND, S.HANDLING, S.SUSPENDED,
            _spread(mid, end2, s + 1, m_b, units))

    ev.emit(stage >= 4, A.REPORT_BACK, S.HANDLING, S.REPORTED_BACK, B)
    verify_end = np.where(np.isnat(C), B, C)
    ev.emit(stage >= 5, A.VERIFY_PASS, S.REPORTED_BACK, S.VERIFIED,
            _spread(B, verify_end, 1, 1, units))
    ev.emit(stage >= 6, A.CLOSE, S.VERIFIED, S.CLOSED, C)
    rated = (stage >= 6) & (np.asarray(b["rating"]) != "") & ~np.isnat(T)
    ev.emit(rated, A.RATE, S.CLOSED, S.CLOSED, T)
    return ev.columns()


def extended_deadline(deadline: np.ndarray, extension_count: np.ndarray) -> np.ndarray:
    """The handle deadline after the approved extensions (EXTENSION_DAYS working days each),
    counted like services.clock.move_deadline: from inside the deadline's own last day."""
    out = deadline.copy()
    has = (extension_count > 0) & ~np.isnat(deadline)
    if has.any():
        days = np.minimum(extension_count[has], MAX_REPEATS) * EXTENSION_DAYS
        out[has] = get_calendar().add_many(deadline[has] - np.timedelta64(1, "s"), days,
                                           "working_days")
    return out


__all__ = ["build_events", "extended_deadline", "EXTENSION_DAYS", "MAX_REPEATS", "NAT"]
