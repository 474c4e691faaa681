"""Why a feature that does not fit may be misplaced: another datum or CRS, swapped axes,
another parent. The hints go into the rejection, so the user knows what to fix."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.crs import CRS_NAMES, geometry_to_wgs84
from layers.importing.coordinates import Coordinates
from layers.importing.geometry import metric, outside, polygonal, swapped
from layers.importing.reading import RawFeature
from layers.importing.snapshot import Snapshot, Unit
from layers.partition import GRID

# Projected systems a Putian file is likely to be in, for the "name the CRS" hint.
LIKELY_PROJECTED = ("EPSG:4549", "EPSG:4548", "EPSG:4528", "EPSG:4527", "EPSG:32650", "EPSG:3857")
_CRS_LABELS = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


def placement_hints(
    raw: RawFeature,
    geom: BaseGeometry,
    coordinates: Coordinates,
    parent: Unit,
    parent_xy: BaseGeometry,
    snapshot: Snapshot,
) -> list[tuple[str, str]]:
    """Why a feature may be misplaced, as (English, zh-CN) pairs."""
    hints: list[tuple[str, str]] = []
    source = shapely.force_2d(raw.geometry)
    if coordinates.datum is not None:
        for datum in CRS_NAMES:
            if datum == coordinates.datum:
                continue
            moved = polygonal(shapely.make_valid(geometry_to_wgs84(source, datum)))
            if not moved.is_empty and outside(metric(moved), parent_xy).fits:
                label = _CRS_LABELS[datum]
                hints.append(
                    (
                        f"it looks like {label} coordinates: try --crs {datum}",
                        f"看起来是 {label} 坐标，请尝试 --crs {datum}",
                    )
                )
                break
        if not hints:
            moved = polygonal(shapely.make_valid(coordinates.convert(swapped(source))))
            if (
                not moved.is_empty
                and shapely.intersects(moved, parent.geom)
                and outside(metric(moved), parent_xy).fits
            ):
                hints.append(
                    (
                        "its longitude and latitude look swapped",
                        "经纬度似乎颠倒了",
                    )
                )
    if not hints:
        where = _where(geom, parent.level, snapshot)
        if where is None:
            hints.append(("it lies outside Putian altogether", "不在莆田市范围内"))
        elif where.code != parent.code:
            hints.append(
                (f"most of it lies in {where.name} ({where.code})", f"大部分位于{where.name}")
            )
    if parent.source == "generated":
        hints.append(
            (
                f"the boundary of {parent.name} is generated (approximate): import the real "
                f"{parent.level} boundaries first",
                f"{parent.name}的边界为示意边界，请先导入真实的{codes.LEVEL_LABELS[parent.level]}边界",
            )
        )
    return hints


def projected_hint(geom: BaseGeometry, snapshot: Snapshot) -> tuple[str, str]:
    """(' (as EPSG:4549 ... it would lie in 荔城区)', zh-CN) when a common system places it in
    Putian, else empty strings."""
    point = shapely.point_on_surface(geom)
    for name in LIKELY_PROJECTED:
        try:
            moved = geometry_to_wgs84(point, name)
        except Exception:  # outside that system's domain
            continue
        if not np.isfinite(shapely.get_coordinates(moved)).all():
            continue
        where = next(
            (
                unit
                for unit in snapshot.units.values()
                if unit.level == "county" and unit.geom.covers(moved)
            ),
            None,
        )
        if where is not None:
            crs = pyproj.CRS.from_user_input(name)
            return (
                f" (as {name}, {crs.name}, it would lie in {where.name})",
                f"（按 {name} 读取时位于{where.name}，可尝试 --crs {name}）",
            )
    return "", ""


def _where(geom: BaseGeometry, level: str, snapshot: Snapshot) -> Unit | None:
    """The unit of `level` holding most of geom, or None when it meets none."""
    best, best_area = None, 0.0
    shapely.prepare(geom)
    for unit in snapshot.units.values():
        if unit.level != level or not shapely.intersects(geom, unit.geom):
            continue
        area = shapely.intersection(geom, unit.geom, grid_size=GRID).area
        if area > best_area:
            best, best_area = unit, area
    return best
