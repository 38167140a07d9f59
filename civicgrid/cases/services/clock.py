"""Deadline arithmetic the workflow needs, on the working calendar (civicgrid.core.calendar).

Step deadlines come from cases/deadlines.py (the intake engineer's rules, priority caps
included): registering recomputes the steps anchored at the report (the category may have
changed); dispatching starts the handling clock at the dispatch; a case that waits for a
dispatcher again (escalated, reopened) gets a fresh dispatch allowance from that moment."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from civicgrid.cases import deadlines
from civicgrid.core.calendar import DeadlineUnit, get_calendar

DEFAULT_HANDLE_UNIT = DeadlineUnit.working_days
# Units whose deadline is the *end* of a day: moving such a deadline by N units must count from
# inside its last day, or the calendar would count that day again (17:00 Monday + 2 working
# days is 17:00 Wednesday, not Thursday).
DAY_UNITS = (DeadlineUnit.working_days, DeadlineUnit.natural_days)


def register_deadlines(case, category) -> dict[str, dt.datetime]:
    """{register_deadline, dispatch_deadline, handle_deadline (provisional)} of the case."""
    return deadlines.step_deadlines(category, case.reported_at, priority=case.priority)


def handle_deadline(case, dispatched_at: dt.datetime) -> dt.datetime:
    return deadlines.handle_deadline(case.category, dispatched_at, priority=case.priority)


def dispatch_deadline_from(case, start: dt.datetime) -> dt.datetime:
    """A fresh dispatch allowance from `start` (the earlier of the category's and the
    priority's cap, as deadlines.py does for the first dispatch)."""
    cal = get_calendar()
    deadline = cal.add(start, *deadlines.category_limits(case.category)["dispatch"])
    cap = deadlines.priority_caps().get(case.priority, {}).get("dispatch")
    return min(deadline, cal.add(start, *cap)) if cap else deadline


def handle_unit(case) -> str:
    return case.category.handle_unit if case.category_id else DEFAULT_HANDLE_UNIT


def move_deadline(deadline: dt.datetime, amount, unit) -> dt.datetime:
    """`deadline` moved later by `amount` `unit`s (an approved extension)."""
    start = deadline - dt.timedelta(seconds=1) if unit in DAY_UNITS else deadline
    return get_calendar().add(start, amount, unit)


def push_by_pause(deadline: dt.datetime | None, since: dt.datetime, until: dt.datetime,
                  unit) -> tuple[dt.datetime | None, dt.timedelta]:
    """The deadline pushed by the time that counts for `unit` between `since` and `until`
    (a paused clock); returns (new deadline, paused span)."""
    cal = get_calendar()
    paused = cal.working_time_between(since, until, unit)
    if deadline is None or paused <= dt.timedelta(0):
        return deadline, max(paused, dt.timedelta(0))
    return cal.extend(deadline, paused, unit), paused


def pause_during_extension() -> bool:
    return bool(getattr(settings, "CIVICGRID", {}).get("PAUSE_CLOCK_DURING_EXTENSION", True))


def warning_level(case, now: dt.datetime) -> str:
    """normal / yellow / red for the handling deadline (computed, never stored)."""
    if case.handle_deadline is None:
        return "normal"
    start = case.dispatched_at or case.registered_at or case.reported_at
    return get_calendar().warning_level(now, start, case.handle_deadline, handle_unit(case))
