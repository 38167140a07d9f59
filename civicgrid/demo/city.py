"""The demo city: Beijing's real districts, streets and communities with invented shapes.

Codes, names and district outlines are real (civicgrid/demo/data, see docs/data-sources.md).
Street, community and grid polygons are NOT real — no package publishes them — so this module
generates them deterministically inside the real district outlines: each district is cut into its
real streets, each street into its real communities, each community into grids
(civicgrid.demo.partition). Xicheng gets 1,541 grids like the seed documents; other districts a
fixed number per community. Same arguments → identical geometry (WKB) on every run.

Pure shapely/numpy: nothing here touches the database (the loader does, civicgrid.demo.load), so
the locator benchmark can build the city in memory.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import shapely

from .partition import partition

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_CSV = DATA_DIR / "beijing_divisions.csv"
DISTRICTS_GEOJSON = DATA_DIR / "beijing_districts.geojson"
XICHENG = "110102"
XICHENG_GRIDS = 1541  # the seed: Xicheng cut into 1,541 grids
DEFAULT_SEED = 20180101

_SUFFIXES = ("社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会")


def short_name(name: str) -> str:
    """三里河一区社区居委会 → 三里河一区社区, 董各庄村民委员会 → 董各庄村 (for grid names)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            tail = "村" if "村" in suffix else "社区"
            return stem if stem.endswith(tail) else stem + tail
    return name


@dataclass(frozen=True, slots=True)
class Division:
    """One official division as published: level district/street/community."""

    level: str
    code: str
    name: str
    parent_code: str
    kind: str


@dataclass(frozen=True, slots=True, eq=False)
class Area:
    """A node of the demo territory with its (generated, except districts) geometry.

    Grids carry kind 'grid'. The ancestor codes are prefixes of the code (GB/T 30428.1)."""

    level: str
    code: str
    name: str
    parent_code: str
    kind: str
    geometry: shapely.Geometry

    @property
    def district_code(self) -> str:
        return self.code[:6]

    @property
    def street_code(self) -> str:
        return self.code[:9] if len(self.code) >= 9 else ""

    @property
    def community_code(self) -> str:
        return self.code[:12] if len(self.code) >= 12 else ""


@dataclass
class DemoCity:
    """Plain lists in code order, each Area with a shapely geometry."""

    districts: list[Area] = field(default_factory=list)
    streets: list[Area] = field(default_factory=list)
    communities: list[Area] = field(default_factory=list)
    grids: list[Area] = field(default_factory=list)

    def levels(self) -> dict[str, list[Area]]:
        return {"district": self.districts, "street": self.streets,
                "community": self.communities, "grid": self.grids}

    def grid_codes(self) -> np.ndarray:
        return np.array([g.code for g in self.grids])

    def grid_geometries(self) -> np.ndarray:
        """The grids' geometries as one numpy object array (ready for shapely.STRtree)."""
        return np.array([g.geometry for g in self.grids], dtype=object)

    def counts(self) -> dict[str, int]:
        return {level: len(items) for level, items in self.levels().items()}


@cache
def load_divisions() -> tuple[Division, ...]:
    """Every Beijing division of the derived CSV (districts, streets, communities)."""
    with DIVISIONS_CSV.open(encoding="utf-8", newline="") as f:
        return tuple(Division(**row) for row in csv.DictReader(f))


@cache
def _outlines_wkb() -> dict[str, bytes]:
    data = json.loads(DISTRICTS_GEOJSON.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shapely.to_wkb(shapely.geometry.shape(f["geometry"]))
            for f in data["features"]}


def district_outlines() -> dict[str, shapely.Geometry]:
    """Real district outlines by code (fresh shapely objects on each call)."""
    return {code: shapely.from_wkb(blob) for code, blob in _outlines_wkb().items()}


def _rng(seed: int, code: str) -> np.random.Generator:
    # One stream per parent: a district's shapes do not depend on which others are built.
    return np.random.default_rng([seed, int(code)])


def _grid_counts(communities: list[Area], total: int) -> list[int]:
    """`total` grids over these communities: the same number each, the remainder to the
    largest communities (by area, then code) one each."""
    n = len(communities)
    if total < n:
        raise ValueError(f"{total} grids cannot cover {n} communities (at least one each)")
    base, extra = divmod(total, n)
    counts = [base] * n
    by_size = sorted(range(n), key=lambda i: (-communities[i].geometry.area, communities[i].code))
    for i in by_size[:extra]:
        counts[i] += 1
    return counts


def _children(parent: Area, kids: list[Division], level: str, seed: int) -> list[Area]:
    if not kids:
        return []
    cells = partition(parent.geometry, len(kids), _rng(seed, parent.code))
    return [Area(level, d.code, d.name, d.parent_code, d.kind, g)
            for d, g in zip(kids, cells, strict=True)]


def build_city(district_codes: list[str] | None = None, *, grids_per_community: int = 2,
               xicheng_grids: int = XICHENG_GRIDS, seed: int = DEFAULT_SEED) -> DemoCity:
    """Build the demo city for these districts (all 16 when None)."""
    divisions = load_divisions()
    names = {d.code: d for d in divisions if d.level == "district"}
    wanted = sorted(names) if district_codes is None else sorted(set(district_codes))
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise ValueError(f"not a Beijing district code: {', '.join(unknown)}")
    if grids_per_community < 1:
        raise ValueError("grids_per_community must be at least 1")
    by_parent: dict[str, list[Division]] = {}
    for d in divisions:
        if d.parent_code:
            by_parent.setdefault(d.parent_code, []).append(d)
    outlines = district_outlines()
    city = DemoCity()
    for code in wanted:
        d = names[code]
        district = Area("district", code, d.name, "", d.kind, outlines[code])
        city.districts.append(district)
        streets = _children(district, by_parent.get(code, []), "street", seed)
        city.streets.extend(streets)
        communities: list[Area] = []
        for street in streets:
            communities.extend(_children(street, by_parent.get(street.code, []), "community",
                                         seed))
        city.communities.extend(communities)
        if code == XICHENG:
            counts = _grid_counts(communities, xicheng_grids)
        else:
            counts = [grids_per_community] * len(communities)
        for community, n in zip(communities, counts, strict=True):
            city.grids.extend(_grids(community, n, seed))
    return city


def _grids(community: Area, n: int, seed: int) -> list[Area]:
    if n > 999:
        raise ValueError("a community has at most 999 grids (3-digit sequence)")
    cells = partition(community.geometry, n, _rng(seed, community.code))
    stem = short_name(community.name)
    return [Area("grid", f"{community.code}{i:03d}", f"{stem}第{i}网格", community.code, "grid", g)
            for i, g in enumerate(cells, start=1)]
