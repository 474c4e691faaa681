"""Per-level GeoJSON as the browser gets it: simplified, rounded, gzip, with an ETag.

The four levels are simplified as ONE coverage: the finest units (villages, or any unit
without children) are rounded and simplified together (shapely.coverage_simplify), and each
unit above is the union of its simplified children. So every edge, shared by neighbours or
by levels, is simplified once: at each detail and in each datum served, the children of a
unit tile it exactly as served (no sliver, gap or village sticking out of its town).
Coordinates are rounded to 5 decimals (about 1 m), finer than any tolerance used here.
Bodies are cached per process and keyed by the boundaries version, so an import
invalidates them everywhere without a message between workers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy.orm import Session

from layers import codes, repository
from layers.build import round_coords
from layers.crs import geometry_from_wgs84
from layers.load import boundaries_version
from layers.partition import finest_coverage

# Simplification tolerance in degrees (0.0001 deg is about 10 m here), the same for every
# level of a detail since the levels share their edges: villages are seen zoomed in.
TOLERANCE = dict.fromkeys(codes.LEVELS, 0.0001)
# Outlines of levels far below the view (villages over the whole city) are seen at a few
# hundred metres per pixel: a coarser cut keeps them exact to the eye at half the bytes.
OVERVIEW_TOLERANCE = dict.fromkeys(codes.LEVELS, 0.0006)
LOGGER = logging.getLogger(__name__)
DETAILS = ("full", "overview")
DECIMALS = 5
DISPLAY_CRS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class LayerBody:
    etag: str
    raw: bytes
    gzipped: bytes
    feature_count: int


_cache: dict[tuple, LayerBody] = {}
_simplified: dict[tuple, dict[str, tuple]] = {}
_nested_cache: dict[tuple, tuple[dict, dict]] = {}
_rounded_cache: dict[int, dict] = {}
_lock = threading.Lock()


def _rounded(geom: shapely.Geometry) -> dict:
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": round_coords(mapping["coordinates"], DECIMALS)}


def _simplified_level(
    session: Session, level: str, version: int, crs: str, detail: str
) -> tuple[dict[str, dict], dict[str, shapely.Geometry]]:
    """code -> Feature dict (and code -> geometry) for a whole level, simplified with every
    other level as one coverage (see _simplified_levels)."""
    return _simplified_levels(session, version, crs, detail)[level]


def _simplified_levels(
    session: Session, version: int, crs: str, detail: str
) -> dict[str, tuple[dict[str, dict], dict[str, shapely.Geometry]]]:
    key = (version, crs, detail)
    with _lock:
        if key in _simplified:
            return _simplified[key]
    rows, geoms = _nested(session, version, detail)
    result = {}
    for level in codes.LEVELS:
        features: dict[str, dict] = {}
        geometries: dict[str, shapely.Geometry] = {}
        for row in rows[level]:
            geom = geoms[row.code]
            if crs != "wgs84":
                geom = geometry_from_wgs84(geom, crs)
            geometries[row.code] = geom
            features[row.code] = {
                "type": "Feature",
                "id": row.code,
                "properties": {
                    "code": row.code,
                    "name": row.name,
                    "level": row.level,
                    "parent_code": row.parent_code,
                    "geometry_source": row.geometry_source,
                },
                "geometry": _rounded(geom),
            }
        result[level] = (features, geometries)
    with _lock:
        if len(_simplified) > 16:
            _simplified.clear()
        _simplified[key] = result
    return result


def _nested(session: Session, version: int, detail: str) -> tuple[dict, dict]:
    """The rows of every level and their WGS84 geometries simplified as one coverage, for
    one detail (each datum served converts these); the rounded coverage is shared by both
    details."""
    key = (version, detail)
    with _lock:
        if key in _nested_cache:
            return _nested_cache[key]
        rounded = _rounded_cache.get(version)
    rows = {level: repository.by_level(session, level) for level in codes.LEVELS}
    units = {row.code: (row.parent_code, row.geom) for level in codes.LEVELS for row in rows[level]}
    if rounded is None:
        rounded = rounded_leaves(units)
    tolerance = (TOLERANCE if detail == "full" else OVERVIEW_TOLERANCE)["village"]
    result = rows, nested_simplified(units, tolerance, rounded)
    with _lock:
        if len(_nested_cache) > 8:
            _nested_cache.clear()
            _rounded_cache.clear()
        _nested_cache[key] = result
        _rounded_cache[version] = rounded
    return result


def _children(units: dict[str, tuple[str | None, shapely.Geometry]]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code, (parent, _) in units.items():
        if parent in units:
            children.setdefault(parent, []).append(code)
    return children


def rounded_leaves(units: dict[str, tuple[str | None, shapely.Geometry]]) -> dict:
    """The units without children, rounded to the served grid as one coverage (plain
    rounding can fold thin parts and unshare edges)."""
    children = _children(units)
    leaves = sorted(code for code in units if code not in children)
    return finest_coverage({code: units[code][1] for code in leaves}, grid=10**-DECIMALS)


def nested_simplified(
    units: dict[str, tuple[str | None, shapely.Geometry]],
    tolerance: float,
    rounded: dict | None = None,
) -> dict[str, shapely.Geometry]:
    """Every unit (code -> (parent code, WGS84 geometry)) simplified as one coverage: the
    units without children, rounded (`rounded`, see rounded_leaves), are simplified
    together (coverage_simplify keeps a subset of the rounded vertices), and each unit
    above is the union of its children."""
    children = _children(units)
    leaves = sorted(code for code in units if code not in children)
    if not leaves:
        return {}
    if rounded is None:
        rounded = rounded_leaves(units)
    leaf_geoms = np.array([rounded.get(code, units[code][1]) for code in leaves], dtype=object)
    simplified = dict(zip(leaves, shapely.coverage_simplify(leaf_geoms, tolerance), strict=True))

    def geometry(code: str) -> shapely.Geometry:
        if code not in simplified:
            parts = np.array([geometry(child) for child in sorted(children[code])], dtype=object)
            union = shapely.coverage_union_all(parts)
            own = units[code][1]
            if abs(union.area - own.area) > 0.01 * own.area:
                # Children that do not cover their parent (a partial set): they cannot nest,
                # so the parent keeps its own outline, simplified alone.
                LOGGER.warning("the children of %s do not cover it: served apart", code)
                union = shapely.coverage_simplify(own, tolerance)
            simplified[code] = union
        return simplified[code]

    return {code: geometry(code) for code in units}


def cache_token(stamp: str, within: tuple[str, ...] | None) -> str:
    """What a layer URL's `v` carries: the boundaries stamp (layers.load.boundaries_stamp) and
    the viewer's scope. A URL with the current token names one body for good (an import, a
    rebuilt database or a new scope makes a new token), so the browser may keep it without
    asking again; another viewer's token is only a URL that gets revalidated, never their
    body."""
    scope = " ".join(within) if within is not None else "*"
    return hashlib.sha256(f"{stamp}|{scope}".encode()).hexdigest()[:12]


def layer_etag(
    version: int,
    level: str,
    parent: str | None,
    crs: str,
    within: tuple[str, ...] | None,
    detail: str = "full",
    lines: bool = False,
) -> str:
    scope = " ".join(within) if within is not None else "*"
    key = f"{version}|{level}|{parent}|{crs}|{scope}|{detail}|{lines}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def layer_body(
    session: Session,
    level: str,
    parent: str | None = None,
    crs: str = "wgs84",
    within: tuple[str, ...] | None = None,
    detail: str = "full",
    lines: bool = False,
) -> LayerBody:
    """The served FeatureCollection of one level, optionally only inside `parent` and only
    inside the jurisdictions `within` (None: everything, for internal use).

    `lines`: one MultiLineString of the units' edges, each shared edge once, for outline
    layers (about half the coordinates of the polygons, and no per-unit properties)."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}")
    if level not in codes.LEVELS:
        raise ValueError(f"unknown level {level!r}")
    if crs not in DISPLAY_CRS:
        raise ValueError(f"unknown display crs {crs!r}")
    parent = codes.normalize(parent) if parent else None
    version = boundaries_version(session)
    key = (version, level, parent, crs, within, detail, lines)
    with _lock:
        if key in _cache:
            return _cache[key]
    features, geometries = _simplified_level(session, level, version, crs, detail)
    prefixes = tuple(codes.prefix(p) for p in within) if within is not None else ("",)
    if parent:
        inside = codes.prefix(parent)
        prefixes = tuple(p for p in prefixes if p.startswith(inside) or inside.startswith(p))
        prefixes = tuple(max(p, inside, key=len) for p in prefixes)
    chosen_codes = [
        code for code in features if code != parent and any(code.startswith(p) for p in prefixes)
    ]
    chosen = [features[code] for code in chosen_codes]
    if lines and chosen:
        # Shared edges are identical (a rounded coverage), so the union keeps each once.
        edges = shapely.line_merge(
            shapely.union_all(shapely.boundary([geometries[c] for c in chosen_codes]))
        )
        chosen = [{"type": "Feature", "properties": {"level": level}, "geometry": _rounded(edges)}]
    raw = json.dumps(
        {"type": "FeatureCollection", "features": chosen},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    body = LayerBody(
        etag=layer_etag(version, level, parent, crs, within, detail, lines),
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=6, mtime=0),
        feature_count=len(chosen),
    )
    with _lock:
        if len(_cache) > 512:  # one entry per (level, parent, scope): bound it
            _cache.clear()
        _cache[key] = body
    return body
