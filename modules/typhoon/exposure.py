"""Who lies inside each wind circle: at one time, and over a whole track (enter/leave times).

Units are division polygons (lon/lat) the viewer may see, sites are points. A unit is inside
a circle when its polygon intersects the circle's outline polygon (shapely); a site when its
geodesic distance from the centre is within the radius of its quadrant.

Over a track, the storm is sampled every `step` (10 minutes by default) from its first to its
last point; each change of state between two samples is then refined by bisection to
`precision` (1 minute), so enter/leave times are exact to a minute whatever the step, except
for a brush shorter than the step, which may be missed (stated in docs/typhoon.md).

Intervals are half-open: `(start, until)` holds the first minute inside and the first minute
outside, so a target is inside at t when start <= t < until (one still inside at the track's
last point is inside through that minute: until is a minute after it). The
closest approach is the least distance from the centre to the unit (0 when the centre
crosses it; measured in UTM zone 50N, within 0.1% here) or to the site (geodesic), refined
the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import shapely
from pyproj import Transformer

from modules.typhoon.circles import distance_km, inside, interpolate, ring
from modules.typhoon.track import LEVELS, Fix

STEP = timedelta(minutes=10)
PRECISION = timedelta(minutes=1)
_TOKENS = itertools.count(1)
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
        self.token = next(_TOKENS)  # never reused, unlike id(): keys caches of results
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
        self.utm_array = np.array(self.utm, dtype=object)
        all_geoms = geoms + [t.geometry for t in self.points]
        self.bounds = shapely.total_bounds(all_geoms) if all_geoms else None

    def inside(self, fix: Fix, level: int) -> tuple[set[int], set[int]]:
        """Indices of polygons and of points inside the level's circle at this fix."""
        radii = fix.radii.get(level)
        if radii is None or max(radii) <= 0 or self.bounds is None:
            return set(), set()
        outline = _polygon(ring(fix.lon, fix.lat, radii))
        if not shapely.intersects(outline, shapely.box(*self.bounds)):
            return set(), set()
        polys = set()
        if self.tree is not None:
            polys = {int(i) for i in self.tree.query(outline, predicate="intersects")}
        points = set(np.flatnonzero(inside(fix.lon, fix.lat, radii, self.px, self.py)).tolist())
        return polys, points

    def some_inside(self, fix: Fix, level: int, keys: list[str]) -> set[str]:
        """Which of `keys` ("poly:i" / "point:i") lie inside the level's circle at this fix."""
        radii = fix.radii.get(level)
        if radii is None or max(radii) <= 0:
            return set()
        polys = np.array([int(k[5:]) for k in keys if k.startswith("poly:")], dtype=int)
        points = np.array([int(k[6:]) for k in keys if k.startswith("point:")], dtype=int)
        found: set[str] = set()
        if polys.size:
            outline = _polygon(ring(fix.lon, fix.lat, radii))
            shapely.prepare(outline)
            hits = shapely.intersects(outline, self.geoms[polys])
            found |= {f"poly:{i}" for i in polys[hits]}
        if points.size:
            hits = inside(fix.lon, fix.lat, radii, self.px[points], self.py[points])
            found |= {f"point:{i}" for i in points[hits]}
        return found

    def distance(self, fix: Fix, kind: str, index: int) -> float:
        if kind == "poly":
            x, y = _UTM.transform(fix.lon, fix.lat)
            return float(shapely.distance(self.utm[index], shapely.Point(x, y))) / 1000.0
        return float(
            distance_km(fix.lon, fix.lat, self.px[index : index + 1], self.py[index : index + 1])[0]
        )


def _polygon(points: list[tuple[float, float]]) -> shapely.Polygon:
    return shapely.polygons(np.asarray(points, dtype=float))


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
        keys = list(result)
        column = {key: j for j, key in enumerate(keys)}
        states: list[set[str]] = []
        matrix = np.zeros((len(times), len(keys)), dtype=np.int8)
        for i, fix in enumerate(fixes):
            polys, points = targets.inside(fix, level)
            state = {f"poly:{j}" for j in polys} | {f"point:{j}" for j in points}
            states.append(state)
            matrix[i, [column[key] for key in state]] = 1
        between: dict[int, list[tuple[datetime, set[str]]]] = {}

        def sub_states(
            i: int, level=level, between=between, states=states
        ) -> list[tuple[datetime, set[str]]]:
            """The states every PRECISION between samples i-1 and i of the targets that change
            there, shared by them all (one circle per minute, not one per target)."""
            if i not in between:
                found = []
                changing = sorted(states[i] ^ states[i - 1])
                t = times[i - 1] + PRECISION
                while t < times[i]:
                    found.append((t, targets.some_inside(interpolate(track, t), level, changing)))
                    t += PRECISION
                found.append((times[i], states[i]))
                between[i] = found
            return between[i]

        def flip(i: int, key: str, now_in: bool) -> datetime:
            return next(t for t, state in sub_states(i) if (key in state) == now_in)

        changes = np.diff(matrix, axis=0)
        rows, cols = np.nonzero(changes)
        by_key: dict[int, list[int]] = {}
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            by_key.setdefault(col, []).append(row + 1)
        for col in set(by_key) | set(np.flatnonzero(matrix[0]).tolist()):
            key = keys[col]
            intervals = []
            entered = times[0] if matrix[0, col] else None
            for i in sorted(by_key.get(col, [])):
                if changes[i - 1, col] > 0:
                    entered = flip(i, key, True)
                else:
                    intervals.append((entered, flip(i, key, False)))
                    entered = None
            if entered is not None:  # still inside at the last point: inside through its minute
                intervals.append((entered, times[-1] + PRECISION))
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
    utm_polys = targets.utm_array
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
    # Refine every minute around the best sample, for all targets that share it at once.
    found = (("poly", best_poly, best_poly_at), ("point", best_point, best_point_at))
    for kind, bests, ats in found:
        for at_index in np.unique(ats[np.isfinite(bests)]).tolist():
            members = np.flatnonzero((ats == at_index) & np.isfinite(bests))
            low = times[max(at_index - 1, 0)]
            high = times[min(at_index + 1, len(times) - 1)]
            moments = [low]
            while moments[-1] + PRECISION < high:
                moments.append(moments[-1] + PRECISION)
            moments.append(high)
            table = np.array(
                [_distances(targets, interpolate(track, t), kind, members) for t in moments]
            )
            best = table.argmin(axis=0)
            for column, index in enumerate(members.tolist()):
                exposure = result[f"{kind}:{index}"]
                exposure.closest_at = moments[best[column]].replace(microsecond=0)
                exposure.closest_km = round(float(table[best[column], column]) / 1000.0, 1)


def _distances(targets: Targets, fix: Fix, kind: str, members: np.ndarray) -> np.ndarray:
    """Metres from the centre to each member target."""
    if kind == "poly":
        x, y = _UTM.transform(fix.lon, fix.lat)
        return shapely.distance(targets.utm_array[members], shapely.Point(x, y))
    return distance_km(fix.lon, fix.lat, targets.px[members], targets.py[members]) * 1000.0
