"""`onemap boundaries import` and what it is handed: size limits, zips, broken geometries
inside GeoPackages, and the report in zh-CN. The corpus (test_import_corpus.py) holds the
small bad files; the big ones are made here, in the test, and never committed.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from geoalchemy2.elements import WKBElement
from shapely.geometry import mapping
from sqlalchemy import Engine

from layers.importing import import_boundaries
from layers.importing.vector import wkb_problem
from layers.load import load_shipped
from layers.sources import BOUNDARIES_DIR
from tests.snapshot import changed, snapshot

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
XITIANWEI = "350304100000"
VILLAGE = "350304100001"


@pytest.fixture(autouse=True)
def stable_geometry_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests.snapshot compares rows by their repr; on PostGIS geoalchemy2's carries the
    object's address, new at every read. Its WKB is what must match."""
    monkeypatch.setattr(WKBElement, "__repr__", lambda self: f"WKBElement({self.desc})")


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    assert load_shipped(engine, BOUNDARIES_DIR) == "loaded"
    return engine


def shipped_village() -> shapely.Geometry:
    data = json.loads((BOUNDARIES_DIR / "village.geojson").read_text(encoding="utf-8"))
    found = next(f for f in data["features"] if f["properties"]["code"] == VILLAGE)
    return shapely.geometry.shape(found["geometry"]).buffer(-0.0002)


def shapefile_parts(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"code": [VILLAGE]}, geometry=[shipped_village()], crs="EPSG:4326").to_file(
        folder / "v.shp", engine="pyogrio"
    )
    return {p.suffix: p.read_bytes() for p in folder.iterdir()}


# --------------------------------------------------------------------------- size limits

MEMORY_PROBE = textwrap.dedent(
    """
    import gc, json, sys, zipfile
    from pathlib import Path
    from sqlalchemy import create_engine
    from layers.importing import import_boundaries

    def rss(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise SystemExit(f"no {field} in /proc/self/status")

    folder = Path(sys.argv[1])
    size = 200 * 1024 * 1024
    geojson = folder / "huge.geojson"
    with geojson.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.write(b'{"type": "FeatureCollection", "features": [')
        handle.truncate(size)
    gpkg = folder / "huge.gpkg"
    with gpkg.open("wb") as handle:
        handle.write(b"SQLite format 3\\x00")
        handle.truncate(size)
    bomb = folder / "huge.zip"  # 200 MB of zeros: under a megabyte zipped
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in ("v.shp", "v.shx", "v.dbf"):
            with archive.open(name, "w", force_zip64=True) as entry:
                for _ in range(200 if name == "v.shp" else 0):
                    entry.write(bytes(1024 * 1024))
    engine = create_engine(f"sqlite:///{folder / 'never-opened.sqlite'}")
    gc.collect()
    idle = rss("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from here
    answers = {}
    for path in (geojson, gpkg, bomb):
        report = import_boundaries(engine, "town", path)
        answers[path.name] = [report.ok, report.errors[0].reason, report.errors[0].reason_zh]
    print(json.dumps({"idle": idle, "peak": rss("VmHWM"), "answers": answers}))
    """
)


def test_files_over_the_limit_are_refused_before_they_are_read(tmp_path: Path) -> None:
    """200 MB files, and a zip unpacking to 200 MB, cost the process almost no memory."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    above_idle = measured["peak"] - measured["idle"]
    assert above_idle < 100 * MB, f"peak {above_idle / MB:.0f} MB above idle"
    answers = measured["answers"]
    for name in ("huge.geojson", "huge.gpkg"):
        ok, reason, reason_zh = answers[name]
        assert not ok
        assert "larger than the limit of 50 MB (200 MB)" in reason
        assert "文件超过大小上限 50 MB" in reason_zh and "拆分" in reason_zh
    ok, reason, reason_zh = answers["huge.zip"]
    assert not ok
    assert "unpacks to 200 MB, more than the limit of 50 MB" in reason
    assert "解压后为 200 MB（上限 50 MB）" in reason_zh


def test_the_limit_is_the_callers(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "village.geojson"
    feature = {"type": "Feature", "properties": {"code": VILLAGE}}
    feature["geometry"] = mapping(shipped_village())
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    before = snapshot(loaded)

    assert path.stat().st_size > 100
    refused = import_boundaries(loaded, "village", path, max_bytes=100)

    assert not refused.ok
    assert "larger than the limit of 1 KB" in refused.errors[0].reason
    assert changed(before, snapshot(loaded)) == []
    assert import_boundaries(loaded, "village", path, max_bytes=path.stat().st_size).ok


def test_a_shapefile_counts_with_its_attribute_table(loaded: Engine, tmp_path: Path) -> None:
    for suffix, data in shapefile_parts(tmp_path).items():
        (tmp_path / f"v{suffix}").write_bytes(data)
    (tmp_path / "v.dbf").write_bytes((tmp_path / "v.dbf").read_bytes() + bytes(4096))
    shp_size = (tmp_path / "v.shp").stat().st_size

    report = import_boundaries(loaded, "village", tmp_path / "v.shp", max_bytes=shp_size + 2048)

    assert not report.ok
    assert "larger than the limit" in report.errors[0].reason


def test_zip_entries_are_counted_as_they_unpack(loaded: Engine, tmp_path: Path) -> None:
    """A zip whose headers understate its entries is stopped at the limit, not unpacked."""
    parts = shapefile_parts(tmp_path)
    parts[".dbf"] += bytes(3 * MB)  # zeros: 3 MB that zip to a few kilobytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix, data in parts.items():
            archive.writestr(f"v{suffix}", data)
    honest = tmp_path / "honest.zip"
    honest.write_bytes(buffer.getvalue())
    lying = tmp_path / "lying.zip"
    lying.write_bytes(_understated(buffer.getvalue(), "v.dbf", 1000))
    before = snapshot(loaded)

    declared = import_boundaries(loaded, "village", honest, max_bytes=MB)
    understated = import_boundaries(loaded, "village", lying, max_bytes=MB)

    assert not declared.ok and not understated.ok
    assert "unpacks to 3.0 MB, more than the limit of 1 MB" in declared.errors[0].reason
    assert "解压后为 3.0 MB（上限 1 MB）" in declared.errors[0].reason_zh
    assert "not a readable zip archive" in understated.errors[0].reason
    assert changed(before, snapshot(loaded)) == []
    assert import_boundaries(loaded, "village", honest, max_bytes=4 * MB).ok


def _understated(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size in both of its headers set to `size`."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            if out[start + name_at : start + name_at + len(encoded)] == encoded:
                out[start + size_at : start + size_at + 4] = struct.pack("<I", size)
            start += 4
    return bytes(out)


def test_a_file_of_countless_features_is_refused_before_they_are_built(
    loaded: Engine, tmp_path: Path
) -> None:
    before = snapshot(loaded)
    for count in (60_000, 1_000_000):  # parsed and counted; refused before parsing
        path = tmp_path / f"{count}.geojson"
        path.write_text('{"type": "FeatureCollection", "features": [' + "{}," * count + "{}]}")

        report = import_boundaries(loaded, "town", path)

        assert not report.ok
        assert "holds more than 50,000 features" in report.errors[0].reason
        assert "按区县拆分" in report.errors[0].reason_zh
        assert report.seconds < 5
    assert changed(before, snapshot(loaded)) == []


def test_the_printed_report_lists_the_first_hundred_problems(
    loaded: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "numbers.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(range(150))}))

    report = import_boundaries(loaded, "town", path)

    assert len(report.errors) == 150 and report.errors[-1].feature == 150
    assert report.text().count("the feature is a number") == 100
    assert "... and 50 more problems" in report.text()
    assert "另有 50 个问题未列出" in report.text_zh()


def test_a_single_feature_with_heights_is_read(loaded: Engine, tmp_path: Path) -> None:
    """A lone Feature, points with heights (some without), ints among floats: all GeoJSON."""
    ring = [list(p) for p in shapely.get_coordinates(shipped_village().exterior)]
    ring = [[x, y, 12.5] if i % 2 else [x, y] for i, (x, y) in enumerate(ring)]
    ring[-1] = list(ring[0])
    path = tmp_path / "one.geojson"
    feature = {"type": "Feature", "properties": {"code": int(VILLAGE)}}
    feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    path.write_text(json.dumps(feature))

    report = import_boundaries(loaded, "village", path, dry_run=True)

    assert report.ok, report.text()
    assert report.imported_units[0][0] == VILLAGE


def test_shapefile_attributes_in_gbk(loaded: Engine, tmp_path: Path) -> None:
    """Chinese GIS software writes GBK, often without a .cpg file saying so."""
    path = tmp_path / "v.shp"
    gpd.GeoDataFrame(
        {"code": [VILLAGE], "name": ["东星村"]}, geometry=[shipped_village()], crs="EPSG:4326"
    ).to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink()

    unlabelled = import_boundaries(loaded, "village", path, dry_run=True)

    assert unlabelled.ok, unlabelled.text()
    assert any("the file calls it '东星村'" in note for note in unlabelled.notes)
    assert any("no .cpg file" in note for note in unlabelled.notes)

    path.with_suffix(".cpg").write_text("UTF-8")
    mislabelled = import_boundaries(loaded, "village", path, dry_run=True)

    assert not mislabelled.ok
    assert "not in the encoding it declares" in mislabelled.errors[0].reason
    assert "UnicodeDecodeError" not in mislabelled.text()
    assert ".cpg" in mislabelled.errors[0].reason_zh


# --------------------------------------------------------------------------- broken geometry


def _broken_gpkg(tmp_path: Path, ring: list[tuple[float, float]]) -> Path:
    """A GeoPackage whose second feature's polygon holds `ring` as its only ring."""
    path = tmp_path / "towns.gpkg"
    square = shapely.box(119.0, 25.4, 119.01, 25.41)
    gpd.GeoDataFrame(
        {"code": [XITIANWEI, "350304101000"]}, geometry=[square, square], crs="EPSG:4326"
    ).to_file(path, driver="GPKG", engine="pyogrio")
    wkb = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(struct.pack("<dd", *p) for p in ring)
    blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 4326) + wkb
    with sqlite3.connect(path) as connection:
        # The R-tree triggers call SpatiaLite functions plain sqlite3 does not have.
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in triggers.fetchall():
            connection.execute(f'DROP TRIGGER "{name}"')
        connection.execute("UPDATE towns SET geom = ? WHERE fid = 2", (blob,))
    connection.close()
    return path


@pytest.mark.parametrize(
    ("ring", "expected", "expected_zh"),
    [
        ([(119, 25.4), (119.01, 25.4), (119.01, 25.41), (119, 25.41)], "not closed", "未闭合"),
        ([(119, 25.4), (119.01, 25.4), (119, 25.4)], "fewer than 4 points", "少于 4 个点"),
    ],
    ids=["unclosed", "three-points"],
)
def test_a_broken_polygon_in_a_geopackage_is_named_by_its_feature(
    loaded: Engine, tmp_path: Path, ring: list, expected: str, expected_zh: str
) -> None:
    path = _broken_gpkg(tmp_path, ring)
    before = snapshot(loaded)

    report = import_boundaries(loaded, "town", path)

    assert not report.ok
    errors = [e for e in report.errors if e.feature == 2]
    assert [(e.feature, e.code) for e in errors] == [(2, "350304101000")]
    assert expected in errors[0].reason and "IllegalArgument" not in report.text()
    assert expected_zh in errors[0].reason_zh
    assert "第 2 个要素（350304101000 黄石镇）" in report.text_zh()
    assert changed(before, snapshot(loaded)) == []


def test_geos_reasons_are_translated_and_unknown_ones_say_what_to_do() -> None:
    assert "not closed" in wkb_problem("Points of LinearRing do not form a closed linestring")[0]
    geos = "IllegalArgumentException: Invalid number of points in LinearRing found 2 - must be"
    assert "only 2 points" in wkb_problem(geos + " 0 or >= 4")[0]
    reason, reason_zh = wkb_problem("ParseException: something else")
    assert "repair it in your GIS" in reason and "GIS" in reason_zh


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_in_a_geopackage_is_named(loaded: Engine, tmp_path: Path) -> None:
    """GDAL formats carry NaN through; the checks name it rather than calling it projected."""
    path = tmp_path / "nan.gpkg"
    broken = shapely.Polygon([(119.0, 25.4), (float("nan"), 25.4), (119.01, 25.41), (119, 25.4)])
    gpd.GeoDataFrame({"code": [XITIANWEI]}, geometry=[broken], crs="EPSG:4326").to_file(
        path, driver="GPKG", engine="pyogrio"
    )

    report = import_boundaries(loaded, "town", path)

    assert not report.ok
    assert "one of its points is not a finite number (the first: point 2" in report.errors[0].reason
    assert "不是有效数字" in report.errors[0].reason_zh


def test_report_in_chinese_names_feature_code_and_field(loaded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "towns.geojson"
    features = [
        {"type": "Feature", "properties": {"code": XITIANWEI}, "geometry": {"type": "Point"}},
        {"type": "Feature", "properties": {"code": ["x"]}, "geometry": None},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    report = import_boundaries(loaded, "town", path)

    lines = report.text_zh().splitlines()
    assert lines[0] == "导入镇街边界：towns.geojson（读取 2 个要素）"
    assert lines[1] == "已拒绝：共 2 个问题，未做任何修改。"
    assert lines[2].startswith("  - 第 1 个要素（350304100000 西天尾镇）：几何类型为 Point")
    assert lines[3].startswith("  - 第 2 个要素：“code”字段是数组")
