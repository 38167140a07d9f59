"""Cut a polygon into n cells that tile it exactly: a seeded Voronoi partition.

No street, community or grid polygons are published for Beijing, so the demo invents them
(docs/data-sources.md). Seeds are sampled uniformly inside the parent, moved by a few Lloyd
steps (each seed to its clipped cell's centroid) so cells come out of similar size, and the final
Voronoi cells are clipped to the parent. Voronoi cells tile the plane, so the clipped cells tile
the parent up to floating-point noise. A clip of a non-convex parent can fall into several
pieces; every piece but the largest is handed to the neighbour it shares most boundary with, so
cells stay single Polygons except where the parent itself has separate parts.
"""

from __future__ import annotations

import numpy as np
import shapely

LLOYD_STEPS = 6  # enough that cells in one parent stay within ~0.2×–3× of their mean
_EPS = 1e-9  # degrees (~0.1 mm): "touching" for boundary-sharing look-ups


def sample_inside(parent: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct points drawn uniformly inside `parent`, as an (n, 2) array."""
    xmin, ymin, xmax, ymax = parent.bounds
    fill = max(parent.area / max((xmax - xmin) * (ymax - ymin), 1e-300), 0.01)
    shapely.prepare(parent)
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        m = int((n - have) / fill * 1.5) + 16
        pts = np.column_stack([rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)])
        pts = pts[shapely.contains_xy(parent, pts[:, 0], pts[:, 1])]
        found.append(pts)
        have += len(pts)
    return np.concatenate(found)[:n]


def _voronoi(points: np.ndarray, parent: shapely.Geometry) -> np.ndarray:
    """Voronoi cells of `points` in input order, clipped to `parent`."""
    xmin, ymin, xmax, ymax = parent.bounds
    pad = max(xmax - xmin, ymax - ymin)
    frame = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame, ordered=True)
    cells = np.asarray(shapely.get_parts(diagram))
    if len(cells) != len(points):  # two seeds coincided: cannot happen with distinct samples
        raise ValueError("Voronoi diagram lost a cell")
    return shapely.intersection(cells, parent)


def _polygons(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygonal parts of a clip result (drops points/lines a touching clip can leave)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]


def _relocate(points: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Lloyd step: each seed to its cell's centroid, or a point surely inside when the
    centroid of a non-convex cell falls outside it."""
    centroids = shapely.centroid(cells)
    inside = shapely.contains(cells, centroids)
    fallback = shapely.point_on_surface(cells)
    moved = np.where(inside, centroids, fallback)
    return shapely.get_coordinates(moved)


def _merge_strays(cells: list[list[shapely.Geometry]]) -> list[shapely.Geometry]:
    """Give every stray piece (not a cell's largest) to the neighbour sharing most boundary."""
    main = [max(parts, key=lambda p: p.area) for parts in cells]
    strays = [(i, p) for i, parts in enumerate(cells) for p in parts if p is not main[i]]
    if not strays:
        return main
    keep: list[list[shapely.Geometry]] = [[m] for m in main]
    tree = shapely.STRtree(main)
    for i, piece in strays:
        near = shapely.buffer(piece, _EPS)
        best, best_len = i, 0.0
        for j in tree.query(near):
            if j == i:
                continue
            shared = shapely.length(shapely.intersection(shapely.boundary(main[j]), near))
            if shared > best_len:
                best, best_len = int(j), float(shared)
        keep[best].append(piece)
    out = []
    for pieces in keep:
        if len(pieces) == 1:
            out.append(pieces[0])
            continue
        merged = shapely.union_all(pieces)
        if merged.geom_type != "Polygon":  # joined only through noise: keep the parts apart
            merged = shapely.multipolygons(
                [p for g in pieces for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        out.append(merged)
    return out


def _split_counts(areas: np.ndarray, n: int) -> list[int]:
    """n cells over parts of these areas: at least one per part (while n allows), the rest by
    area, largest remainder first."""
    k = len(areas)
    if n < k:  # fewer cells than parts: the n largest parts get one each
        order = np.argsort(-areas, kind="stable")[:n]
        counts = np.zeros(k, int)
        counts[order] = 1
        return counts.tolist()
    extra = n - k
    share = areas / areas.sum() * extra
    counts = np.floor(share).astype(int)
    left = extra - counts.sum()
    order = np.argsort(-(share - counts), kind="stable")[:left]
    counts[order] += 1
    return (counts + 1).tolist()


def partition(parent: shapely.Geometry, n: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """n cells tiling `parent`, in a reading order (north to south in bands, alternating west
    to east and back) so neighbouring codes lie near each other."""
    if n < 1:
        raise ValueError("partition needs at least one cell")
    parts = [p for p in shapely.get_parts(parent) if p.area > 0]
    if len(parts) > 1:
        counts = _split_counts(np.array([p.area for p in parts]), n)
        cells = [c for part, k in zip(parts, counts, strict=True) if k
                 for c in _partition_polygon(part, k, rng)]
        if len(cells) < n:  # more parts than cells: leftover parts join their nearest cell
            cells = _absorb(cells, [p for p, k in zip(parts, counts, strict=True) if not k])
    else:
        cells = _partition_polygon(parts[0], n, rng)
    return _reading_order(cells, parent)


def _absorb(cells: list[shapely.Geometry], leftovers: list[shapely.Geometry]):
    cells = list(cells)
    for part in leftovers:
        j = int(np.argmin(shapely.distance(np.asarray(cells), part)))
        cells[j] = shapely.union_all([cells[j], part])
    return cells


def _partition_polygon(poly: shapely.Geometry, n: int, rng) -> list[shapely.Geometry]:
    if n == 1:
        return [poly]
    points = sample_inside(poly, n, rng)
    for _ in range(LLOYD_STEPS):
        points = _relocate(points, _voronoi(points, poly))
    clipped = _voronoi(points, poly)
    return _merge_strays([_polygons(c) for c in clipped])


def _reading_order(cells: list[shapely.Geometry], parent: shapely.Geometry):
    if len(cells) < 2:
        return cells
    xy = shapely.get_coordinates(shapely.point_on_surface(np.asarray(cells)))
    xmin, ymin, xmax, ymax = parent.bounds
    band = max(np.sqrt(parent.area / len(cells)), 1e-12)
    row = np.floor((ymax - xy[:, 1]) / band).astype(int)
    x = np.where(row % 2 == 0, xy[:, 0], -xy[:, 0])
    order = np.lexsort((x, row))
    return [cells[i] for i in order]
