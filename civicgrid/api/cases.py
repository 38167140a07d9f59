"""Case points for maps (read-only): the actor's visible cases as GeoJSON points, with the same
filters as the case list (civicgrid.cases.search) plus a bounding box.

A map cannot usefully draw every case of a city, and the answer must stay small on a phone, so
at most `limit` points come back — the ones whose deadline is nearest, the same order as the
list — and the collection says how many matched (`total`) and whether it was `capped`."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from civicgrid.cases import search
from civicgrid.cases.models import Case
from civicgrid.core.errors import InvalidInput
from civicgrid.core.permissions import require

from .schemas import Error

router = Router(tags=["cases"])

DEFAULT_LIMIT = 5000
MAX_LIMIT = 20000
FINISHED = frozenset(search.FINISHED_STATES)


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """"minlon,minlat,maxlon,maxlat" (WGS84) or None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise InvalidInput(_("bbox 应为“最小经度,最小纬度,最大经度,最大纬度”，例如 "
                             "116.30,39.90,116.40,39.95。"), code="bad_bbox")
    return values  # type: ignore[return-value]


def point_kind(state: str, level: str, extension_count: int) -> str:
    """The marker's colour class: closed > overdue > returned > extended > warning > open."""
    if state in FINISHED:
        return "closed"
    if level == "red":
        return "overdue"
    if state == "returned":
        return "returned"
    if state == "extension_requested" or extension_count:
        return "extended"
    return "warning" if level == "yellow" else "open"


def case_points(actor, params, *, limit: int = DEFAULT_LIMIT) -> dict:
    """The FeatureCollection (as a dict) of the actor's cases matching `params`."""
    f = search.parse_filter(params)
    if f.errors:
        raise InvalidInput("；".join(f.errors), code="bad_filter")
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = search.filtered(actor, f).filter(lon__isnull=False, lat__isnull=False)
    bbox = parse_bbox(params.get("bbox", ""))
    if bbox is not None:
        qs = qs.filter(lon__gte=bbox[0], lat__gte=bbox[1], lon__lte=bbox[2], lat__lte=bbox[3])
    qs = search.ordered(qs, f.sort)
    if f.level in ("yellow", "normal"):
        ids = search.ids_at_level(qs, f.level)
        total, wanted = len(ids), ids[:limit]
        by_id = {c["id"]: c for c in _values(Case.objects.filter(pk__in=wanted)
                                             .annotate(due=search.due_expression()))}
        rows = [by_id[i] for i in wanted]
    else:
        total = qs.count()
        rows = list(_values(qs[:limit]))
    levels = search.warning_levels(
        [(r["state"], r["category_id"], r["due"],
          search.step_start(r["state"], r["reported_at"], r["dispatched_at"])) for r in rows])
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(r["lon"], 6), round(r["lat"], 6)]},
        "properties": {
            "number": r["number"], "category": r["category__name"] or "",
            "state": r["state"], "state_label": search.state_label(r["state"]),
            "level": lv, "kind": point_kind(r["state"], lv, r["extension_count"]),
            "due": r["due"].isoformat() if r["due"] else None,
        },
    } for r, lv in zip(rows, levels, strict=True)]
    return {"type": "FeatureCollection", "total": total, "shown": len(features),
            "capped": total > len(features), "limit": limit, "features": features}


def _values(qs):
    return qs.values("id", "number", "state", "category_id", "category__name", "lon", "lat",
                     "due", "reported_at", "dispatched_at", "extension_count")


@router.get("/points", response={200: dict, 400: Error, 401: Error, 403: Error, 429: Error},
            url_name="case_points", summary="案件点位（GeoJSON）")
def points(request: HttpRequest, limit: int = DEFAULT_LIMIT):
    """The user's visible cases as GeoJSON points. Filters as the case list: `state` (a state or
    `open` / `finished`), `level` (normal / yellow / red), `stream`, `category`, `channel`,
    `street`, `from`, `to` (YYYY-MM-DD), `q`, plus `bbox` = minlon,minlat,maxlon,maxlat.
    At most `limit` points (nearest deadline first); `total` and `capped` say how many
    matched."""
    require(request.user, "case.view")
    body = case_points(request.user, request.GET, limit=limit)
    return HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json; charset=utf-8")
