"""Islands lie in their own towns: 湄洲镇 is all of Meizhou island, the 南日 islets are 南日镇's,
and no town on the mainland reaches across the sea to an island (issue 20)."""

from __future__ import annotations

import json

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box, shape

from layers import codes
from layers.sources import BOUNDARIES_DIR

GEOD = Geod(ellps="WGS84")
MEIZHOU, NANRI = "350305108000", "350305107000"
XIUYU = "350305000000"
ISLAND_KM2 = 0.5  # islands this large must lie in one town
# South of 25.10N the land of 秀屿区's largest piece is Meizhou island alone (the mainland
# coast ends north of it; the generalised Amap polygon ties them by a neck at 25.10-25.11N).
SOUTH_OF_THE_NECK = box(119.0, 24.9, 119.2, 25.10)


def m2(geom) -> float:
    return 0.0 if geom.is_empty else abs(GEOD.geometry_area_perimeter(geom)[0])


def km(a, b) -> float:
    start, end = shapely.shortest_line(a, b).coords
    return GEOD.inv(*start, *end)[2] / 1000


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


def town_and_village_at(levels, lon: float, lat: float) -> tuple[str, str]:
    point = Point(lon, lat)
    towns = [c for c, (_, g) in levels["town"].items() if g.covers(point)]
    villages = [(c, p) for c, (p, g) in levels["village"].items() if g.covers(point)]
    assert len(towns) == 1 and len(villages) == 1, (lon, lat, towns, villages)
    village_code, village = villages[0]
    assert village["parent_code"] == towns[0], f"{village['name']} lies outside its town"
    return towns[0], village_code


def islands(levels) -> list:
    """Every detached part of every county larger than ISLAND_KM2, with its county."""
    found = []
    for code, (_, county) in levels["county"].items():
        parts = sorted(shapely.get_parts(county), key=lambda p: -p.area)
        found.extend((code, part) for part in parts[1:] if m2(part) > ISLAND_KM2 * 1e6)
    return found


@pytest.mark.parametrize(
    "point",
    [
        (119.12, 25.07),  # the island's northern third, once 忠门镇's
        (119.13, 25.08),  # 湄洲镇's anchor
        (119.14, 25.09),
        (119.115, 25.03),  # the southern end
    ],
)
def test_points_on_meizhou_island_lie_in_meizhou_town_and_one_of_its_villages(levels, point):
    town, _ = town_and_village_at(levels, *point)
    assert levels["town"][town][0]["name"] == "湄洲镇"


def test_meizhou_town_is_the_whole_island_and_nothing_of_the_mainland(levels):
    props, meizhou = levels["town"][MEIZHOU]
    mainland_piece = max(shapely.get_parts(levels["county"][XIUYU][1]), key=lambda p: p.area)
    island = shapely.intersection(mainland_piece, SOUTH_OF_THE_NECK)
    assert m2(island) > 20e6
    assert m2(shapely.difference(island, meizhou)) < 1.0
    # Up to the neck and no further north: no land of the mainland.
    assert meizhou.bounds[3] < 25.11
    assert props["area_km2"] > 20
    for code, (_, town) in levels["town"].items():
        if code != MEIZHOU:
            assert m2(shapely.intersection(town, island)) < 1.0, code


def test_the_nanri_islets_lie_in_nanri_town(levels):
    xiuyu = sorted(shapely.get_parts(levels["county"][XIUYU][1]), key=lambda p: -p.area)
    mainland, nanri_island = xiuyu[0], xiuyu[1]
    assert nanri_island.contains(Point(119.48, 25.22))
    nanri = levels["town"][NANRI][1]
    assert m2(shapely.difference(nanri_island, nanri)) < 1.0
    islets = [part for part in xiuyu[2:] if km(part, nanri_island) < km(part, mainland)]
    # The 南日 group: a dozen islets 1-6 km off Nanri, 17-26 km off the coast, and smaller.
    assert len(islets) >= 12
    for islet in islets:
        point = islet.representative_point()
        town, _ = town_and_village_at(levels, point.x, point.y)
        assert town == NANRI, point
    assert m2(shapely.union_all(islets)) > 6.8e6


def test_every_island_lies_in_one_town_the_one_nearest_across_the_sea(levels):
    checked = 0
    for county, island in islands(levels):
        towns = {
            code: town
            for code, (props, town) in levels["town"].items()
            if props["parent_code"] == county
        }
        holding = [code for code, town in towns.items() if m2(shapely.intersection(town, island))]
        assert len(holding) == 1, (island.representative_point(), holding)
        (owner,) = holding
        assert m2(shapely.difference(island, towns[owner])) < 1.0
        # Nearest across the sea: no other town's main land lies nearer than the owner's
        # (an island town's main land is its island).
        main_land = {
            code: max(shapely.get_parts(town), key=lambda p: p.area) for code, town in towns.items()
        }
        if main_land[owner].equals(island):
            continue
        reach = {code: km(island, land) for code, land in main_land.items()}
        assert reach[owner] <= min(reach.values()) + 0.001, (island.representative_point(), reach)
        checked += 1
    assert checked >= 12


def test_the_rule_on_a_made_up_coast():
    """A square mainland with two anchored towns; a 30 km2 island tied on by a 1 km neck
    with an anchor of its own; an islet off the island and one off the mainland."""
    from layers.partition import UnitSpec, partition

    km_deg = 0.009  # about 1 km in degrees here
    mainland = box(119.0, 25.0, 119.0 + 10 * km_deg, 25.0 + 10 * km_deg)
    neck = box(119.0 + 10 * km_deg, 25.0 + 4.5 * km_deg, 119.0 + 11 * km_deg, 25.0 + 5.5 * km_deg)
    island = box(119.0 + 11 * km_deg, 25.0 + 2 * km_deg, 119.0 + 16 * km_deg, 25.0 + 8 * km_deg)
    off_island = box(119.0 + 18 * km_deg, 25.0 + 4 * km_deg, 119.0 + 19 * km_deg, 25.0 + 5 * km_deg)
    off_mainland = box(119.0 - 3 * km_deg, 25.0 + 1 * km_deg, 119.0 - 2 * km_deg, 25.0 + 2 * km_deg)
    county = shapely.union_all([mainland, neck, island, off_island, off_mainland], grid_size=1e-7)
    specs = [
        UnitSpec("west", anchor=(119.0 + 2 * km_deg, 25.0 + 5 * km_deg)),
        UnitSpec("east", anchor=(119.0 + 8 * km_deg, 25.0 + 5 * km_deg)),
        # Sized for a third of its island: it still gets all of it.
        UnitSpec("island", anchor=(119.0 + 13 * km_deg, 25.0 + 5 * km_deg), area_km2=10.0),
    ]
    towns = partition(county, specs)
    assert m2(shapely.difference(island, towns["island"])) < 1.0
    assert m2(shapely.difference(off_island, towns["island"])) < 1.0
    assert m2(shapely.difference(off_mainland, towns["west"])) < 1.0
    for code in ("west", "east"):
        assert m2(shapely.intersection(towns[code], island)) < 1.0
    # The towns tile the county.
    union = shapely.union_all(list(towns.values()))
    assert m2(shapely.symmetric_difference(union, county)) < 1.0
