"""Territory look-up: which district, street, community and grid a point lies in (WGS84,
GCJ-02 or BD-09 input), and which places an address names (gazetteer candidates with their
confidence). The same locator and gazetteer the intake uses, so an integration sees what a
report at that point or address would get."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from civicgrid.core.geo import CRS, to_wgs84
from civicgrid.core.permissions import require
from civicgrid.territory.gazetteer import get_gazetteer, is_confident
from civicgrid.territory.locator import get_locator
from civicgrid.territory.models import Community, District, Grid, Street

from .schemas import Error

router = Router(tags=["territory"])
ERRORS = {400: Error, 401: Error, 403: Error, 429: Error}
MODELS = {"district": District, "street": Street, "community": Community, "grid": Grid}


class PlaceRef(Schema):
    code: str
    name: str


class LocateResult(Schema):
    inside: bool = Field(description="false：该点不在任何网格内（outside）")
    lon: float = Field(description="WGS84 经度")
    lat: float = Field(description="WGS84 纬度")
    district: PlaceRef | None
    street: PlaceRef | None
    community: PlaceRef | None
    grid: PlaceRef | None


class CandidateOut(Schema):
    code: str
    level: Literal["district", "street", "community", "grid"]
    name: str
    street_code: str
    district_code: str
    confidence: float = Field(ge=0, le=1)
    matched: list[str]
    reason: str


class ResolveResult(Schema):
    confident: bool = Field(description="首个候选是否足够可信（可直接采用）")
    candidates: list[CandidateOut]


class LocateIn(Schema):
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    crs: Literal[tuple(c.value for c in CRS)] = "wgs84"  # type: ignore[valid-type]


def _names(codes: dict[str, str]) -> dict[str, dict | None]:
    out = {}
    for level, code in codes.items():
        name = MODELS[level].objects.filter(code=code).values_list("name", flat=True).first() \
            if code else None
        out[level] = {"code": code, "name": name} if name is not None else None
    return out


@router.get("/locate", response={200: LocateResult, **ERRORS}, url_name="territory_locate",
            summary="坐标定位到网格")
def locate(request: HttpRequest, point: Query[LocateIn]):
    """The district, street, community and grid holding a point; `inside: false` when the
    point lies outside every grid."""
    require(request.user, "territory.view")
    lon, lat = (float(v) for v in to_wgs84(point.lon, point.lat, point.crs))
    loc = get_locator().locate(lon, lat)
    codes = {"district": loc.district_code, "street": loc.street_code,
             "community": loc.community_code, "grid": loc.grid_code} if loc else {
        "district": "", "street": "", "community": "", "grid": ""}
    return {"inside": loc is not None, "lon": round(lon, 7), "lat": round(lat, 7),
            **_names(codes)}


@router.get("/resolve", response={200: ResolveResult, **ERRORS},
            url_name="territory_resolve", summary="地址解析")
def resolve(request: HttpRequest, address: str = Query(..., min_length=1, max_length=255),
            limit: int = Query(5, ge=1, le=20)):
    """Places an address names, best first, each with its confidence and the words that
    support it. `confident` says whether the first is good enough to use without asking."""
    require(request.user, "territory.view")
    candidates = get_gazetteer().resolve(address, limit=limit)
    return {"confident": is_confident(candidates),
            "candidates": [c.as_json() for c in candidates]}
