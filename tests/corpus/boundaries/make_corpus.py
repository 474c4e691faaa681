"""Writes the files of this folder: `python tests/corpus/boundaries/make_corpus.py`.

Every polygon is cut from the shipped generated boundaries of 荔城区 (data/boundaries),
shrunk and moved a little the way a surveyed boundary differs from a generated one, so the
good files import and the bad ones fail for the one reason their name says. What each file
must answer is in tests/layers/test_import_corpus.py. The files are committed; run this
again only when the shipped boundaries change.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from layers.crs import geometry_from_wgs84  # noqa: E402
from layers.sources import BOUNDARIES_DIR  # noqa: E402

HERE = Path(__file__).resolve().parent
XITIANWEI = "350304100000"  # 西天尾镇, 荔城区
HUANGSHI = "350304101000"  # 黄石镇
VILLAGES = ("350304100001", "350304100002", "350304100003")
HANJIANG_TOWN = "350303100000"  # 涵江区 (another county)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

_TO_M = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
_FROM_M = pyproj.Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


def shipped(level: str, code: str):
    data = json.loads((BOUNDARIES_DIR / f"{level}.geojson").read_text(encoding="utf-8"))
    found = next(f for f in data["features"] if f["properties"]["code"] == code)
    return shapely.geometry.shape(found["geometry"])


def _apply(transformer, geom):
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def surveyed(geom, inset: float, dx: float, dy: float):
    """Rounded, a little smaller, moved by metres; simplified to keep the file small."""
    metric = _apply(_TO_M, geom).buffer(-inset).buffer(inset * 0.6).simplify(3.0)
    return shapely.set_precision(_apply(_FROM_M, shapely.affinity.translate(metric, dx, dy)), 1e-7)


def feature(code, geom, **properties) -> dict:
    geometry = mapping(geom) if isinstance(geom, shapely.Geometry) else geom
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry}


def collection(features: list, **members) -> dict:
    return {"type": "FeatureCollection", **members, "features": features}


def dump(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def square(x: float = 119.0, y: float = 25.45, side: float = 0.01) -> list:
    x2, y2 = round(x + side, 7), round(y + side, 7)
    return [[x, y], [x2, y], [x2, y2], [x, y2], [x, y]]


def polygon(ring: list) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


def write(name: str, content: str | bytes) -> None:
    path = HERE / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def shapefile_parts(features: list[dict]) -> dict[str, bytes]:
    """A shapefile's files (EPSG:4326) holding `features`, by suffix."""
    import tempfile

    import geopandas as gpd

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "villages.shp"
        frame = gpd.GeoDataFrame(
            {"code": [f["properties"]["code"] for f in features]},
            geometry=[shapely.geometry.shape(f["geometry"]) for f in features],
            crs="EPSG:4326",
        )
        frame.to_file(path, engine="pyogrio")
        return {p.suffix: p.read_bytes() for p in Path(folder).iterdir()}


def main() -> None:
    town = surveyed(shipped("town", XITIANWEI), 40.0, 50.0, 30.0)
    villages = {code: surveyed(shipped("village", code), 15.0, 5.0, -5.0) for code in VILLAGES}
    v1, v2, v3 = (villages[c] for c in VILLAGES)
    good_town = feature(XITIANWEI, town, name="西天尾镇")
    good_village = feature(VILLAGES[0], v1)
    square_feature = feature(XITIANWEI, polygon(square()))

    # Good files: each imports.
    write("good_town.geojson", dump(collection([good_town])))
    write("good_town_9_digit_code.geojson", dump(collection([feature(XITIANWEI[:9], town)])))
    write(
        "good_villages_gbk.geojson",
        dump(
            collection(
                [feature(VILLAGES[0], v1, name="东星"), feature(VILLAGES[1], v2, name="后黄")]
            )
        ).encode("gb18030"),
    )
    write(
        "good_village_crs84.geojson",
        dump(
            collection(
                [good_village],
                crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            )
        ),
    )
    write(
        "good_village_cgcs2000_gk.geojson",
        dump(
            collection(
                [
                    feature(
                        VILLAGES[2],
                        shapely.set_precision(geometry_from_wgs84(v3, "EPSG:4549"), 0.001),
                    )
                ],
                crs={"type": "name", "properties": {"name": "EPSG:4549"}},
            )
        ),
    )
    parts = shapefile_parts([good_village])
    write(
        "good_village_shapefile.zip", zipped({f"villages/villages{s}": d for s, d in parts.items()})
    )
    ring = [list(p) for p in shapely.get_coordinates(v2.exterior)]
    ring[1], ring[2] = ring[2], ring[1]  # two neighbouring vertices swapped: a bow tie
    write(
        "self_intersection_repaired.geojson",
        dump(collection([feature(VILLAGES[1], polygon(ring))])),
    )

    # Coordinates in another system: refused without --crs, imported with it.
    # A town: a GCJ-02 village deep inside its town moves 570 m without crossing its edge.
    gcj = shapely.set_precision(geometry_from_wgs84(town, "gcj02"), 1e-7)
    write("gcj02.geojson", dump(collection([feature(XITIANWEI, gcj)])))
    metric = shapely.set_precision(geometry_from_wgs84(v2, "EPSG:4549"), 0.001)
    write("projected_without_crs.geojson", dump(collection([feature(VILLAGES[1], metric)])))

    # The file as a whole.
    write("empty.geojson", b"")
    write("whitespace.geojson", "  \n\t\n")
    write("not_json.geojson", "这不是 JSON，是一段文字。\n")
    write("truncated.geojson", dump(collection([good_town]))[:300])
    write("utf16.geojson", dump(collection([good_town])).encode("utf-16"))
    write("nul_bytes.geojson", dump(collection([square_feature])).encode()[:40] + b"\x00" * 8)
    write(
        "neither_utf8_nor_gbk.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
        b'"properties": {"code": "350304100000", "name": "\xff\xfe\xff"}, "geometry": null}]}',
    )
    write("deep_nesting.geojson", "[" * 5000 + "]" * 5000)
    write(
        "huge_number.geojson",
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"code": ' + "3" * 5000 + '}, "geometry": null}]}',
    )
    write("top_level_array.geojson", dump([good_town]))
    write("topojson.json", dump({"type": "Topology", "objects": {}, "arcs": []}))
    write("bare_geometry.geojson", dump(polygon(square())))
    write("features_object.geojson", dump({"type": "FeatureCollection", "features": {}}))
    write("no_features_member.geojson", dump({"type": "FeatureCollection"}))
    write("empty_collection.geojson", dump(collection([])))
    write(
        "unknown_crs.geojson",
        dump(collection([good_town], crs={"type": "name", "properties": {"name": "EPSG:999999"}})),
    )
    write(
        "no_code_field.geojson", dump(collection([{**good_town, "properties": {"dm": XITIANWEI}}]))
    )

    # One feature malformed among good ones (always the second).
    def second(bad) -> str:
        return dump(collection([good_town, bad]))

    def town2(geometry) -> dict:
        return feature(HUANGSHI, geometry)

    write("feature_not_object.geojson", second(42))
    write("feature_is_geometry.geojson", second(polygon(square())))
    write(
        "properties_list.geojson",
        second({"type": "Feature", "properties": [HUANGSHI], "geometry": polygon(square())}),
    )
    write("geometry_string.geojson", second(town2("POLYGON ((119 25, 119.1 25, 119 25.1))")))
    write("geometry_type_unknown.geojson", second(town2({"type": "Circle", "radius": 1})))
    write("geometry_point.geojson", second(town2({"type": "Point", "coordinates": [119.0, 25.45]})))
    write("geometry_null.geojson", second(town2(None)))
    write(
        "coordinates_strings.geojson",
        second(town2(polygon([[str(x), str(y)] for x, y in square()]))),
    )
    write("coordinates_not_array.geojson", second(town2({"type": "Polygon", "coordinates": 5})))
    write("position_one_number.geojson", second(town2(polygon([[119.0], *square()[1:]]))))
    nan_ring = dump(polygon(square())).replace("25.46", "NaN", 1)
    write("nan.geojson", second(town2({"__raw__": 1})).replace('{"__raw__": 1}', nan_ring))
    inf_ring = dump(polygon(square())).replace("119.01", "1e999", 1)
    write("infinity.geojson", second(town2({"__raw__": 1})).replace('{"__raw__": 1}', inf_ring))
    write("unclosed_ring.geojson", second(town2(polygon(square()[:-1]))))
    write("two_point_ring.geojson", second(town2(polygon(square()[:2]))))
    hole = square(119.002, 25.452, 0.002)[:-1]
    write(
        "unclosed_hole.geojson",
        second(town2({"type": "Polygon", "coordinates": [square(), hole]})),
    )
    write("empty_polygon.geojson", second(town2({"type": "Polygon", "coordinates": []})))
    write("empty_multipolygon.geojson", second(town2({"type": "MultiPolygon", "coordinates": []})))
    write("code_list.geojson", second(feature([HUANGSHI], polygon(square()))))
    write("code_empty.geojson", second(feature("", polygon(square()))))
    line = [[119.0, 25.45], [119.01, 25.45], [119.02, 25.45], [119.0, 25.45]]
    write("flat_polygon.geojson", second(town2(polygon(line))))

    # Well-formed features that do not belong.
    huangshi = surveyed(shipped("town", HUANGSHI), 40.0, 50.0, 30.0)
    write("code_outside_city.geojson", second(feature("350102001000", huangshi)))
    write("unknown_code.geojson", second(feature("350304199000", huangshi)))
    write("not_a_code.geojson", second(feature("黄石镇", huangshi)))
    write("wrong_level.geojson", second(feature(VILLAGES[1], v2)))
    write("duplicate_codes.geojson", second(feature(XITIANWEI, town)))
    write("wrong_parent.geojson", second(feature(HUANGSHI, huangshi, parent_code="350303000000")))
    write("outside_parent.geojson", second(town2(shipped("town", HANJIANG_TOWN))))
    write(
        "overlapping_towns.geojson",
        second(town2(shapely.union_all([huangshi, town.buffer(-0.01)]))),
    )
    swapped = shapely.transform(huangshi, lambda xy: xy[:, ::-1].copy())
    write("swapped_axes.geojson", second(town2(swapped)))

    # Not GeoJSON.
    write("readme.txt", "把边界文件导出为 GeoJSON 再导入。\n")
    write("towns.dbf", parts[".dbf"])
    write("not_a_geopackage.gpkg", "这不是 GeoPackage\n")
    write("not_a_shapefile.shp", "这不是 Shapefile\n")
    write("lonely.shp", parts[".shp"])
    write("damaged.zip", b"PK\x03\x04" + b"\x00" * 60)
    write("no_shapefile.zip", zipped({"readme.txt": "边界".encode()}))
    write(
        "two_shapefiles.zip",
        zipped({f"{n}{s}": d for n in ("a", "b") for s, d in parts.items()}),
    )
    write(
        "shapefile_without_dbf.zip",
        zipped({f"villages{s}": d for s, d in parts.items() if s != ".dbf"}),
    )
    write("password_protected.zip", _encrypted(zipped({f"v{s}": d for s, d in parts.items()})))


def _encrypted(data: bytes) -> bytes:
    """The zip with every entry flagged as encrypted, as a password-protected zip is."""
    out = bytearray(data)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            out[start + flag_offset] |= 0x1
            start += 4
    return bytes(out)


if __name__ == "__main__":
    main()
