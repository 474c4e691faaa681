"""The corpus of good and bad files in tests/corpus/flood/, each through every door it can
come by: key-point files by the CLI command and the page's callback, reading batches by the
API. Each bad file gets its message (English on the CLI and the API, zh-CN on the page) and
changes no table; each good one imports, and again says it is already imported.

The manifest below maps every file to what it must answer; a file without an entry fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.modules.flood.helpers import command, page_import, post, recent, state

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "flood"

# Key-point files refused: file -> (CLI fragment, page fragment). The CLI runs as the system
# does (the whole city), the page as 西天尾镇's admin.
REFUSED = {
    "points-utf16.csv": (
        "file: the CSV is UTF-16-encoded: save it as UTF-8 or GBK",
        "文件：文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 后再导入。",
    ),
    "points-nul-bytes.csv": (
        "file: line 3 holds a NUL byte: this is not a text file",
        "文件：第 3 行含有空字符（\\\\0），这不是文本文件",
    ),
    "points-nan-coordinates.csv": (
        "row 2 (lon): longitude must be a number, not 'nan'",
        "第 2 行（经度）：经度应为数字（本行为“nan”）",
    ),
    "points-outside-city.csv": (
        "row 2 (lon): the point lies outside the city",
        "第 2 行（经度）：点位不在莆田市范围内",
    ),
    "points-gcj02-without-crs.csv": (
        "row 2 (lon): the point lies outside the city; it looks like GCJ-02: try --crs gcj02",
        "第 2 行（经度）：点位不在莆田市范围内；看起来是 GCJ-02 坐标，请尝试 --crs gcj02",
    ),
    "points-swapped-axes.csv": (
        "row 2 (lon): the point lies outside the city; longitude and latitude look swapped",
        "第 2 行（经度）：点位不在莆田市范围内；经纬度似乎颠倒了",
    ),
    "points-projected-without-crs.csv": (
        "row 2 (lon): the point lies outside the city; it looks like EPSG:4549",
        "第 2 行（经度）：点位不在莆田市范围内；看起来是投影坐标，请尝试 --crs EPSG:4549",
    ),
    "points-duplicates.csv": (
        "row 3 (name): same name and village as row 2",
        "第 3 行（名称）：与第 2 行名称和村居相同",
    ),
    "points-long-text.csv": (
        "row 2 (responsible_name): responsible_name is 60 characters long; at most 50 are kept",
        "第 2 行（责任人）：责任人有 60 个字，最多 50 个，请缩短后再导入",
    ),
    "points-bad-values.csv": (
        "row 2 (category): unknown category '水坑'",
        "第 2 行（风险等级）：风险等级“紫”无法识别，应为 红、橙、黄 或 蓝",
    ),
    "points-missing-columns.csv": (
        "file: missing columns: category, risk_level (the first row must be the header)",
        "文件：缺少列：类别、风险等级。第一行应为表头，本文件的表头是：名称、经度、纬度。",
    ),
    "points-header-only.csv": (
        "file: the file has a header but no rows to import",
        "文件：文件只有表头，没有数据行",
    ),
    "points-empty.csv": ("file: the CSV is empty", "文件：文件为空"),
    "points-unquoted.csv": (  # the open quote swallows the rest of the file into a name
        'row 2 (name): name holds a line break: is a quote (") left open on this row?',
        "第 2 行（名称）：名称中有换行：该行可能有未成对的引号",
    ),
    "points-bad-values.xlsx": (
        "row 2 (responsible_phone): bad phone number 'abc'",
        "第 3 行（名称）：名称不能为空",
    ),
    "points-false-size.xlsx": (  # its sheet says A1:E3 over eleven rows
        "file: the workbook states its sheet ends at row 3 but it goes on to row 11",
        "文件：工作簿记录的表格范围（到第 3 行）与实际内容（到第 11 行）不符",
    ),
    "points-unsized-too-many-rows.xlsx": (  # no stated size, 40,001 rows
        "file: more than 20000 rows: split the file",
        "文件：超过 20000 行，请拆分后分批导入。",
    ),
    "points-empty-sheet.xlsx": (
        "file: the workbook's first sheet is empty",
        "文件：工作簿的第一个工作表为空",
    ),
    "points-not-a-workbook.xlsx": (
        "file: not an XLSX workbook",
        "文件：文件不是有效的 XLSX 工作簿",
    ),
    "points-linestring.geojson": (
        "row 1 (lon): geometry must be a Point, not LineString",
        "第 1 行（经度）：几何类型应为点（Point）",
    ),
    "points-not-featurecollection.geojson": (
        "file: expected a GeoJSON FeatureCollection",
        "文件：应为 GeoJSON FeatureCollection",
    ),
    "points-features-not-objects.geojson": (
        "row 2: the feature is not an object",
        "第 1 行：要素应为 JSON 对象",
    ),
    "points-nan-geometry.geojson": (
        "row 1: a Point needs two finite numbers as coordinates",
        "第 1 行：点的坐标应为两个有效数字",
    ),
    "points-bad-json.geojson": (
        "file: the GeoJSON file is not valid JSON: Expecting ',' delimiter at line 3, column 22",
        "文件：JSON 格式错误：第 3 行第 22 列附近",
    ),
    "points-too-deep.geojson": (
        "file: the GeoJSON file nests too deep to be a data file",
        "文件：JSON 嵌套层数过多",
    ),
    "points-unsupported.pdf": (
        "file: unsupported file type .pdf: use .csv, .xlsx, .geojson",
        "文件：不支持的文件类型 .pdf：请使用 CSV、XLSX、GeoJSON 文件。",
    ),
}
# Key-point files accepted: file -> (rows, page fragment of a first import). The page's
# 西天尾镇 admin gets `None` for a file outside that town: refused there, by row.
ACCEPTED = {
    "points-good.csv": (2, "导入成功：新增 2 个"),
    "points-good-gbk.csv": (1, "导入成功：新增 1 个"),
    "points-good-tab-separated.csv": (1, "导入成功：新增 1 个"),
    "points-good-formulas.csv": (3, "导入成功：新增 3 个"),
    "points-good-english.csv": (1, "注意：以下列未导入：remarks。"),
    "points-good.xlsx": (1, "导入成功：新增 1 个"),
    "points-good-3d.geojson": (1, "注意：坐标中的高程值未导入。"),
    "points-good-out-of-scope.csv": (1, None),
}
# Reading batches (the API, with the token of 西天尾雨量站): file -> (status, fragment of
# the answer's `error` or of its first item's reason). "$RECENT" becomes a time minutes ago.
READINGS = {
    "readings-1970.json": (400, "bad time: older than 365 days"),
    "readings-future.json": (400, "bad time: in the future"),
    "readings-value-as-text.json": (400, "bad value: expected a number, not text"),
    "readings-time-as-number.json": (400, "bad time: expected an ISO 8601 string"),
    "readings-unknown-station.json": (400, "unknown station"),
    "readings-not-your-station.json": (400, "not your station: the token does not cover it"),
    "readings-out-of-range.json": (400, "out of physical range: rainfall above 300 mm"),
    "readings-object-not-list.json": (400, "expected a JSON list of {station, time, value}"),
    "readings-list-of-lists.json": (400, "bad item: expected an object"),
    "readings-nan.json": (400, "bad value: not a finite number"),
    "readings-too-deep.json": (400, "the request body nests too deep"),
    "readings-bad-json.json": (400, "not valid JSON: Expecting ',' delimiter at line 1, column"),
    "readings-utf16.json": (400, "the request body is UTF-16-encoded"),
    "readings-good.json": (200, "accepted"),
}


@pytest.fixture(scope="module")
def known(flood_app, tokens):
    """The state the last passing test left (one snapshot per test instead of two); a test
    takes it out as it starts, so after a failure the next one takes its own."""
    return {}


def before_of(known, flood_app) -> dict:
    return known.pop("state", None) or state(flood_app)


def test_the_manifest_names_every_file_of_the_corpus():
    files = {path.name for path in CORPUS.iterdir() if path.name != "README.md"}
    assert files == set(REFUSED) | set(ACCEPTED) | set(READINGS)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_key_point_file(name, flood_app, sessions, client_as, capsys, known):
    english, chinese = REFUSED[name]
    path = CORPUS / name
    before = before_of(known, flood_app)
    status, out = command(sessions, path, capsys)
    assert status == 1 and english in out and "Traceback" not in out, out
    assert "nothing was changed" in out or out.startswith("onemap flood import:"), out
    text = page_import(client_as("xtw.admin"), path.read_bytes(), name)
    assert chinese in text and "未导入" in text, text
    assert state(flood_app) == before
    known["state"] = before


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_an_accepted_key_point_file(name, flood_app, sessions, client_as, capsys, known):
    rows, chinese = ACCEPTED[name]
    path = CORPUS / name
    before = before_of(known, flood_app)
    status, out = command(sessions, path, capsys, dry_run=True)
    assert status == 0 and f"would add {rows}, update 0" in out, out
    assert state(flood_app) == before
    text = page_import(client_as("xtw.admin"), path.read_bytes(), name)
    if chinese is None:
        assert "第 2 行（经度）：点位不在您的辖区内" in text and state(flood_app) == before
        status, out = command(sessions, path, capsys)  # the whole city's admin may
        assert status == 0 and f"OK: added {rows}" in out, out
    else:
        assert chinese in text and "导入成功" in text, text
    imported = state(flood_app)
    status, out = command(sessions, path, capsys)
    assert status == 0 and f"ALREADY IMPORTED: the file's {rows} key points" in out, out
    assert state(flood_app) == imported
    known["state"] = imported


@pytest.mark.parametrize("name", sorted(READINGS))
def test_a_batch_of_readings(name, flood_app, sessions, tokens, known):
    status, fragment = READINGS[name]
    raw = (CORPUS / name).read_bytes().replace(b"$RECENT", recent(47).encode())
    before = before_of(known, flood_app)
    response = post(flood_app, None, tokens["YL-XTW"], raw=raw)
    assert response.status_code == status, response.data[:300]
    body = response.json
    said = body.get("error") or body["items"][0]["reason"] or body["items"][0]["status"]
    assert fragment in said, body
    if status == 200:
        stored = state(flood_app)
        assert stored != before
        again = post(flood_app, None, tokens["YL-XTW"], raw=raw)
        assert again.status_code == 200 and again.json["items"][0]["status"] == "duplicate"
        assert state(flood_app) == stored
        known["state"] = stored
    else:
        assert state(flood_app) == before
        known["state"] = before
