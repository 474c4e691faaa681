"""Deterministic partition of a parent polygon into child units of chosen relative sizes.

Used to generate plausible town and village polygons where no real ones exist. The method:

0. Units with anchors (towns) first split the parent into land bodies (its parts, and land
   tied on by a neck narrower than NECK_WIDTH_M cut off): a body is shared by the units
   anchored on it, and a body with no anchor goes whole to the unit whose land lies nearest
   across the sea. So an island town gets its whole island, and no town reaches across water.
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
# Land joined to a larger piece only by a strip narrower than this is a body of its own.
# The Amap coast is generalised: Meizhou island is tied to the mainland by about 1.3 km of
# polygon that is sea on any chart, while no real cape of the coast is cut at this width.
NECK_WIDTH_M = 1_600.0
MIN_BODY_M2 = 0.5e6  # smaller cores of the opening test stay with the land they touch
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class UnitSpec:
    """One child to carve out of the parent."""

    code: str
    weight: float = 1.0
    anchor: tuple[float, float] | None = None  # lon, lat the unit should grow around
    area_km2: float | None = None  # fixed target area, overrides weight
    # Kept for callers; land_bodies now finds islands for every anchored unit.
    island: bool = False


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
    """Split `parent` (lon/lat, on the 1e-7 grid) into one geometry per unit, keyed by code.

    Units with anchors (towns) are placed on land bodies (see land_bodies): a body holding
    anchors is shared by those units alone, and a body holding none (an islet, an island
    tied on by a neck) goes whole to the unit whose land lies nearest across the sea, so no
    unit reaches across water to an island that has a unit of its own. Units without
    anchors (villages) share the parent's parts, islets going to the nearest unit.
    """
    if not units:
        return {}
    parent = shapely.set_precision(parent, GRID)
    if len(units) == 1:
        return {units[0].code: parent}
    if not any(spec.anchor is not None for spec in units):
        return _partition_body(parent, units, samples_per_unit)
    bodies = land_bodies(parent)
    on_body: dict[int, list[UnitSpec]] = {}
    for spec in units:
        # Units without an anchor grow on the largest body (the mainland).
        k = 0 if spec.anchor is None else _body_of(spec.anchor, bodies)
        on_body.setdefault(k, []).append(spec)
    result: dict[str, BaseGeometry] = {}
    for k in sorted(on_body):
        result.update(_partition_body(bodies[k], on_body[k], samples_per_unit))
    unclaimed = [body for k, body in enumerate(bodies) if k not in on_body]
    return _attach_by_sea(result, unclaimed)


def land_bodies(parent: BaseGeometry, neck_width_m: float = NECK_WIDTH_M) -> list[BaseGeometry]:
    """The parent's pieces of land, largest first: its parts, each cut where two large
    pieces of it are joined only by a neck narrower than `neck_width_m` (an opening test:
    erode by half the width, grow back, and see whether the part falls apart). The
    pieces tile the parent exactly (on the grid)."""
    plane = _Plane(parent)
    bodies: list[BaseGeometry] = []
    for part in _components(parent):
        bodies.extend(_split_at_necks(part, plane, neck_width_m))
    return sorted(bodies, key=lambda b: (-b.area, b.bounds))


def _split_at_necks(part: Polygon, plane: _Plane, neck_width_m: float) -> list[BaseGeometry]:
    part_xy = plane.geometry_to_xy(part)
    radius = neck_width_m / 2
    if part_xy.area < 2 * MIN_BODY_M2:
        return [part]
    eroded = part_xy.buffer(-radius, quad_segs=4)
    cores = [c.buffer(radius, quad_segs=4) for c in shapely.get_parts(eroded)]
    cores = sorted((c for c in cores if c.area >= MIN_BODY_M2), key=lambda c: -c.area)
    if len(cores) < 2:
        return [part]
    # Dilated cores may overlap at the neck: the larger one keeps the overlap.
    taken = []
    for core in cores:
        taken.append(core.difference(shapely.union_all(taken)) if taken else core)
    regions: list[list[BaseGeometry]] = [[core] for core in taken]
    # What the opening leaves out (the neck itself, capes, coves) joins the core it
    # borders most, else the nearest one.
    rest = shapely.get_parts(part_xy.difference(shapely.union_all(taken)))
    for piece in rest:
        if piece.area <= 0:
            continue
        edge = [shapely.intersection(piece.boundary, c.buffer(0.5)).length for c in taken]
        best = (
            int(np.argmax(edge))
            if max(edge) > 0
            else int(np.argmin([piece.distance(c) for c in taken]))
        )
        regions[best].append(piece)
    pieces: list[BaseGeometry] = []
    claimed = []
    for region in regions[1:]:
        outline = shapely.union_all(region).buffer(0.5, quad_segs=2)
        outline_lonlat = shapely.set_precision(shapely.transform(outline, plane.to_lonlat), GRID)
        piece = shapely.intersection(part, outline_lonlat, grid_size=GRID)
        if claimed:
            piece = shapely.difference(piece, shapely.union_all(claimed), grid_size=GRID)
        if not piece.is_empty and piece.area > 0:
            pieces.append(piece)
            claimed.append(piece)
    main = shapely.difference(part, shapely.union_all(claimed), grid_size=GRID)
    return [main, *pieces]


def _body_of(anchor: tuple[float, float], bodies: Sequence[BaseGeometry]) -> int:
    """The body an anchor lies on, else the nearest one (hand-placed anchors are rough)."""
    point = shapely.Point(anchor)
    holding = [k for k, body in enumerate(bodies) if body.covers(point)]
    if holding:
        return holding[0]
    return int(np.argmin([body.distance(point) for body in bodies]))


def _attach_by_sea(
    units: dict[str, BaseGeometry], bodies: Sequence[BaseGeometry]
) -> dict[str, BaseGeometry]:
    """Give each body to the unit whose land lies nearest to it across the sea."""
    if not bodies:
        return units
    codes_sorted = sorted(units)
    land = {code: [units[code]] for code in codes_sorted}
    for body in bodies:
        nearest = min(codes_sorted, key=lambda code: body.distance(units[code]))
        land[nearest].append(body)
    return {
        code: _as_multipolygon_or_polygon(_components(shapely.union_all(parts, grid_size=GRID)))
        if len(parts) > 1
        else parts[0]
        for code, parts in land.items()
    }


def _partition_body(
    remaining: BaseGeometry, free_units: Sequence[UnitSpec], samples_per_unit: int
) -> dict[str, BaseGeometry]:
    """The power-diagram partition of one body (or a whole parent) among `free_units`."""
    result: dict[str, BaseGeometry] = {}
    if len(free_units) == 1:
        result[free_units[0].code] = remaining
        return result
    plane = _Plane(remaining)

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


# A ring vertex where the outline turns back on itself (interior angle below this) is the
# tip of a zero-area spike or slit: a back-and-forth along one line with no land in it.
SPIKE_DEGREES = 0.1


def spike_angles(ring: np.ndarray) -> np.ndarray:
    """Interior angle (degrees, in a local metric plane) at each vertex of a closed ring
    given without its closing point."""
    kx = math.cos(math.radians(float(ring[:, 1].mean())))
    xy = np.column_stack((ring[:, 0] * kx, ring[:, 1]))
    back = np.roll(xy, 1, axis=0) - xy
    ahead = np.roll(xy, -1, axis=0) - xy
    norms = np.hypot(*back.T) * np.hypot(*ahead.T)
    cosine = (back * ahead).sum(axis=1) / np.maximum(norms, 1e-30)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def _ring_without_spikes(ring: np.ndarray) -> np.ndarray:
    """The ring (closed, first point repeated) with every spike folded away, tip first."""
    points = ring[:-1]
    while len(points) > 3:
        keep = np.ones(len(points), dtype=bool)
        keep[1:] = np.any(points[1:] != points[:-1], axis=1)  # repeated points first
        if keep.all():
            tips = np.flatnonzero(spike_angles(points) < SPIKE_DEGREES)
            if not len(tips):
                break
            keep[tips[0]] = False
        points = points[keep]
    return np.vstack((points, points[:1]))


def without_spike(geom: BaseGeometry) -> BaseGeometry:
    """geom with the zero-area spikes and slits of its rings folded away."""
    parts = []
    for poly in _polygons(geom):
        rings = [
            _ring_without_spikes(np.asarray(r.coords)) for r in (poly.exterior, *poly.interiors)
        ]
        if len(rings[0]) < 4:
            continue
        parts.append(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    if not parts:
        return geom
    cleaned = _as_multipolygon_or_polygon(parts)
    if not cleaned.is_valid:
        valid = shapely.get_parts(shapely.make_valid(cleaned))
        cleaned = _as_multipolygon_or_polygon(
            [q for g in valid for q in shapely.get_parts(g) if isinstance(q, Polygon)]
        )
    return shapely.set_precision(cleaned, GRID)


def has_spike(geom: BaseGeometry) -> bool:
    return any(
        len(r.coords) > 3 and (spike_angles(np.asarray(r.coords)[:-1]) < SPIKE_DEGREES).any()
        for poly in _polygons(geom)
        for r in (poly.exterior, *poly.interiors)
    )


def spike_free_coverage(units: dict[str, BaseGeometry], rounds: int = 8) -> dict[str, BaseGeometry]:
    """A coverage with every spike folded away: what a unit's spike held (a sliver of no
    real area, a few m2 along up to 2 km) goes to the neighbour sharing most of its edge,
    so the units still tile. A neighbour may get a shorter spike from its sliver: repeat."""
    for _ in range(rounds):
        spiky = sorted(code for code, geom in units.items() if has_spike(geom))
        if not spiky:
            return units
        units = _fold_spikes(units, spiky)
    spiky = sorted(code for code, geom in units.items() if has_spike(geom))
    if spiky:
        raise PartitionError(f"spikes remain in {', '.join(spiky)}")
    return units


def _fold_spikes(units: dict[str, BaseGeometry], spiky: list[str]) -> dict[str, BaseGeometry]:
    result = dict(units)
    for code in spiky:
        result[code] = without_spike(units[code])
    others = sorted(result)
    tree = shapely.STRtree([result[c] for c in others])
    for code in spiky:
        lost = shapely.difference(units[code], result[code], grid_size=GRID)
        for piece in _polygons(lost):
            near = [others[i] for i in tree.query(piece, predicate="dwithin", distance=GRID)]
            near = [c for c in near if c != code]
            if not near:
                continue
            best = max(
                near,
                key=lambda c: (
                    shapely.intersection(
                        piece.boundary, shapely.buffer(result[c].boundary, GRID)
                    ).length
                ),
            )
            result[best] = shapely.union_all([result[best], piece], grid_size=GRID)
    # Re-node once so the grown neighbours share their edges exactly again.
    return finest_coverage(result)
