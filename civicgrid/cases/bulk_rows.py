"""The final rows of an enriched batch: tuples for cases_case, cases_caseevent, cases_reporter,
in the tables' column order (bulk_write.CASE_COLUMNS ...)."""

from __future__ import annotations

import numpy as np

from .bulk_columns import stage_of
from .bulk_enrich import report_data
from .bulk_history import build_events
from .bulk_write import (
    REPORTER_COLUMNS,
    date_strings,
    iso_strings,
)

TITLE_LENGTH = 40  # services.intake.TITLE_LENGTH: the first line of the description


def _nullable_ids(ids: np.ndarray) -> list:
    if (ids >= 0).all():
        return ids.tolist()
    obj = ids.astype(object)
    obj[ids < 0] = None
    return obj.tolist()


def _nullable_floats(x: np.ndarray) -> list:
    nan = np.isnan(x)
    if not nan.any():
        return x.tolist()
    obj = x.astype(object)
    obj[nan] = None
    return obj.tolist()


def titles(b: dict) -> list[str]:
    return [t or (d.splitlines()[0][:TITLE_LENGTH] if d else "")
            for t, d in zip(b["title"].tolist(), b["description"].tolist(), strict=True)]


def case_rows(b: dict, ids: np.ndarray, streams: np.ndarray, *, now: str, suffix: str
              ) -> dict[str, list]:
    n = len(ids)
    # The handling unit is set by dispatch; before that the routing is only a suggestion kept
    # in routing_reason (as at intake), so the department does not see the case yet.
    dispatched = stage_of(b["state"]) >= 2
    dept = np.where(dispatched, b["route_department_id"], -1)
    area = np.where(dispatched, b["route_area_code"], "").astype(object)
    keys = b["client_key"]
    solved = b["solved"]
    solved_list = np.where(solved < 0, None, solved.astype(bool)).tolist()
    values = {
        "id": ids.tolist(), "number": b["number"].tolist(),
        "client_key": [k or None for k in keys.tolist()],
        "channel": b["channel"].tolist(), "state": b["state"].tolist(),
        "priority": b["priority"].tolist(), "stream": streams.tolist(), "title": titles(b),
        "description": b["description"].tolist(), "address": b["address"].tolist(),
        "lon": _nullable_floats(b["lon"]), "lat": _nullable_floats(b["lat"]),
        "location_source": b["location_source"].tolist(),
        "district_code": b["district_code"].tolist(), "street_code": b["street_code"].tolist(),
        "community_code": b["community_code"].tolist(), "grid_code": b["grid_code"].tolist(),
        "unit_area_code": area.tolist(), "routing_reason": b["routing_reason"].tolist(),
        "review_date": date_strings(b["review_date"]),
        "rating": b["rating"].tolist(), "solved": solved_list,
        "version": [0] * n, "updated_at": [now] * n,
        "category_id": _nullable_ids(b["category_id"]), "merged_into_id": [None] * n,
        "unit_department_id": _nullable_ids(dept),
    }
    for f in ("reported_at", "registered_at", "dispatched_at", "accepted_at", "reported_back_at",
              "closed_at", "rated_at", "register_deadline", "dispatch_deadline",
              "handle_deadline"):
        values[f] = iso_strings(b[f], suffix=suffix)
    for f in ("return_count", "rework_count", "extension_count", "supervise_count",
              "reopen_count"):
        values[f] = b[f].tolist()
    return values


def event_rows(b: dict, case_ids: np.ndarray, event_ids_for, *, now, wall_clock, suffix: str
               ) -> dict[str, list]:
    """History events of the batch; `event_ids_for(n)` reserves n event ids."""
    ev = build_events(b, now=now, handle_deadline=b["handle_deadline"], wall_clock=wall_clock)
    pos = ev["pos"]
    data = ev["data"]
    first = ev["action"] == "report"
    if first.any():  # the report event carries what intake records: channel, category source
        rows = np.flatnonzero(first)
        channels, ch = np.unique(b["channel"][pos[rows]].astype(str), return_inverse=True)
        sources, src = np.unique(b["category_source"][pos[rows]].astype(str),
                                 return_inverse=True)
        combos, which = np.unique(ch.ravel() * len(sources) + src.ravel(), return_inverse=True)
        texts = np.array([report_data(str(channels[c // len(sources)]),
                                      str(sources[c % len(sources)])) for c in combos.tolist()],
                         dtype=object)
        data[rows] = texts[which.ravel()]
    unit = ev["unit"]
    dispatched = stage_of(b["state"]) >= 2
    dept = np.where(unit & dispatched[pos], b["route_department_id"][pos], -1)
    area = np.where(unit & dispatched[pos], b["route_area_code"][pos], "").astype(object)
    m = len(pos)
    values = {
        "id": event_ids_for(m).tolist(), "action": ev["action"].tolist(),
        "from_state": ev["from_state"].tolist(), "to_state": ev["to_state"].tolist(),
        "actor_role": ev["actor_role"].tolist(), "unit_area_code": area.tolist(),
        "at": iso_strings(ev["at"], suffix=suffix), "note": [""] * m, "internal": [False] * m,
        "data": data.tolist(), "actor_id": [None] * m, "case_id": case_ids[pos].tolist(),
        "unit_department_id": _nullable_ids(dept),
    }
    return values


def reporter_rows(b: dict, case_ids: np.ndarray, reporter_ids_for, *, suffix: str
                  ) -> dict[str, list]:
    """A primary reporter for each case that names one (name, phone or e-mail); the follow-up
    call of a rated case counts as the call back."""
    has = np.flatnonzero((b["reporter_name"] != "") | (b["reporter_phone"] != "")
                         | (b["reporter_email"] != ""))
    m = len(has)
    if not m:
        return {c: [] for c in REPORTER_COLUMNS}
    values = {
        "id": reporter_ids_for(m).tolist(), "name": b["reporter_name"][has].tolist(),
        "phone": b["reporter_phone"][has].tolist(), "email": b["reporter_email"][has].tolist(),
        "channel": b["channel"][has].tolist(),
        "reported_at": iso_strings(b["reported_at"][has], suffix=suffix),
        "is_primary": [True] * m, "original_case_number": [""] * m,
        "called_back_at": iso_strings(b["rated_at"][has], suffix=suffix),
        "case_id": case_ids[has].tolist(), "user_id": [None] * m,
    }
    return values
