"""The body of a delivery: the event and the case as it is when the event is fanned out.

Event types are `case.<what happened>` (EVENT_TYPES); a subscription filters on them. The
case part is what the subscription's owner sees on the case page, without the reporters'
contacts: a receiver that needs those asks the REST API with its token, which masks them
exactly as the pages do."""

from __future__ import annotations

import datetime as dt

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.search import FINISHED_STATES, area_names
from civicgrid.cases.workflow import Action

ACTION_TYPES: dict[str, str] = {
    "report": "case.created",
    Action.REGISTER: "case.registered",
    Action.REJECT: "case.rejected",
    Action.DISPATCH: "case.dispatched",
    Action.ACCEPT: "case.accepted",
    Action.RETURN: "case.returned",
    Action.REPORT_BACK: "case.reported_back",
    Action.ASSIST_REPORT: "case.assist_reported",
    Action.VERIFY_PASS: "case.verified",
    Action.VERIFY_FAIL: "case.rework",
    Action.CLOSE: "case.closed",
    Action.RATE: "case.rated",
    Action.REOPEN: "case.reopened",
    Action.REQUEST_EXTENSION: "case.extension_requested",
    Action.APPROVE_EXTENSION: "case.extension_approved",
    Action.DENY_EXTENSION: "case.extension_denied",
    Action.SUPERVISE: "case.supervised",
    Action.SUSPEND: "case.suspended",
    Action.RESUME: "case.resumed",
    Action.ESCALATE: "case.escalated",
    Action.MERGE: "case.merged",
    "note": "case.noted",
    "route": "case.rerouted",
}
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(ACTION_TYPES.values()))
ALL = "all"


def event_type(action: str) -> str:
    return ACTION_TYPES.get(action, f"case.{action}")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _unit(department, area_code: str, names: dict[str, str]) -> dict | None:
    if department is not None:
        return {"kind": "department", "code": department.code, "name": department.name}
    if area_code:
        return {"kind": "area", "code": area_code, "name": names.get(area_code, "")}
    return None


def case_part(case: Case, names: dict[str, str]) -> dict:
    category = case.category if case.category_id else None
    return {
        "number": case.number,
        "state": case.state,
        "status": "closed" if case.state in FINISHED_STATES else "open",
        "channel": case.channel,
        "priority": case.priority,
        "category": {"code": category.code, "name": category.name} if category else None,
        "stream": case.stream,
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "district_code": case.district_code,
        "street_code": case.street_code,
        "community_code": case.community_code,
        "grid_code": case.grid_code,
        "unit": _unit(case.unit_department, case.unit_area_code, names),
        "reported_at": _iso(case.reported_at),
        "registered_at": _iso(case.registered_at),
        "dispatched_at": _iso(case.dispatched_at),
        "closed_at": _iso(case.closed_at),
        "deadlines": {"register": _iso(case.register_deadline),
                      "dispatch": _iso(case.dispatch_deadline),
                      "handle": _iso(case.handle_deadline)},
        "rating": case.rating or None,
        "merged_into": case.merged_into.number if case.merged_into_id else None,
        "version": case.version,
    }


def build(event: CaseEvent) -> dict:
    """The payload for `event` (its case loaded with category, unit and merged_into)."""
    case = event.case
    names = area_names({case.unit_area_code, event.unit_area_code})
    return {
        "id": f"evt_{event.pk}",
        "type": event_type(event.action),
        "occurred_at": _iso(event.at),
        "event": {
            "id": event.pk,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "at": _iso(event.at),
            "note": event.note,
            "internal": event.internal,
            "actor_role": event.actor_role,
            "unit": _unit(event.unit_department, event.unit_area_code, names),
        },
        "case": case_part(case, names),
    }
