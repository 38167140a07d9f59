"""The generated demo city: real codes, invented shapes that tile their parents exactly."""

import re
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely

from civicgrid.core.codes import code_error
from civicgrid.demo.city import XICHENG, build_city, district_outlines, short_name
from civicgrid.demo.partition import partition

SHIJINGSHAN = "110107"  # the district with the fewest communities (153)


def _assert_tiles(parent, children, *, rel=1e-4):
    """children cover parent with no gap or overlap beyond `rel` of its area."""
    geoms = np.array(children, dtype=object)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in geoms)
    union = shapely.union_all(geoms)
    area = parent.area
    assert shapely.symmetric_difference(union, parent).area < rel * area
    assert abs(shapely.area(geoms).sum() - union.area) < rel * area  # no overlaps


def test_xicheng_has_its_real_streets_communities_and_1541_grids(xicheng):
    assert xicheng.counts() == {"district": 1, "street": 15, "community": 263, "grid": 1541}
    codes = [g.code for g in xicheng.grids]
    assert len(set(codes)) == 1541
    per_community = Counter(g.community_code for g in xicheng.grids)
    assert set(per_community) == {c.code for c in xicheng.communities}
    assert set(per_community.values()) == {5, 6}  # spread evenly, about 5–6 each
    for g in xicheng.grids:
        assert re.fullmatch(r"110102\d{9}", g.code)
        assert code_error(g.code, "grid", g.community_code) is None
        assert (g.street_code, g.district_code) == (g.code[:9], XICHENG)
        assert g.parent_code == g.community_code
    seqs = defaultdict(list)
    for g in xicheng.grids:
        seqs[g.community_code].append(int(g.code[-3:]))
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values())
    yuetan = next(s for s in xicheng.streets if s.code == "110102007")
    assert yuetan.name == "月坛街道"


def test_xicheng_grids_tile_the_real_outline_and_every_community(xicheng):
    outline = district_outlines()[XICHENG]
    assert xicheng.districts[0].geometry.equals(outline)
    _assert_tiles(outline, [g.geometry for g in xicheng.grids])
    _assert_tiles(outline, [s.geometry for s in xicheng.streets])
    grids = defaultdict(list)
    for g in xicheng.grids:
        grids[g.community_code].append(g.geometry)
    for c in xicheng.communities:
        _assert_tiles(c.geometry, grids[c.code])


def test_building_twice_gives_identical_geometry(xicheng):
    again = build_city([XICHENG])
    wkb = shapely.to_wkb
    assert [g.code for g in again.grids] == [g.code for g in xicheng.grids]
    assert all(np.array_equal(wkb(a.grid_geometries()), wkb(b.grid_geometries()))
               for a, b in [(again, xicheng)])
    assert [wkb(s.geometry) for s in again.streets] == [wkb(s.geometry) for s in xicheng.streets]


def test_other_districts_get_grids_per_community_and_do_not_depend_on_the_selection():
    alone = build_city([SHIJINGSHAN], grids_per_community=3)
    assert alone.counts() == {"district": 1, "street": 9, "community": 153, "grid": 459}
    assert set(Counter(g.community_code for g in alone.grids).values()) == {3}
    both = build_city([SHIJINGSHAN, "110101"], grids_per_community=3)
    same = {g.code: shapely.to_wkb(g.geometry) for g in both.grids}
    assert all(same[g.code] == shapely.to_wkb(g.geometry) for g in alone.grids)


def test_grid_names_use_the_short_community_name(xicheng):
    assert xicheng.grids[0].name.endswith("社区第1网格")
    assert short_name("三里河一区社区居委会") == "三里河一区社区"
    assert short_name("董各庄村民委员会") == "董各庄村"
    assert short_name("新兴里居委会") == "新兴里社区"


def test_unknown_district_and_too_few_grids_are_refused():
    with pytest.raises(ValueError, match="120101"):
        build_city(["120101"])
    with pytest.raises(ValueError, match="263"):
        build_city([XICHENG], xicheng_grids=100)


def test_partition_of_a_concave_and_two_part_parent_stays_polygons():
    # A comb: a Voronoi cell straddling several teeth falls in pieces, which must be merged
    # into the neighbours so that every cell is one Polygon and the cells still tile the comb.
    comb = shapely.union_all([shapely.box(0, 0, 10, 1)]
                             + [shapely.box(i, 0, i + 0.5, 5) for i in range(10)])
    for seed in range(3):
        cells = partition(comb, 3, np.random.default_rng(seed))
        assert len(cells) == 3
        _assert_tiles(comb, cells, rel=1e-9)
    two = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 0, 5.2, 0.2)])
    cells = partition(two, 4, np.random.default_rng(2))
    assert len(cells) == 4 and all(c.geom_type == "Polygon" for c in cells)
    assert any(c.equals(shapely.box(5, 0, 5.2, 0.2)) for c in cells)  # the islet is one cell
