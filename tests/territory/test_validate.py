"""`territory validate`: each fault named with its community, codes and area; clean data passes."""

import json
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.geo import area_m2
from civicgrid.territory.importers import territory_import
from civicgrid.territory.models import Grid
from civicgrid.territory.validation import Layer, check_layer, validate_territory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _import(name):
    territory_import(data=FIXTURES / name, fmt="geojson")


def _rules(report):
    return sorted((i.rule, i.community_code, i.codes) for i in report.issues)


def test_hand_built_territory_is_clean(territory, capsys):
    report = validate_territory()
    assert report.ok, report.text()
    assert report.summary() == "5 个社区、9 个网格，全部通过"
    call_command("territory", "validate")
    assert "全部通过" in capsys.readouterr().out


def test_good_file_stays_clean(territory):
    _import("good_grids.geojson")
    assert validate_territory().ok


def test_overlap_is_named_with_both_codes_and_its_area(territory):
    _import("overlap_grids.geojson")
    report = validate_territory()
    (issue,) = report.issues
    assert (issue.rule, issue.community_code) == ("grid_overlap", "110102001002")
    assert issue.codes == ("110102001002001", "110102001002002")
    expected = area_m2(shapely.box(116.31, 39.92, 116.312, 39.94))
    assert issue.area_m2 == pytest.approx(expected, rel=1e-6)
    assert "110102001002001 与 110102001002002 重叠" in issue.message_zh


def test_gap_is_named_with_its_community_and_area(territory, capsys):
    _import("gap_grids.geojson")
    report = validate_territory()
    (issue,) = report.issues
    assert (issue.rule, issue.community_code) == ("gap", "110102003001")
    assert issue.area_m2 == pytest.approx(area_m2(shapely.box(116.33, 39.915, 116.34, 39.92)),
                                          rel=1e-6)
    with pytest.raises(CommandError):
        call_command("territory", "validate")
    out = capsys.readouterr().out
    assert "新街1号社区（110102003001）" in out and "缝隙未覆盖" in out


def test_tolerance_hides_faults_below_it(territory):
    _import("gap_grids.geojson")
    gap = validate_territory().issues[0].area_m2
    assert validate_territory(tolerance_m2=gap + 1).ok


def test_outside_bad_code_missing_geometry_and_size_outlier(territory):
    # A grid pushed 0.001° east, out of its community and onto the neighbour street.
    g = Grid.objects.get(code="110102001001002")
    moved = shapely.box(116.31, 39.90, 116.321, 39.92)
    g.geometry, g.area_m2 = shapely.to_wkb(moved), area_m2(moved)
    g.save()
    # A grid filed under one community with the code of another; a grid with no boundary.
    Grid.objects.create(code="110102003001009", name="错挂网格", community_id="110102001002",
                        street_id="110102001", district_id="110102")
    # A speck: far below a tenth of its street's median grid.
    speck = shapely.box(116.335, 39.935, 116.336, 39.936)
    Grid.objects.create(code="110102003002003", name="碎片网格", community_id="110102003002",
                        street_id="110102003", district_id="110102",
                        geometry=shapely.to_wkb(speck), area_m2=area_m2(speck))
    issues = {(i.rule, i.codes): i for i in validate_territory().issues}
    outside = issues[("grid_outside", ("110102001001002",))]
    assert outside.area_m2 == pytest.approx(area_m2(shapely.box(116.32, 39.90, 116.321, 39.92)),
                                            rel=1e-6)
    assert ("grid_overlap", ("110102001001002", "110102003001001")) in issues
    assert "与上级编码“110102001002”不一致" in issues[("bad_code", ("110102003001009",))].message_zh
    assert ("no_geometry", ("110102003001009",)) in issues
    outlier = issues[("size_outlier", ("110102003002003",))]
    assert outlier.community_code == "110102003002" and "中位数" in outlier.message_zh
    # The speck lies on top of grid 002 of its community.
    assert ("grid_overlap", ("110102003002002", "110102003002003")) in issues


def test_area_filter_and_json(territory, capsys):
    _import("overlap_grids.geojson")
    _import("gap_grids.geojson")
    assert _rules(validate_territory("110102003")) == [("gap", "110102003001", ("110102003001",))]
    assert validate_territory("110105").ok
    assert [i.rule for i in validate_territory("110102001002002").issues] == ["grid_overlap"]
    assert validate_territory("110102001001001").ok
    with pytest.raises(CommandError):
        call_command("territory", "validate", "--json", "--area", "110102")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and {i["rule"] for i in data["issues"]} == {"gap", "grid_overlap"}
    grouped = validate_territory().by_community()
    assert set(grouped) == {"110102001002", "110102003001"}


def synthetic_layer(nx: int, ny: int, *, size: float = 0.004) -> Layer:
    """nx × ny square communities in blocks of 5 × 5 per street; every community cut into two
    grids, every third one into three (about 2.33 grids per community)."""
    comms, grids = [], []
    for i in range(nx):
        for j in range(ny):
            street = f"110102{(i // 5) * 15 + j // 5 + 1:03d}"
            ccode = f"{street}{(i % 5) * 5 + j % 5 + 1:03d}"
            x0, y0 = 116.0 + i * size, 39.5 + j * size
            comms.append((ccode, street, shapely.box(x0, y0, x0 + size, y0 + size)))
            cuts = np.linspace(x0, x0 + size, 4 if (i + j) % 3 == 0 else 3)
            for k in range(len(cuts) - 1):
                grids.append((f"{ccode}{k + 1:03d}", ccode, street,
                              shapely.box(cuts[k], y0, cuts[k + 1], y0 + size)))
    return Layer(comm_codes=[c[0] for c in comms], comm_streets=[c[1] for c in comms],
                 comm_geoms=np.array([c[2] for c in comms], dtype=object),
                 grid_codes=[g[0] for g in grids], grid_comms=[g[1] for g in grids],
                 grid_streets=[g[2] for g in grids], grid_districts=["110102"] * len(grids),
                 grid_geoms=np.array([g[3] for g in grids], dtype=object))


@pytest.mark.slow
def test_city_sized_layer_is_checked_in_seconds():
    layer = synthetic_layer(100, 75)
    assert len(layer.comm_codes) == 7500 and len(layer.grid_codes) > 16000
    layer.grid_geoms[4] = shapely.box(*shapely.bounds(layer.grid_geoms[4]) + [0, 0, 0.0005, 0])
    started = time.perf_counter()
    issues = check_layer(layer)
    elapsed = time.perf_counter() - started
    assert {i.rule for i in issues} == {"grid_outside", "grid_overlap"}
    assert elapsed < 20, elapsed
