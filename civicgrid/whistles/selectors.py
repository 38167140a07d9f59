"""Reads of whistles, scoped to what the actor may see, and the figures the rankings use.

- Streets see their own whistles, district and city admins every whistle in their area, and a
  department the whistles that summoned it (whatever its jurisdiction).
- A report-in's status is derived from its times and now, never stored (`report_in_status`).
- An absence is what the street commander recorded (`absent_at`, with who and why).

Periods for the statistics: datetimes are half-open [start, end); plain dates are whole local
days from `start` through `end` inclusive (the way people write "1 to 31 March").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core import permissions

from .models import (
    DepartmentScore,
    DispatchRating,
    ReportIn,
    Whistle,
    WhistleArea,
    WhistleCategory,
    WhistleState,
)

ABSENT_Q = Q(absent_at__isnull=False)
OPEN_STATES = (WhistleState.OPEN, WhistleState.RESOLVED)

# status -> (label, colour class for the pages)
STATUSES = {
    "pending": (_("待响应"), "wait"),
    "acknowledged": (_("已响应，在途"), "wait"),
    "on_site": (_("按时到场"), "ok"),
    "late": (_("迟到"), "late"),
    "overdue": (_("超时未到"), "overdue"),
    "absent": (_("未到场"), "overdue"),
}


def is_absent(report_in: ReportIn) -> bool:
    return report_in.absent_at is not None


def report_in_status(report_in: ReportIn, now: dt.datetime | None = None) -> str:
    """pending / acknowledged / on_site / late (arrived after the deadline) / overdue (not
    arrived and the deadline passed) / absent (the commander recorded that it did not come)."""
    if is_absent(report_in):
        return "absent"
    if report_in.arrived_at is not None:
        return "on_site" if report_in.arrived_at <= report_in.deadline else "late"
    if (now or timezone.now()) > report_in.deadline:
        return "overdue"
    return "acknowledged" if report_in.acknowledged_at is not None else "pending"


def status_label(status: str) -> str:
    return str(STATUSES[status][0])


# --- scoped reads -------------------------------------------------------------------------------

def whistles_visible(actor) -> QuerySet:
    if not permissions.role_may(actor, "whistle.view"):
        return Whistle.objects.none()
    dept = permissions.scope_of(actor).department_id
    if dept is not None:
        return Whistle.objects.filter(
            pk__in=ReportIn.objects.filter(department_id=dept).values("whistle_id"))
    return permissions.visible(actor, Whistle.objects.all())


def whistle_for(actor, number: str) -> Whistle | None:
    return (whistles_visible(actor).filter(number=(number or "").strip().upper())
            .select_related("problem__category", "case", "raised_by", "closed_by").first())


@dataclass
class BoardReportIn:
    report_in: ReportIn
    status: str
    label: str
    colour: str


@dataclass
class BoardWhistle:
    whistle: Whistle
    report_ins: list[BoardReportIn] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.report_ins:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    @property
    def arrived(self) -> int:
        return sum(r.status in ("on_site", "late") for r in self.report_ins)


def with_report_ins(whistles, now: dt.datetime | None = None) -> list[BoardWhistle]:
    """Each whistle with its departments' report-in statuses (one query for all of them)."""
    now = now or timezone.now()
    out = []
    for w in whistles:
        rows = []
        for r in w.report_ins.all():
            status = report_in_status(r, now)
            label, colour = STATUSES[status]
            rows.append(BoardReportIn(r, status, str(label), colour))
        out.append(BoardWhistle(w, rows))
    return out


def report_ins_prefetch() -> Prefetch:
    return Prefetch("report_ins", queryset=ReportIn.objects.select_related(
        "department", "acknowledged_by", "arrived_by").order_by("department__code"))


def whistle_board(actor, now: dt.datetime | None = None, limit: int = 200) -> list[BoardWhistle]:
    """Open whistles (in progress or waiting for the street's confirmation) in the actor's
    scope, newest first, each with every summoned department's report-in status."""
    qs = (whistles_visible(actor).filter(state__in=OPEN_STATES)
          .select_related("problem__category").prefetch_related(report_ins_prefetch())
          .order_by("-raised_at")[:limit])
    return with_report_ins(qs, now)


def catalogue_tree() -> list[dict]:
    """Active problems grouped by area and category, for the raise form:
    [{"area": label, "categories": [{"category": c, "problems": [p, ...]}]}]."""
    cats = (WhistleCategory.objects.prefetch_related("problems__departments")
            .order_by("sort_order", "code"))
    tree = []
    for value, label in WhistleArea.choices:
        groups = [{"category": c, "problems": [p for p in c.problems.all() if p.active]}
                  for c in cats if c.area == value]
        groups = [g for g in groups if g["problems"]]
        if groups:
            tree.append({"area": label, "code": value, "categories": groups})
    return tree


# --- figures for the rankings -------------------------------------------------------------------

def _bounds(start, end) -> tuple[dt.datetime, dt.datetime]:
    def local(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))

    if not isinstance(start, dt.datetime):
        start = local(start)
    if not isinstance(end, dt.datetime):
        end = local(end + dt.timedelta(days=1))
    return start, end


def whistle_report_in_stats(department_ids=None, *, start, end,
                            now: dt.datetime | None = None) -> dict[int, dict[str, int]]:
    """Per department, over report-ins summoned in the period (cancelled whistles excluded):
    summoned, acknowledged_on_time, arrived_on_time, late (arrived after the deadline) and
    absent (never arrived: marked absent, or the deadline passed with no arrival)."""
    start, end = _bounds(start, end)
    now = now or timezone.now()
    qs = ReportIn.objects.filter(summoned_at__gte=start, summoned_at__lt=end).exclude(
        whistle__state=WhistleState.CANCELLED)
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    rows = qs.values("department_id").annotate(
        summoned=Count("id"),
        acknowledged_on_time=Count("id", filter=Q(acknowledged_at__lte=F("deadline"))),
        arrived_on_time=Count("id", filter=Q(arrived_at__lte=F("deadline"))),
        late=Count("id", filter=Q(arrived_at__gt=F("deadline"))),
        absent=Count("id", filter=ABSENT_Q | Q(arrived_at__isnull=True, deadline__lt=now)),
    ).order_by()
    keys = ("summoned", "acknowledged_on_time", "arrived_on_time", "late", "absent")
    return {r["department_id"]: {k: r[k] for k in keys} for r in rows}


def department_score_stats(start, end, department_ids=None) -> dict[int, dict[str, float]]:
    """Per department, the street's scores given in the period (whistles and cases together):
    count and average total (0–100, one decimal)."""
    start, end = _bounds(start, end)
    qs = DepartmentScore.objects.filter(scored_at__gte=start, scored_at__lt=end)
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    rows = qs.values("department_id").annotate(count=Count("id"), average=Avg("total")).order_by()
    return {r["department_id"]: {"count": r["count"], "average": round(r["average"], 1)}
            for r in rows}


def dispatch_accuracy_stats(start, end) -> dict[str, dict[str, int]]:
    """Per dispatching street (or district, when the district dispatched), the departments'
    ratings given in the period: rated and misrouted."""
    start, end = _bounds(start, end)
    rows = (DispatchRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
            .values("street_code").annotate(rated=Count("id"),
                                            misrouted=Count("id", filter=Q(accurate=False)))
            .order_by())
    return {r["street_code"]: {"rated": r["rated"], "misrouted": r["misrouted"]} for r in rows}


def departments_to_summon(street_code: str) -> QuerySet:
    """The departments a street may summon: the city's and its district's, active ones."""
    from civicgrid.dispatch.models import Department

    qs = Department.objects.filter(active=True).order_by("area_code", "code")
    return qs.filter(area_code__in=["", street_code[:6]]) if street_code else qs


def scores_of(whistle: Whistle) -> dict[int, DepartmentScore]:
    """The street's scores of this whistle, by department id."""
    return {s.department_id: s for s in whistle.scores.select_related("scored_by")}
