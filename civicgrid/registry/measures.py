"""The figures the computed indicators are made of, read in bulk: which communities an
indicator runs over, how many organisations and social workers each has, which are within
walking distance of a service circle centre, how many cases were reported.

Communities: an indicator about communities runs over the communities that have a row in the
community-bodies ledger (三位一体台账) — the ledger of record for communities — and lie in the
area; "urban" ones are those the territory calls 社区 (not 村). Populations are the latest
recorded in that ledger. Rows of the other ledgers count on `as_of` when they were valid then
(models.valid_on).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.core.geo import distance_m, from_wkb, metres_to_degrees
from civicgrid.territory.models import Community, CommunityKind

from .models import (
    Certificate,
    CommunityBody,
    Facility,
    FacilityKind,
    SocialOrganization,
    Worker,
    WorkerKind,
    valid_on,
)

CASE_WINDOW_DAYS = 365
DEFAULT_WALK_M = 1000.0


def in_area(area: str, prefix: str = "") -> Q:
    """Rows placed inside `area` ('' = the whole city) by their district/street/community code."""
    if not area:
        return Q()
    field = {6: "district_code", 9: "street_code", 12: "community_code"}[len(area)]
    return Q(**{prefix + field: area})


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator in %, two decimals; None when there is nothing to divide by."""
    if not denominator:
        return None
    return quantize(Decimal(numerator) * 100 / Decimal(denominator), 2)


def ratio(numerator, denominator, places: int = 2, scale: int = 1) -> Decimal | None:
    if not denominator:
        return None
    return quantize(Decimal(numerator) * scale / Decimal(denominator), places)


def walk_m() -> float:
    return float(getattr(settings, "CIVICGRID", {}).get("SERVICE_CIRCLE_WALK_M", DEFAULT_WALK_M))


def community_bodies(area: str, *, urban: bool) -> dict[str, dict]:
    """{community code: its community-bodies row (population, facility area)} in the area."""
    qs = CommunityBody.objects.filter(in_area(area))
    if urban:
        qs = qs.filter(community_code__in=Community.objects.filter(
            kind=CommunityKind.COMMUNITY).values("code"))
    return {r["community_code"]: r for r in qs.values("community_code", "population",
                                                       "facility_area_m2")}


def populated(area: str) -> dict[str, int]:
    """{community code: population} for the communities in the area whose population is known."""
    return {c: r["population"] for c, r in community_bodies(area, urban=False).items()
            if r["population"]}


def organisations_per_community(codes: set[str], as_of: dt.date) -> Counter:
    """How many different social organisations, valid on `as_of`, are based in or serve each
    community."""
    orgs = SocialOrganization.objects.filter(valid_on(as_of))
    pairs = set(orgs.filter(community_code__in=codes).values_list("pk", "community_code"))
    through = SocialOrganization.communities_served.through
    pairs |= set(through.objects.filter(socialorganization__in=orgs.values("pk"),
                                        community_id__in=codes)
                 .values_list("socialorganization_id", "community_id"))
    return Counter(code for _org, code in pairs)


def professionals_per_community(codes: set[str], as_of: dt.date) -> Counter:
    """Social-work professionals (社会工作专业人才) valid on `as_of` placed in each community:
    the social workers and every worker holding a certificate."""
    qs = Worker.objects.filter(valid_on(as_of), community_code__in=codes).filter(
        Q(kind=WorkerKind.SOCIAL_WORKER) | ~Q(certificate=Certificate.NONE))
    return Counter(qs.values_list("community_code", flat=True))


def centroids(codes: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The codes of the communities that have an outline, and their centroids (lon, lat)."""
    rows = [(c, g) for c, g in Community.objects.filter(code__in=codes, geometry__isnull=False)
            .values_list("code", "geometry")]
    if not rows:
        return [], np.zeros(0), np.zeros(0)
    geoms = np.array([from_wkb(g) for _c, g in rows], dtype=object)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    return [c for c, _g in rows], xy[:, 0], xy[:, 1]


def service_circle_centres(as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Every 15-minute service circle centre open on `as_of`, anywhere in the city: a
    community's nearest centre may lie across a street or district border."""
    rows = list(Facility.objects.filter(valid_on(as_of), kind=FacilityKind.SERVICE_CIRCLE,
                                        lon__isnull=False, lat__isnull=False)
                .values_list("lon", "lat"))
    arr = np.array(rows, dtype=float).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def within_walk(lon: np.ndarray, lat: np.ndarray, clon: np.ndarray, clat: np.ndarray,
                radius_m: float) -> np.ndarray:
    """For each point, whether some centre lies within `radius_m` metres (great-circle). One
    STRtree query finds the candidate pairs within a radius in degrees that can only be wider
    than the true one; the exact distance of each pair decides."""
    covered = np.zeros(len(lon), dtype=bool)
    if not len(lon) or not len(clon):
        return covered
    tree = shapely.STRtree(shapely.points(clon, clat))
    top = float(max(np.abs(lat).max(), np.abs(clat).max()))
    degrees = metres_to_degrees(radius_m, lat=top) * 1.001
    i, j = tree.query(shapely.points(lon, lat), predicate="dwithin", distance=degrees)
    near = distance_m(lon[i], lat[i], clon[j], clat[j]) <= radius_m
    covered[i[near]] = True
    return covered


def cases_in(codes: set[str], as_of: dt.date) -> int:
    """Cases reported in these communities in the 365 days up to and including `as_of` (local
    time); a duplicate merged into another case is not counted again."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(as_of - dt.timedelta(days=CASE_WINDOW_DAYS - 1), dt.time.min,
                                tzinfo=tz)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    total = 0
    codes = sorted(codes)
    for i in range(0, len(codes), 2000):
        total += Case.objects.filter(reported_at__gte=start, reported_at__lt=end,
                                     merged_into__isnull=True,
                                     community_code__in=codes[i:i + 2000]).count()
    return total
