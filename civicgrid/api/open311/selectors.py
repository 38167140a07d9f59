"""Public reads for Open311: the service requests and updates anyone may list, and what is
needed to render a page of them without a query per row.

Open311's GETs are public by the spec (no api_key), so these selectors do not go through
`permissions.visible`: they return every case, and the serializers show only public fields —
never reporters, never internal events, and for private categories (catalogue.is_private)
neither what nor where (docs/open311.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from civicgrid.cases.models import Attachment, Case, CaseEvent, Reporter
from civicgrid.cases.search import FINISHED_STATES, area_names
from civicgrid.cases.workflow import Action

from .models import Open311Request

# The public event whose note explains a finished case's status.
STATUS_NOTE_ACTIONS = (Action.REJECT, Action.CLOSE, Action.MERGE)


def requests_by_id(numbers: list[str]) -> QuerySet:
    """service_request_id=a,b,c: these cases, whatever else was asked (spec)."""
    return _cases().filter(number__in=[n.upper() for n in numbers])


def requests_matching(*, start: dt.datetime, end: dt.datetime, service_codes: list[str],
                      statuses: set[str], updated_after: dt.datetime | None = None,
                      updated_before: dt.datetime | None = None) -> QuerySet:
    qs = _cases().filter(reported_at__gte=start, reported_at__lte=end)
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if statuses == {"open"}:
        qs = qs.exclude(state__in=FINISHED_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=FINISHED_STATES)
    if updated_after is not None:
        qs = qs.filter(updated_at__gte=updated_after)
    if updated_before is not None:
        qs = qs.filter(updated_at__lte=updated_before)
    return qs.order_by("-reported_at", "-id")


def request_by_id(number: str) -> Case | None:
    return _cases().filter(number=(number or "").strip().upper()).first()


def requests_for_token(token: str) -> QuerySet:
    """The cases created with this client idempotency key (by any Open311 client)."""
    return _cases().filter(open311__client_token=token).order_by("id")


def updates_matching(*, start: dt.datetime, end: dt.datetime,
                     numbers: list[str] | None = None) -> QuerySet:
    """Public case events (the resident-visible history) in [start, end], oldest first."""
    qs = (CaseEvent.objects.filter(internal=False, at__gte=start, at__lte=end)
          .select_related("case", "case__category", "unit_department"))
    if numbers:
        qs = qs.filter(case__number__in=[n.upper() for n in numbers])
    return qs.order_by("at", "id")


def _cases() -> QuerySet:
    return Case.objects.select_related("category", "unit_department", "merged_into")


# --- what a page of rows needs ------------------------------------------------------------------

@dataclass
class Page:
    """Everything the serializers read besides the rows, loaded once per page."""

    area_names: dict[str, str] = field(default_factory=dict)
    photos: dict[int, list[Attachment]] = field(default_factory=dict)
    event_photos: dict[int, Attachment] = field(default_factory=dict)
    reporters: dict[int, list[Reporter]] = field(default_factory=dict)
    extras: dict[int, Open311Request] = field(default_factory=dict)
    status_events: dict[int, CaseEvent] = field(default_factory=dict)
    events: dict[int, list[CaseEvent]] = field(default_factory=dict)


def page_for(cases: list[Case], *, extended: bool = False,
             events: list[CaseEvent] = ()) -> Page:
    ids = [c.pk for c in cases]
    page = Page()
    codes = {code for c in cases for code in (c.district_code, c.street_code,
                                               c.community_code, c.unit_area_code)}
    codes |= {e.unit_area_code for e in events}
    page.area_names = area_names(codes)
    if not ids:
        return page
    for r in Reporter.objects.filter(case_id__in=ids).only("case_id", "name", "phone", "email"):
        page.reporters.setdefault(r.case_id, []).append(r)
    for p in public_photos(ids):
        page.photos.setdefault(p.case_id, []).append(p)
        if p.event_id is not None:
            page.event_photos.setdefault(p.event_id, p)
    page.extras = {o.case_id: o for o in Open311Request.objects.filter(case_id__in=ids)}
    for e in (CaseEvent.objects.filter(case_id__in=ids, internal=False,
                                       action__in=STATUS_NOTE_ACTIONS).order_by("at", "id")):
        page.status_events[e.case_id] = e  # the latest wins
    if extended:
        for e in (CaseEvent.objects.filter(case_id__in=ids, internal=False)
                  .select_related("unit_department").order_by("at", "id")):
            page.events.setdefault(e.case_id, []).append(e)
        page.area_names |= area_names({e.unit_area_code for es in page.events.values()
                                       for e in es})
    return page


def public_photos(case_ids: list[int]) -> QuerySet:
    """Photos the resident's tracking page would show: public, and not from internal steps."""
    return (Attachment.objects.filter(case_id__in=case_ids, public=True)
            .filter(Q(event=None) | Q(event__internal=False)).order_by("uploaded_at", "id"))
