"""`civicgrid bench locate`: batch point location on the demo city beside raw shapely.

Both sides start from coordinate arrays (what an import of cases has) and end with one grid
index per point, -1 outside, the lowest index (= lowest grid code) where a point touches several
grids:
- ours: `Locator.locate_many(x, y)` (raster index, civicgrid/territory/locator_index.py);
- baseline: `shapely.points(x, y)` + `STRtree(grids).query(points, predicate="intersects")`,
  reduced to the lowest index per point with `np.minimum.at`.
Index builds are timed apart (`build_s`), not inside the rates. Each side runs ROUNDS times,
interleaved, and the best run counts. The answers must be equal point for point (`equal`).

Points (seeded): 95 % fall in grids drawn uniformly at random — grids are drawn to hold similar
workloads, so cases spread over grids, not over square kilometres — each uniform inside its grid;
5 % fall outside every grid, in the city's bounding box widened by 5 % a side. The headline uses the whole city
(16,085 grids); `xicheng_*` repeats the run with the points in Xicheng's 1,541 grids.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

from civicgrid.bench.registry import Result, benchmark, rate_result
from civicgrid.core.geo import wgs84_to_gcj02
from civicgrid.territory.locator import Locator

N_POINTS = 1_000_000
OUTSIDE_SHARE = 0.05
ROUNDS = 3
SINGLE_SAMPLES = 2000
SEED = 20180101
XICHENG = "110102"


def sample_points(geoms: np.ndarray, grids: np.ndarray, n: int, rng: np.random.Generator,
                  outside_share: float = OUTSIDE_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """n points: most uniform inside grids drawn from `grids` (indices into geoms), the rest in
    the bounding box of all geoms (widened by 5 % a side) but outside every one of them;
    shuffled."""
    n_out = int(round(n * outside_share))
    n_in = n - n_out
    pick = grids[rng.integers(0, len(grids), n_in)]
    bounds = shapely.bounds(geoms)
    shapely.prepare(geoms)
    x, y = np.empty(n_in), np.empty(n_in)
    todo = np.arange(n_in)
    while todo.size:  # rejection sampling inside each grid's bounding box
        b = bounds[pick[todo]]
        tx, ty = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.intersects_xy(geoms[pick[todo]], tx, ty)
        x[todo[ok]], y[todo[ok]] = tx[ok], ty[ok]
        todo = todo[~ok]
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    mx, my = (xmax - xmin) * 0.05, (ymax - ymin) * 0.05  # a margin, so some space is outside
    xmin, ymin, xmax, ymax = xmin - mx, ymin - my, xmax + mx, ymax + my
    tree = shapely.STRtree(geoms)
    ox, oy = np.empty(0), np.empty(0)
    while len(ox) < n_out:
        m = 8 * (n_out - len(ox)) + 16
        tx, ty = rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)
        hit = np.zeros(m, bool)
        hit[tree.query(shapely.points(tx, ty), predicate="intersects")[0]] = True
        ox, oy = np.concatenate([ox, tx[~hit]]), np.concatenate([oy, ty[~hit]])
    x, y = np.concatenate([x, ox[:n_out]]), np.concatenate([y, oy[:n_out]])
    order = rng.permutation(n)
    return x[order], y[order]


def baseline_locate(tree: shapely.STRtree, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Raw shapely: a point geometry per pair, one STRtree query, lowest hit per point."""
    n_tree = len(tree.geometries)
    pi, ti = tree.query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), n_tree, np.intp)
    np.minimum.at(out, pi, ti)
    out[out == n_tree] = -1
    return out


def _timed(fn) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def compare(locator: Locator, tree: shapely.STRtree, x: np.ndarray, y: np.ndarray,
            rounds: int = ROUNDS) -> dict:
    """Points/s of both sides (best of `rounds`, interleaved) and whether they agree."""
    ours_s = base_s = float("inf")
    for _ in range(rounds):
        t, ours = _timed(lambda: locator.locate_many(x, y))
        ours_s = min(ours_s, t)
        t, base = _timed(lambda: baseline_locate(tree, x, y))
        base_s = min(base_s, t)
    mismatches = int((ours != base).sum())
    return {"ours": len(x) / ours_s, "baseline": len(x) / base_s, "equal": mismatches == 0,
            "mismatches": mismatches, "outside_share": float((base == -1).mean())}


def single_point_us(locator: Locator, x: np.ndarray, y: np.ndarray, crs: str = "wgs84") -> float:
    """Median wall time of one `locate` call (the online path), in µs."""
    times = np.empty(len(x))
    for i, (lon, lat) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        t0 = time.perf_counter()
        locator.locate(lon, lat, crs)
        times[i] = time.perf_counter() - t0
    return float(np.median(times) * 1e6)


def run_locate(grids: list, n_points: int, *, rounds: int = ROUNDS, seed: int = SEED,
               focus_prefix: str | None = XICHENG) -> Result:
    """The benchmark on `grids` (objects with .code, .geometry and the ancestor codes)."""
    rng = np.random.default_rng(seed)
    grids = sorted(grids, key=lambda g: g.code)
    codes = [g.code for g in grids]
    t0 = time.perf_counter()
    locator = Locator.from_arrays(codes, [g.geometry for g in grids],
                                  [g.community_code for g in grids],
                                  [g.street_code for g in grids], [g.district_code for g in grids])
    locator.raster()
    build_s = time.perf_counter() - t0
    # The baseline gets its own geometry objects, so nothing we prepared can help or hurt it.
    base_geoms = shapely.from_wkb(shapely.to_wkb(locator.geometries))
    t0 = time.perf_counter()
    tree = shapely.STRtree(base_geoms)
    tree_build_s = time.perf_counter() - t0
    everyone = np.arange(len(grids))
    x, y = sample_points(base_geoms, everyone, n_points, rng)
    main = compare(locator, tree, x, y, rounds)
    k = min(SINGLE_SAMPLES, n_points)
    gx, gy = wgs84_to_gcj02(x[: k // 4], y[: k // 4])
    extra = {"equal": main["equal"], "mismatches": main["mismatches"],
             "single_point_us": round(single_point_us(locator, x[:k], y[:k]), 2),
             "single_point_gcj02_us": round(single_point_us(locator, gx, gy, "gcj02"), 2),
             "n_points": n_points, "n_grids": len(grids),
             "outside_share": round(main["outside_share"], 4),
             "build_s": round(build_s, 3), "baseline_build_s": round(tree_build_s, 4),
             "index_mb": round(locator.raster().stats()["bytes"] / 2**20, 1),
             "points": "95% in grids drawn uniformly, 5% outside every grid"}
    focus = np.flatnonzero(np.char.startswith(np.asarray(codes), focus_prefix or "\0"))
    if focus.size:
        fx, fy = sample_points(base_geoms, focus, n_points, rng)
        f = compare(locator, tree, fx, fy, rounds)
        extra.update({"xicheng_points_per_s": round(f["ours"]),
                      "xicheng_baseline_points_per_s": round(f["baseline"]),
                      "xicheng_ratio": round(f["ours"] / f["baseline"], 2),
                      "xicheng_equal": f["equal"]})
        extra["equal"] = main["equal"] and f["equal"]
    return rate_result(value=main["ours"], baseline=main["baseline"], unit="points/s", **extra)


@benchmark("locate", "坐标批量定位到网格：定位器对比 shapely.points + STRtree.query（全市演示数据）")
def bench_locate(scale: float, *, district_codes: list[str] | None = None) -> Result:
    """The whole demo city (all 16 districts) unless `district_codes` narrows it (tests)."""
    from civicgrid.demo.city import build_city

    city = build_city(district_codes)
    return run_locate(city.grids, max(int(N_POINTS * scale), 1000))
