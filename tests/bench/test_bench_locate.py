"""`civicgrid bench locate` runs, compares the locator with raw shapely and agrees with it.
No timing is asserted: the figures depend on the machine (docs/benchmarks.md records them)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from civicgrid.bench.bench_locate import bench_locate, run_locate
from tests.territory.test_locator import voronoi_layer


def test_run_locate_on_a_small_layer_agrees_with_raw_shapely():
    res = run_locate(voronoi_layer(), 20_000, rounds=1, focus_prefix="110102001")
    extra = res.extra
    assert extra["equal"] is True and extra["xicheng_equal"] is True
    assert extra["mismatches"] == 0
    assert res.ratio > 0 and res.value > 0 and res.baseline > 0 and res.unit == "points/s"
    assert extra["n_points"] == 20_000 and extra["n_grids"] == len(voronoi_layer())
    assert abs(extra["outside_share"] - 0.05) < 0.005  # 5 % of the points lie outside every grid
    assert extra["single_point_us"] > 0 and extra["build_s"] > 0


def test_bench_locate_on_demo_xicheng():
    res = bench_locate(0.01, district_codes=["110102"])
    assert res.extra["equal"] is True and res.extra["xicheng_equal"] is True
    assert res.extra["n_grids"] == 1541 and res.extra["n_points"] == 10_000
    assert res.ratio > 0


@pytest.mark.slow
def test_bench_locate_json_on_the_demo_city():
    out = StringIO()
    call_command("bench", "locate", "--json", "--scale", "0.01", stdout=out)
    result = json.loads(out.getvalue())
    assert list(result) == ["locate"]
    locate = result["locate"]
    assert locate["equal"] is True and locate["xicheng_equal"] is True
    assert locate["ratio"] > 0 and locate["unit"] == "points/s"
    assert locate["n_grids"] > 1541  # the whole city, not only Xicheng
    assert {"value", "baseline", "single_point_us", "build_s", "n_points"} <= set(locate)
