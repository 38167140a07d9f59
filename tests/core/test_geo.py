import numpy as np
import pytest
import shapely

from civicgrid.core import geo


def test_gcj02_round_trip_is_centimetre_exact():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(115.5, 117.5, 1000), rng.uniform(39.4, 41.0, 1000)
    glon, glat = geo.wgs84_to_gcj02(lon, lat)
    # GCJ-02 shifts Beijing by several hundred metres...
    assert geo.distance_m(lon, lat, glon, glat).min() > 100
    # ...and the inverse brings it back to well under a centimetre.
    back_lon, back_lat = geo.gcj02_to_wgs84(glon, glat)
    assert geo.distance_m(lon, lat, back_lon, back_lat).max() < 0.01


def test_known_point_tiananmen():
    # WGS84 116.391, 39.9075 is shown by AMap (GCJ-02) about 116.3972, 39.9089.
    glon, glat = geo.wgs84_to_gcj02(116.391, 39.9075)
    assert glon == pytest.approx(116.3972, abs=2e-4) and glat == pytest.approx(39.9089, abs=2e-4)


def test_bd09_input_is_converted_to_within_a_metre():
    lon, lat = 116.40, 39.91
    blon, blat = geo.gcj02_to_bd09(*geo.wgs84_to_gcj02(lon, lat))
    wlon, wlat = geo.to_wgs84(blon, blat, "bd09")
    assert geo.distance_m(lon, lat, wlon, wlat) < 1.0


def test_points_outside_china_are_not_shifted():
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_area_of_a_known_box():
    # 0.01° × 0.01° at 39.9°N: 1,111.95 m × 853.3 m ≈ 948,800 m².
    assert geo.area_m2(shapely.box(116.30, 39.895, 116.31, 39.905)) == pytest.approx(948_800, rel=2e-3)


def test_geometry_conversion_moves_every_vertex():
    poly = shapely.box(116.30, 39.90, 116.31, 39.91)
    converted = geo.geometry_to_wgs84(poly, "gcj02")
    assert converted.is_valid
    assert shapely.hausdorff_distance(poly, converted) > 1e-3


def test_unknown_crs_is_rejected():
    with pytest.raises(ValueError):
        geo.to_wgs84(116.3, 39.9, "epsg:3857")


def test_scalar_and_vector_gcj02_inverse_agree():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(115.5, 117.5, 200), rng.uniform(39.4, 41.0, 200)
    glon, glat = geo.wgs84_to_gcj02(lon, lat)
    vlon, vlat = geo.gcj02_to_wgs84(glon, glat)
    for i in range(len(lon)):
        slon, slat = geo.gcj02_to_wgs84(float(glon[i]), float(glat[i]))
        assert abs(slon - vlon[i]) < 1e-9 and abs(slat - vlat[i]) < 1e-9
        assert abs(slon - lon[i]) < 1e-8 and abs(slat - lat[i]) < 1e-8
