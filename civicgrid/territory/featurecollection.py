"""GeoJSON output for many area nodes at once, for maps.

The geometries are stored as WKB; a map of a whole district draws 1,500+ grids at once, so the
conversion is vectorised (one shapely call per step) and the geometry JSON that GEOS writes is
spliced into the document as text instead of being parsed into Python dicts and dumped again.
Coordinates are rounded to 6 decimals (about 0.1 m), which is finer than any boundary here is
drawn and keeps the payload about half the size of full doubles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import shapely

COORDINATE_DECIMALS = 6


def geometries_geojson(wkbs: Sequence[bytes | memoryview | None],
                       decimals: int = COORDINATE_DECIMALS) -> list[str]:
    """GeoJSON geometry text for each WKB value ('null' where there is none)."""
    if not wkbs:
        return []
    raw = np.array([None if w is None else bytes(w) for w in wkbs], dtype=object)
    geoms = shapely.from_wkb(raw)
    geoms = shapely.transform(geoms, lambda c: np.round(c, decimals))
    return [g if g is not None else "null" for g in shapely.to_geojson(geoms)]


def feature_collection(properties: Sequence[dict], wkbs: Sequence[bytes | memoryview | None],
                       **members) -> str:
    """A GeoJSON FeatureCollection as text: one feature per (properties, WKB) pair, in order.

    Extra keyword arguments become foreign members of the collection (RFC 7946 §6.1), e.g. the
    parent node a map is showing."""
    if len(properties) != len(wkbs):
        raise ValueError("one properties dict per geometry")
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    features = ",".join(
        f'{{"type":"Feature","properties":{dumps(props)},"geometry":{geom}}}'
        for props, geom in zip(properties, geometries_geojson(wkbs), strict=True))
    head = "".join(f"{dumps(k)}:{dumps(v)}," for k, v in members.items())
    return f'{{"type":"FeatureCollection",{head}"features":[{features}]}}'
