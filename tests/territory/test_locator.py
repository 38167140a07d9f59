"""The locator: known answers on the hand-built territory, exact agreement with raw shapely on a
synthetic Voronoi layer (holes, a multipolygon, an overlap), GCJ-02/BD-09 input, the rebuild on
a territory change, and `civicgrid territory locate`."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.core.errors import InvalidInput
from civicgrid.core.geo import gcj02_to_bd09, wgs84_to_gcj02
from civicgrid.territory.locator import Location, Locator, get_locator, reset_locator
from civicgrid.territory.locator_index import RasterIndex
from civicgrid.territory.models import Grid
from civicgrid.territory.services import territory_mark_changed

W1 = "110102001001001"  # x 116.30–116.31, y 39.90–39.92 (tests/factories.py)
W2 = "110102001001002"  # x 116.31–116.32
CY = "110105001001001"  # Chaoyang: box(116.34, 39.90, 116.36, 39.94)


@pytest.fixture
def fresh_locator():
    reset_locator()
    yield
    reset_locator()


def _baseline(geoms, x, y):
    """Raw shapely: every grid the point intersects, the lowest index wins."""
    pi, ti = shapely.STRtree(geoms).query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), len(geoms), np.intp)
    np.minimum.at(out, pi, ti)
    out[out == len(geoms)] = -1
    return out


# --- the hand-built territory --------------------------------------------------------------------


@pytest.mark.parametrize(("lon", "lat", "grid"), [
    (116.305, 39.91, "110102001001001"), (116.315, 39.91, "110102001001002"),
    (116.305, 39.93, "110102001002001"), (116.315, 39.93, "110102001002002"),
    (116.325, 39.91, "110102003001001"), (116.335, 39.91, "110102003001002"),
    (116.325, 39.93, "110102003002001"), (116.335, 39.93, "110102003002002"),
    (116.35, 39.935, CY),
])
def test_every_grid_of_the_layout_and_its_ancestors(territory, lon, lat, grid):
    loc = Locator.from_db()
    want = Location(grid, grid[:12], grid[:9], grid[:6])
    assert loc.locate(lon, lat) == want
    idx = loc.locate_many(np.array([lon]), np.array([lat]))
    assert [loc.codes_for(idx, level)[0] for level in ("grid", "community", "street", "district")
            ] == [want.grid_code, want.community_code, want.street_code, want.district_code]


@pytest.mark.parametrize(("lon", "lat"), [(116.29, 39.91), (116.37, 39.91),  # in Chaoyang's outline, in no grid
                                          (116.31, 39.95),
                                          (0.0, 0.0), (float("nan"), 39.91)])
def test_outside_every_grid_is_explicit_never_the_nearest(territory, lon, lat):
    loc = Locator.from_db()
    assert loc.locate(lon, lat) is None
    idx = loc.locate_many(np.array([lon]), np.array([lat]))
    assert idx.tolist() == [-1]
    assert loc.codes_for(idx, "district").tolist() == [""]


@pytest.mark.parametrize(("lon", "lat", "grid"), [
    (116.31, 39.91, W1),                  # the edge between W1 and W2
    (116.32, 39.92, "110102001001002"),   # four grids meet here
    (116.34, 39.91, "110102003001002"),   # district border: 110102… < 110105…
    (116.30, 39.90, W1),                  # the outer corner still touches W1
])
def test_boundary_points_go_to_the_lowest_code_on_both_paths(territory, lon, lat, grid):
    loc = Locator.from_db()
    assert loc.locate(lon, lat).grid_code == grid
    assert loc.codes_for(loc.locate_many([lon], [lat]), "grid").tolist() == [grid]


def test_the_answer_does_not_depend_on_load_order(territory):
    rows = list(Grid.objects.values_list("code", "geometry", "community_id", "street_id",
                                         "district_id"))
    geoms = [shapely.from_wkb(bytes(r[1])) for r in rows]
    cols = [[r[i] for r in rows] for i in (0, 2, 3, 4)]
    forward = Locator.from_arrays(cols[0], geoms, *cols[1:])
    backward = Locator.from_arrays(cols[0][::-1], geoms[::-1], *[c[::-1] for c in cols[1:]])
    xs, ys = np.array([116.31, 116.32, 116.34, 116.305]), np.array([39.91, 39.92, 39.91, 39.9])
    assert (forward.codes_for(forward.locate_many(xs, ys)).tolist()
            == backward.codes_for(backward.locate_many(xs, ys)).tolist())


def test_gcj02_and_bd09_input_is_converted_before_locating(territory):
    loc = Locator.from_db()
    gx, gy = wgs84_to_gcj02(116.305, 39.905)  # ~550 m east of the WGS84 point: inside W2
    bx, by = gcj02_to_bd09(gx, gy)
    assert loc.locate(float(gx), float(gy)).grid_code == W2  # taken as WGS84: the wrong grid
    assert loc.locate(float(gx), float(gy), crs="gcj02").grid_code == W1
    assert loc.locate(float(bx), float(by), crs="bd09").grid_code == W1
    batch = loc.locate_many(np.array([gx, bx]), np.array([gy, by]), crs="gcj02")
    assert loc.codes_for(batch)[0] == W1
    with pytest.raises(InvalidInput, match="坐标系"):
        loc.locate(116.3, 39.9, crs="epsg:3857")


def test_an_empty_territory_locates_nothing(db):
    loc = Locator.from_db()
    assert loc.locate(116.3, 39.9) is None
    assert loc.locate_many([116.3, 116.4], [39.9, 39.9]).tolist() == [-1, -1]


# --- exactness against raw shapely on a synthetic layer ----------------------------------------


@dataclass
class FakeGrid:
    code: str
    geometry: shapely.Geometry

    community_code = property(lambda self: self.code[:12])
    street_code = property(lambda self: self.code[:9])
    district_code = property(lambda self: self.code[:6])


def voronoi_layer(n: int = 300, seed: int = 7) -> list[FakeGrid]:
    """Seeded Voronoi cells in a 0.1° box, plus the awkward cases: a cell with a hole (left
    uncovered), two cells merged into a multipolygon and a square overlapping several cells."""
    rng = np.random.default_rng(seed)
    box = shapely.box(116.30, 39.90, 116.40, 39.98)
    pts = shapely.multipoints(np.column_stack([rng.uniform(116.30, 116.40, n),
                                               rng.uniform(39.90, 39.98, n)]))
    cells = [shapely.intersection(c, box) for c in shapely.get_parts(
        shapely.voronoi_polygons(pts, extend_to=box))]
    cells = [c for c in cells if not c.is_empty]
    c0 = cells[0]
    cells[0] = c0.difference(c0.centroid.buffer(0.002))
    cells[1] = shapely.MultiPolygon([cells[1], cells[-1]])
    cells[-1] = shapely.box(116.345, 39.935, 116.36, 39.95)
    return [FakeGrid(f"110102{i // 90 + 1:03d}{i // 30 % 3 + 1:03d}{i % 30 + 1:03d}", c)
            for i, c in enumerate(cells)]


@pytest.fixture(scope="module")
def layer():
    grids = voronoi_layer()
    loc = Locator.from_arrays([g.code for g in grids], [g.geometry for g in grids],
                              [g.community_code for g in grids], [g.street_code for g in grids],
                              [g.district_code for g in grids])
    return loc, shapely.from_wkb(shapely.to_wkb(loc.geometries))


def _awkward_points(geoms, rng, n):
    """Random points in and around the layer plus every vertex, edge midpoint and points a
    hair away from vertices: the places where a raster or a rounding could slip."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    c = shapely.get_coordinates(geoms)
    x = np.concatenate([rng.uniform(xmin - 0.01, xmax + 0.01, n), c[:, 0],
                        (c[:-1, 0] + c[1:, 0]) / 2, c[:, 0] + rng.normal(0, 1e-12, len(c))])
    y = np.concatenate([rng.uniform(ymin - 0.01, ymax + 0.01, n), c[:, 1],
                        (c[:-1, 1] + c[1:, 1]) / 2, c[:, 1] + rng.normal(0, 1e-12, len(c))])
    return x, y


def test_batch_equals_raw_shapely_on_a_million_points(layer):
    loc, plain = layer
    x, y = _awkward_points(plain, np.random.default_rng(1), 1_000_000)
    got = loc.locate_many(x, y)
    assert np.array_equal(got, _baseline(plain, x, y))
    assert 0 < (got == -1).mean() < 0.5  # the sample really has outside points and inside ones


@pytest.mark.parametrize(("level1", "level2", "per_side"), [
    (1 << 8, 1 << 20, 64),   # coarse level 1, most boundary cells refined
    (1 << 10, 1 << 12, 64),  # level-2 budget too small: the refinement is coarsened to fit
    (1 << 16, 0, 1),         # no refinement at all
])
def test_every_index_shape_gives_the_same_exact_answer(layer, level1, level2, per_side):
    loc, plain = layer
    index = RasterIndex(loc.geometries, level1_cells=level1, level2_cells=level2,
                        per_side=per_side)
    x, y = _awkward_points(plain, np.random.default_rng(2), 100_000)
    assert np.array_equal(index.lookup(x, y), _baseline(plain, x, y))
    assert index.stats()["level2_cells"] <= level2


def test_slivers_and_nearly_flat_edges_stay_exact():
    """Overlapping quads from 1 m to 3 km wide, some a billionth as tall as wide: edges so flat
    that a careless scanline or cell test would misplace points near them."""
    rng = np.random.default_rng(3)
    geoms = []
    for _ in range(150):
        cx, cy = rng.uniform(116.3, 116.4), rng.uniform(39.9, 40.0)
        w = 10 ** rng.uniform(-5, -1.5)
        h = w * 10 ** rng.uniform(-9, 0)
        quad = shapely.Polygon([(cx, cy), (cx + w, cy + h * rng.uniform(-1e-3, 1e-3)),
                                (cx + w * rng.uniform(0.2, 1), cy + h), (cx - w * 0.3, cy + h / 2)])
        if quad.is_valid and quad.area > 0:
            geoms.append(quad)
    plain = np.array(geoms, dtype=object)
    index = RasterIndex(shapely.from_wkb(shapely.to_wkb(plain)), level2_cells=1 << 18)
    c = shapely.get_coordinates(plain)
    t = rng.uniform(0, 1, len(c) - 1)[:, None]
    on_edges = c[:-1] + t * (c[1:] - c[:-1]) + rng.normal(0, 1e-11, (len(c) - 1, 2))
    x = np.concatenate([rng.uniform(116.29, 116.41, 100_000), c[:, 0], on_edges[:, 0]])
    y = np.concatenate([rng.uniform(39.89, 40.01, 100_000), c[:, 1], on_edges[:, 1]])
    assert np.array_equal(index.lookup(x, y), _baseline(plain, x, y))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(116.29, 116.41), st.floats(39.89, 39.99)), min_size=1,
                max_size=50), st.integers(0, 10_000))
def test_batch_equals_one_by_one_equals_raw_shapely(layer, points, vertex):
    loc, plain = layer
    c = shapely.get_coordinates(plain)
    points = [*points, tuple(c[vertex % len(c)])]  # always include an exact vertex
    x, y = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    batch = loc.locate_many(x, y)
    single = [loc.locate_index(a, b) for a, b in points]
    assert batch.tolist() == single == _baseline(plain, x, y).tolist()


def test_the_overlap_goes_to_the_lower_code(layer):
    loc, _ = layer
    square = len(loc) - 1  # the overlapping square has the highest code
    inside = loc.locate_many([116.35], [39.94])[0]
    assert inside != square and shapely.intersects_xy(loc.geometries[inside], 116.35, 39.94)


# --- the process-wide locator -----------------------------------------------------------------


@override_settings(CIVICGRID={"LOCATOR_REFRESH_SECONDS": 3600})
def test_get_locator_rebuilds_when_the_territory_revision_moves(territory, fresh_locator):
    west = (116.29, 39.91)  # outside the territory, west of W1
    first = get_locator()
    assert first.locate(*west) is None
    assert get_locator(refresh=True) is first  # revision unchanged: no rebuild

    Grid.objects.filter(code=W1).update(
        geometry=shapely.to_wkb(shapely.box(116.28, 39.90, 116.31, 39.92)))
    territory_mark_changed()
    assert get_locator() is first  # checked at most every LOCATOR_REFRESH_SECONDS
    fresh = get_locator(refresh=True)
    assert fresh is not first
    assert fresh.locate(*west).grid_code == W1
    assert fresh.codes_for(fresh.locate_many([west[0]], [west[1]])).tolist() == [W1]


@override_settings(CIVICGRID={"LOCATOR_REFRESH_SECONDS": 0})
def test_get_locator_checks_by_itself_after_the_interval(territory, fresh_locator):
    assert get_locator().locate(116.35, 39.935).grid_code == CY
    Grid.objects.filter(code=CY).delete()
    territory_mark_changed()
    assert get_locator().locate(116.35, 39.935) is None


# --- civicgrid territory locate -----------------------------------------------------------------


def _locate_cli(*args):
    from io import StringIO

    out = StringIO()
    try:
        call_command("territory", "locate", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_cli_prints_codes_and_names(territory, fresh_locator):
    status, text = _locate_cli("116.305", "39.91")
    assert status == 0
    assert W1 in text and "西城区" in text and "西长安街街道" in text
    assert "110102001001" in text and "西长1号社区" in text


def test_cli_converts_gcj02(territory, fresh_locator):
    gx, gy = wgs84_to_gcj02(116.305, 39.905)
    status, text = _locate_cli(f"{float(gx):.9f}", f"{float(gy):.9f}", "--crs", "gcj02")
    assert status == 0 and W1 in text


def test_cli_outside_says_so_with_status_1(territory, fresh_locator):
    status, text = _locate_cli("116.0", "39.5")
    assert status == 1
    assert "不在任何网格内" in text


def test_cli_batch_file(territory, fresh_locator, tmp_path):
    src, dst = tmp_path / "points.csv", tmp_path / "located.csv"
    src.write_text("id,lon,lat\na,116.305,39.91\nb,116.0,39.5\nc,116.35,39.935\n",
                   encoding="utf-8")
    status, text = _locate_cli("--file", str(src), "--out", str(dst))
    assert status == 0
    rows = list(csv.DictReader(dst.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [r["grid_code"] for r in rows] == [W1, "", CY]
    assert [r["district_code"] for r in rows] == ["110102", "", "110105"]
    assert "3 行" in text and "1 行不在任何网格内" in text and "行/秒" in text


def test_cli_batch_names_the_bad_rows(territory, fresh_locator, tmp_path):
    src = tmp_path / "points.csv"
    src.write_text("lon,lat\n116.305,39.91\nabc,39.9\n", encoding="utf-8")
    status, text = _locate_cli("--file", str(src), "--out", str(tmp_path / "o.csv"))
    assert status == 2 and "不是数字" in text and text.strip().endswith("3")
    assert not (tmp_path / "o.csv").exists()
