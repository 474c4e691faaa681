"""Many point markers on a map: viewport filtering and grid clustering, vectorised with numpy.

A browser draws a few thousand markers fast but a million not at all. For the current view
(a bounding box and a zoom) the server keeps the points inside the box and, when there are
more than `max_points`, merges them into clusters on a square grid of `cell_px` screen pixels
(in web mercator, as the map draws): each cluster sits at the mean of its points and carries
their count. Cells holding one point stay that point. The cost is a few array passes over the
points, so 1,000,000 points cluster in well under a second.

Scope comes first: `scope_mask` keeps the points whose unit code lies inside the viewer's
scope, before anything is counted, so a cluster never counts a point the viewer may not see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from layers import codes

TILE_PX = 512  # MapLibre's world is 512 px wide at zoom 0
MAX_LAT = 85.05112878


@dataclass(frozen=True)
class Markers:
    """What to draw for one view: single points (by index) and clusters."""

    points: np.ndarray  # indices into the input arrays of points drawn as themselves
    cluster_lon: np.ndarray
    cluster_lat: np.ndarray
    cluster_count: np.ndarray  # points in each cluster (>= 2)
    in_view: int  # points inside the bounding box (and the mask)

    @property
    def drawn(self) -> int:
        """Markers the browser draws: points plus clusters."""
        return len(self.points) + len(self.cluster_count)


def mercator_y(lat: np.ndarray) -> np.ndarray:
    """Web mercator y in radians-of-longitude units (x = radians(lon))."""
    clipped = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    return np.log(np.tan(math.pi / 4 + clipped / 2))


def cell_size(zoom: float, cell_px: int) -> float:
    """The grid cell side in mercator units (radians) for `cell_px` pixels at `zoom`."""
    return cell_px * 2 * math.pi / (TILE_PX * 2.0**zoom)


def cluster(
    lon: np.ndarray,
    lat: np.ndarray,
    bbox: tuple[float, float, float, float],
    zoom: float,
    cell_px: int = 48,
    max_points: int = 2000,
    mask: np.ndarray | None = None,
) -> Markers:
    """Points inside `bbox` (min_lon, min_lat, max_lon, max_lat) at `zoom`, clustered on a
    `cell_px` grid when more than `max_points` lie inside; `mask` (booleans) drops points
    first (e.g. those outside the viewer's scope)."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ValueError("lon and lat differ in length")
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon <= max_lon and min_lat <= max_lat):
        raise ValueError(f"not a bounding box: {bbox}")
    inside = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
    if mask is not None:
        inside &= np.asarray(mask, dtype=bool)
    index = np.flatnonzero(inside)
    empty = np.empty(0)
    if len(index) <= max_points:
        return Markers(index, empty, empty, np.empty(0, dtype=np.int64), len(index))
    sub_lon, sub_lat = lon[index], lat[index]
    size = cell_size(zoom, cell_px)
    col = np.floor(np.radians(sub_lon) / size).astype(np.int64)
    row = np.floor(mercator_y(sub_lat) / size).astype(np.int64)
    key = (row - row.min()) * (int(col.max() - col.min()) + 1) + (col - col.min())
    cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    del cells
    alone = counts[inverse] == 1
    grouped = counts > 1
    mean_lon = np.bincount(inverse, weights=sub_lon)[grouped] / counts[grouped]
    mean_lat = np.bincount(inverse, weights=sub_lat)[grouped] / counts[grouped]
    return Markers(index[alone], mean_lon, mean_lat, counts[grouped], len(index))


def scope_mask(unit_codes: np.ndarray, scopes: tuple[str, ...]) -> np.ndarray:
    """True where a point's unit code (12 digits) lies inside `scopes` (a viewer's)."""
    values = np.asarray(unit_codes, dtype="U12")
    keep = np.zeros(values.shape, dtype=bool)
    for scope in scopes:
        keep |= np.char.startswith(values, codes.prefix(scope))
    return keep


def view_bbox(
    centre_lon: float, centre_lat: float, zoom: float, width_px: int, height_px: int
) -> tuple[float, float, float, float]:
    """The bounding box a map of `width_px` x `height_px` shows at a centre and zoom."""
    per_px = 2 * math.pi / (TILE_PX * 2.0**zoom)
    half_x = width_px / 2 * per_px
    y = float(mercator_y(np.array([centre_lat]))[0])
    half_y = height_px / 2 * per_px
    to_lat = lambda v: math.degrees(2 * math.atan(math.exp(v)) - math.pi / 2)  # noqa: E731
    return (
        centre_lon - math.degrees(half_x),
        to_lat(y - half_y),
        centre_lon + math.degrees(half_x),
        to_lat(y + half_y),
    )
