"""Importing territory files: all or nothing, every fault named with its row, code and reason."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.core.geo import area_m2, wgs84_to_gcj02
from civicgrid.territory.importers import territory_import
from civicgrid.territory.models import Community, Grid, SourceGrid, Street
from civicgrid.territory.selectors import territory_revision
from tests.factories import CHAOYANG, XICHENG, Role, make_user

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]})


def _box(*b):
    return json.loads(shapely.to_geojson(shapely.box(*b)))


def test_good_grid_file_updates_and_creates_in_one_go(territory):
    before = territory_revision()
    result = territory_import(data=FIXTURES / "good_grids.geojson", fmt="geojson")
    assert (result.created, result.updated) == (1, 2)
    grids = Grid.objects.filter(community_id="110102001001").order_by("code")
    assert [g.code for g in grids] == ["110102001001001", "110102001001002", "110102001001003"]
    new = grids.get(code="110102001001003")
    # Ancestors come from the code; area is computed from the (WGS84) geometry.
    assert (new.community_id, new.street_id, new.district_id) == (
        "110102001001", "110102001", XICHENG)
    assert new.area_m2 == pytest.approx(area_m2(shapely.box(116.30, 39.91, 116.32, 39.92)))
    assert new.shape.equals(shapely.box(116.30, 39.91, 116.32, 39.92))
    assert grids.get(code="110102001001002").name == "西长1号社区第2网格"  # 编码/名称 aliases
    assert territory_revision() == before + 1


def test_bad_file_writes_nothing_and_names_every_fault(territory):
    before = territory_revision()
    names = dict(Grid.objects.values_list("code", "name"))
    with pytest.raises(InvalidInput) as exc:
        territory_import(data=FIXTURES / "bad_grids.geojson", fmt="geojson", level="grid")
    errors = {(e.row, e.code): e.reason for e in exc.value.details}
    assert "数字" in errors[(2, "11010200100100A")]
    assert "上级“110102001009”不存在" in errors[(3, "110102001009001")]
    assert "重复" in errors[(4, "110102001001001")] and "第1条" in errors[(4, "110102001001001")]
    assert "缺少名称" in errors[(5, "110102001002002")]
    assert "Self-intersection" in errors[(6, "110102003001001")]
    assert "Point" in errors[(7, "110102003001002")]
    assert "超出中国范围" in errors[(8, "110102003002001")]
    assert "000" in errors[(9, "110102003002000")]
    assert (1, "110102001001001") not in errors  # the good row is not blamed
    assert dict(Grid.objects.values_list("code", "name")) == names
    assert territory_revision() == before


def test_level_mismatch_and_unknown_crs_are_reported(territory):
    data = _collection(({"code": "110102001001", "name": "社区"}, _box(116.3, 39.9, 116.32, 39.92)))
    with pytest.raises(InvalidInput) as exc:
        territory_import(data=data, fmt="geojson", level="grid", crs="epsg3857")
    reasons = [e.reason for e in exc.value.details]
    assert any("未知坐标系" in r for r in reasons)
    assert any("网格编码应为15位，实际为12位" in r for r in reasons)


def test_csv_with_bom_codes_only_any_order(territory):
    result = territory_import(data=(FIXTURES / "communities.csv").read_bytes(), fmt="csv")
    assert (result.created, result.updated) == (3, 0)
    assert Street.objects.get(code="110102005").district_id == XICHENG
    village = Community.objects.get(code="110102005002")
    assert (village.kind, village.street_id, village.district_id) == ("village", "110102005", XICHENG)
    assert village.geometry is None
    # Re-importing names only keeps the boundary of an existing node.
    old = Community.objects.get(code="110102001001").geometry
    territory_import(data="code,name\n110102001001,改名社区\n", fmt="csv")
    renamed = Community.objects.get(code="110102001001")
    assert renamed.name == "改名社区" and bytes(renamed.geometry) == bytes(old)


def test_gcj02_input_is_stored_as_wgs84(territory):
    wgs = shapely.box(116.30, 39.90, 116.31, 39.92)
    gcj = shapely.transform(wgs, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))
    data = _collection(({"code": "110102001001001", "name": "网格"},
                        json.loads(shapely.to_geojson(gcj))))
    territory_import(data=data, fmt="geojson", crs="gcj02")
    stored = Grid.objects.get(code="110102001001001").shape
    assert shapely.hausdorff_distance(stored, wgs) < 1e-7  # about a centimetre
    assert not shapely.equals(gcj, wgs)  # the offset (hundreds of metres) really was removed


def test_dry_run_counts_but_writes_nothing(territory):
    before = territory_revision()
    result = territory_import(data=FIXTURES / "good_grids.geojson", fmt="geojson", dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 2, True)
    assert not Grid.objects.filter(code="110102001001003").exists()
    assert territory_revision() == before


def test_district_admin_imports_only_inside_their_district(territory):
    neighbour = make_user(Role.DISTRICT_ADMIN, CHAOYANG)
    with pytest.raises(PermissionDenied):
        territory_import(data=FIXTURES / "good_grids.geojson", fmt="geojson", actor=neighbour)
    assert not Grid.objects.filter(code="110102001001003").exists()
    own = make_user(Role.DISTRICT_ADMIN, XICHENG)
    assert territory_import(data=FIXTURES / "good_grids.geojson", fmt="geojson",
                            actor=own).created == 1
    # Creating a district is a city matter.
    with pytest.raises(PermissionDenied):
        territory_import(data="code,name\n110108,海淀区\n", fmt="csv", actor=own)


def test_source_layer_import_accepts_any_id(territory):
    data = _collection(({"id": "SQ-01", "name": "服务网格1"}, _box(116.30, 39.90, 116.31, 39.91)),
                       ({"id": "SQ-02"}, _box(116.35, 39.90, 116.36, 39.91)))
    result = territory_import(data=data, fmt="geojson", layer="social_service")
    assert result.created == 2
    rows = dict(SourceGrid.objects.values_list("source_code", "district_id"))
    assert rows == {"SQ-01": XICHENG, "SQ-02": CHAOYANG}
    assert territory_import(data=data, fmt="geojson", layer="social_service").updated == 2


def test_cli_prints_every_error_and_fails(territory, capsys):
    with pytest.raises(CommandError):
        call_command("territory", "import", str(FIXTURES / "bad_grids.geojson"))
    out = capsys.readouterr().out
    assert "第3条（编码 110102001009001）" in out
    assert "未写入任何数据" in out
    call_command("territory", "import", str(FIXTURES / "good_grids.geojson"), "--dry-run")
    assert "将新建 1 条、更新 2 条" in capsys.readouterr().out
