"""Per-level GeoJSON as the browser gets it: simplified, rounded, gzip, with an ETag.

Each level is simplified as one coverage (shapely.coverage_simplify), so an edge shared by two
neighbours is simplified once and stays shared: no slivers or gaps open between them on the
map. Coordinates are rounded to 5 decimals (about 1 m), which is finer than any tolerance
used here. Bodies are cached per process and keyed by the boundaries version, so an import
invalidates them everywhere without a message between workers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
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

# Simplification tolerance per level in degrees (0.0001 deg is about 10 m here): coarse
# levels are seen zoomed out, villages are seen zoomed in.
TOLERANCE = {"city": 0.0008, "county": 0.0005, "town": 0.0003, "village": 0.0001}
# Outlines of levels far below the view (villages over the whole city) are seen at a few
# hundred metres per pixel: a coarser cut keeps them exact to the eye at half the bytes.
OVERVIEW_TOLERANCE = {"city": 0.0015, "county": 0.0012, "town": 0.0008, "village": 0.0006}
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
_simplified: dict[tuple, dict[str, dict]] = {}
_lock = threading.Lock()


def _rounded(geom: shapely.Geometry) -> dict:
    mapping = shapely.geometry.mapping(geom)
    return {"type": mapping["type"], "coordinates": round_coords(mapping["coordinates"], DECIMALS)}


def _simplified_level(
    session: Session, level: str, version: int, crs: str, detail: str
) -> tuple[dict[str, dict], dict[str, shapely.Geometry]]:
    """code -> Feature dict (and code -> geometry) for a whole level, simplified as one
    coverage."""
    key = (version, level, crs, detail)
    with _lock:
        if key in _simplified:
            return _simplified[key]
    rows = repository.by_level(session, level)
    if rows:
        # Round as a coverage first (plain rounding can fold thin parts and unshare edges),
        # then simplify: coverage_simplify keeps a subset of the rounded vertices.
        rounded = finest_coverage({row.code: row.geom for row in rows}, grid=10**-DECIMALS)
        geoms = np.array([rounded.get(row.code, row.geom) for row in rows], dtype=object)
        tolerance = (OVERVIEW_TOLERANCE if detail == "overview" else TOLERANCE)[level]
        geoms = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    else:
        geoms = np.array([], dtype=object)
    features: dict[str, dict] = {}
    geometries: dict[str, shapely.Geometry] = {}
    for row, geom in zip(rows, geoms, strict=True):
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
    with _lock:
        _simplified[key] = (features, geometries)
    return features, geometries


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
