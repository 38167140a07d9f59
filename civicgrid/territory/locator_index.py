"""A two-level raster over the grids, for locating millions of points per second.

Why: the obvious batch path — `shapely.points(x, y)` and an STRtree query — spends most of its
time creating a point geometry per coordinate pair (~1 µs each). Imports come as coordinate
arrays, so this index answers from the arrays with numpy arithmetic and an array look-up, and
runs an exact shapely test (`intersects_xy` on prepared grids) only for the few points that fall
near a grid boundary.

Layout. Level 1 is a uniform raster over the grids' extent (cells square in metres). A cell is
*pure* when no grid boundary touches it: every point in it has the same answer, stored in the
cell. A boundary cell either keeps a list of candidate grids, or — where the grids are small
compared to the cell (city centres) — is refined into a k × k block of level-2 cells, classified
the same way. k is chosen per cell from the size of the smallest grid there, so the boundary
band stays a small share of every grid, from 0.03 km² city grids to rural villages of many km².

Exactness. The answer is the same as the baseline's ("intersects" — a point on a boundary
belongs to every grid it touches — then the lowest index, i.e. the lowest grid code):
- a cell counts as touched when a boundary piece's bounding box, widened by EPS, meets it, so a
  pure cell's grids contain the whole cell with a margin far above floating-point error, and the
  point-to-cell arithmetic (error ~1e-13°) cannot move a point out of that margin;
- pure cells are labelled by scanline (crossings of each cell-centre row with the grid rings,
  even-odd rule), which is robust there because no edge comes near the cell;
- a boundary cell's candidates are the grids whose boundary touches it plus every grid that
  contains its centre (overlapping grids), which is every grid that can intersect the cell.

  The scanline crossing x0 + t·(x1 − x0), t = (y − y0)/(y1 − y0), is accurate to ~1e-14° even
  for nearly horizontal edges: the subtractions of nearby coordinates are exact (Sterbenz).

Memory is bounded: level 1 has at most LEVEL1_CELLS cells; the refinement target is coarsened
until level 2 fits LEVEL2_CELLS (4 bytes a cell: 4 MB + 32 MB at most, plus candidate lists;
whole Beijing ~50 MB). Build time is linear in boundary length / cell size (~1.5 s for Beijing).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

EPS = 1e-9  # degrees (~0.1 mm): margin around every cell, far above coordinate rounding
LEVEL1_CELLS = 1 << 20
LEVEL2_CELLS = 1 << 23
CELLS_PER_GRID_SIDE = 24  # aim: boundary cells 1/24 of the smallest grid's side there
MAX_REFINE = 32
OUTSIDE = -1


def _ceil_pow2(v: np.ndarray) -> np.ndarray:
    return np.left_shift(1, np.ceil(np.log2(np.maximum(v, 1.0))).astype(np.int64))


def _unique(a: np.ndarray) -> np.ndarray:
    # Sort-based: numpy 2's hash-based np.unique is several times slower on large int arrays.
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if a.size else a


def _segments(geoms: np.ndarray, owners: np.ndarray):
    """Every ring edge of `geoms` as (x0, y0, x1, y1, owner)."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    same = coord_of[1:] == coord_of[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = owners[part_of[ring_of[coord_of[:-1][same]]]]
    return a[:, 0], a[:, 1], b[:, 0], b[:, 1], owner


class _Level:
    """Cells of one resolution: l1 cells (k = 1, all active) or k × k blocks of chosen l1 cells.

    Storage index of a cell = block * k² + row_in_block * k + column_in_block."""

    def __init__(self, index: RasterIndex, k: int, block_of_l1: np.ndarray | None,
                 n_blocks: int):
        self.ix, self.k = index, k
        self.block_of_l1, self.n_blocks = block_of_l1, n_blocks
        self.dx, self.dy = index.dx / k, index.dy / k
        self.size = n_blocks * k * k

    def storage(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Storage index of virtual cells (row, col) at this resolution; -1 when not stored."""
        k, nx = self.k, self.ix.nx
        if self.block_of_l1 is None:
            return row * nx + col
        block = self.block_of_l1[(row // k) * nx + col // k]
        return np.where(block >= 0, block * (k * k) + (row % k) * k + col % k, -1)

    def rows_in_use(self, rows: np.ndarray) -> np.ndarray:
        if self.block_of_l1 is None:
            return np.ones(len(rows), bool)
        used = (self.block_of_l1.reshape(self.ix.ny, self.ix.nx) >= 0).any(axis=1)
        return used[rows // self.k]

    def classify(self, geoms: np.ndarray, gidx: np.ndarray):
        """Label each cell with the lowest grid containing its centre (or OUTSIDE), flag the
        cells a boundary touches, and list (cell, grid) candidates for those cells."""
        n_grids = self.ix.n_grids
        x0, y0, x1, y1, owner = _segments(geoms[gidx], gidx)
        touched = self._touched(x0, y0, x1, y1, owner)
        centre = self._centres(x0, y0, x1, y1, owner)
        label = np.full(self.size, n_grids, np.int64)
        np.minimum.at(label, centre[0], centre[1])
        label[label == n_grids] = OUTSIDE
        boundary = np.zeros(self.size, bool)
        boundary[touched[0]] = True
        keep = boundary[centre[0]]
        key = np.concatenate([touched[0] * n_grids + touched[1],
                              centre[0][keep] * n_grids + centre[1][keep]])
        key = _unique(key)
        return label, boundary, key // n_grids, key % n_grids

    def _touched(self, x0, y0, x1, y1, owner):
        """(cell, grid) for each stored cell that a boundary piece's widened bbox meets."""
        ix = self.ix
        n = np.maximum(np.ceil(np.maximum(np.abs(x1 - x0) / self.dx, np.abs(y1 - y0) / self.dy)),
                       1).astype(np.int64)
        seg = np.repeat(np.arange(len(n)), n)
        t = (np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)) / n[seg]
        t1 = t + 1.0 / n[seg]
        dxs, dys = (x1 - x0)[seg], (y1 - y0)[seg]
        ax, bx = x0[seg] + t * dxs, x0[seg] + t1 * dxs
        ay, by = y0[seg] + t * dys, y0[seg] + t1 * dys
        c0 = np.floor((np.minimum(ax, bx) - EPS - ix.x0) / self.dx).astype(np.int64)
        c1 = np.floor((np.maximum(ax, bx) + EPS - ix.x0) / self.dx).astype(np.int64)
        r0 = np.floor((np.minimum(ay, by) - EPS - ix.y0) / self.dy).astype(np.int64)
        r1 = np.floor((np.maximum(ay, by) + EPS - ix.y0) / self.dy).astype(np.int64)
        nxk, nyk = ix.nx * self.k, ix.ny * self.k
        c0, c1 = np.clip(c0, 0, nxk - 1), np.clip(c1, 0, nxk - 1)
        r0, r1 = np.clip(r0, 0, nyk - 1), np.clip(r1, 0, nyk - 1)
        nc = c1 - c0 + 1
        m = (r1 - r0 + 1) * nc  # cells in each piece's box: 1 to 4 (9 if exactly one cell long)
        p = np.repeat(np.arange(len(m)), m)
        t = np.arange(len(p)) - np.repeat(np.cumsum(m) - m, m)
        st = self.storage(r0[p] + t // nc[p], c0[p] + t % nc[p])
        keep = st >= 0
        return st[keep], owner[seg][p][keep]

    def _centres(self, x0, y0, x1, y1, owner):
        """(cell, grid) for each stored cell whose centre lies inside the grid (scanline)."""
        ix = self.ix
        # Rows whose centre line y_j lies in [min(y0, y1), max(y0, y1)): half-open, so each
        # ring crosses each row an even number of times.
        lo = np.ceil((np.minimum(y0, y1) - ix.y0) / self.dy - 0.5).astype(np.int64)
        hi = np.ceil((np.maximum(y0, y1) - ix.y0) / self.dy - 0.5).astype(np.int64)
        n = np.maximum(hi - lo, 0)
        seg = np.repeat(np.arange(len(n)), n)
        row = lo[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
        yc = ix.y0 + (row + 0.5) * self.dy
        # Clipped: where rounding puts y_j a hair outside the edge, the crossing stays on it.
        t = np.clip((yc - y0[seg]) / (y1 - y0)[seg], 0.0, 1.0)
        xc = x0[seg] + t * (x1 - x0)[seg]
        grid = owner[seg]
        use = self.rows_in_use(row)
        row, xc, grid = row[use], xc[use], grid[use]
        order = np.lexsort((xc, row, grid))
        row, xc, grid = row[order][0::2], xc[order], grid[order][0::2]
        xa, xb = xc[0::2], xc[1::2]
        ca = np.ceil((xa - ix.x0) / self.dx - 0.5).astype(np.int64)
        cb = np.ceil((xb - ix.x0) / self.dx - 0.5).astype(np.int64)
        ca, cb = np.clip(ca, 0, ix.nx * self.k), np.clip(cb, 0, ix.nx * self.k)
        # Cut each span at block edges first (so refined levels skip unrefined l1 cells).
        k = self.k
        m = np.where(cb > ca, (cb - 1) // k - ca // k + 1, 0)
        sp = np.repeat(np.arange(len(m)), m)
        c1 = ca[sp] // k + np.arange(len(sp)) - np.repeat(np.cumsum(m) - m, m)
        if self.block_of_l1 is not None:
            active = self.block_of_l1[(row[sp] // k) * ix.nx + c1] >= 0
            sp, c1 = sp[active], c1[active]
        s = np.maximum(ca[sp], c1 * k)
        e = np.minimum(cb[sp], (c1 + 1) * k)
        w = e - s
        piece = np.repeat(np.arange(len(w)), w)
        col = s[piece] + np.arange(len(piece)) - np.repeat(np.cumsum(w) - w, w)
        cell = self.storage(row[sp][piece], col)
        return cell, grid[sp][piece]


class RasterIndex:
    """Point → lowest index of the grids the point intersects, or OUTSIDE (-1)."""

    def __init__(self, geoms: np.ndarray, *, level1_cells: int = LEVEL1_CELLS,
                 level2_cells: int = LEVEL2_CELLS, per_side: int = CELLS_PER_GRID_SIDE):
        self.geoms = geoms
        self.n_grids = len(geoms)
        shapely.prepare(geoms)
        b = shapely.bounds(geoms)
        # GEOS builds each prepared grid's point-in-area index lazily on the first test inside
        # its envelope; do it now, so threads sharing this index later only read.
        shapely.intersects_xy(geoms, (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms) if len(geoms) else (0, 0, 1, 1)
        lat0 = math.radians((ymin + ymax) / 2)
        kx = max(math.cos(lat0), 0.01)  # cells square in metres: dx = dy / cos(lat)
        w, h = (xmax - xmin) * kx + 4 * EPS, (ymax - ymin) + 4 * EPS
        area = shapely.area(geoms) * kx
        side = np.sqrt(np.maximum(area, 0.0))  # each grid's side, in degrees of latitude
        typical = float(np.median(side)) if len(side) else 1.0
        # No finer than needed for the typical grid, no more cells than the budget.
        self.dy = max(math.sqrt(w * h / level1_cells), typical / 4, 1e-7)
        self.dx = self.dy / kx
        self.x0, self.y0 = xmin - 2 * EPS, ymin - 2 * EPS
        self.nx = max(int(math.ceil(w / kx / self.dx)) + 1, 1)
        self.ny = max(int(math.ceil(h / self.dy)) + 1, 1)
        self.inv_dx, self.inv_dy = 1.0 / self.dx, 1.0 / self.dy
        self._build(side, level2_cells, per_side)

    def _build(self, side: np.ndarray, level2_cells: int, per_side: int) -> None:
        l1 = _Level(self, 1, None, self.nx * self.ny)
        label, boundary, p_cell, p_grid = l1.classify(self.geoms, np.arange(self.n_grids))
        k = self._refinement(side, boundary, p_cell, p_grid, level2_cells, per_side)
        # Level 2: one pass per refinement factor, over the grids that touch those cells.
        blocks, lab2, bnd2, l2_cells, l2_grids = [], [], [], [], []
        offset = 0
        for kk in np.unique(k[k > 1]):
            cells = np.flatnonzero(k == kk)
            block_of_l1 = np.full(l1.size, -1, np.int64)
            block_of_l1[cells] = np.arange(len(cells))
            level = _Level(self, int(kk), block_of_l1, len(cells))
            near = np.flatnonzero(np.bincount(p_grid[k[p_cell] == kk], minlength=self.n_grids))
            lab, bnd, c2, g2 = level.classify(self.geoms, near)
            blocks.append(cells)
            lab2.append(lab)
            bnd2.append(bnd)
            l2_cells.append(c2 + offset)
            l2_grids.append(g2)
            offset += level.size
        table2 = np.concatenate([np.zeros(0, np.int64), *lab2])
        boundary2 = np.concatenate([np.zeros(0, bool), *bnd2])
        # Candidate lists (CSR), numbered: unrefined level-1 boundary cells, then level 2's.
        b1 = np.flatnonzero(boundary & (k == 1))
        b2 = np.flatnonzero(boundary2)
        unrefined = k[p_cell] == 1
        list_id = np.concatenate([np.searchsorted(b1, p_cell[unrefined]),
                                  len(b1) + np.searchsorted(b2, np.concatenate([[], *l2_cells])
                                                            .astype(np.int64))])
        grid = np.concatenate([p_grid[unrefined], *l2_grids]).astype(np.int64)
        order = np.lexsort((grid, list_id))
        self.n_lists = n_lists = len(b1) + len(b2)
        self.cand = grid[order].astype(np.int32)
        self.cand_off = np.searchsorted(list_id[order], np.arange(n_lists + 1)).astype(np.int32)
        # Cell values: grid ≥ 0 | OUTSIDE | -2 - list id | -2 - n_lists - block id.
        table1 = label.copy()
        table1[b1] = -2 - np.arange(len(b1))
        table2[b2] = -2 - (len(b1) + np.arange(len(b2)))
        refined = np.concatenate([np.zeros(0, np.int64), *blocks])
        table1[refined] = -2 - n_lists - np.arange(len(refined))
        self.block_k = k[refined].astype(np.int64)
        self.block_off = (np.cumsum(self.block_k ** 2) - self.block_k ** 2).astype(np.int64)
        self.table1 = table1.astype(np.int32)
        self.table2 = table2.astype(np.int32)

    def _refinement(self, side, boundary, p_cell, p_grid, budget: int, per_side: int):
        """k for each level-1 cell: 1, or the power of two that makes its cells about
        1/per_side of the smallest grid touching it; the target is coarsened until Σ k² fits
        the level-2 budget."""
        smallest = np.full(boundary.size, np.inf)
        np.minimum.at(smallest, p_cell, side[p_grid])
        ratio = np.where(boundary, self.dy / np.maximum(smallest, 1e-12), 0.0)
        per = float(per_side)
        while True:
            k = np.where(boundary, np.minimum(_ceil_pow2(ratio * per), MAX_REFINE), 1)
            if (k[k > 1] ** 2).sum() <= budget:
                break
            if per < 1e-3:  # even the coarsest target does not fit: no level 2 at all
                k[:] = 1
                break
            per *= 0.8
        self.per_side = per
        return k

    def stats(self) -> dict:
        return {"level1_cells": int(self.table1.size), "level2_cells": int(self.table2.size),
                "refined_cells": int(self.block_k.size), "candidate_lists": int(self.n_lists),
                "cell_m": round(self.dy * 111_195, 1),
                "bytes": int(self.table1.nbytes + self.table2.nbytes + self.cand.nbytes
                             + self.cand_off.nbytes + self.block_k.nbytes * 2)}

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the lowest grid each (x, y) intersects; OUTSIDE where none (or NaN)."""
        x = np.asarray(x, np.float64).ravel()
        y = np.asarray(y, np.float64).ravel()
        fx = (x - self.x0) * self.inv_dx
        fy = (y - self.y0) * self.inv_dy
        ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        if not ok.all():
            fx, fy = np.where(ok, fx, 0.0), np.where(ok, fy, 0.0)
        ix, iy = fx.astype(np.intp), fy.astype(np.intp)
        res = self.table1[iy * self.nx + ix].astype(np.intp)
        res[~ok] = OUTSIDE
        refined = np.flatnonzero(res < -1 - self.n_lists)
        if refined.size:
            b = -2 - self.n_lists - res[refined]
            k = self.block_k[b]
            sx = np.minimum(((fx[refined] - ix[refined]) * k).astype(np.intp), k - 1)
            sy = np.minimum(((fy[refined] - iy[refined]) * k).astype(np.intp), k - 1)
            res[refined] = self.table2[self.block_off[b] + sy * k + sx]
        near = np.flatnonzero(res < OUTSIDE)
        if near.size:
            self._exact(res, near, x[near], y[near])
        return res

    def _exact(self, res, near, x, y) -> None:
        """Test the candidates of each boundary point in ascending order; the first hit is the
        lowest grid the point intersects."""
        lid = -2 - res[near]
        pos, end = self.cand_off[lid], self.cand_off[lid + 1]
        res[near] = OUTSIDE
        todo = np.arange(len(near))
        while todo.size:
            g = self.cand[pos[todo]]
            hit = shapely.intersects_xy(self.geoms[g], x[todo], y[todo])
            res[near[todo[hit]]] = g[hit]
            pos[todo] += 1
            todo = todo[~hit & (pos[todo] < end[todo])]
