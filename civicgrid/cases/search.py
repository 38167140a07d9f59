"""Case lists and case maps: one filter, the deadline a case is running against now, and its
warning level — shared by the list page, the map page and the points API so they always agree.

The "due" deadline depends on the step a case is at: the register deadline while it waits to be
registered, the dispatch deadline while it waits for a dispatcher, the handle deadline while a
unit holds it. Reported back, verified, suspended and finished cases run against no deadline
(the unit's clock stopped; 挂账 has a review date instead). It is an SQL CASE expression, so the
list sorts on it in the database.

Warning levels are computed, never stored (DESIGN.md): red (overdue) is `due < now` in SQL;
yellow needs the working calendar (less than a share of the allowed *working* time left), so
the rows that are not overdue yet are read as four narrow columns and classified with one
vectorised calendar call (`WorkingCalendar.warning_levels`); a yellow/normal filter then pages
through the ids it kept. That stays well under a second for the open cases of a whole city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case as CaseWhen
from django.db.models import DateTimeField, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.calendar import get_calendar

from .deadlines import category_limits
from .models import Case, Channel
from .selectors import cases_visible
from .workflow import OPEN_STATES, State

LEVELS = ("normal", "yellow", "red")
# Step -> states in which that step's deadline runs.
STEP_STATES = {
    "register": (State.REPORTED,),
    "dispatch": (State.REGISTERED, State.RETURNED),
    "handle": (State.DISPATCHED, State.HANDLING, State.EXTENSION_REQUESTED),
}
STATE_STEP = {s: step for step, states in STEP_STATES.items() for s in states}
UNFINISHED_STATES = frozenset({State.REPORTED, *OPEN_STATES})
FINISHED_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})
STATE_GROUPS = {"open": UNFINISHED_STATES, "finished": FINISHED_STATES}
SORTS = ("due", "new", "old")
MAX_QUERY_LEN = 100


@dataclass(frozen=True)
class CaseFilter:
    """What a list or map shows. Empty strings / None mean "any"."""

    state: str = ""  # a State value, or a group: "open" / "finished"
    level: str = ""  # normal / yellow / red
    stream: str = ""
    category: int | None = None
    channel: str = ""
    street: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    sort: str = "due"
    errors: tuple[str, ...] = field(default=(), compare=False)

    def is_default(self) -> bool:
        return self == CaseFilter()


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def _date(value: str, label: str, errors: list[str]) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(label)s“%(value)s”不是有效日期，请按 2025-09-22 的格式填写。")
                      % {"label": label, "value": value})
        return None


def parse_filter(params) -> CaseFilter:
    """A CaseFilter from GET parameters. A value that makes no sense is dropped and named in
    `errors` (the page shows them) instead of failing the whole page."""
    errors: list[str] = []

    def choice(name: str, allowed, label: str) -> str:
        value = (params.get(name) or "").strip()
        if value and value not in allowed:
            errors.append(_("%(label)s“%(value)s”无效，已忽略。") % {"label": label, "value": value})
            return ""
        return value

    from civicgrid.dispatch.models import Stream

    state = choice("state", {*State.values, *STATE_GROUPS}, _("状态"))
    level = choice("level", LEVELS, _("预警"))
    stream = choice("stream", Stream.values, _("业务板块"))
    channel = choice("channel", Channel.values, _("来源渠道"))
    sort = choice("sort", SORTS, _("排序")) or "due"
    category = None
    raw = (params.get("category") or "").strip()
    if raw:
        if raw.isdigit():
            category = int(raw)
        else:
            errors.append(_("问题分类“%(value)s”无效，已忽略。") % {"value": raw})
    street = (params.get("street") or "").strip()
    if street and not (street.isdigit() and len(street) == 9):
        errors.append(_("街道编码“%(value)s”应为9位数字，已忽略。") % {"value": street})
        street = ""
    date_from = _date(params.get("from", ""), _("开始日期"), errors)
    date_to = _date(params.get("to", ""), _("结束日期"), errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_("开始日期晚于结束日期，已对调。"))
        date_from, date_to = date_to, date_from
    q = (params.get("q") or "").strip()[:MAX_QUERY_LEN]
    return CaseFilter(state=state, level=level, stream=stream, category=category,
                      channel=channel, street=street, date_from=date_from, date_to=date_to,
                      q=q, sort=sort, errors=tuple(errors))


def due_expression():
    """The deadline the case's current step runs against (NULL when none runs)."""
    return CaseWhen(
        When(state__in=STEP_STATES["register"], then=F("register_deadline")),
        When(state__in=STEP_STATES["dispatch"], then=F("dispatch_deadline")),
        When(state__in=STEP_STATES["handle"], then=F("handle_deadline")),
        default=Value(None), output_field=DateTimeField())


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), timezone.get_current_timezone())


def filtered(actor, f: CaseFilter, *, now: dt.datetime | None = None) -> QuerySet:
    """The actor's visible cases matching every part of `f` but the yellow/normal level (which
    needs the calendar, see `case_page`), annotated with `due`."""
    now = now or timezone.now()
    qs = cases_visible(actor).annotate(due=due_expression())
    if f.state in STATE_GROUPS:
        qs = qs.filter(state__in=STATE_GROUPS[f.state])
    elif f.state:
        qs = qs.filter(state=f.state)
    if f.stream:
        qs = qs.filter(stream=f.stream)
    if f.category is not None:
        qs = qs.filter(category_id=f.category)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.street:
        qs = qs.filter(street_code=f.street)
    if f.date_from:
        qs = qs.filter(reported_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(reported_at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.q:
        number = f.q.upper()
        if Case.objects.filter(number=number).exists():
            qs = qs.filter(number=number)  # an exact number: the unique index, nothing else
        else:
            qs = qs.filter(Q(number__icontains=f.q) | Q(description__icontains=f.q)
                           | Q(title__icontains=f.q))
    if f.level == "red":
        qs = qs.filter(due__lt=now)
    elif f.level in ("yellow", "normal"):
        qs = qs.filter(due__gte=now)
    return qs


def ordered(qs: QuerySet, sort: str = "due") -> QuerySet:
    if sort == "new":
        return qs.order_by("-reported_at", "-id")
    if sort == "old":
        return qs.order_by("reported_at", "id")
    return qs.order_by(F("due").asc(nulls_last=True), "reported_at", "id")


# --- warning levels, vectorised ---------------------------------------------------------------

def _utc64(values) -> np.ndarray:
    return np.array([v.astimezone(dt.UTC).replace(tzinfo=None) for v in values],
                    dtype="datetime64[s]")


class _Units:
    """Deadline unit of each (category, step), read once per request (the catalogue is small)."""

    def __init__(self):
        from civicgrid.dispatch.models import Category

        self.by_id = {c.pk: category_limits(c) for c in Category.objects.all()}
        self.default = category_limits(None)

    def __call__(self, category_id, step: str) -> str:
        return self.by_id.get(category_id, self.default)[step][1]


def step_start(state: str, reported_at, dispatched_at):
    """When the clock of the case's current step started (as selectors' queues count it)."""
    if STATE_STEP.get(state) == "handle":
        return dispatched_at or reported_at
    return reported_at


def warning_levels(rows, *, now: dt.datetime | None = None) -> list[str]:
    """Level of each (state, category_id, due, start) row; "" where no deadline runs."""
    now = now or timezone.now()
    out = [""] * len(rows)
    idx = [i for i, r in enumerate(rows) if r[2] is not None and STATE_STEP.get(r[0])]
    if not idx:
        return out
    units = _Units()
    due = _utc64([rows[i][2] for i in idx])
    start = _utc64([min(rows[i][3], rows[i][2]) for i in idx])
    unit = np.array([units(rows[i][1], STATE_STEP[rows[i][0]]) for i in idx])
    now64 = np.datetime64(now.astimezone(dt.UTC).replace(tzinfo=None), "s")
    levels = get_calendar().warning_levels(now64, start, due, unit)
    for i, level in zip(idx, levels, strict=True):
        out[i] = str(level)
    return out


def level_rows(qs: QuerySet) -> list[tuple]:
    """(id, state, category_id, due, start) of every row of an annotated queryset."""
    rows = qs.values_list("id", "state", "category_id", "due", "reported_at", "dispatched_at")
    return [(i, s, c, d, step_start(s, rep, disp)) for i, s, c, d, rep, disp in rows]


def ids_at_level(qs: QuerySet, level: str, *, now=None) -> list[int]:
    """Ids of `qs` (ordered) whose warning level is `level` (yellow or normal)."""
    rows = level_rows(qs)
    levels = warning_levels([r[1:] for r in rows], now=now)
    return [r[0] for r, lv in zip(rows, levels, strict=True) if lv == level]


# --- one page of a list -----------------------------------------------------------------------

@dataclass(frozen=True)
class CaseRow:
    case: Case
    step: str  # register / dispatch / handle, "" when no deadline runs
    due: dt.datetime | None
    level: str  # normal / yellow / red, "" when no deadline runs
    unit_name: str


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    number: int
    num_pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def area_names(codes) -> dict[str, str]:
    from civicgrid.territory.models import Community, District, Street

    codes = {c for c in codes if c}
    names: dict[str, str] = {}
    for model, n in ((District, 6), (Street, 9), (Community, 12)):
        wanted = [c for c in codes if len(c) == n]
        if wanted:
            names.update(model.objects.filter(code__in=wanted).values_list("code", "name"))
    return names


def unit_name(case: Case, names: dict[str, str]) -> str:
    if case.unit_department_id:
        return case.unit_department.name
    return names.get(case.unit_area_code, case.unit_area_code)


def rows_for(cases: list[Case], *, now=None) -> list[CaseRow]:
    """List rows (step, due, level, unit name) for cases annotated with `due`."""
    levels = warning_levels(
        [(c.state, c.category_id, c.due, step_start(c.state, c.reported_at, c.dispatched_at))
         for c in cases], now=now)
    names = area_names(c.unit_area_code for c in cases if not c.unit_department_id)
    return [CaseRow(case=c, step=STATE_STEP.get(c.state, "") if c.due else "", due=c.due,
                    level=lv, unit_name=unit_name(c, names))
            for c, lv in zip(cases, levels, strict=True)]


def _page_bounds(total: int, page: int, per_page: int) -> tuple[int, int]:
    num_pages = max(1, -(-total // per_page))
    return min(max(page, 1), num_pages), num_pages


def case_page(actor, f: CaseFilter, *, page: int = 1, per_page: int = 50,
              now: dt.datetime | None = None) -> CasePage:
    """One page of the actor's cases matching `f`, sorted as `f.sort` says."""
    now = now or timezone.now()
    qs = ordered(filtered(actor, f, now=now), f.sort)
    related = ("category", "unit_department")
    if f.level in ("yellow", "normal"):
        ids = ids_at_level(qs, f.level, now=now)
        number, num_pages = _page_bounds(len(ids), page, per_page)
        wanted = ids[(number - 1) * per_page:number * per_page]
        by_id = {c.pk: c for c in Case.objects.filter(pk__in=wanted)
                 .annotate(due=due_expression()).select_related(*related)}
        cases, total = [by_id[i] for i in wanted], len(ids)
    else:
        total = qs.count()
        number, num_pages = _page_bounds(total, page, per_page)
        cases = list(qs.select_related(*related)[(number - 1) * per_page:number * per_page])
    return CasePage(rows=rows_for(cases, now=now), number=number, num_pages=num_pages,
                    total=total)
