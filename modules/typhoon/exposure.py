"""Who lies inside each wind circle: at one time, and over a whole track (enter/leave times).

Units are division polygons (lon/lat) the viewer may see, sites are points. A unit is inside
a circle when its polygon intersects the circle's outline polygon (shapely); a site when its
geodesic distance from the centre is within the radius of its quadrant.

Over a track, the storm is sampled every `step` (10 minutes by default) from its first to its
last point; each change of state between two samples is then refined by bisection to
`precision` (1 minute), so enter/leave times are exact to a minute whatever the step, except
for a brush shorter than the step, which may be missed (stated in docs/typhoon.md). The
closest approach is the least distance from the centre to the unit (0 when the centre
crosses it; measured in UTM zone 50N, within 0.1% here) or to the site (geodesic), refined
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import shapely
from pyproj import Transformer

from modules.typhoon.circles import distance_km, inside, interpolate, ring
from modules.typhoon.track import LEVELS, Fix

STEP = timedelta(minutes=10)
PRECISION = timedelta(minutes=1)
_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)


@dataclass
class Target:
    """A unit (polygon) or a site (point) to test: `key` its code or site id."""

    key: str
    name: str
    kind: str  # "county" | "town" | "village" | "site"
    geometry: shapely.Geometry  # lon/lat
    parent: str = ""  # the village code of a site, or the parent unit's code


@dataclass
class Exposure:
    key: str
    name: str
    kind: str
    intervals: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    closest_km: float | None = None
    closest_at: datetime | None = None
    parent: str = ""

    @property
    def exposed(self) -> bool:
        return any(self.intervals.values())


class Targets:
    """Targets prepared once: a spatial index for polygons, arrays for points."""

    def __init__(self, targets: list[Target]) -> None:
        self.polygons = [t for t in targets if t.kind != "site"]
        self.points = [t for t in targets if t.kind == "site"]
        geoms = [t.geometry for t in self.polygons]
        self.tree = shapely.STRtree(geoms) if geoms else None
        self.geoms = np.array(geoms, dtype=object)
        for geom in geoms:
            shapely.prepare(geom)
        self.px = np.array([t.geometry.x for t in self.points], dtype=float)
        self.py = np.array([t.geometry.y for t in self.points], dtype=float)
        self.utm = [shapely.transform(g, _to_utm) for g in geoms]
        all_geoms = geoms + [t.geometry for t in self.points]
        self.bounds = shapely.total_bounds(all_geoms) if all_geoms else None

    def inside(self, fix: Fix, level: int) -> tuple[set[int], set[int]]:
        """Indices of polygons and of points inside the level's circle at this fix."""
        radii = fix.radii.get(level)
        if radii is None or max(radii) <= 0 or self.bounds is None:
            return set(), set()
        outline = shapely.Polygon(ring(fix.lon, fix.lat, radii))
        if not shapely.intersects(outline, shapely.box(*self.bounds)):
            return set(), set()
        polys = set()
        if self.tree is not None:
            polys = {int(i) for i in self.tree.query(outline, predicate="intersects")}
        points = set(np.flatnonzero(inside(fix.lon, fix.lat, radii, self.px, self.py)).tolist())
        return polys, points

    def one_inside(self, fix: Fix, level: int, kind: str, index: int) -> bool:
        radii = fix.radii.get(level)
        if radii is None or max(radii) <= 0:
            return False
        if kind == "poly":
            outline = shapely.Polygon(ring(fix.lon, fix.lat, radii))
            return bool(shapely.intersects(outline, self.polygons[index].geometry))
        return bool(
            inside(fix.lon, fix.lat, radii, self.px[index : index + 1], self.py[index : index + 1])[
                0
            ]
        )

    def distance(self, fix: Fix, kind: str, index: int) -> float:
        if kind == "poly":
            x, y = _UTM.transform(fix.lon, fix.lat)
            return float(shapely.distance(self.utm[index], shapely.Point(x, y))) / 1000.0
        return float(
            distance_km(fix.lon, fix.lat, self.px[index : index + 1], self.py[index : index + 1])[0]
        )


def _to_utm(coords: np.ndarray) -> np.ndarray:
    x, y = _UTM.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def at_time(track: list[Fix], time: datetime, targets: Targets) -> dict[int, tuple[list, list]]:
    """Per level: (units, sites) inside the circle at `time` (Target objects)."""
    fix = interpolate(track, time)
    result = {}
    for level in LEVELS:
        polys, points = targets.inside(fix, level)
        result[level] = (
            [targets.polygons[i] for i in sorted(polys)],
            [targets.points[i] for i in sorted(points)],
        )
    return result


def sample_times(track: list[Fix], step: timedelta = STEP) -> list[datetime]:
    start, end = track[0].time, track[-1].time
    times = []
    t = start
    while t < end:
        times.append(t)
        t += step
    times.append(end)
    return times


def _refine(track, test, before: datetime, after: datetime, was: bool) -> datetime:
    """The first time in (before, after] at which test() differs from `was`, to PRECISION."""
    low, high = before, after
    while high - low > PRECISION:
        middle = low + (high - low) / 2
        if test(interpolate(track, middle)) == was:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def timeline(track: list[Fix], targets: Targets, step: timedelta = STEP) -> dict[str, Exposure]:
    """Every target's enter/leave intervals per level over the track, and closest approach."""
    result: dict[str, Exposure] = {}
    if not track:
        return result
    times = sample_times(track, step)
    fixes = [interpolate(track, t) for t in times]
    kinds = [("poly", i, t) for i, t in enumerate(targets.polygons)] + [
        ("point", i, t) for i, t in enumerate(targets.points)
    ]
    for kind, index, target in kinds:
        result[f"{kind}:{index}"] = Exposure(
            target.key,
            target.name,
            target.kind,
            intervals={level: [] for level in LEVELS},
            parent=target.parent,
        )
    for level in LEVELS:
        states = []
        for fix in fixes:
            polys, points = targets.inside(fix, level)
            states.append({f"poly:{i}" for i in polys} | {f"point:{i}" for i in points})
        touched = set().union(*states) if states else set()
        for key in touched:
            kind, index_text = key.split(":")
            index = int(index_text)

            def test(fix, kind=kind, index=index, level=level):
                return targets.one_inside(fix, level, kind, index)

            intervals = []
            entered = times[0] if key in states[0] else None
            for i in range(1, len(times)):
                now_in, was_in = key in states[i], key in states[i - 1]
                if now_in and not was_in:
                    entered = _refine(track, test, times[i - 1], times[i], False)
                elif was_in and not now_in:
                    left = _refine(track, test, times[i - 1], times[i], True)
                    intervals.append((entered, left))
                    entered = None
            if entered is not None:
                intervals.append((entered, times[-1]))
            result[key].intervals[level] = intervals
    # Closest approach: the least sampled distance, refined by ternary search around it.
    _closest(track, times, fixes, targets, result)
    return {e.key: e for e in result.values()}


NEAR_KM = 1000  # closest approach is sought where the centre is this near the targets


def _closest(track, times, fixes, targets: Targets, result: dict[str, Exposure]) -> None:
    if targets.bounds is None:
        return
    cx = (targets.bounds[0] + targets.bounds[2]) / 2
    cy = (targets.bounds[1] + targets.bounds[3]) / 2
    lons = np.array([f.lon for f in fixes])
    lats = np.array([f.lat for f in fixes])
    near = np.flatnonzero(distance_km(cx, cy, lons, lats) <= NEAR_KM)
    if near.size == 0:
        return
    utm_polys = np.array(targets.utm, dtype=object)
    best_poly = np.full(len(targets.polygons), np.inf)
    best_poly_at = np.zeros(len(targets.polygons), dtype=int)
    best_point = np.full(len(targets.points), np.inf)
    best_point_at = np.zeros(len(targets.points), dtype=int)
    for i in near:
        fix = fixes[i]
        if utm_polys.size:
            x, y = _UTM.transform(fix.lon, fix.lat)
            d = shapely.distance(utm_polys, shapely.Point(x, y))
            better = d < best_poly
            best_poly[better], best_poly_at[better] = d[better], i
        if targets.px.size:
            d = distance_km(fix.lon, fix.lat, targets.px, targets.py) * 1000.0
            better = d < best_point
            best_point[better], best_point_at[better] = d[better], i
    for kind, bests, ats in (
        ("poly", best_poly, best_poly_at),
        ("point", best_point, best_point_at),
    ):
        for index, (value, at_index) in enumerate(zip(bests, ats, strict=True)):
            if not np.isfinite(value):
                continue
            low = times[max(at_index - 1, 0)]
            high = times[min(at_index + 1, len(times) - 1)]
            while high - low > PRECISION:
                a = low + (high - low) / 3
                b = high - (high - low) / 3
                da = targets.distance(interpolate(track, a), kind, index)
                db = targets.distance(interpolate(track, b), kind, index)
                if da <= db:
                    high = b
                else:
                    low = a
            at = low + (high - low) / 2
            exposure = result[f"{kind}:{index}"]
            exposure.closest_at = at.replace(microsecond=0)
            exposure.closest_km = round(targets.distance(interpolate(track, at), kind, index), 1)
