"""Grid-layer fusion (多网融合) over the hand-built territory's four Xicheng communities:

    social service (base): S1, S2 (crosses from 110102001001 into 110102003001), S3 (pokes 1 dm
        over into 110102003002), S4 (all of 110102001002 but a ~95 m² corner); nothing in 003002
    city management: three east-west strips across the district
    public security: the west street only
    enforcement: one grid over Chaoyang (outside the fused area)
"""

import json
from collections import defaultdict
from itertools import combinations

import pytest
import shapely
from django.core.management import call_command

from civicgrid.core.codes import code_error
from civicgrid.core.errors import Conflict, PermissionDenied
from civicgrid.core.geo import area_m2
from civicgrid.territory.fusion import territory_fuse
from civicgrid.territory.importers import territory_import
from civicgrid.territory.models import (
    Community,
    Force,
    Grid,
    GridAssignment,
    GridCrosswalk,
    GridWorker,
)
from civicgrid.territory.selectors import territory_revision
from civicgrid.territory.validation import validate_territory
from tests.factories import CHAOYANG, XICHENG, Role, make_user

pytestmark = pytest.mark.django_db
CORNER = 0.0001  # degrees: ~8.5 m × 11 m


def _layer(layer, grids):
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": code},
         "geometry": json.loads(shapely.to_geojson(geom))} for code, geom in grids]})
    territory_import(data=data, fmt="geojson", layer=layer)


@pytest.fixture
def layers(territory):
    b = shapely.box
    s4 = shapely.difference(b(116.30, 39.92, 116.32, 39.94),
                            b(116.32 - CORNER, 39.94 - CORNER, 116.32, 39.94))
    _layer("social_service", [("S1", b(116.30, 39.90, 116.31, 39.92)),
                              ("S2", b(116.31, 39.90, 116.325, 39.92)),
                              ("S3", b(116.325, 39.90, 116.34, 39.920001)), ("S4", s4)])
    _layer("city_management", [("C1", b(116.30, 39.90, 116.34, 39.91)),
                               ("C2", b(116.30, 39.91, 116.34, 39.93)),
                               ("C3", b(116.30, 39.93, 116.34, 39.94))])
    _layer("public_security", [("P1", b(116.30, 39.90, 116.32, 39.94))])
    _layer("enforcement", [("E1", b(116.34, 39.90, 116.38, 39.94))])
    return territory


def _fuse(**kw):
    return territory_fuse(base_layer="social_service", area_code=XICHENG, **kw)


def test_unified_grids_tile_each_community_with_wellformed_codes(layers):
    report = _fuse()
    by_comm = defaultdict(list)
    for g in report.grids:
        by_comm[g.community_code].append(g)
        assert code_error(g.code, "grid", g.community_code) is None
    assert len({g.code for g in report.grids}) == len(report.grids) == 6
    assert {c: [g.origin for g in gs] for c, gs in by_comm.items()} == {
        "110102001001": ["S1", "S2"], "110102001002": ["S4"],
        "110102003001": ["S2", "S3"], "110102003002": [""]}
    for ccode, grids in by_comm.items():
        community = Community.objects.get(code=ccode).shape
        union = shapely.union_all([g.geometry for g in grids])
        assert area_m2(shapely.symmetric_difference(union, community)) < 1.0, ccode
        for a, b in combinations(grids, 2):
            assert area_m2(shapely.intersection(a.geometry, b.geometry)) < 1.0
    # Numbered west to east: S2's piece east of the street boundary is 003001's first grid.
    assert [g.origin for g in by_comm["110102003001"]] == ["S2", "S3"]
    assert by_comm["110102003001"][0].code == "110102003001001"


def test_crosswalk_shares_sum_to_one_per_covering_layer(layers):
    report = _fuse()
    sums = defaultdict(float)
    for row in report.crosswalk:
        sums[(row.grid_code, row.layer)] += row.share_of_grid
        assert 0 < row.share_of_source <= 1 + 1e-9
    codes = [g.code for g in report.grids]
    west = [c for c in codes if c.startswith("110102001")]
    for code in codes:
        assert sums[(code, "city_management")] == pytest.approx(1, abs=1e-6)
    for code in west:
        assert sums[(code, "public_security")] == pytest.approx(1, abs=1e-6)
    for code in set(codes) - set(west):
        assert (code, "public_security") not in sums
    for code in set(codes) - {"110102003002001"}:  # that one is a filled gap
        # 110102001002001 holds the merged ~95 m² corner S4 left out: 1 - 2.5e-5.
        assert sums[(code, "social_service")] == pytest.approx(1, abs=1e-4)
    assert not any(row.layer == "enforcement" for row in report.crosswalk)
    s2 = {r.grid_code: r.share_of_source for r in report.crosswalk if r.source_code == "S2"}
    assert s2 == pytest.approx({"110102001001002": 2 / 3, "110102003001001": 1 / 3}, rel=1e-3)


def test_conflicts_name_the_crossing_grid_slivers_and_gaps(layers):
    report = _fuse()
    assert report.layer_counts == {"city_management": 3, "public_security": 1,
                                   "social_service": 4}
    kinds = defaultdict(list)
    for c in report.conflicts:
        kinds[c.kind].append(c)
    s2 = next(c for c in kinds["source_split"] if c.source_code == "S2")
    assert s2.shares == pytest.approx({"110102001001": 2 / 3, "110102003001": 1 / 3}, rel=1e-3)
    assert "S2 跨越 2 个社区" in s2.message_zh
    slivers = {(c.community_code, c.source_code): c for c in kinds["sliver"]}
    corner = slivers[("110102001002", "")]
    assert corner.area_m2 == pytest.approx(area_m2(shapely.box(116.32 - CORNER, 39.94 - CORNER,
                                                               116.32, 39.94)), rel=1e-3)
    assert "已并入相邻的 S4" in corner.message_zh
    poke = slivers[("110102003002", "S3")]
    assert poke.area_m2 < 200
    uncovered = {(c.layer, c.community_code) for c in kinds["uncovered"]}
    assert {("public_security", "110102003001"), ("public_security", "110102003002"),
            ("social_service", "110102003002")} <= uncovered
    assert not any(layer == "city_management" for layer, _c in uncovered)


def test_write_replaces_grids_keeps_crosswalk_and_validates(layers, capsys):
    before = territory_revision()
    dry = _fuse(dry_run=True)
    assert Grid.objects.filter(district_id=XICHENG).count() == 8  # the fixture's grids
    assert territory_revision() == before
    report = _fuse()
    assert report.replaced == 8
    assert sorted(Grid.objects.filter(district_id=XICHENG).values_list("code", flat=True)) == \
        sorted(g.code for g in dry.grids)
    assert Grid.objects.filter(district_id=CHAOYANG).count() == 1  # outside the area: untouched
    assert GridCrosswalk.objects.count() == len(report.crosswalk)
    assert territory_revision() == before + 1
    assert validate_territory().ok, validate_territory().text()
    call_command("territory", "fuse", "--base", "social_service", "--area", XICHENG,
                 "--dry-run")
    out = capsys.readouterr().out
    assert "将生成统一网格 6 个" in out and "S2 跨越 2 个社区" in out


def test_fusion_refuses_to_drop_staffed_grids_and_checks_scope(layers):
    grid = Grid.objects.get(code="110102001001001")
    worker = GridWorker.objects.create(name="张三", force=Force.BASIC, street_id="110102001",
                                       district_id=XICHENG)
    GridAssignment.objects.create(worker=worker, grid=grid)
    with pytest.raises(Conflict):
        _fuse()
    assert Grid.objects.filter(district_id=XICHENG).count() == 8
    with pytest.raises(PermissionDenied):
        _fuse(actor=make_user(Role.DISTRICT_ADMIN, CHAOYANG), dry_run=True)
    assert len(_fuse(actor=make_user(Role.DISTRICT_ADMIN, XICHENG), dry_run=True).grids) == 6
