"""Every file of tests/corpus/boundaries through `onemap boundaries import`, on both engines.

A bad file is refused with a reason that names what is wrong and what to do, in English
and zh-CN, naming the feature where one is at fault, and changes no table. A good file
imports. The table below maps each file to what it must answer; a file in the folder and
not in the table fails the suite, so none is forgotten. `make_corpus.py` writes the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from geoalchemy2.elements import WKBElement
from sqlalchemy import Engine, select

from layers.importing import import_boundaries
from layers.load import load_shipped
from layers.sources import BOUNDARIES_DIR
from store.engine import build_engine, make_session
from store.migrate import upgrade
from store.models import Division
from tests.databases import Templates
from tests.snapshot import changed, snapshot

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "boundaries"
RECIPE = "migrated+shipped boundaries"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Case:
    file: str
    en: str = ""  # a fragment of the English reason ("" for a good file)
    zh: str = ""  # a fragment of the zh-CN reason
    feature: int | None = None  # the feature the reason names; None: the file as a whole
    level: str = "town"
    crs: str | None = None

    def __str__(self) -> str:
        return self.file + (f"--crs={self.crs}" if self.crs else "")


REFUSED = [
    # The file as a whole: empty, not text, not JSON, not GeoJSON.
    Case("empty.geojson", "is empty (0 bytes)", "为空（0 字节）"),
    Case("whitespace.geojson", "the GeoJSON file is empty", "文件为空"),
    Case(
        "not_json.geojson", "not valid JSON: Expecting value at line 1, column 1", "第 1 行第 1 列"
    ),
    Case("truncated.geojson", "not valid JSON", "JSON 格式错误"),
    Case("utf16.geojson", "UTF-16-encoded: save it as UTF-8 or GBK", "UTF-16 编码"),
    Case("nul_bytes.geojson", "NUL byte", "空字符"),
    Case("neither_utf8_nor_gbk.geojson", "neither UTF-8 nor GBK", "编码无法识别"),
    Case("deep_nesting.geojson", "nests too deep", "嵌套层数过多"),
    Case("huge_number.geojson", "thousands of digits", "数千位"),
    Case("top_level_array.geojson", "is an array, not a GeoJSON FeatureCollection", "顶层是数组"),
    Case("topojson.json", "of type 'Topology'", "不支持 TopoJSON"),
    Case("bare_geometry.geojson", "bare Polygon geometry without attributes", "没有属性"),
    Case("features_object.geojson", "'features' must be an array of features", "要素数组"),
    Case("no_features_member.geojson", "has no 'features' array", "缺少 features"),
    Case("empty_collection.geojson", "contains no features", "没有要素"),
    Case("unknown_crs.geojson", "coordinate system that is not understood", "坐标系无法识别"),
    Case("no_code_field.geojson", "no division code field found", "--code-field"),
    # One malformed feature after a good one: named by number (and code when it has one).
    Case("feature_not_object.geojson", "the feature is a number", "该要素是数字", 2),
    Case("feature_is_geometry.geojson", "bare Polygon geometry, not a Feature", "不是 Feature", 2),
    Case("properties_list.geojson", "'properties' must be an object", "properties 应为", 2),
    Case("geometry_string.geojson", "'geometry' must be an object", "geometry 应为几何对象", 2),
    Case("geometry_type_unknown.geojson", "'Circle' is not a GeoJSON geometry", "Circle", 2),
    Case("geometry_point.geojson", "geometry is a Point", "几何类型为 Point", 2),
    Case("geometry_null.geojson", "has no geometry", "没有几何图形", 2),
    Case("coordinates_strings.geojson", "point 1 of the outer ring holds text", "应为数字", 2),
    Case("coordinates_not_array.geojson", "'coordinates' must be an array", "coordinates", 2),
    Case("position_one_number.geojson", "must be [longitude, latitude]", "[经度, 纬度]", 2),
    Case("nan.geojson", "point 3 of the outer ring is not a finite number", "不是有效数字", 2),
    Case("infinity.geojson", "is not a finite number (inf", "不是有效数字", 2),
    Case("unclosed_ring.geojson", "the outer ring is not closed", "外环未闭合", 2),
    Case("two_point_ring.geojson", "has only 2 points; a ring needs at least 4", "只有 2 个点", 2),
    Case("unclosed_hole.geojson", "hole 1 is not closed", "第 1 个内环未闭合", 2),
    Case("empty_polygon.geojson", "polygon has no rings", "没有坐标", 2),
    Case("empty_multipolygon.geojson", "MultiPolygon has no polygons", "没有任何多边形", 2),
    Case("code_list.geojson", "the 'code' field holds an array", "“code”字段是数组", 2),
    Case("code_empty.geojson", "its 'code' field is empty", "缺少区划代码", 2),
    Case("flat_polygon.geojson", "nothing polygonal is left", "无法修复", 2),
    # Well-formed features that do not belong here.
    Case("code_outside_city.geojson", "codes here start with 3503", "以 3503 开头", 2),
    Case("unknown_code.geojson", "no town with code 350304199000", "没有代码为 350304199000", 2),
    Case("not_a_code.geojson", "'黄石镇' is not a division code", "9 或 12 位数字", 2),
    Case("wrong_level.geojson", "is a village code, not a town code", "是村居代码", 2),
    Case("duplicate_codes.geojson", "appears again (first in feature 1)", "重复", 2),
    Case("wrong_parent.geojson", "the file gives parent 350303000000", "上级代码", 2),
    Case("outside_parent.geojson", "outside its county 荔城区", "位于上级区县荔城区", 2),
    Case("overlapping_towns.geojson", "overlaps feature 1 (350304100000", "重叠", 2),
    Case("swapped_axes.geojson", "look like latitude, longitude", "纬度在前", 2),
    Case("gcj02.geojson", "try --crs gcj02", "GCJ-02", 1),
    Case("projected_without_crs.geojson", "look projected", "EPSG:4549", 1, "village"),
    # Not GeoJSON: other types, broken shapefiles and zips.
    Case("readme.txt", "files of type .txt cannot be imported", "不支持 .txt"),
    Case("towns.dbf", "name its .shp file", "附属文件"),
    Case("not_a_geopackage.gpkg", "is not a GeoPackage", "不是有效的 GeoPackage"),
    Case("not_a_shapefile.shp", "is not a shapefile", "不是有效的 Shapefile"),
    Case("lonely.shp", "comes without lonely.shx, lonely.dbf", "缺少"),
    Case("damaged.zip", "not a readable zip archive", "不是有效的 zip"),
    Case("no_shapefile.zip", "holds no shapefile", "没有 Shapefile"),
    Case("two_shapefiles.zip", "holds 2 data sets", "2 个数据文件"),
    Case("shapefile_without_dbf.zip", "without its .dbf", "缺少 .dbf"),
    Case("password_protected.zip", "password-protected", "设有密码"),
]

ACCEPTED = [
    Case("good_town.geojson"),
    Case("good_town_9_digit_code.geojson"),
    Case("good_villages_gbk.geojson", level="village"),
    Case("good_village_crs84.geojson", level="village"),
    Case("good_village_cgcs2000_gk.geojson", level="village"),
    Case("good_village_shapefile.zip", level="village"),
    Case("self_intersection_repaired.geojson", "repaired with make_valid", level="village"),
    Case("gcj02.geojson", crs="gcj02"),
    Case("projected_without_crs.geojson", level="village", crs="EPSG:4549"),
]


def _load_boundaries(url: str) -> None:
    engine = build_engine(url)
    try:
        upgrade(engine)
        assert load_shipped(engine, BOUNDARIES_DIR) == "loaded"
    finally:
        engine.dispose()


def _loaded(request: pytest.FixtureRequest, templates: Templates) -> Iterator[Engine]:
    kind = request.param
    postgres = request.getfixturevalue("postgres_template") if kind == "postgis" else None
    url = templates.clone(kind, RECIPE, _load_boundaries, postgres, "corpus")
    engine = build_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        templates.drop(url)


ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(scope="module", params=ENGINES)
def shared(request: pytest.FixtureRequest, database_templates: Templates) -> Iterator[Engine]:
    """One database for every refusal: each test asserts it changed nothing."""
    yield from _loaded(request, database_templates)


@pytest.fixture(params=ENGINES)
def fresh(request: pytest.FixtureRequest, database_templates: Templates) -> Iterator[Engine]:
    yield from _loaded(request, database_templates)


@pytest.fixture(autouse=True)
def stable_geometry_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests.snapshot compares rows by their repr, and on PostGIS geoalchemy2's repr of a
    geometry carries the object's address, new at every read; its WKB is what must match."""
    monkeypatch.setattr(WKBElement, "__repr__", lambda self: f"WKBElement({self.desc})")


def test_every_corpus_file_has_an_expected_answer() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py"}
    listed = {case.file for case in REFUSED + ACCEPTED}
    assert files == listed
    assert len(files) >= 60


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_bad_file_is_refused_with_its_reason_and_changes_nothing(
    shared: Engine, case: Case
) -> None:
    path = CORPUS / case.file
    before = snapshot(shared)

    report = import_boundaries(shared, case.level, path, crs=case.crs)

    assert changed(before, snapshot(shared)) == []
    assert not report.ok
    error = report.errors[0]
    assert case.en in error.reason, report.text()
    assert case.zh in error.reason_zh, report.text_zh()
    assert error.feature == case.feature, report.text()
    text, text_zh = report.text(), report.text_zh()
    assert "REJECTED" in text and "nothing was changed" in text
    assert "已拒绝" in text_zh and "未做任何修改" in text_zh
    if case.feature is not None:
        assert f"feature {case.feature}" in text
        assert f"第 {case.feature} 个要素" in text_zh
    else:
        assert case.file in text and case.file in text_zh
    for reason in report.errors:
        assert CJK.search(reason.reason_zh), reason
        for shown in (reason.reason, reason.reason_zh):
            assert not re.search(r"Traceback|Exception|[A-Z][a-z]+Error\b|第 0 ", shown), shown


@pytest.mark.parametrize("case", ACCEPTED, ids=str)
def test_good_file_imports(fresh: Engine, case: Case) -> None:
    before = snapshot(fresh)

    report = import_boundaries(fresh, case.level, CORPUS / case.file, crs=case.crs)

    assert report.ok, report.text()
    assert report.imported >= 1 and not report.errors
    assert "divisions" in changed(before, snapshot(fresh))
    if case.en:
        assert any(case.en in note for note in report.notes), report.notes
    with make_session(fresh)() as session:
        sources = dict(session.execute(select(Division.code, Division.geometry_source)).all())
    assert all(sources[code] == "imported" for code, _ in report.imported_units)
    assert "已导入" in report.text_zh()
