"""A served GeoJSON layer as TopoJSON: each edge once, quantised, delta-encoded.

The browser decodes it back into the same GeoJSON (assets/map-view.js, `topoFeatures`), so
the map draws the very features the GeoJSON route serves, on a grid of `quantum` degrees.
A quantum below the level's simplification tolerance moves no vertex by a visible amount at
any zoom the layer is drawn at: the served coordinates are already that much off the
surveyed ones.

Shared edges: two neighbouring units' rings run through the same rounded vertices (the
served levels are simplified as one coverage), so a vertex where the set of neighbours
changes is a junction; cutting every ring at its junctions gives arcs that appear once, in
one direction, and are referenced (reversed as `~i`) by every ring that runs along them.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterable

from layers import display

Point = tuple[int, int]
MIMETYPE = "application/vnd.onemap.topo"
# The grid, as a share of the level's simplification tolerance: a vertex moves by at most
# 0.14 x the tolerance, under a pixel at any zoom the served detail is meant for.
GRID_SHARE = 0.2

_packed: dict[tuple[str, float], display.LayerBody] = {}
_lock = threading.Lock()


def quantum(level: str, detail: str) -> float:
    """The grid (degrees) a level's served detail is encoded on."""
    table = display.OVERVIEW_TOLERANCE if detail == "overview" else display.TOLERANCE
    return table.get(level, 0.0001) * GRID_SHARE


def packed_body(body: display.LayerBody, level: str, detail: str) -> display.LayerBody:
    """The served GeoJSON body `body` in the wire form (raw and gzip), cached per body."""
    grid = quantum(level, detail)
    key = (body.etag, grid)
    with _lock:
        if key in _packed:
            return _packed[key]
    raw = pack(json.loads(body.raw), grid)
    packed = display.LayerBody(
        etag=f"{body.etag}-topo",
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=9, mtime=0),
        feature_count=body.feature_count,
    )
    with _lock:
        if len(_packed) > 512:
            _packed.clear()
        _packed[key] = packed
    return packed


def _quantised(ring: Iterable, x0: float, y0: float, quantum: float) -> list[Point]:
    """Grid points of a coordinate list, without consecutive repeats."""
    out: list[Point] = []
    for x, y in ring:
        point = (round((x - x0) / quantum), round((y - y0) / quantum))
        if not out or out[-1] != point:
            out.append(point)
    return out


class _Arcs:
    """Arcs cut from lines at junctions, each stored once."""

    def __init__(self, lines: list[list[Point]], closed: list[bool]) -> None:
        neighbours: dict[Point, set[Point]] = {}
        for line, ring in zip(lines, closed, strict=True):
            count = len(line) - 1 if ring else len(line)
            for i in range(count):
                here = line[i]
                around = neighbours.setdefault(here, set())
                if ring:
                    around.add(line[i - 1] if i else line[-2])
                    around.add(line[i + 1])
                else:
                    if i:
                        around.add(line[i - 1])
                    if i + 1 < len(line):
                        around.add(line[i + 1])
        self.junctions = {p for p, around in neighbours.items() if len(around) > 2}
        for line, ring in zip(lines, closed, strict=True):
            if not ring:
                self.junctions.update((line[0], line[-1]))
        self.arcs: list[list[Point]] = []
        self.index: dict[tuple[Point, ...], int] = {}

    def _ref(self, arc: list[Point]) -> int:
        key = tuple(arc)
        found = self.index.get(key)
        if found is not None:
            return found
        backwards = self.index.get(key[::-1])
        if backwards is not None:
            return ~backwards
        self.index[key] = len(self.arcs)
        self.arcs.append(arc)
        return len(self.arcs) - 1

    def cut(self, line: list[Point], ring: bool) -> list[int]:
        """The arc references that make up `line`."""
        if ring:
            body = line[:-1]
            starts = [i for i, p in enumerate(body) if p in self.junctions]
            if not starts:
                # A ring touching no other line (or shared whole, as an enclave's): start at
                # its least point, so both rings that hold it give the same arc.
                first = body.index(min(body))
                turned = body[first:] + body[:first]
                # Its reverse starts at the same point: _ref finds either direction.
                return [self._ref([*turned, turned[0]])]
            first = starts[0]
            line = body[first:] + body[:first] + [body[first]]
        refs: list[int] = []
        start = 0
        for i in range(1, len(line)):
            if i == len(line) - 1 or line[i] in self.junctions:
                refs.append(self._ref(line[start : i + 1]))
                start = i
        return refs


def _varint(value: int, out: bytearray) -> None:
    """A zigzag LEB128 varint: one byte for |value| < 64, two below 8192."""
    value = (value << 1) ^ (value >> 63)
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _packed_arcs(arcs: list[list[Point]]) -> bytes:
    """Each arc: its point count, its first point, then each step from the previous point."""
    out = bytearray()
    px, py = 0, 0  # an arc's first point is a step from the previous arc's last
    for arc in arcs:
        _varint(len(arc), out)
        for x, y in arc:
            _varint(x - px, out)
            _varint(y - py, out)
            px, py = x, y
    return bytes(out)


def _parts(geometry: dict) -> list[tuple[str, list]]:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Polygon":
        return [("polygon", coords)]
    if kind == "MultiPolygon":
        return [("polygon", polygon) for polygon in coords]
    if kind == "LineString":
        return [("line", coords)]
    if kind == "MultiLineString":
        return [("line", line) for line in coords]
    raise ValueError(f"unsupported geometry {kind!r}")


def encode(collection: dict, quantum: float, name: str = "layer") -> dict:
    """A TopoJSON Topology holding the FeatureCollection's features as object `name`."""
    features = collection.get("features", [])
    xs = [
        x for f in features for _, part in _parts(f["geometry"]) for r in _rings(part) for x, _ in r
    ]
    ys = [
        y for f in features for _, part in _parts(f["geometry"]) for r in _rings(part) for _, y in r
    ]
    x0, y0 = (min(xs), min(ys)) if xs else (0.0, 0.0)
    # Every line (ring or linestring) on the grid first: junctions need all of them.
    shaped: list[list[tuple[str, list[list[Point]]]]] = []
    lines: list[list[Point]] = []
    closed: list[bool] = []
    for feature in features:
        parts = []
        for kind, part in _parts(feature["geometry"]):
            if kind == "polygon":
                rings = [_quantised(r, x0, y0, quantum) for r in part]
                rings = [r for r in rings if len(r) >= 4 and r[0] == r[-1]]
                if not rings or _quantised(part[0], x0, y0, quantum) != rings[0]:
                    continue  # the exterior vanished on the grid: smaller than the quantum
                parts.append(("polygon", rings))
                lines.extend(rings)
                closed.extend([True] * len(rings))
            else:
                line = _quantised(part, x0, y0, quantum)
                if len(line) >= 2:
                    parts.append(("line", [line]))
                    lines.append(line)
                    closed.append(False)
        shaped.append(parts)
    arcs = _Arcs(lines, closed)
    geometries = []
    for feature, parts in zip(features, shaped, strict=True):
        polygons = [
            [arcs.cut(r, True) for r in rings] for kind, rings in parts if kind == "polygon"
        ]
        strings = [arcs.cut(rings[0], False) for kind, rings in parts if kind == "line"]
        if polygons:
            geometry = (
                {"type": "Polygon", "arcs": polygons[0]}
                if len(polygons) == 1
                else {"type": "MultiPolygon", "arcs": polygons}
            )
        elif strings:
            geometry = (
                {"type": "LineString", "arcs": strings[0]}
                if len(strings) == 1
                else {"type": "MultiLineString", "arcs": _line_refs(strings)}
            )
        else:
            geometry = {"type": None}
        if "id" in feature:
            geometry["id"] = feature["id"]
        geometry["properties"] = feature.get("properties") or {}
        geometries.append(geometry)
    return {
        "type": "Topology",
        "transform": {"scale": [quantum, quantum], "translate": [x0, y0]},
        "objects": {name: {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs.arcs,
    }


def _rings(part) -> list:
    """A polygon's rings, or a line as a one-element list."""
    return part if part and isinstance(part[0][0], list | tuple) else [part]


def _line_refs(strings: list[list[int]]) -> list[list[int]] | dict:
    """A MultiLineString's arcs; `{"from": i, "count": n}` when they are the arcs i..i+n-1
    each once and forward (an outline layer: thousands of refs in a dozen bytes)."""
    first = strings[0][0]
    if all(refs == [first + k] for k, refs in enumerate(strings)):
        return {"from": first, "count": len(strings)}
    return strings


def pack(collection: dict, quantum: float) -> bytes:
    """The wire form: a 4-byte little-endian length, the Topology's JSON without its arcs
    (`"arcs"` holds their count), then the arcs as varints (see `_packed_arcs`)."""
    topology = encode(collection, quantum)
    arcs = topology["arcs"]
    header = json.dumps(
        {**topology, "arcs": len(arcs)}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    return len(header).to_bytes(4, "little") + header + _packed_arcs(arcs)
