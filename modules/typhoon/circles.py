"""Wind circles as geodesic shapes, and a storm's state at any time between its fixes.

A circle has one radius per quadrant (NE 0-90°, SE 90-180°, SW 180-270°, NW 270-360°,
bearings clockwise from north). Each quadrant is an arc of points at its radius along
geodesics from the centre (pyproj.Geod on WGS84); where two quadrants meet, the outline steps
radially from one radius to the other, as Chinese typhoon maps draw it. A quadrant of radius
0 collapses to the centre.

Between fixes, position, pressure, wind and radii are interpolated linearly in time (the
position along the geodesic between the two fixes). A level's radii are interpolated only when
both fixes have them; otherwise they are unavailable (None) at that time.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

import numpy as np
from pyproj import Geod

from modules.typhoon.track import LEVELS, Fix, Radii, grade_from_wind

GEOD = Geod(ellps="WGS84")
STEP_DEG = 3  # vertex spacing along each arc


def quadrant_of(bearing: float) -> int:
    """0 NE, 1 SE, 2 SW, 3 NW, for a bearing in degrees clockwise from north."""
    return int((bearing % 360) // 90) % 4


def ring(lon: float, lat: float, radii: Radii, step: int = STEP_DEG) -> list[tuple[float, float]]:
    """The closed outline (lon, lat) of a circle with one radius (km) per quadrant."""
    points: list[tuple[float, float]] = []
    for index, radius in enumerate(radii):
        start = 90 * index
        if radius <= 0:
            points.append((lon, lat))
            continue
        bearings = np.arange(start, start + 90 + 1e-9, step, dtype=float)
        lons, lats, _ = GEOD.fwd(
            np.full(bearings.size, lon),
            np.full(bearings.size, lat),
            bearings,
            np.full(bearings.size, radius * 1000.0),
        )
        points.extend(zip(lons.tolist(), lats.tolist(), strict=True))
    points.append(points[0])
    return points


def inside(lon: float, lat: float, radii: Radii, px, py) -> np.ndarray:
    """Whether points (px, py arrays) lie inside the circle: their geodesic distance from the
    centre within the radius of the quadrant their bearing falls in."""
    px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    if px.size == 0:
        return np.zeros(0, dtype=bool)
    azimuth, _, distance = GEOD.inv(np.full(px.size, lon), np.full(px.size, lat), px, py)
    quadrant = ((np.asarray(azimuth) % 360) // 90).astype(int) % 4
    limit = np.asarray(radii, dtype=float)[quadrant] * 1000.0
    return np.asarray(distance) <= limit


def distance_km(lon: float, lat: float, px, py) -> np.ndarray:
    px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    _, _, distance = GEOD.inv(np.full(px.size, lon), np.full(px.size, lat), px, py)
    return np.asarray(distance) / 1000.0


def interpolate(fixes: list[Fix], time: datetime) -> Fix:
    """The storm at `time`, between the fixes around it (a fix itself at its time)."""
    if not fixes:
        raise ValueError("no fixes")
    times = [f.time for f in fixes]
    if time <= times[0]:
        return fixes[0]
    if time >= times[-1]:
        return fixes[-1]
    index = bisect_right(times, time)
    before, after = fixes[index - 1], fixes[index]
    if time == before.time:
        return before
    share = (time - before.time) / (after.time - before.time)
    # Along the geodesic: forward from `before` by the share of the whole distance.
    azimuth, _, distance = GEOD.inv(before.lon, before.lat, after.lon, after.lat)
    lon, lat, _ = GEOD.fwd(before.lon, before.lat, azimuth, distance * share)

    def mix(a, b):
        if a is None or b is None:
            return None
        return a + (b - a) * share

    radii: dict = {}
    for level in LEVELS:
        a, b = before.radii.get(level), after.radii.get(level)
        radii[level] = (
            None
            if a is None or b is None
            else tuple(x + (y - x) * share for x, y in zip(a, b, strict=True))
        )
    wind = mix(before.wind, after.wind)
    grade = before.grade if share < 0.5 else after.grade
    if before.grade == after.grade:
        grade = before.grade
    elif wind is not None and before.grade not in ("0", "9") and after.grade not in ("0", "9"):
        grade = grade_from_wind(wind)
    # Between two fixes a quadrant is stated only as far as both state it.
    given = {
        lv: min(before.given[lv], after.given[lv])
        for lv in LEVELS
        if radii[lv] is not None and lv in before.given and lv in after.given
    }
    return Fix(
        time,
        float(lon),
        float(lat),
        mix(before.pressure, after.pressure),
        wind,
        grade,
        radii,
        given,
    )
