"""Coordinates and geometry helpers shared by every app.

Everything is stored in WGS84 (longitude, latitude). Chinese map SDKs and phones usually give
GCJ-02 (the "Mars" datum of AMap/Tencent/Apple in China) or BD-09 (Baidu); input that says so is
converted on entry. The conversions are the published formulas; GCJ-02 → WGS84 is inverted by
fixed-point iteration to well under a centimetre, which a one-step inverse (metre-level error)
does not give. All functions take scalars or numpy arrays.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import shapely

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
EARTH_RADIUS_M = 6371008.8


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def _outside_china(lon, lat):
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon, lat):
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    out = _outside_china(lon, lat)
    return np.where(out, 0.0, dlon), np.where(out, 0.0, dlat)


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


_CONVERGED = 1e-10  # degrees, about 0.01 mm


def gcj02_to_wgs84(lon, lat):
    """Inverse of wgs84_to_gcj02 by fixed-point iteration; stops once every point moved less
    than 1e-10° (usually 2–3 steps). Scalars take a pure-`math` path: the online locator gets
    phone (GCJ-02) coordinates one at a time and numpy's per-call overhead would dominate."""
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return _gcj02_to_wgs84_scalar(float(lon), float(lat))
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(10):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if max(np.abs(dlon).max(initial=0), np.abs(dlat).max(initial=0)) < _CONVERGED:
            break
    return wlon, wlat


def _gcj_offset_scalar(lon: float, lat: float) -> tuple[float, float]:
    if not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271):
        return 0.0, 0.0
    x, y, pi = lon - 105.0, lat - 35.0, math.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * pi) + 320 * math.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * pi)
    return dlon, dlat


def _gcj02_to_wgs84_scalar(lon: float, lat: float) -> tuple[float, float]:
    wlon, wlat = lon, lat
    for _ in range(10):
        dlon, dlat = _gcj_offset_scalar(wlon, wlat)
        elon, elat = wlon + dlon - lon, wlat + dlat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if abs(elon) < _CONVERGED and abs(elat) < _CONVERGED:
            break
    return wlon, wlat


def bd09_to_gcj02(lon, lat):
    x, y = np.asarray(lon, float) - 0.0065, np.asarray(lat, float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon, lat):
    x, y = np.asarray(lon, float), np.asarray(lat, float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def to_wgs84(lon, lat, crs: str | CRS = CRS.WGS84):
    """Convert coordinates given in `crs` to WGS84. Returns numpy arrays (0-d for scalars)."""
    crs = CRS(str(crs).lower())
    if crs is CRS.WGS84:
        return np.asarray(lon, float), np.asarray(lat, float)
    if crs is CRS.BD09:
        lon, lat = bd09_to_gcj02(lon, lat)
        if np.ndim(lon) == 0:
            lon, lat = float(lon), float(lat)
    return gcj02_to_wgs84(lon, lat)


def geometry_to_wgs84(geom, crs: str | CRS):
    """A shapely geometry (or array of them) given in `crs`, converted vertex by vertex."""
    crs = CRS(str(crs).lower())
    if crs is CRS.WGS84:
        return geom

    def convert(coords):
        x, y = to_wgs84(coords[:, 0], coords[:, 1], crs)
        return np.column_stack([x, y])

    return shapely.transform(geom, convert)


def _local_metres(geom, lat0: float):
    """Equirectangular projection around lat0: metres, accurate to ~0.1 % over a city."""
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M
    return shapely.transform(geom, lambda c: c * np.array([kx, ky]))


def area_m2(geom) -> np.ndarray | float:
    """Area in square metres of WGS84 geometries (scalar or array), each projected around its
    own centre latitude. Good to ~0.1 % for grid-, community- and district-sized shapes."""
    arr = np.atleast_1d(np.asarray(geom, dtype=object))
    if arr.size == 0:
        return np.zeros(0)
    ymin, ymax = shapely.bounds(arr)[:, 1], shapely.bounds(arr)[:, 3]
    lat0 = np.nan_to_num((ymin + ymax) / 2.0)
    scale = (math.radians(1) * EARTH_RADIUS_M) ** 2 * np.cos(np.radians(lat0))
    out = shapely.area(arr) * scale
    return out if np.ndim(geom) else float(out[0])


def metres_to_degrees(metres: float, lat: float = 39.9) -> float:
    """Approximate length in degrees of longitude for `metres` at latitude `lat` (for buffers)."""
    return metres / (math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat)))


def distance_m(lon1, lat1, lon2, lat2):
    """Great-circle (haversine) distance in metres; numpy-broadcasting."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def to_geojson_dict(geom) -> dict | None:
    import json

    return None if geom is None else json.loads(shapely.to_geojson(geom))


def wkb(geom) -> bytes | None:
    return None if geom is None else shapely.to_wkb(geom)


def from_wkb(data) -> shapely.Geometry | None:
    return None if data is None else shapely.from_wkb(bytes(data))
