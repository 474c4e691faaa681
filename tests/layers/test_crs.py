"""Coordinate conversions: the GCJ-02/BD-09 offsets a user sees on a Chinese basemap."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, Polygon

from layers.crs import (
    CRS_NAMES,
    UnknownCRS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84_arrays,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geodesic_distance_m,
    geometry_from_wgs84,
    geometry_to_wgs84,
    offset_east_north_m,
    parse_crs,
    to_wgs84_arrays,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Points in Putian (WGS84): city centre, Xiuyu/Meizhou side, Xianyou side.
PUTIAN_POINTS = [(119.0077, 25.4540), (119.13, 25.08), (118.69, 25.36)]
PARIS = (2.35, 48.85)


def _putian_grid() -> list[tuple[float, float]]:
    lons = np.linspace(118.5, 119.6, 12)
    lats = np.linspace(24.9, 25.9, 11)
    return [(float(x), float(y)) for x in lons for y in lats]


# --------------------------------------------------------------------------- GCJ-02 offset


@pytest.mark.parametrize(("lon", "lat"), PUTIAN_POINTS)
def test_gcj02_offset_in_putian_is_about_560_m_east_south_east(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    total = geodesic_distance_m(lon, lat, glon, glat)
    east, north = offset_east_north_m(lon, lat, glon, glat)
    assert 500.0 <= total <= 620.0
    assert 400.0 <= east <= 540.0
    assert -360.0 <= north <= -240.0


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (wgs84_to_gcj02, (116.41024449916938, 39.91640428150164)),
        (gcj02_to_bd09, (116.41036949371029, 39.92133699351021)),
        (bd09_to_gcj02, (116.39762729119315, 39.90865673957631)),
        (wgs84_to_bd09, (116.41662724378733, 39.922699552216216)),
    ],
)
def test_matches_published_reference_vectors(fn, expected: tuple[float, float]) -> None:
    # Outputs for (116.404, 39.915) quoted in the README of the widely used coordtransform
    # libraries; the range checks above cannot tell a slightly wrong constant apart.
    lon, lat = fn(116.404, 39.915)
    assert lon == pytest.approx(expected[0], abs=1e-9)
    assert lat == pytest.approx(expected[1], abs=1e-9)


def test_offset_components_recombine_to_distance() -> None:
    lon, lat = PUTIAN_POINTS[0]
    glon, glat = wgs84_to_gcj02(lon, lat)
    east, north = offset_east_north_m(lon, lat, glon, glat)
    assert np.hypot(east, north) == pytest.approx(geodesic_distance_m(lon, lat, glon, glat))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(("lon", "lat"), _putian_grid())
def test_gcj02_round_trip_within_1_m(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert geodesic_distance_m(lon, lat, *back) < 1.0


@pytest.mark.parametrize(("lon", "lat"), _putian_grid())
def test_bd09_round_trip_within_1_m(lon: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert geodesic_distance_m(lon, lat, *back) < 1.0


def test_gcj02_inverse_is_exact_not_one_step() -> None:
    # The one-step approximation (g - (f(g) - g)) is off by about a metre here; the
    # iterated inverse must reproduce the GCJ-02 point to far better than a centimetre.
    lon, lat = PUTIAN_POINTS[0]
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert abs(wlon - lon) < 1e-9
    assert abs(wlat - lat) < 1e-9
    relon, relat = wgs84_to_gcj02(wlon, wlat)
    assert geodesic_distance_m(glon, glat, relon, relat) < 1e-3


def test_bd09_gcj02_pair_round_trips() -> None:
    glon, glat = wgs84_to_gcj02(*PUTIAN_POINTS[0])
    back = bd09_to_gcj02(*gcj02_to_bd09(glon, glat))
    assert geodesic_distance_m(glon, glat, *back) < 1.0


# --------------------------------------------------------------------------- BD-09


@pytest.mark.parametrize(("lon", "lat"), PUTIAN_POINTS)
def test_bd09_lies_further_than_gcj02(lon: float, lat: float) -> None:
    gcj = geodesic_distance_m(lon, lat, *wgs84_to_gcj02(lon, lat))
    bd = geodesic_distance_m(lon, lat, *wgs84_to_bd09(lon, lat))
    assert bd > gcj
    assert 700.0 <= bd <= 1400.0


# --------------------------------------------------------------------------- outside China


def test_outside_china_is_identity() -> None:
    lon, lat = PARIS
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert to_wgs84_arrays(lon, lat, "gcj02") == (lon, lat)


def test_inside_china_is_not_identity() -> None:
    lon, lat = PUTIAN_POINTS[0]
    assert wgs84_to_gcj02(lon, lat) != (lon, lat)


# --------------------------------------------------------------------------- vectorised


@pytest.mark.parametrize(
    "fn",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
)
def test_arrays_match_scalar_calls(fn) -> None:
    points = PUTIAN_POINTS + [PARIS]
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    alon, alat = fn(lons, lats)
    assert isinstance(alon, np.ndarray) and alon.shape == lons.shape
    assert isinstance(alat, np.ndarray) and alat.shape == lats.shape
    for i, (lon, lat) in enumerate(points):
        slon, slat = fn(lon, lat)
        assert isinstance(slon, float) and isinstance(slat, float)
        assert alon[i] == slon
        assert alat[i] == slat


def test_scalar_input_gives_floats_and_2d_arrays_keep_shape() -> None:
    lons = np.full((2, 3), PUTIAN_POINTS[0][0])
    lats = np.full((2, 3), PUTIAN_POINTS[0][1])
    alon, alat = wgs84_to_gcj02(lons, lats)
    assert alon.shape == (2, 3) and alat.shape == (2, 3)
    slon, slat = wgs84_to_gcj02(*PUTIAN_POINTS[0])
    assert np.all(alon == slon) and np.all(alat == slat)


# --------------------------------------------------------------------------- parse_crs


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wgs84", "wgs84"),
        ("WGS84", "wgs84"),
        ("gcj02", "gcj02"),
        ("GCJ02", "gcj02"),
        ("Bd09", "bd09"),
        ("EPSG:4326", "wgs84"),
        ("epsg:4490", "wgs84"),
        ("EPSG:4549", "EPSG:4549"),
        ("epsg:3857", "EPSG:3857"),
    ],
)
def test_parse_crs_accepts_known_forms(name: str, expected: str) -> None:
    assert parse_crs(name) == expected


def test_crs_names() -> None:
    assert CRS_NAMES == ("wgs84", "gcj02", "bd09")


@pytest.mark.parametrize("name", ["foo", "EPSG:999999"])
def test_parse_crs_rejects_unknown_with_message_naming_input(name: str) -> None:
    with pytest.raises(UnknownCRS) as info:
        parse_crs(name)
    assert isinstance(info.value, ValueError)
    assert name in str(info.value)


def test_parse_crs_rejects_non_horizontal_epsg_systems() -> None:
    # EPSG:5773 is EGM96 height: a vertical system cannot place a point on the map.
    with pytest.raises(UnknownCRS, match="EPSG:5773"):
        parse_crs("EPSG:5773")


def test_unknown_crs_message_names_accepted_forms() -> None:
    with pytest.raises(UnknownCRS) as info:
        parse_crs("foo")
    message = str(info.value)
    for form in ("wgs84", "gcj02", "bd09", "EPSG:"):
        assert form in message


def test_conversions_reject_unknown_crs() -> None:
    with pytest.raises(UnknownCRS):
        to_wgs84_arrays(119.0, 25.4, "baidu")
    with pytest.raises(UnknownCRS):
        geometry_to_wgs84(Point(119.0, 25.4), "foo")


# --------------------------------------------------------------------------- dispatch


def test_array_dispatch_matches_direct_functions() -> None:
    lon, lat = PUTIAN_POINTS[0]
    assert to_wgs84_arrays(lon, lat, "wgs84") == (lon, lat)
    assert to_wgs84_arrays(lon, lat, "EPSG:4490") == (lon, lat)
    assert from_wgs84_arrays(lon, lat, "GCJ02") == wgs84_to_gcj02(lon, lat)
    assert from_wgs84_arrays(lon, lat, "bd09") == wgs84_to_bd09(lon, lat)
    assert to_wgs84_arrays(lon, lat, "gcj02") == gcj02_to_wgs84(lon, lat)
    assert to_wgs84_arrays(lon, lat, "bd09") == bd09_to_wgs84(lon, lat)


def test_epsg_arrays_round_trip() -> None:
    lons = np.array([p[0] for p in PUTIAN_POINTS])
    lats = np.array([p[1] for p in PUTIAN_POINTS])
    x, y = from_wgs84_arrays(lons, lats, "EPSG:4549")
    # 3-degree GK zone with CM 120E and no zone prefix: Putian is west of 500 km easting.
    assert np.all((x > 300_000) & (x < 500_000))
    assert np.all((y > 2_700_000) & (y < 2_900_000))
    blon, blat = to_wgs84_arrays(x, y, "EPSG:4549")
    np.testing.assert_allclose(blon, lons, atol=1e-9)
    np.testing.assert_allclose(blat, lats, atol=1e-9)


# --------------------------------------------------------------------------- geometries


def _gcj_square() -> Polygon:
    lon, lat = PUTIAN_POINTS[0]
    d = 0.02
    return Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)])


def test_geometry_to_wgs84_moves_polygon_vertices_about_560_m() -> None:
    gcj = _gcj_square()
    wgs = geometry_to_wgs84(gcj, "gcj02")
    assert wgs.is_valid
    before = shapely.get_coordinates(gcj)
    after = shapely.get_coordinates(wgs)
    assert len(after) == len(before) == 5
    for (glon, glat), (wlon, wlat) in zip(before, after, strict=True):
        assert 500.0 <= geodesic_distance_m(wlon, wlat, glon, glat) <= 620.0
        # Going back to WGS84 from GCJ-02 moves west and north.
        east, north = offset_east_north_m(glon, glat, wlon, wlat)
        assert east < 0 and north > 0


def test_geometry_round_trip_through_gcj02() -> None:
    gcj = _gcj_square()
    back = geometry_from_wgs84(geometry_to_wgs84(gcj, "gcj02"), "gcj02")
    np.testing.assert_allclose(
        shapely.get_coordinates(back), shapely.get_coordinates(gcj), atol=1e-9
    )


def test_geometry_in_wgs84_is_returned_unchanged() -> None:
    geom = _gcj_square()
    assert geometry_to_wgs84(geom, "wgs84") is geom
    assert geometry_to_wgs84(geom, "EPSG:4326") is geom
    assert geometry_from_wgs84(geom, "WGS84") is geom


def test_geometry_keeps_z() -> None:
    lon, lat = PUTIAN_POINTS[0]
    moved = geometry_to_wgs84(Point(lon, lat, 12.5), "gcj02")
    assert moved.has_z and moved.z == 12.5
    assert 500.0 <= geodesic_distance_m(lon, lat, moved.x, moved.y) <= 620.0


def test_epsg4549_point_lands_at_expected_lon_lat() -> None:
    lon, lat = PUTIAN_POINTS[0]
    # Independent definition of CGCS2000 / 3-degree Gauss-Kruger CM 120E.
    gk = pyproj.Proj("+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80")
    x, y = gk(lon, lat)
    moved = geometry_to_wgs84(Point(x, y), "EPSG:4549")
    expected_lon, expected_lat = gk(x, y, inverse=True)
    assert moved.x == pytest.approx(expected_lon, abs=1e-7)
    assert moved.y == pytest.approx(expected_lat, abs=1e-7)
    assert moved.x == pytest.approx(lon, abs=1e-7)
    assert moved.y == pytest.approx(lat, abs=1e-7)
    back = geometry_from_wgs84(moved, "EPSG:4549")
    assert back.x == pytest.approx(x, abs=1e-3)
    assert back.y == pytest.approx(y, abs=1e-3)
