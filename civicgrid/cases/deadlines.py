"""Step deadlines of a case (立案 / 派遣 / 处置) on the working calendar.

Where each step's clock starts:
- register: the report time.
- dispatch: the register deadline. The allowance is still anchored at the report (the deadline is
  known at intake and a slow registration does not move it), but it follows the register
  allowance instead of running beside it, so each step has its full allowance: a category with
  "register 2 working hours, dispatch 2 working hours" must be dispatched within 4 working hours
  of the report — the way GB/T 30428 budgets the steps one after another.
- handle: the dispatch time (`handle_deadline(category, dispatched_at)`, called by the dispatch
  action). At intake the case is not dispatched yet, so `step_deadlines` gives a provisional
  handle deadline counted from the dispatch deadline: the latest it can be if dispatch is on time.

Priority shortens, never lengthens: each step's deadline is the earlier of the category's and the
priority's cap (PRIORITY_CAPS, after Beijing 12345 接诉即办: emergencies are dispatched within the
hour with the clock always running). The caps of register and dispatch count from the report
time, the handle cap from the dispatch time. A city changes them in
settings.CIVICGRID["PRIORITY_DEADLINES"] (same shape). A case without a category yet gets the
Category model's default limits until the dispatcher classifies it.

Warning levels are never stored: selectors compute them with calendar.warning_level(s).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from civicgrid.core.calendar import get_calendar

from .models import Priority

STEPS = ("register", "dispatch", "handle")

# priority -> step -> (amount, DeadlineUnit value)
PRIORITY_CAPS: dict[int, dict[str, tuple[float, str]]] = {
    Priority.URGENT: {"register": (1, "working_hours"), "dispatch": (2, "working_hours"),
                      "handle": (2, "working_days")},
    Priority.EMERGENCY: {"register": (0.5, "emergency_hours"), "dispatch": (1, "emergency_hours"),
                         "handle": (24, "emergency_hours")},
}


def priority_caps() -> dict[int, dict[str, tuple[float, str]]]:
    custom = getattr(settings, "CIVICGRID", {}).get("PRIORITY_DEADLINES")
    if not custom:
        return PRIORITY_CAPS
    return {int(p): {step: (float(a), str(u)) for step, (a, u) in caps.items()}
            for p, caps in custom.items()}


def default_limits() -> dict[str, tuple[float, str]]:
    """The Category model's field defaults: the limits of a case not classified yet."""
    from civicgrid.dispatch.models import Category

    field = Category._meta.get_field
    return {step: (float(field(f"{step}_limit").default), str(field(f"{step}_unit").default))
            for step in STEPS}


def category_limits(category) -> dict[str, tuple[float, str]]:
    """{step: (amount, unit)} of a category; the defaults for None."""
    if category is None:
        return default_limits()
    return {step: (float(getattr(category, f"{step}_limit")), str(getattr(category, f"{step}_unit")))
            for step in STEPS}


def _capped(start: dt.datetime, deadline: dt.datetime, step: str, priority: int) -> dt.datetime:
    cap = priority_caps().get(int(priority or 0), {}).get(step)
    if cap is None:
        return deadline
    return min(deadline, get_calendar().add(start, *cap))


def handle_deadline(category, dispatched_at: dt.datetime, *, priority: int = 0) -> dt.datetime:
    """The handle deadline of a case dispatched at `dispatched_at`."""
    amount, unit = category_limits(category)["handle"]
    return _capped(dispatched_at, get_calendar().add(dispatched_at, amount, unit), "handle",
                   priority)


def step_deadlines(category, start: dt.datetime, *, priority: int = 0) -> dict[str, dt.datetime]:
    """{register_deadline, dispatch_deadline, handle_deadline} of a case reported at `start`
    (aware). The handle deadline is provisional until the case is dispatched (module doc)."""
    cal, limits = get_calendar(), category_limits(category)
    register = cal.add(start, *limits["register"])
    dispatch = _capped(start, cal.add(register, *limits["dispatch"]), "dispatch", priority)
    register = _capped(start, register, "register", priority)
    return {"register_deadline": register, "dispatch_deadline": dispatch,
            "handle_deadline": handle_deadline(category, dispatch, priority=priority)}


# --- vectorised, for bulk imports --------------------------------------------------------------

@dataclass(frozen=True)
class LimitTable:
    """Every category's limits as arrays; row len(ids) holds the defaults (no category)."""

    ids: np.ndarray  # sorted category ids
    amounts: dict[str, np.ndarray]
    units: dict[str, np.ndarray]

    @classmethod
    def from_categories(cls, categories: Iterable) -> LimitTable:
        rows = sorted(((c.pk, category_limits(c)) for c in categories), key=lambda r: r[0])
        rows.append((None, default_limits()))
        return cls(ids=np.array([r[0] for r in rows[:-1]], dtype=np.int64),
                   amounts={s: np.array([r[1][s][0] for r in rows], dtype=np.float64)
                            for s in STEPS},
                   units={s: np.array([r[1][s][1] for r in rows]) for s in STEPS})

    @classmethod
    def from_db(cls) -> LimitTable:
        from civicgrid.dispatch.models import Category

        return cls.from_categories(Category.objects.all())

    def rows(self, category_ids) -> np.ndarray:
        """Row of each category id; the defaults row for -1 or an unknown id."""
        ids = np.asarray(category_ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos_c = np.minimum(pos, max(len(self.ids) - 1, 0))
        found = (pos < len(self.ids)) & (self.ids[pos_c] == ids) if len(self.ids) else \
            np.zeros(ids.shape, dtype=bool)
        return np.where(found, pos_c, len(self.ids))


def _cap_many(starts, deadlines, step: str, priorities) -> np.ndarray:
    if priorities is None:
        return deadlines
    out = deadlines.copy()
    for priority, caps in priority_caps().items():
        mask = priorities == priority
        if step in caps and mask.any():
            cap = get_calendar().add_many(starts[mask], caps[step][0], caps[step][1])
            out[mask] = np.minimum(out[mask], cap)
    return out


def step_deadlines_many(category_ids, starts, priorities=None, *,
                        table: LimitTable | None = None) -> dict[str, np.ndarray]:
    """Vectorised step_deadlines: category ids (-1 = none) and datetime64 UTC report times →
    {register_deadline, dispatch_deadline, handle_deadline} as datetime64[s] UTC arrays, equal
    element by element to step_deadlines (at whole seconds)."""
    cal = get_calendar()
    table = table or LimitTable.from_db()
    starts = np.asarray(starts).astype("datetime64[s]")
    rows = table.rows(category_ids)
    prio = None if priorities is None else np.asarray(priorities, dtype=np.int64)

    def add(step, base):
        return cal.add_many(base, table.amounts[step][rows], table.units[step][rows])

    register = add("register", starts)
    dispatch = _cap_many(starts, add("dispatch", register), "dispatch", prio)
    register = _cap_many(starts, register, "register", prio)
    handle = _cap_many(dispatch, add("handle", dispatch), "handle", prio)
    return {"register_deadline": register, "dispatch_deadline": dispatch,
            "handle_deadline": handle}
