"""The locator: a point → its grid → community → street → district.

Two paths over the same grids, with the same answer:
- online (`locate`): one point, one STRtree query (~6 µs), for a case reported from a phone;
- batch (`locate_many`): coordinate arrays, answered by a raster index (locator_index.py) built
  on the first batch call, for imports of millions of cases.

Rules both paths keep:
- a point outside every grid is *outside* (None / -1), never the nearest grid;
- a point on a boundary touches several grids ("intersects"); it goes to the lowest grid code,
  so the answer never depends on the path or the order grids were loaded in. Grids are kept
  sorted by code, so "lowest code" is "lowest index".

`get_locator()` keeps one Locator per process and rebuilds it when the territory revision
(bumped by every territory change, services.territory_touch) has moved.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _

from civicgrid.core.errors import InvalidInput
from civicgrid.core.geo import CRS, to_wgs84

from .locator_index import OUTSIDE, RasterIndex

LEVELS = ("grid", "community", "street", "district")


@dataclass(frozen=True, slots=True)
class Location:
    grid_code: str
    community_code: str
    street_code: str
    district_code: str


def _crs(crs: str | CRS) -> CRS:
    try:
        return CRS(str(crs).lower())
    except ValueError:
        raise InvalidInput(_("坐标系“%(crs)s”不受支持，请使用 wgs84、gcj02 或 bd09") % {"crs": crs},
                           code="bad_crs") from None


class Locator:
    """Grids held as numpy arrays sorted by grid code; index i is the i-th lowest code."""

    def __init__(self, codes, geometries, community_codes, street_codes, district_codes, *,
                 revision: int | None = None):
        codes = np.asarray(codes, dtype=str)
        geoms = np.asarray(geometries, dtype=object)
        columns = [np.asarray(c, dtype=str) for c in (community_codes, street_codes,
                                                      district_codes)]
        if any(len(c) != len(codes) for c in [geoms, *columns]):
            raise ValueError("codes, geometries and ancestor codes must have the same length")
        if len(np.unique(codes)) != len(codes):
            raise ValueError("grid codes must be unique")
        order = np.argsort(codes, kind="stable")
        self.geometries = geoms[order]
        # One extra "" at the end: index OUTSIDE (-1) then reads as "" without a branch.
        self._codes = {level: np.append(col[order], "")
                       for level, col in zip(LEVELS, [codes, *columns], strict=True)}
        self.revision = revision
        self._tree = shapely.STRtree(self.geometries)
        self._raster: RasterIndex | None = None
        self._raster_lock = threading.Lock()
        self.raster_build_s: float | None = None

    @classmethod
    def from_arrays(cls, codes, geometries, community_codes, street_codes, district_codes, *,
                    revision: int | None = None) -> Locator:
        return cls(codes, geometries, community_codes, street_codes, district_codes,
                   revision=revision)

    @classmethod
    def from_db(cls, *, revision: int | None = None) -> Locator:
        """Every grid that has a geometry. The revision is read before the grids, so a change
        landing in between only causes one extra rebuild later, never a stale locator."""
        from .models import Grid
        from .selectors import territory_revision

        if revision is None:
            revision = territory_revision()
        rows = list(Grid.objects.exclude(geometry=None).order_by("code").values_list(
            "code", "geometry", "community_id", "street_id", "district_id"))
        blobs = np.empty(len(rows), dtype=object)
        blobs[:] = [bytes(r[1]) for r in rows]
        geoms = shapely.from_wkb(blobs)
        return cls([r[0] for r in rows], geoms, [r[2] for r in rows], [r[3] for r in rows],
                   [r[4] for r in rows], revision=revision)

    def __len__(self) -> int:
        return len(self.geometries)

    # --- one point ---------------------------------------------------------------------------

    def locate_index(self, lon: float, lat: float, crs: str | CRS = CRS.WGS84) -> int:
        """Index of the grid holding the point, OUTSIDE (-1) when none does."""
        if crs != CRS.WGS84 and _crs(crs) is not CRS.WGS84:
            lon, lat = to_wgs84(lon, lat, _crs(crs))
        hits = self._tree.query(shapely.Point(float(lon), float(lat)), predicate="intersects")
        return int(hits.min()) if hits.size else OUTSIDE

    def locate(self, lon: float, lat: float, crs: str | CRS = CRS.WGS84) -> Location | None:
        """The point's grid and its ancestors; None when the point lies outside every grid."""
        return self.location_of(self.locate_index(lon, lat, crs))

    def location_of(self, index: int) -> Location | None:
        if index < 0:
            return None
        c = self._codes
        return Location(str(c["grid"][index]), str(c["community"][index]),
                        str(c["street"][index]), str(c["district"][index]))

    # --- batches -----------------------------------------------------------------------------

    def raster(self) -> RasterIndex:
        """The batch index, built on first use (about 1.5 s for the whole of Beijing)."""
        if self._raster is None:
            with self._raster_lock:
                if self._raster is None:
                    t0 = time.perf_counter()
                    self._raster = RasterIndex(self.geometries)
                    self.raster_build_s = time.perf_counter() - t0
        return self._raster

    def locate_many(self, lon, lat, crs: str | CRS = CRS.WGS84) -> np.ndarray:
        """Grid index of each point (numpy intp array), OUTSIDE (-1) where there is none.
        Equal, point for point, to `locate_index` on each and to an STRtree "intersects" query
        resolved to the lowest index."""
        crs = _crs(crs)
        lon, lat = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
        if lon.shape != lat.shape:
            raise InvalidInput(_("经度和纬度的个数不一致"), code="shape_mismatch")
        if crs is not CRS.WGS84:
            lon, lat = to_wgs84(lon, lat, crs)
        if len(self) == 0:
            return np.full(lon.shape, OUTSIDE, np.intp)
        return self.raster().lookup(lon, lat).reshape(lon.shape)

    def codes_for(self, indices, level: str = "grid") -> np.ndarray:
        """The `level` code of each index as a numpy str array; "" for OUTSIDE."""
        if level not in self._codes:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        return self._codes[level][np.asarray(indices, np.intp)]

    def locations_for(self, indices) -> dict[str, np.ndarray]:
        """Codes of every level for these indices: {"grid": ..., "community": ..., ...}."""
        return {level: self.codes_for(indices, level) for level in LEVELS}


# --- the process-wide locator ------------------------------------------------------------------

_lock = threading.Lock()
_cached: Locator | None = None
_checked_at = float("-inf")


def get_locator(*, refresh: bool = False) -> Locator:
    """This process's Locator. Checks the territory revision at most every
    settings.CIVICGRID["LOCATOR_REFRESH_SECONDS"] (or now, with refresh=True) and rebuilds
    when it moved. Checks and rebuilds run under one lock, so concurrent requests in a
    threaded server build the locator once; between checks no lock is taken."""
    global _cached, _checked_at
    interval = settings.CIVICGRID.get("LOCATOR_REFRESH_SECONDS", 2.0)
    loc = _cached
    if loc is not None and not refresh and time.monotonic() - _checked_at < interval:
        return loc
    with _lock:
        loc = _cached
        if loc is not None and not refresh and time.monotonic() - _checked_at < interval:
            return loc  # another thread checked while we waited
        from .selectors import territory_revision

        revision = territory_revision()
        if loc is None or loc.revision != revision:
            loc = Locator.from_db(revision=revision)
            _cached = loc
        _checked_at = time.monotonic()
        return loc


def reset_locator() -> None:
    """Forget the cached locator (tests: each test's database is a different territory)."""
    global _cached, _checked_at
    with _lock:
        _cached, _checked_at = None, float("-inf")
