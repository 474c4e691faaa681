"""Overlays on the 1e-7 degree grid and measurements in metres, as the import's checks need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from layers.crs import geometry_from_wgs84
from layers.importing.limits import NEGLIGIBLE_M2, OUTSIDE_DISTANCE_MAX_M, OUTSIDE_SHARE_MAX
from layers.partition import GRID

# CGCS2000 / 3-degree Gauss-Kruger CM 120E: the local metric plane for areas and distances.
METRIC_CRS = "EPSG:4549"
# Overlays in the metric plane snap to this (metres): snap rounding never fails on
# nearly coincident edges, as floating-point overlays can.
METRIC_GRID_M = 0.01


def metric(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 lon/lat -> metres in the local Gauss-Kruger plane (valid, for overlays)."""
    out = geometry_from_wgs84(geom, METRIC_CRS)
    # Vertices millimetres apart can cross when projected; overlays need valid input.
    if isinstance(out, Polygon | MultiPolygon) and not out.is_valid:
        out = polygonal(shapely.make_valid(out))
    return out


def area_m2(geom: BaseGeometry) -> float:
    return 0.0 if geom.is_empty else float(metric(geom).area)


def polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """Only the polygons of a geometry, as a Polygon or MultiPolygon (possibly empty)."""
    if geom is None or geom.is_empty:
        return Polygon()
    parts = []
    stack = [geom]
    while stack:
        item = stack.pop()
        if isinstance(item, Polygon):
            if item.area > 0:
                parts.append(item)
        elif hasattr(item, "geoms"):
            stack.extend(reversed(list(item.geoms)))
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def union(geoms: Iterable[BaseGeometry]) -> BaseGeometry:
    items = [g for g in geoms if g is not None and not g.is_empty]
    if not items:
        return Polygon()
    return polygonal(shapely.union_all(items, grid_size=GRID))


def difference(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    if b.is_empty:
        return a
    return polygonal(shapely.difference(a, b, grid_size=GRID))


def intersection(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return polygonal(shapely.intersection(a, b, grid_size=GRID))


def swapped(geom: BaseGeometry) -> BaseGeometry:
    """The geometry with x and y exchanged (latitude-first coordinates put right)."""
    return shapely.transform(geom, lambda xy: xy[:, ::-1].copy())


@dataclass(frozen=True)
class Outside:
    """The part of a feature outside its parent: area, share of the feature, farthest reach."""

    area_m2: float
    share: float
    distance_m: float

    @property
    def fits(self) -> bool:
        return self.share <= OUTSIDE_SHARE_MAX and self.distance_m <= OUTSIDE_DISTANCE_MAX_M


def outside(geom_xy: BaseGeometry, parent_xy: BaseGeometry) -> Outside:
    """How much of a feature lies outside its parent, and how far it reaches (metric)."""
    beyond = polygonal(shapely.difference(geom_xy, parent_xy, grid_size=METRIC_GRID_M))
    area = beyond.area
    if area < NEGLIGIBLE_M2:
        return Outside(area, 0.0, 0.0)
    # The farthest point of the outside part is on its boundary, or (around a hole of the
    # parent) deep inside it; sampling both sides covers the cases that matter.
    samples = shapely.get_coordinates(shapely.segmentize(beyond.boundary, 20.0))
    inner = [
        shapely.get_coordinates(shapely.point_on_surface(p)) for p in shapely.get_parts(beyond)
    ]
    points = shapely.points(np.vstack([samples, *inner]))
    distance = float(np.max(shapely.distance(parent_xy, points)))
    return Outside(area, area / max(geom_xy.area, 1e-9), distance)
