"""Cases as the API shows them: list rows (with the running step, its deadline and warning
level, as on the list page) and the full case (timeline, reporters masked by
civicgrid.cases.privacy, photos as URLs of the API's own scoped photo endpoint)."""

from __future__ import annotations

from django.urls import reverse

from civicgrid.accounts.models import Role
from civicgrid.cases import search
from civicgrid.cases.models import Case, CaseEvent, Extension
from civicgrid.cases.privacy import reporters_view
from civicgrid.cases.services import available_actions
from civicgrid.cases.workflow import Action

COUNTERS = ("return_count", "rework_count", "extension_count", "supervise_count",
            "reopen_count")


def _unit(department, area_code: str, names: dict[str, str]) -> dict | None:
    if department is not None:
        return {"kind": "department", "department_id": department.pk, "area_code": "",
                "name": department.name}
    if area_code:
        return {"kind": "area", "department_id": None, "area_code": area_code,
                "name": names.get(area_code, area_code)}
    return None


def summary(row: search.CaseRow, names: dict[str, str]) -> dict:
    c = row.case
    cat = c.category
    return {
        "number": c.number, "state": c.state, "state_label": search.state_label(c.state),
        "channel": c.channel, "priority": c.priority,
        "category": {"id": cat.pk, "code": cat.code, "name": cat.name} if cat else None,
        "stream": c.stream, "title": c.title, "address": c.address, "lon": c.lon, "lat": c.lat,
        "district_code": c.district_code, "street_code": c.street_code,
        "community_code": c.community_code, "grid_code": c.grid_code,
        "unit": _unit(c.unit_department, c.unit_area_code, names),
        "reported_at": c.reported_at, "step": row.step, "due": row.due, "level": row.level,
    }


def summaries(cases: list[Case]) -> list[dict]:
    rows = search.rows_for(cases)
    names = search.area_names(c.unit_area_code for c in cases if not c.unit_department_id)
    return [summary(r, names) for r in rows]


def actor_label(event: CaseEvent) -> str:
    role = Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
    if event.actor is None:
        return str(role)
    name = event.actor.get_full_name() or event.actor.username
    return f"{name}（{role}）" if role else name


def photo_url(request, case: Case, attachment_id: int) -> str:
    return request.build_absolute_uri(reverse(
        "api-v1:case_photo", kwargs={"number": case.number, "attachment_id": attachment_id}))


def detail(request, case: Case) -> dict:
    """The whole case as `request.user` may see it (`case` annotated with `due`)."""
    actor = request.user
    events = list(case.events.select_related("actor", "unit_department").order_by("at", "id"))
    attachments = list(case.attachments.order_by("uploaded_at", "id"))
    tasks = list(case.tasks.select_related("unit_department").order_by("assigned_at", "id"))
    names = search.area_names({case.unit_area_code, *(e.unit_area_code for e in events),
                               *(t.unit_area_code for t in tasks)})
    labels = dict(CaseEvent._meta.get_field("action").choices)
    by_event: dict[int, list[int]] = {}
    for a in attachments:
        if a.event_id:
            by_event.setdefault(a.event_id, []).append(a.pk)
    row = search.rows_for([case])[0]
    out = summary(row, names)
    out.update({
        "description": case.description, "location_source": case.location_source,
        "routing_reason": case.routing_reason, "registered_at": case.registered_at,
        "dispatched_at": case.dispatched_at, "accepted_at": case.accepted_at,
        "reported_back_at": case.reported_back_at, "closed_at": case.closed_at,
        "register_deadline": case.register_deadline,
        "dispatch_deadline": case.dispatch_deadline, "handle_deadline": case.handle_deadline,
        "review_date": case.review_date,
        "counts": {k.removesuffix("_count"): getattr(case, k) for k in COUNTERS},
        "rating": case.rating, "solved": case.solved, "rated_at": case.rated_at,
        "merged_into": case.merged_into.number if case.merged_into_id else None,
        "version": case.version,
        "reporters": [vars(r) for r in reporters_view(case, actor)],
        "events": [{
            "id": e.pk, "at": e.at, "action": e.action,
            "action_label": str(labels.get(e.action, e.action)),
            "from_state": e.from_state, "to_state": e.to_state, "actor": actor_label(e),
            "actor_role": e.actor_role,
            "unit": (e.unit_department.name if e.unit_department_id
                     else names.get(e.unit_area_code, e.unit_area_code)),
            "note": e.note, "internal": e.internal, "attachment_ids": by_event.get(e.pk, []),
        } for e in events],
        "attachments": [{
            "id": a.pk, "stage": a.stage, "content_type": a.content_type, "size": a.size,
            "event_id": a.event_id, "uploaded_at": a.uploaded_at,
            "url": photo_url(request, case, a.pk)} for a in attachments],
        "tasks": [{
            "role": t.role, "unit": _unit(t.unit_department, t.unit_area_code, names) or {
                "kind": "area", "department_id": None, "area_code": "", "name": ""},
            "assigned_at": t.assigned_at, "reported_back_at": t.reported_back_at,
            "note": t.note} for t in tasks],
        "extensions": [{
            "requested_at": x.requested_at, "amount": x.amount, "unit": x.unit,
            "reason": x.reason, "decision": x.decision, "decided_at": x.decided_at,
            "decision_note": x.decision_note}
            for x in Extension.objects.filter(case=case).order_by("requested_at", "id")],
        "available_actions": actions_for(case, actor),
    })
    return out


def reload(case: Case) -> Case:
    """The case as stored now, annotated like the scoped reads."""
    return (Case.objects.filter(pk=case.pk).annotate(due=search.due_expression())
            .select_related("category", "unit_department", "merged_into").get())


def actions_for(case: Case, actor) -> list[dict]:
    return [{"action": a.value, "label": str(Action(a).label)}
            for a in available_actions(case, actor)]
