"""Layers in their packed form (app/topo.py): the same features as the GeoJSON route, each
shared edge once, on a grid finer than the level's simplification, in the viewer's scope."""

from __future__ import annotations

import gzip
import json

import shapely
from shapely.geometry import shape

from app import topo


def unpack(data: bytes) -> tuple[dict, list[list[tuple[float, float]]]]:
    """(header, arcs in degrees): the wire form read as assets/map-view.js reads it."""
    length = int.from_bytes(data[:4], "little")
    header = json.loads(data[4 : 4 + length].decode("utf-8"))
    pos = 4 + length

    def varint() -> int:
        nonlocal pos
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)

    (sx, sy), (tx, ty) = header["transform"]["scale"], header["transform"]["translate"]
    arcs, x, y = [], 0, 0
    for _ in range(header["arcs"]):
        arc = []
        for _ in range(varint()):
            x, y = x + varint(), y + varint()
            arc.append((tx + x * sx, ty + y * sy))
        arcs.append(arc)
    return header, arcs


def features(data: bytes) -> dict[str, shapely.Geometry]:
    """code (or index) -> geometry of every feature in the wire form."""
    header, arcs = unpack(data)

    def line(refs):
        points = []
        for ref in refs:
            arc = arcs[~ref][::-1] if ref < 0 else arcs[ref]
            points.extend(arc[1:] if points else arc)
        return points

    out = {}
    (layer,) = header["objects"].values()
    for index, g in enumerate(layer["geometries"]):
        key = g.get("properties", {}).get("code", str(index))
        if g["type"] == "Polygon":
            out[key] = shapely.Polygon(line(g["arcs"][0]), [line(r) for r in g["arcs"][1:]])
        elif g["type"] == "MultiPolygon":
            out[key] = shapely.MultiPolygon(
                [(line(p[0]), [line(r) for r in p[1:]]) for p in g["arcs"]]
            )
        elif g["type"] == "MultiLineString":
            refs = g["arcs"]
            if isinstance(refs, dict):
                refs = [[refs["from"] + k] for k in range(refs["count"])]
            out[key] = shapely.MultiLineString([line(r) for r in refs])
    return out


def square(x: float, y: float, size: float = 0.01) -> list:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def collection(*geometries: dict) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(i), "properties": {"code": str(i)}, "geometry": g}
            for i, g in enumerate(geometries)
        ],
    }


def test_neighbours_share_one_arc_and_an_enclave_its_ring():
    hole = square(119.005, 25.005, 0.002)
    data = topo.pack(
        collection(
            {"type": "Polygon", "coordinates": [square(119.0, 25.0)]},
            {"type": "Polygon", "coordinates": [square(119.01, 25.0)]},
            {"type": "Polygon", "coordinates": [square(119.0, 25.02), hole]},
            {"type": "Polygon", "coordinates": [hole[::-1]]},
        ),
        quantum=1e-5,
    )
    header, arcs = unpack(data)
    # Squares 0 and 1: their common side once, and each one's other three sides; square 2's
    # outer ring; the hole and the enclave filling it: one ring, stored once.
    assert len(arcs) == 5
    decoded = features(data)

    def same(a, b) -> bool:
        return shapely.hausdorff_distance(a, b) < 1e-9 and abs(a.area - b.area) < 1e-12

    assert same(decoded["0"], shapely.Polygon(square(119.0, 25.0)))
    assert same(decoded["1"], shapely.Polygon(square(119.01, 25.0)))
    assert same(decoded["3"], shapely.Polygon(hole))
    assert same(decoded["2"], shapely.Polygon(square(119.0, 25.02), [hole]))


def test_a_unit_smaller_than_the_grid_is_left_out_and_the_rest_kept():
    data = topo.pack(
        collection(
            {"type": "Polygon", "coordinates": [square(119.0, 25.0)]},
            {"type": "Polygon", "coordinates": [square(119.1, 25.1, 0.00001)]},
        ),
        quantum=0.001,
    )
    header, _ = unpack(data)
    assert [g["type"] for g in header["objects"]["layer"]["geometries"]] == ["Polygon", None]


def test_the_packed_layer_is_the_geojson_layer_on_a_fine_grid(client):
    for url, level in [
        ("/api/v1/layers/town.{}?parent=350304", "town"),
        ("/api/v1/layers/village.{}?parent=350304100", "village"),
        ("/api/v1/layers/village.{}?detail=overview&as=lines", "village"),
    ]:
        geo = client.get(url.format("geojson"))
        packed = client.get(url.format("topo"))
        assert packed.status_code == 200 and packed.mimetype == topo.MIMETYPE
        served = json.loads(geo.data)["features"]
        decoded = features(packed.data)
        detail = "overview" if "overview" in url else "full"
        worst = topo.quantum(level, detail) * 0.71
        if "lines" in url:
            (lines,) = decoded.values()
            assert shapely.hausdorff_distance(lines, shape(served[0]["geometry"])) <= worst
            continue
        assert sorted(decoded) == sorted(f["properties"]["code"] for f in served)
        for feature in served:
            original = shape(feature["geometry"])
            assert shapely.hausdorff_distance(decoded[feature["id"]], original) <= worst
        # A fraction of the GeoJSON's bytes, both as sent with gzip.
        assert len(packed.data) < len(geo.data)


def test_packed_layers_are_gzip_with_their_own_etag(client):
    url = "/api/v1/layers/town.topo?parent=350304"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert features(gzip.decompress(first.data)).keys() == features(client.get(url).data).keys()
    geo = client.get(
        "/api/v1/layers/town.geojson?parent=350304", headers={"Accept-Encoding": "gzip"}
    )
    assert first.headers["ETag"] != geo.headers["ETag"]
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_another_town_s_staff_get_none_of_its_units(client_as):
    staff = client_as("xtw.staff")  # 西天尾镇 (350304100)
    refused = staff.get("/api/v1/layers/village.topo?parent=350304101")  # 黄石镇 next door
    assert refused.status_code == 403 and refused.json["status"] == 403
    own = features(staff.get("/api/v1/layers/village.topo").data)
    assert own and all(code.startswith("350304100") for code in own)
    outsider = client_as("xiuyu.staff")  # 秀屿区
    theirs = features(outsider.get("/api/v1/layers/village.topo").data)
    assert theirs and not any(code.startswith("350304100") for code in theirs)
