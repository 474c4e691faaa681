"""The shipped four levels: real where they can be, generated, exact partitions, plausible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, shape

from layers import codes
from layers.crs import geometry_to_wgs84, offset_east_north_m
from layers.sources import BOUNDARIES_DIR, SOURCES_DIR, read_amap_polygon, read_units

GEOD = Geod(ellps="WGS84")
SQ_M_TOLERANCE = 1.0  # "no overlap or gap larger than 1 m2"


def m2(geom) -> float:
    return 0.0 if geom.is_empty else abs(GEOD.geometry_area_perimeter(geom)[0])


@pytest.fixture(scope="module")
def levels() -> dict[str, dict[str, tuple[dict, object]]]:
    result = {}
    for level in codes.LEVELS:
        data = json.loads((BOUNDARIES_DIR / f"{level}.geojson").read_text(encoding="utf-8"))
        result[level] = {
            f["properties"]["code"]: (f["properties"], shape(f["geometry"]))
            for f in data["features"]
        }
    return result


def test_every_unit_of_the_nbs_list_is_shipped_with_its_name(levels):
    units = read_units()
    assert {lvl: len(v) for lvl, v in levels.items()} == {
        "city": 1,
        "county": 5,
        "town": 57,
        "village": 979,
    }
    for unit in units:
        props, _ = levels[unit.level][unit.code]
        assert props["name"] == unit.name
        assert props["parent_code"] == unit.parent_code
    assert levels["town"]["350304100000"][0]["name"] == "西天尾镇"
    assert len([c for c in levels["village"] if c.startswith("350304100")]) == 17


def test_city_and_counties_are_the_real_polygons_moved_from_gcj02(levels):
    for code in levels["county"]:
        _, shipped = levels["county"][code]
        source = read_amap_polygon(code, SOURCES_DIR)
        expected = geometry_to_wgs84(source, "gcj02")
        # Same shape within a few cm (the 1 cm grid, and the nodes shared with the children).
        assert shapely.hausdorff_distance(shipped, expected) < 0.05 / 111_000
        # The source has no holes; neither may the shipped county (no crack between towns).
        assert all(not p.interiors for p in shapely.get_parts(shipped)), code
        moved = offset_east_north_m(
            source.centroid.x, source.centroid.y, shipped.centroid.x, shipped.centroid.y
        )
        # WGS84 lies west and north of GCJ-02 here: the shipped polygon moved by about that.
        assert -540 < moved[0] < -400 and 240 < moved[1] < 360
    city = levels["city"]["350300000000"][1]
    assert all(not p.interiors for p in shapely.get_parts(city))
    xiuyu = levels["county"]["350305000000"][1]
    assert len(shapely.get_parts(xiuyu)) >= 20  # 秀屿区 keeps its islands
    assert xiuyu.contains(Point(119.48, 25.22))  # Nanri island


@pytest.mark.parametrize(
    ("parent_level", "child_level"),
    [
        ("city", "county"),
        ("county", "town"),
        ("town", "village"),
    ],
)
def test_each_level_partitions_its_parent_exactly(levels, parent_level, child_level):
    for code, (_, parent) in levels[parent_level].items():
        kids = [g for c, (p, g) in levels[child_level].items() if p["parent_code"] == code]
        assert kids, f"{code} has no children"
        union = shapely.union_all(kids)
        for piece in shapely.get_parts(shapely.difference(parent, union)):
            assert m2(piece) <= SQ_M_TOLERANCE, f"gap in {code}"
        for piece in shapely.get_parts(shapely.difference(union, parent)):
            assert m2(piece) <= SQ_M_TOLERANCE, f"child outside {code}"
        tree = shapely.STRtree(kids)
        for i, j in zip(*tree.query(kids, predicate="intersects"), strict=True):
            if i < j:
                assert m2(shapely.intersection(kids[i], kids[j])) <= SQ_M_TOLERANCE
        for kid in kids:
            assert kid.is_valid
            assert shapely.buffer(parent, 1e-7).contains(kid)


def test_generated_levels_are_tagged_and_real_ones_too(levels):
    assert {p["geometry_source"] for p, _ in levels["town"].values()} == {"generated"}
    assert {p["geometry_source"] for p, _ in levels["village"].values()} == {"generated"}
    assert {p["geometry_source"] for p, _ in levels["county"].values()} == {"real"}


# County seats (WGS84), from the real map: sub-districts must sit around them.
COUNTY_SEATS = {
    "350302": (119.005, 25.435),
    "350303": (119.11, 25.46),
    "350304": (119.01, 25.43),
    "350322": (118.69, 25.36),
}


def test_sub_districts_are_small_and_around_the_county_seat(levels):
    for county, seat in COUNTY_SEATS.items():
        towns = [(p, g) for c, (p, g) in levels["town"].items() if c.startswith(county)]
        streets = [(p, g) for p, g in towns if codes.town_kind(p["code"]) == "街道"]
        others = [p["area_km2"] for p, _ in towns if codes.town_kind(p["code"]) in ("镇", "乡")]
        assert streets
        for props, _geom in streets:
            assert props["area_km2"] < 0.6 * float(np.median(others)), props["name"]
            distance = GEOD.inv(*seat, props["label_lon"], props["label_lat"])[2]
            assert distance < 10_000, f"{props['name']} is {distance:.0f} m from the seat"


def test_villages_are_compact_single_polygons_that_fit_their_town(levels):
    towns = levels["town"]
    per_town: dict[str, int] = {}
    for props, _ in levels["village"].values():
        per_town[props["parent_code"]] = per_town.get(props["parent_code"], 0) + 1
    village_geoms = [g for _, g in levels["village"].values()]
    tree = shapely.STRtree(village_geoms)
    for _code, (props, geom) in levels["village"].items():
        parts = sorted(shapely.get_parts(geom), key=lambda p: -m2(p))
        main = parts[0]
        # Extra parts are only whole offshore islets of the real coastline (they touch no
        # other village), never a piece of land cut off from the village.
        for islet in parts[1:]:
            neighbours = [village_geoms[i] for i in tree.query(islet, predicate="intersects")]
            assert all(n is geom for n in neighbours), f"{props['name']} has a cut-off piece"
        area, perimeter = GEOD.geometry_area_perimeter(main)
        assert 4 * np.pi * abs(area) / perimeter**2 > 0.2, f"{props['name']} is not compact"
        town_area = towns[props["parent_code"]][0]["area_km2"]
        if per_town[props["parent_code"]] == 1:
            assert props["area_km2"] == town_area  # a town of one village is that village
        else:
            assert 0.05 < props["area_km2"] < 0.6 * town_area, props["name"]
        assert geom.contains(Point(props["label_lon"], props["label_lat"]))


def test_the_build_is_reproducible_byte_for_byte(tmp_path: Path):
    from layers.build import write_boundaries

    paths = write_boundaries(tmp_path)
    for level, path in paths.items():
        assert path.read_bytes() == (BOUNDARIES_DIR / f"{level}.geojson").read_bytes(), level
