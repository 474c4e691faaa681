"""Deterministic partition of a parent polygon into child units of chosen relative sizes.

Used to generate plausible town and village polygons where no real ones exist. The method:

1. A power diagram (weighted Voronoi) in a local metric plane: seeds are hand-placed anchors
   or, for units without one, farthest-point samples relaxed by Lloyd iterations; weights are
   fitted on a dense grid of sample points until each cell holds its target share of area.
2. The exact cells (convex, from half-planes) and the parent boundary are noded together on a
   1e-7 degree grid (about 1 cm) and polygonized, so neighbours share identical edges and the
   faces tile the parent exactly.
3. Each face goes to the unit with the least power distance; detached fragments (where a cell
   crosses a bay or a neck of land) go to the neighbour sharing the longest edge, islets with
   no shared edge to the nearest unit.

Everything is deterministic: no random numbers, stable ordering, fixed iteration counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

GRID = 1e-7  # degrees; the precision every generated vertex is snapped to
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class UnitSpec:
    """One child to carve out of the parent."""

    code: str
    weight: float = 1.0
    anchor: tuple[float, float] | None = None  # lon, lat the unit should grow around
    area_km2: float | None = None  # fixed target area, overrides weight
    island: bool = False  # take the detached parts of the parent near the anchor


class PartitionError(RuntimeError):
    """The parent could not be split as asked (e.g. a unit ended up with no area)."""


class _Plane:
    """A local equirectangular metric plane around the parent (metres)."""

    def __init__(self, geom: BaseGeometry) -> None:
        minx, miny, maxx, maxy = geom.bounds
        self.lon0 = (minx + maxx) / 2
        self.lat0 = (miny + maxy) / 2
        self.kx = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))
        self.ky = _M_PER_DEG_LAT

    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(
            ((lonlat[:, 0] - self.lon0) * self.kx, (lonlat[:, 1] - self.lat0) * self.ky)
        )

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack((xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0))

    def geometry_to_xy(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self.to_xy)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _as_multipolygon_or_polygon(parts: Sequence[Polygon]) -> BaseGeometry:
    parts = sorted(parts, key=lambda p: -p.area)
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _sample_grid(geom_xy: BaseGeometry, count: int) -> np.ndarray:
    """About `count` points on a regular grid inside geom (metric plane)."""
    minx, miny, maxx, maxy = geom_xy.bounds
    step = math.sqrt(geom_xy.area / count)
    xs = np.arange(minx + step / 2, maxx, step)
    ys = np.arange(miny + step / 2, maxy, step)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    shapely.prepare(geom_xy)
    inside = shapely.contains_xy(geom_xy, gx, gy)
    return np.column_stack((gx[inside], gy[inside]))


def _farthest_points(samples: np.ndarray, fixed: np.ndarray, k: int) -> np.ndarray:
    """k samples spread out by farthest-point sampling, away from the fixed seeds too."""
    chosen: list[np.ndarray] = []
    if len(fixed):
        dist = np.min(((samples[:, None, :] - fixed[None, :, :]) ** 2).sum(-1), axis=1)
    else:
        centre = samples.mean(axis=0)
        dist = np.full(len(samples), np.inf)
        first = int(np.argmin(((samples - centre) ** 2).sum(-1)))
        chosen.append(samples[first])
        dist = np.minimum(dist, ((samples - samples[first]) ** 2).sum(-1))
    while len(chosen) < k:
        nxt = int(np.argmax(dist))
        chosen.append(samples[nxt])
        dist = np.minimum(dist, ((samples - samples[nxt]) ** 2).sum(-1))
    return np.array(chosen[:k]).reshape(-1, 2)


def _power_owner(points: np.ndarray, seeds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of the seed with the least power distance |p - s|^2 - w, for each point."""
    # |p|^2 is the same for every seed, so it drops out of the argmin.
    score = (seeds**2).sum(axis=1) - weights - 2.0 * points @ seeds.T
    return np.argmin(score, axis=1)


def _fit_power_diagram(
    samples: np.ndarray,
    seeds: np.ndarray,
    movable: np.ndarray,
    targets: np.ndarray,
    area_per_sample: float,
    iterations: int = 120,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit power weights (and move free seeds, Lloyd-style) so cells hold their targets.

    targets are sample counts. Returns (seeds, weights).
    """
    n = len(seeds)
    weights = np.zeros(n)
    origin = seeds.copy()
    # Free seeds roam; anchored ones move at most ~a third of their cell's radius.
    tether = np.where(movable, np.inf, 0.35 * np.sqrt(targets * area_per_sample / np.pi))
    for it in range(iterations):
        owner = _power_owner(samples, seeds, weights)
        counts = np.bincount(owner, minlength=n).astype(float)
        # Raising a weight by delta moves a round cell's edge out by about delta / (4 r), which
        # grows its area by about (pi / 2) delta: so delta ~ area error, damped for stability.
        error = np.clip((targets - counts) / np.maximum(targets, 1.0), -1.0, 1.0)
        weights += 0.3 * error * targets * area_per_sample
        weights -= weights.mean()
        if it < iterations - 20:
            sums = np.column_stack(
                (np.bincount(owner, samples[:, 0], n), np.bincount(owner, samples[:, 1], n))
            )
            has = counts > 0
            centroids = np.where(has[:, None], sums / np.maximum(counts, 1)[:, None], seeds)
            moved = 0.5 * seeds + 0.5 * centroids
            # Anchored seeds may drift toward their cell's centre (compact cells, better fit)
            # but stay tethered near the anchor so the town keeps its place on the map.
            offset = moved - origin
            length = np.hypot(offset[:, 0], offset[:, 1])
            scale = np.where(length > tether, tether / np.maximum(length, 1e-9), 1.0)
            seeds = origin + offset * scale[:, None]
    return seeds, weights


def _clip_halfplane(poly: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """Sutherland-Hodgman: keep the part of convex polygon `poly` where a.x <= b."""
    if len(poly) == 0:
        return poly
    values = poly @ a - b
    out: list[np.ndarray] = []
    count = len(poly)
    for i in range(count):
        p, q = poly[i], poly[(i + 1) % count]
        vp, vq = values[i], values[(i + 1) % count]
        if vp <= 0:
            out.append(p)
        if (vp < 0 < vq) or (vq < 0 < vp):
            t = vp / (vp - vq)
            out.append(p + t * (q - p))
    return np.array(out).reshape(-1, 2)


def _power_cells(
    seeds: np.ndarray, weights: np.ndarray, box: tuple[float, ...]
) -> list[np.ndarray]:
    minx, miny, maxx, maxy = box
    frame = np.array([[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy]])
    norms = (seeds**2).sum(axis=1)
    cells = []
    for i in range(len(seeds)):
        cell = frame
        for j in range(len(seeds)):
            if i == j:
                continue
            a = 2.0 * (seeds[j] - seeds[i])
            b = norms[j] - norms[i] - weights[j] + weights[i]
            cell = _clip_halfplane(cell, a, b)
        cells.append(cell)
    return cells


def _faces(parent: BaseGeometry, cell_rings_lonlat: list[np.ndarray]) -> list[Polygon]:
    """Node parent boundary and cell edges on the grid, polygonize, keep faces in the parent."""
    lines = [parent.boundary]
    for ring in cell_rings_lonlat:
        if len(ring) >= 3:
            lines.append(shapely.LineString(np.vstack((ring, ring[:1]))))
    noded = shapely.union_all(lines, grid_size=GRID)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    points = shapely.point_on_surface(faces)
    shapely.prepare(parent)
    keep = shapely.contains(parent, points)
    return [f for f, k in zip(faces, keep, strict=True) if k and f.area > 0]


def _components(geom: BaseGeometry) -> list[Polygon]:
    return sorted(_polygons(geom), key=lambda p: -p.area)


def _main_part(parts: list[Polygon], anchor: np.ndarray | None) -> Polygon:
    """The part holding the seed, unless it is a sliver; else the largest part."""
    if anchor is not None:
        pt = shapely.Point(anchor)
        holding = [p for p in parts if p.covers(pt)]
        if holding and holding[0].area > 0.2 * parts[0].area:
            return holding[0]
    return parts[0]


def _resolve_fragments(
    owner_faces: dict[int, list[Polygon]], anchors_lonlat: dict[int, np.ndarray]
) -> dict[int, BaseGeometry]:
    """Give each unit one main part; move detached fragments to a neighbour."""
    units = {i: shapely.union_all(fs, grid_size=GRID) for i, fs in owner_faces.items() if fs}
    for _ in range(6):
        moved = False
        for i in sorted(units):
            parts = _components(units[i])
            if len(parts) == 1:
                continue
            main = _main_part(parts, anchors_lonlat.get(i))
            keep = [main]
            for frag in parts:
                if frag is main:
                    continue
                best, best_len = None, 0.0
                for j in sorted(units):
                    if j != i:
                        shared = frag.boundary.intersection(units[j].boundary).length
                        if shared > best_len:
                            best, best_len = j, shared
                if best is None:
                    # An islet: it goes to whichever unit's main part lies nearest.
                    best = min(
                        sorted(units),
                        key=lambda j: frag.distance(
                            main if j == i else _main_part(_components(units[j]), None)
                        ),
                    )
                if best == i:
                    keep.append(frag)
                    continue
                units[best] = shapely.union_all([units[best], frag], grid_size=GRID)
                moved = True
            units[i] = shapely.union_all(keep, grid_size=GRID)
        if not moved:
            break
    return units


def partition(
    parent: BaseGeometry, units: Sequence[UnitSpec], samples_per_unit: int = 400
) -> dict[str, BaseGeometry]:
    """Split `parent` (lon/lat, on the 1e-7 grid) into one geometry per unit, keyed by code."""
    if not units:
        return {}
    parent = shapely.set_precision(parent, GRID)
    if len(units) == 1:
        return {units[0].code: parent}
    plane = _Plane(parent)
    parts = _components(parent)
    result: dict[str, BaseGeometry] = {}

    # Islands first: a unit flagged `island` takes the detached parts near its anchor.
    remaining_parts = list(parts)
    free_units = []
    for spec in units:
        if spec.island and spec.anchor is not None and len(parts) > 1:
            pt = shapely.Point(spec.anchor)
            near = [p for p in remaining_parts[1:] if p.distance(pt) < 0.05]  # ~5 km
            if near:
                result[spec.code] = _as_multipolygon_or_polygon(near)
                remaining_parts = [p for p in remaining_parts if not any(p is q for q in near)]
                continue
        free_units.append(spec)
    remaining = _as_multipolygon_or_polygon(remaining_parts)
    if len(free_units) == 1:
        result[free_units[0].code] = remaining
        return result

    remaining_xy = plane.geometry_to_xy(remaining)
    samples = _sample_grid(remaining_xy, samples_per_unit * len(free_units))
    if len(samples) < 4 * len(free_units):
        raise PartitionError(f"parent too small for {len(free_units)} units")
    total_area = remaining_xy.area
    fixed_area = sum(s.area_km2 * 1e6 for s in free_units if s.area_km2)
    free_weight = sum(s.weight for s in free_units if not s.area_km2)
    targets = np.array(
        [
            (s.area_km2 * 1e6 / total_area)
            if s.area_km2
            else (s.weight / free_weight)
            * max(total_area - fixed_area, 0.1 * total_area)
            / total_area
            for s in free_units
        ]
    ) * len(samples)

    anchored = [i for i, s in enumerate(free_units) if s.anchor is not None]
    seeds = np.zeros((len(free_units), 2))
    if anchored:
        anchor_xy = plane.to_xy(np.array([free_units[i].anchor for i in anchored]))
        # An anchor outside the parent (hand-placed positions are rough) snaps to the
        # nearest sample so that its cell is not empty.
        # Two anchors must not collapse onto one sample: keep a minimum spacing between seeds.
        min_gap2 = 0.09 * total_area / len(free_units)
        placed: list[np.ndarray] = []
        for k, i in enumerate(anchored):
            dist2 = ((samples - anchor_xy[k]) ** 2).sum(-1)
            for other in placed:
                dist2 = np.where(((samples - other) ** 2).sum(-1) < min_gap2, np.inf, dist2)
            seeds[i] = samples[int(np.argmin(dist2))]
            placed.append(seeds[i])
    free = [i for i, s in enumerate(free_units) if s.anchor is None]
    if free:
        seeds[free] = _farthest_points(samples, seeds[anchored], len(free))
    movable = np.array([s.anchor is None for s in free_units])
    for _attempt in range(4):
        seeds, weights = _fit_power_diagram(
            samples, seeds, movable, targets, total_area / len(samples)
        )
        owner = _power_owner(samples, seeds, weights)
        counts = np.bincount(owner, minlength=len(free_units))
        empty = np.flatnonzero(counts == 0)
        if not len(empty):
            break
        # A seed squeezed out (typically onto an islet): restart it in the largest cell.
        for i in empty:
            biggest = int(np.argmax(counts))
            mine = samples[owner == biggest]
            far = int(np.argmax(((mine - seeds[biggest]) ** 2).sum(-1)))
            seeds[i] = 0.5 * (mine[far] + seeds[biggest])
            movable[i] = True
            counts[biggest] //= 2

    pad = 0.2 * max(np.ptp(samples[:, 0]), np.ptp(samples[:, 1])) + 1000.0
    minx, miny, maxx, maxy = remaining_xy.bounds
    cells = _power_cells(seeds, weights, (minx - pad, miny - pad, maxx + pad, maxy + pad))
    faces = _faces(remaining, [plane.to_lonlat(c) if len(c) else c for c in cells])

    face_xy = plane.to_xy(shapely.get_coordinates(shapely.point_on_surface(faces)))
    owner = _power_owner(face_xy, seeds, weights)
    owner_faces: dict[int, list[Polygon]] = {i: [] for i in range(len(free_units))}
    for face, i in zip(faces, owner, strict=True):
        owner_faces[int(i)].append(face)
    anchors_lonlat = {i: plane.to_lonlat(seeds[i : i + 1])[0] for i in range(len(free_units))}
    resolved = _resolve_fragments(owner_faces, anchors_lonlat)
    missing = [free_units[i].code for i in range(len(free_units)) if i not in resolved]
    if missing:
        raise PartitionError(f"units without area: {', '.join(missing)}")
    for i, spec in enumerate(free_units):
        result[spec.code] = _as_multipolygon_or_polygon(_components(resolved[i]))
    return result


def finest_coverage(units: dict[str, BaseGeometry], grid: float = GRID) -> dict[str, BaseGeometry]:
    """Re-derive a set of units as one valid coverage from one arrangement of all their edges.

    Units generated parent by parent meet their neighbours' edges only to within the grid
    (a vertex inserted on a long edge is rounded off the line by up to 1 cm, which along
    kilometres of edge leaves slivers of many m2). Noding every edge together once on the
    grid and rebuilding each unit from the same faces makes neighbours share identical
    edges. With a coarser grid this is also how a coverage is rounded without breaking it.
    """
    codes_sorted = sorted(units)
    geoms = [units[c] for c in codes_sorted]
    noded = shapely.union_all(shapely.boundary(geoms), grid_size=grid)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    tree = shapely.STRtree(geoms)
    points = shapely.point_on_surface(faces)
    owner = np.full(len(faces), -1)
    inside_face, inside_unit = tree.query(points, predicate="within")
    owner[inside_face] = inside_unit
    # A face whose inner point fell just outside every unit (a rounding sliver along an
    # edge, often shared half and half by two neighbours) goes to the unit that holds most
    # of it, as long as the units together hold most of it; faces they do not hold (an
    # enclosed bay, a hole of the arrangement) stay out.
    for k in np.flatnonzero(owner < 0):
        face = faces[k]
        shares = {
            int(u): shapely.intersection(face, geoms[u]).area / max(face.area, 1e-30)
            for u in tree.query(face, predicate="intersects")
        }
        if shares and sum(shares.values()) > 0.5:
            owner[k] = max(sorted(shares), key=shares.get)
        elif 2 * face.area / max(face.length, 1e-30) < 5 * grid:
            # A crack between two units' nearly identical edges (each was noded with its own
            # parent): it belongs to the neighbour it shares the longest edge with.
            near = tree.query(face, predicate="dwithin", distance=grid)
            if len(near):
                owner[k] = max(
                    sorted(int(u) for u in near),
                    key=lambda u: (
                        shapely.intersection(
                            face.boundary, shapely.buffer(geoms[u].boundary, grid)
                        ).length
                    ),
                )
    result: dict[str, list[Polygon]] = {c: [] for c in codes_sorted}
    for face, u in zip(faces, owner, strict=True):
        if u >= 0:
            result[codes_sorted[u]].append(face)
    return {c: shapely.union_all(fs, grid_size=grid) for c, fs in result.items() if fs}
