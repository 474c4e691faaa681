"""Division boundaries as Mapbox vector tiles (MVT), made by PostGIS, scoped to the viewer.

A tile holds one layer named after the level ("village", ...), with one feature per unit
inside the viewer's scope (and inside `parent`, when given) that touches the tile. The
feature's id is the unit's 12-digit code as an integer (MapLibre's `feature.id`; codes never
start with 0, so `String(id)` is the code) and it has no properties: names and figures come
from the profile API. A `code` string property cost 28% of a z5 tile holding 100,000 villages
(5.35 MB raw against 3.85 MB) and 13% of it gzipped. PostGIS makes it (`ST_AsMVTGeom` clips
and snaps each geometry to the tile grid, `ST_AsMVT` encodes), so a tile costs one indexed
query whatever the number of units: this is what keeps 100,000 polygons usable where inline
GeoJSON is not.

SQLite has no MVT encoder: `tile` raises `TilesUnsupported` there (the route answers 501 and
the map keeps its GeoJSON layers). Tiles are cached per process, keyed by the boundaries
version, so an import invalidates them everywhere, like the GeoJSON layer bodies.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import BigInteger, cast, func, literal_column, select
from sqlalchemy.orm import Session

from layers import codes
from layers.load import boundaries_version
from store.geometry import POSTGRESQL, SRID
from store.models import Division

# Tile grid units per side: the MVT default. A coarser grid (1,024) merges the vertices of
# village-sized polygons seen at zoom 5-6 until some collapse and vanish from the map.
EXTENT = 4096
BUFFER = 64  # grid units drawn beyond the edge, so outlines do not break at tile seams
MAX_ZOOM = 22
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
WORLD = 20037508.342789244  # half the web mercator world, in metres
CACHE_BYTES = 64 * 1024 * 1024  # per process


class TilesUnsupported(RuntimeError):
    """The database cannot make vector tiles (SQLite)."""


class BadTile(ValueError):
    """z/x/y outside the tile pyramid."""


@dataclass(frozen=True)
class Tile:
    etag: str
    raw: bytes
    gzipped: bytes


_cache: OrderedDict[tuple, Tile] = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()


def check_address(z: int, x: int, y: int) -> None:
    """Raise BadTile unless 0 <= z <= MAX_ZOOM and x, y lie inside zoom z's 2^z x 2^z grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadTile(f"zoom {z} outside 0..{MAX_ZOOM}")
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise BadTile(f"tile {x}/{y} outside zoom {z}'s {side}x{side} grid")


def tile_etag(
    version: int, level: str, parent: str | None, scopes: tuple[str, ...], z: int, x: int, y: int
) -> str:
    key = f"mvt|{version}|{level}|{parent}|{' '.join(scopes)}|{z}/{x}/{y}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _query(level: str, parent: str | None, scopes: tuple[str, ...], z: int, x: int, y: int):
    envelope = func.ST_TileEnvelope(z, x, y)
    # The search box: the tile plus its buffer, in the stored CRS (uses the GiST index).
    bounds = func.ST_MakeEnvelope(-WORLD, -WORLD, WORLD, WORLD, 3857)
    search = func.ST_Transform(func.ST_TileEnvelope(z, x, y, bounds, BUFFER / EXTENT), SRID)
    conditions = [
        Division.level == level,
        codes.within_any(Division.code, scopes),
        Division.geom.op("&&")(search),
    ]
    if parent is not None:
        conditions.append(codes.prefix_range(Division.code, parent))
        conditions.append(Division.code != parent)
    rows = (
        select(
            func.ST_AsMVTGeom(
                # Kept in EPSG:3857 by the database (migration 0004): no transform per tile.
                literal_column("divisions.geom_3857"),
                envelope,
                EXTENT,
                BUFFER,
                True,
            ).label("geom"),
            cast(Division.code, BigInteger).label("id"),
        )
        .where(*conditions)
        .subquery("features")
    )
    encoded = func.ST_AsMVT(literal_column("features"), level, EXTENT, "geom", "id")
    return select(encoded).select_from(rows)


def tile(
    session: Session,
    scopes: tuple[str, ...],
    level: str,
    z: int,
    x: int,
    y: int,
    parent: str | None = None,
) -> Tile:
    """One tile of `level` with only the units inside `scopes` (a viewer's) and `parent`.

    `parent` must already be checked against the scope (access.scoped.require_unit). No
    scopes give an empty tile, never an error that tells what lies there.
    """
    if level not in codes.LEVELS:
        raise ValueError(f"unknown level {level!r}")
    check_address(z, x, y)
    if session.get_bind().dialect.name != POSTGRESQL:
        raise TilesUnsupported("vector tiles need PostGIS (ST_AsMVT)")
    parent = codes.normalize(parent) if parent else None
    version = boundaries_version(session)
    key = (version, level, parent, scopes, z, x, y)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    raw = session.execute(_query(level, parent, scopes, z, x, y)).scalar_one() or b""
    raw = bytes(raw)
    made = Tile(
        etag=tile_etag(version, level, parent, scopes, z, x, y),
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=6, mtime=0),
    )
    _remember(key, made)
    return made


def _remember(key: tuple, made: Tile) -> None:
    global _cached_bytes
    with _lock:
        if key in _cache:
            return
        _cache[key] = made
        _cached_bytes += len(made.raw) + len(made.gzipped)
        while _cached_bytes > CACHE_BYTES and _cache:
            _, dropped = _cache.popitem(last=False)
            _cached_bytes -= len(dropped.raw) + len(dropped.gzipped)


def clear_cache() -> None:
    """Forget every cached tile (benchmarks measure a cold server with it)."""
    global _cached_bytes
    with _lock:
        _cache.clear()
        _cached_bytes = 0


# --- Reading tiles back (tests and benchmarks; no protobuf dependency) ------------------------


def _varint(data: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(data: bytes):
    """(field number, wire type, value) of one protobuf message; value is int or bytes."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value, at = data[at : at + length], at + length
        elif wire == 1:
            value, at = data[at : at + 8], at + 8
        elif wire == 5:
            value, at = data[at : at + 4], at + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _packed(data: bytes) -> list[int]:
    out, at = [], 0
    while at < len(data):
        value, at = _varint(data, at)
        out.append(value)
    return out


def decode(data: bytes) -> dict[str, list[dict]]:
    """layer name -> features' properties (strings and integers), from raw MVT bytes.

    Enough of the MVT spec (2.1) to check what a tile holds: layer names, keys, string and
    integer values, feature tags, the feature's id (as "$id", when it has one) and its
    geometry type (as "$type": 1 point, 2 line, 3 polygon).
    """
    layers: dict[str, list[dict]] = {}
    for number, _, layer_bytes in _fields(data):
        if number != 3:
            continue
        name, keys, values, features = "", [], [], []
        for field, _, value in _fields(layer_bytes):
            if field == 1:
                name = value.decode("utf-8")
            elif field == 3:
                keys.append(value.decode("utf-8"))
            elif field == 4:
                decoded = None
                for kind, _, item in _fields(value):
                    if kind == 1:
                        decoded = item.decode("utf-8")
                    elif kind in (4, 5):
                        decoded = item
                    elif kind == 6:
                        decoded = (item >> 1) ^ -(item & 1)
                values.append(decoded)
            elif field == 2:
                features.append(value)
        rows = []
        for feature in features:
            tags, geom_type, feature_id = [], 0, None
            for field, wire, value in _fields(feature):
                if field == 1:
                    feature_id = value
                elif field == 2:
                    tags = _packed(value) if wire == 2 else [value]
                elif field == 3:
                    geom_type = value
            props = {keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags) - 1, 2)}
            props["$type"] = geom_type
            if feature_id is not None:
                props["$id"] = feature_id
            rows.append(props)
        layers[name] = rows
    return layers


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the zoom-z tile holding a WGS84 point (web mercator)."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
