"""Cases, events and services in the GeoReport v2 shapes (plain dicts in the spec's field
order; render.py writes them as JSON or XML).

Mapping (docs/open311.md): service_request_id = case number; status = closed for closed,
rejected and merged cases, open otherwise, with the state and the closing note in
status_notes; agency_responsible = the handling unit; expected_datetime = the handling
deadline; address = the case's address text (else its community, street, district); media_url
= the first public photo (else the media_url the client sent). Free text is scrubbed of
personal data (scrub.py); private categories show no description, place or media."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.search import FINISHED_STATES
from civicgrid.cases.workflow import Action, State

from .catalogue import Service, answer_rows, deadline_notice, is_private, keywords
from .scrub import scrub
from .selectors import Page

OPENED_ACTIONS = frozenset({"report"})
CLOSED_ACTIONS = frozenset({Action.CLOSE, Action.REJECT, Action.MERGE})


def w3(value: dt.datetime | None) -> str | None:
    """W3C date-time with the time zone (Beijing): 2026-11-22T08:30:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def open_or_closed(state: str) -> str:
    return "closed" if state in FINISHED_STATES else "open"


def _label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def _action_label(action: str) -> str:
    return str(dict(CaseEvent._meta.get_field("action").choices).get(action, action))


class Renderer:
    """Serializes rows of one page, with the page's look-ups and the request (for URLs)."""

    def __init__(self, request: HttpRequest, page: Page):
        self.http = request
        self.page = page

    # --- helpers --------------------------------------------------------------------------
    def _scrub(self, case_id: int, text: str) -> str:
        people = self.page.reporters.get(case_id, [])
        return scrub(text, names=[r.name for r in people], phones=[r.phone for r in people],
                     emails=[r.email for r in people])

    def _url(self, attachment) -> str:
        return self.http.build_absolute_uri(attachment.file.url)

    def _unit(self, department, area_code: str) -> str | None:
        if department is not None:
            return department.name
        return self.page.area_names.get(area_code) or None

    def _address(self, case: Case) -> str | None:
        if case.address:
            return self._scrub(case.pk, case.address)
        names = [self.page.area_names.get(c) for c in
                 (case.district_code, case.street_code, case.community_code) if c]
        return "".join(n for n in names if n) or None

    def _media(self, case: Case) -> str | None:
        photos = self.page.photos.get(case.pk)
        if photos:
            return self._url(photos[0])
        extra = self.page.extras.get(case.pk)
        return extra.media_url if extra and extra.media_url else None

    def status_notes(self, case: Case) -> str:
        label = _label(case.state)
        if case.state == State.MERGED and case.merged_into_id:
            return _("%(state)s：与%(n)s是同一问题，已并入该案件办理。") % {
                "state": label, "n": case.merged_into.number}
        event = self.page.status_events.get(case.pk)
        note = (event.note or "").strip() if event and event.to_state == case.state else ""
        if note and not is_private(case.category.code if case.category_id else None):
            return f"{label}：{self._scrub(case.pk, note)}"
        return label

    # --- requests -------------------------------------------------------------------------
    def request(self, case: Case, *, extended: bool = False) -> dict:
        category = case.category if case.category_id else None
        private = is_private(category.code if category else None)
        closed = open_or_closed(case.state) == "closed"
        out = {
            "service_request_id": case.number,
            "status": open_or_closed(case.state),
            "status_notes": self.status_notes(case),
            "service_name": category.name if category else None,
            "service_code": category.code if category else None,
            "description": None if private else self._scrub(case.pk, case.description),
            "agency_responsible": self._unit(case.unit_department, case.unit_area_code),
            "service_notice": deadline_notice(category) if category else None,
            "requested_datetime": w3(case.reported_at),
            "updated_datetime": w3(case.closed_at if closed and case.closed_at
                                   else max(case.updated_at, case.reported_at)),
            "expected_datetime": w3(case.handle_deadline),
            "address": None if private else self._address(case),
            "address_id": None if private else (case.grid_code or case.community_code
                                                or case.street_code or None),
            "zipcode": None,
            "lat": None if private or case.lat is None else round(case.lat, 6),
            "long": None if private or case.lon is None else round(case.lon, 6),
            "media_url": None if private else self._media(case),
        }
        if extended:
            out.update(self._extensions(case, private))
        return out

    def _extensions(self, case: Case, private: bool) -> dict:
        extra = self.page.extras.get(case.pk)
        photos = [] if private else [
            {"media_url": self._url(p), "title": p.get_stage_display(),
             "created_at": w3(p.uploaded_at)} for p in self.page.photos.get(case.pk, [])]
        return {
            "attributes": [] if private or extra is None else answer_rows(extra.service_code,
                                                                           extra.attributes),
            "extended_attributes": {
                "channel": case.channel,
                "state": case.state,
                "state_label": _label(case.state),
                "stream": case.stream or None,
                "district_code": case.district_code or None,
                "street_code": case.street_code or None,
                "parent_service_request_id": case.merged_into.number if case.merged_into_id
                else None,
                "photos": photos,
            },
            "notes": [self.note(e, private) for e in self.page.events.get(case.pk, [])],
        }

    def note(self, event: CaseEvent, private: bool) -> dict:
        kind = ("opened" if event.action in OPENED_ACTIONS else
                "closed" if event.action in CLOSED_ACTIONS else "activity")
        unit = self._unit(event.unit_department, event.unit_area_code)
        text = "" if private else self._scrub(event.case_id, (event.note or "").strip())
        return {"datetime": w3(event.at), "summary": _action_label(event.action),
                "description": text or None, "type": kind, "agency_responsible": unit}

    # --- updates (servicerequestupdates) --------------------------------------------------
    def update(self, event: CaseEvent, *, extended: bool = False) -> dict:
        case = event.case
        private = is_private(case.category.code if case.category_id else None)
        state = event.to_state or event.from_state or case.state
        text = "" if private else self._scrub(case.pk, (event.note or "").strip())
        photo = None if private else self.page.event_photos.get(event.pk)
        out = {
            "update_id": str(event.pk),
            "service_request_id": case.number,
            "status": open_or_closed(state),
            "updated_datetime": w3(event.at),
            "description": text or _action_label(event.action),
            "media_url": self._url(photo) if photo else None,
        }
        if extended:
            out["extras"] = {"action": event.action, "action_label": _action_label(event.action),
                             "state": state, "state_label": _label(state),
                             "agency_responsible": self._unit(event.unit_department,
                                                              event.unit_area_code)}
        return out


# --- services ----------------------------------------------------------------------------------

def service_row(svc: Service) -> dict:
    category = svc.category
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(kind)s：%(name)s（%(stream)s）") % {
            "kind": category.get_kind_display(), "name": category.name,
            "stream": category.get_stream_display()},
        "metadata": svc.metadata,
        "type": "realtime",
        "keywords": keywords(category),
        "group": category.get_stream_display(),
    }


def service_definition(svc: Service) -> dict:
    attributes = []
    for a in svc.attributes:
        row = {"variable": a.variable, "code": a.code, "datatype": a.datatype,
               "required": a.required, "datatype_description": a.datatype_description or None,
               "order": a.order, "description": a.description}
        if a.datatype in ("singlevaluelist", "multivaluelist"):
            row["values"] = [{"key": k, "name": n} for k, n in a.values]
        attributes.append(row)
    return {"service_code": svc.code, "attributes": attributes}
