"""The workbenches: the dispatcher's intake queue and the department's case list, each sorted by
the deadline the case runs against now, with warning colours and the common action one click
away. Every button is a plain form that POSTs to /cases/<number>/act/<action>/ (views_case_actions)
with `next` pointing back here, so the page works without JavaScript; anything the quick form
does not offer is on the case page.

Which buttons a row shows follows the transition table for the actor's role; the service still
checks everything (scope, unit, guards) and a refusal comes back on the case page with its
message."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from civicgrid.cases import workbench
from civicgrid.cases.search import area_names
from civicgrid.cases.workflow import TRANSITIONS, Action, State
from civicgrid.core.calendar import DeadlineUnit
from civicgrid.core.permissions import may
from civicgrid.dispatch.models import Department
from civicgrid.whistles import selectors as whistles

from .access import page
from .case_forms import category_groups, routing_suggestion
from .views_cases import visible_case


def role_allows(actor, state: str, action: str) -> bool:
    """The transition table lets this actor's role take `action` in `state` (the cheap part of
    available_actions; the service checks the rest when the form is sent)."""
    entry = TRANSITIONS.get((state, action))
    if entry is None or not may(actor, "case.act"):
        return False
    return actor.is_superuser or actor.role in entry[1]


def _departments_for(district_codes: set[str]) -> dict[str, list[tuple[int, str]]]:
    """Per district: the active departments that may handle its cases (the city's and its own)."""
    rows = list(Department.objects.filter(active=True, area_code__in=["", *district_codes])
                .order_by("area_code", "code").values_list("pk", "name", "area_code"))
    return {d: [(pk, name) for pk, name, area in rows if area in ("", d)]
            for d in district_codes}


def _place_names(rows) -> dict[str, str]:
    codes = set()
    for r in rows:
        codes.update({r.case.street_code, r.case.community_code})
    return area_names(codes)


def _place(case, names: dict[str, str]) -> str:
    return " · ".join(names[c] for c in (case.street_code, case.community_code) if c in names)


def options_html(choices, selected, *, grouped: bool = False) -> str:
    """<option> (and <optgroup>) tags for a select, built in Python: a queue of fifty rows with
    a select each would otherwise spend most of its time in the template's loops."""
    def opts(pairs):
        return format_html_join("", '<option value="{}"{}>{}</option>',
                                ((v, mark_safe(" selected") if v == selected else "", label)
                                 for v, label in pairs))
    if not grouped:
        return opts(choices)
    return format_html_join("", '<optgroup label="{}">{}</optgroup>',
                            ((group, opts(rows)) for group, rows in choices))


def _category_options(case, groups: list) -> str:
    """The register button's choices: the suggested category's stream (a few dozen), or every
    stream when the intake suggested none; any other category is on the case page."""
    if case.category_id is not None and case.category.stream:
        stream = str(case.category.get_stream_display())
        groups = [g for g in groups if g[0] == stream] or groups
    return options_html(groups, case.category_id, grouped=True)


def _can(actor) -> dict[str, bool]:
    """Which quick buttons this actor's role gets, section by section."""
    return {
        "register": role_allows(actor, State.REPORTED, Action.REGISTER),
        "reject": role_allows(actor, State.REPORTED, Action.REJECT),
        "dispatch": role_allows(actor, State.REGISTERED, Action.DISPATCH),
        "decide": role_allows(actor, State.EXTENSION_REQUESTED, Action.APPROVE_EXTENSION),
        "close": role_allows(actor, State.VERIFIED, Action.CLOSE),
        "supervise": role_allows(actor, State.HANDLING, Action.SUPERVISE),
        "merge": role_allows(actor, State.REPORTED, Action.MERGE),
    }


@page("workbench.dispatch")
def dispatch_workbench(request):
    actor, now = request.user, timezone.now()
    sections = workbench.dispatcher_sections(actor, now=now)
    waiting = sections["register"].rows + sections["dispatch"].rows
    duplicates = workbench.flagged_duplicates([r.case for r in waiting])
    depts = _departments_for({r.case.district_code for r in sections["dispatch"].rows})
    area = actor.area_code or ""
    names = _place_names([r for s in sections.values() for r in s.rows])
    groups = category_groups()
    suggestions = {r.case.pk: routing_suggestion(r.case) for r in sections["dispatch"].rows}

    def _suggested_dept(r):
        s = suggestions.get(r.case.pk)
        return s.department_id if s else None

    items = {key: [{
        "row": r, "place": _place(r.case, names),
        "dups": duplicates.get(r.case.pk, []),
        "suggestion": suggestions.get(r.case.pk) if key == "dispatch" else None,
        "categories": _category_options(r.case, groups) if key == "register" else [],
        "departments": options_html(depts.get(r.case.district_code, []), _suggested_dept(r))
        if key == "dispatch" else "",
        "escalated": bool(area) and key == "dispatch" and r.case.unit_area_code == area,
    } for r in section.rows] for key, section in sections.items()}
    return render(request, "web/workbench/dispatch.html", {
        "sections": sections, "items": items,
        "can": _can(actor), "now": now, "next": request.get_full_path(),
        "may_whistle": may(actor, "whistle.raise"), "dup_count": len(duplicates),
    })


@page("workbench.dispatch")
def duplicates_view(request, number: str):
    """A case flagged as a possible duplicate beside each candidate, with a map of both, and a
    merge button per candidate."""
    case = visible_case(request.user, number)
    candidates = workbench.flagged_duplicates([case]).get(case.pk, [])
    every = [case, *[d["case"] for d in candidates]]
    names = area_names({c.street_code for c in every} | {c.community_code for c in every})
    return render(request, "web/workbench/duplicates.html", {
        "case": case, "place": _place(case, names),
        "candidates": [{**d, "place": _place(d["case"], names)} for d in candidates],
        "may_merge": role_allows(request.user, case.state, Action.MERGE),
        "map_data": {"points": [{"number": c.number, "lon": c.lon, "lat": c.lat,
                                 "main": c.pk == case.pk} for c in every if c.lon is not None]},
        "next": reverse("web:workbench_dispatch"),
    })


@page("workbench.department")
def department_workbench(request):
    actor, now = request.user, timezone.now()
    sections = workbench.department_sections(actor, now=now)
    mine = []
    for b in whistles.whistle_board(actor, now=now):
        own = next((r for r in b.report_ins if r.report_in.department_id == actor.department_id),
                   None)
        mine.append({"item": b, "mine": own})
    names = _place_names([r for s in sections.values() for r in s.rows])
    items = {key: [{"row": r, "place": _place(r.case, names)} for r in section.rows]
             for key, section in sections.items()}
    return render(request, "web/workbench/department.html", {
        "sections": sections, "items": items, "whistles": mine, "now": now,
        "next": request.get_full_path(), "units": list(DeadlineUnit.choices),
        "department": actor.department,
        "may_report_in": may(actor, "whistle.report_in"),
    })

