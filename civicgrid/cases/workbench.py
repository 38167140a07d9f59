"""The queues of the two workbenches, scoped and sorted by the deadline the case runs against now
(search.due_expression), each row with its warning level (search.rows_for, vectorised).

Dispatcher (street, district or city level): reports to register, cases to dispatch (new,
returned, escalated to this level), extension requests, cases ready to close, handling cases
late or nearly late (to supervise), and reports flagged as possible duplicates.
Department: cases dispatched to it (to accept or return), in hand (to report back or extend),
and the co-handling tasks it owes (assist reports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from civicgrid.core import permissions

from . import search
from .duplicates import DUPLICATE_STATES
from .models import Case, CaseEvent, CaseTask, TaskRole
from .selectors import cases_visible
from .workflow import State

LIMIT = 30  # per queue: the most urgent; the case list has the rest
DISPATCH_WAITING = (State.REGISTERED, State.RETURNED)


@dataclass
class Section:
    rows: list[search.CaseRow]
    total: int


def _section(qs: QuerySet, *, limit: int, now, keep=None) -> Section:
    """The first `limit` rows of `qs` by due deadline (then report time), with levels; `keep`
    filters rows by level (then the total counts only the kept ones among those read)."""
    qs = qs.annotate(due=search.due_expression())
    ordered = qs.order_by(F("due").asc(nulls_last=True), "reported_at", "id") \
        .select_related("category", "unit_department")
    if keep is None:
        return Section(search.rows_for(list(ordered[:limit]), now=now), qs.count())
    rows = [r for r in search.rows_for(list(ordered[:limit * 4]), now=now) if keep(r)]
    return Section(rows[:limit], len(rows))


def waiting_for_level(actor, qs: QuerySet) -> QuerySet:
    """Cases waiting to be dispatched belong to the level named in unit_area_code (escalated)
    or, when it is empty, to the case's street: a street does not see what it escalated."""
    area = permissions.scope_of(actor).area or ""
    if not area:
        return qs
    return qs.filter(Q(unit_area_code="") | Q(unit_area_code__startswith=area))


def _late(row: search.CaseRow) -> bool:
    return row.level in ("red", "yellow")


def dispatcher_sections(actor, *, now: dt.datetime | None = None,
                        limit: int = LIMIT) -> dict[str, Section]:
    now = now or timezone.now()
    visible = cases_visible(actor)
    return {
        "register": _section(visible.filter(state=State.REPORTED), limit=limit, now=now),
        "dispatch": _section(waiting_for_level(actor, visible.filter(
            state__in=DISPATCH_WAITING)), limit=limit, now=now),
        "extension": _section(visible.filter(state=State.EXTENSION_REQUESTED), limit=limit,
                              now=now),
        "close": _section(visible.filter(state=State.VERIFIED), limit=limit, now=now),
        "supervise": _section(visible.filter(state__in=(State.DISPATCHED, State.HANDLING),
                                             handle_deadline__isnull=False),
                              limit=limit, now=now, keep=_late),
    }


def flagged_duplicates(cases: list[Case]) -> dict[int, list[dict]]:
    """{case id: [{"number", "distance_m", "case"}]} for the cases whose intake flagged possible
    duplicates that are still open (two queries for the whole list)."""
    if not cases:
        return {}
    flagged: dict[int, list[dict]] = {}
    for case_id, data in (CaseEvent.objects.filter(case_id__in=[c.pk for c in cases],
                                                   action="report")
                          .values_list("case_id", "data")):
        dups = [d for d in (data or {}).get("duplicates", []) if isinstance(d, dict)]
        if dups:
            flagged[case_id] = dups
    ids = {d.get("case_id") for dups in flagged.values() for d in dups}
    alive = {c.pk: c for c in Case.objects.filter(pk__in=ids, state__in=DUPLICATE_STATES)
             .select_related("category")}
    out = {}
    for case_id, dups in flagged.items():
        found = [{"number": alive[d["case_id"]].number, "distance_m": d.get("distance_m"),
                  "case": alive[d["case_id"]]} for d in dups
                 if d.get("case_id") in alive and d.get("case_id") != case_id]
        if found:
            out[case_id] = found
    return out


def department_sections(actor, *, now: dt.datetime | None = None,
                        limit: int = LIMIT) -> dict[str, Section]:
    """A department handler's cases; empty sections for anybody else."""
    now = now or timezone.now()
    dept = permissions.scope_of(actor).department_id
    if dept is None or not permissions.role_may(actor, "case.act"):
        empty = Section([], 0)
        return {"accept": empty, "handling": empty, "assist": empty}
    mine = Case.objects.filter(unit_department_id=dept)
    tasks = CaseTask.objects.filter(unit_department_id=dept, role=TaskRole.ASSIST,
                                    reported_back_at=None,
                                    assigned_at__gte=F("case__dispatched_at"))  # this dispatch's
    assisting = Case.objects.filter(
        pk__in=tasks.values("case_id"),
        state__in=(State.DISPATCHED, State.HANDLING, State.EXTENSION_REQUESTED)
    ).exclude(unit_department_id=dept)
    return {
        "accept": _section(mine.filter(state=State.DISPATCHED), limit=limit, now=now),
        "handling": _section(mine.filter(state__in=(State.HANDLING, State.EXTENSION_REQUESTED)),
                             limit=limit, now=now),
        "assist": _section(assisting, limit=limit, now=now),
    }
