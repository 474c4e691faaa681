"""The SDK's table reader, which every module's import goes through: what a clerk's file
gives, and each way a file as a whole is refused with a sentence that says what to do."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from openpyxl import Workbook

from modules.sdk import Columns, FileRefused, csv_bytes, read_rows, xlsx_bytes

COLUMNS = Columns(
    {"name": ("姓名", "name"), "phone": ("手机号", "电话"), "note": ("备注",)},
    required=("name", "phone"),
)


def read(data: bytes, filename: str = "t.csv", **limits):
    return read_rows(
        data,
        filename,
        COLUMNS,
        max_rows=limits.get("max_rows", 100),
        max_bytes=limits.get("max_bytes", 10_000),
        allowed=("csv", "xlsx", "geojson"),
    )


def refusal(data: bytes, filename: str = "t.csv", **limits) -> str:
    with pytest.raises(FileRefused) as refused:
        read(data, filename, **limits)
    assert refused.value.error.row is None  # about the file, not a row
    return refused.value.error.text_zh()


def test_rows_keep_the_spreadsheet_numbers_and_any_header_alias():
    text = "电话,NAME,其他\n13800000001,张三,x\n,,\n13800000002,李四,y\n"
    for encoding in ("utf-8-sig", "gb18030"):
        table = read(text.encode(encoding))
        assert table.kind == "csv"
        # Row 3 is empty and skipped; numbers are those a clerk sees (header = 1).
        assert table.rows == [
            (2, {"phone": "13800000001", "name": "张三"}),
            (4, {"phone": "13800000002", "name": "李四"}),
        ]


def test_an_xlsx_and_geojson_points_read_the_same_fields():
    book = Workbook()
    book.active.append(["姓名", "手机号"])
    book.active.append(["王五", 13800000003])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read(buffer.getvalue(), "t.xlsx").rows == [(2, {"name": "王五", "phone": 13800000003})]
    feature = {"type": "Feature", "properties": {"姓名": "赵六"}, "geometry": None}
    collection = {"type": "FeatureCollection", "features": [feature]}
    table = read(json.dumps(collection).encode(), "t.geojson")
    assert table.kind == "geojson" and table.rows[0][1]["name"] == "赵六"
    assert table.rows[0][1]["lon"] is None


def test_a_file_that_is_not_a_table_is_refused_with_what_to_do():
    assert "不支持的文件类型" in refusal(b"x", "t.pdf")
    assert "UTF-16 编码" in refusal("姓名,手机号\n张三,1\n".encode("utf-16"))
    assert "UTF-16 编码" in refusal("姓名,手机号\n张三,1\n".encode("utf-16-le"))
    assert "第 2 行含有空字符" in refusal("姓名,手机号\n张\x00三,1\n".encode())
    assert "编码无法识别" in refusal(b"\xfa\xfa\xfa,\xfb\xff\n")
    assert "缺少列：手机号" in refusal("姓名,备注\n张三,x\n".encode())
    assert "只有表头，没有数据行" in refusal("姓名,手机号\n".encode())
    assert "文件为空" in refusal(b"")
    assert "分批导入" in refusal(("姓名,手机号\n" + "张三,1\n" * 3).encode(), max_rows=2)
    assert "超过大小上限" in refusal(b"a" * 200, max_bytes=100)
    assert "不是有效的 XLSX" in refusal(b"not a zip", "t.xlsx")
    assert "FeatureCollection" in refusal(b"[]", "t.geojson")


def test_a_tab_separated_file_reads_like_a_csv_and_unread_columns_are_named():
    table = read("姓名\t手机号\t籍贯\n张三\t13800000001\t莆田\n".encode())
    assert table.rows == [(2, {"name": "张三", "phone": "13800000001"})]
    assert table.present == {"name", "phone"}  # 备注 has no column: it stays unchanged
    assert table.ignored == ("籍贯",) and "籍贯" in table.note_zh()


def test_an_exported_formula_guard_is_taken_off_on_the_way_back():
    table = read("姓名,手机号\n'=HYPERLINK(1),'+8613800000001\n".encode())
    assert table.rows[0][1] == {"name": "=HYPERLINK(1)", "phone": "+8613800000001"}


@pytest.mark.parametrize(
    "features, expected",
    [
        ("{}", "features 应为要素数组"),
        ("[1]", "第 1 行：要素应为 JSON 对象"),
        ('[{"properties": [1], "geometry": null}]', "properties 应为对象"),
        ('[{"properties": {}, "geometry": "POINT(1 2)"}]', "geometry 应为对象"),
        ('[{"geometry": {"type": "Point", "coordinates": [119, NaN]}}]', "两个有效数字"),
        ('[{"geometry": {"type": "Point", "coordinates": [119]}}]', "两个有效数字"),
    ],
)
def test_a_geojson_of_the_wrong_structure_is_refused_with_the_feature(features, expected):
    data = ('{"type": "FeatureCollection", "features": ' + features + "}").encode()
    with pytest.raises(FileRefused) as refused:
        read(data, "t.geojson")
    assert expected in "\n".join(e.text_zh() for e in refused.value.errors)


def test_json_nested_thousands_deep_is_refused_not_a_crash():
    assert "嵌套" in refusal(b"[" * 50_000 + b"]" * 50_000, "t.geojson", max_bytes=200_000)


def test_an_xlsx_that_unpacks_past_its_limit_is_refused_before_it_is_read():
    book = Workbook()
    for _ in range(3000):
        book.active.append(["王五"] * 20)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    # 20x the byte limit is the most a workbook may unpack to.
    assert "解压后超过" in refusal(data, "t.xlsx", max_bytes=len(data))


def _rewrite_sheet(data: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML passed through `edit`."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            out.writestr(info.filename, body)
    return target.getvalue()


def _workbook(rows: int) -> bytes:
    book = Workbook()
    book.active.append(["姓名", "手机号"])
    for number in range(rows):
        book.active.append([f"人{number}", "13800000000"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_sheet_that_states_too_small_a_size_still_gives_every_row():
    lying = _rewrite_sheet(_workbook(30), lambda xml: re.sub(r'ref="[^"]+"', 'ref="A1:B3"', xml))
    assert len(read(lying, "t.xlsx").rows) == 30


def test_a_large_sheet_that_does_not_state_its_size_is_refused_before_a_scan():
    def undimensioned(xml: str) -> str:
        xml = re.sub(r"<dimension[^>]*/>", "", xml)
        cell = '<row r="{0}"><c r="A{0}" t="inlineStr"><is><t>x</t></is></c></row>'
        rows = "".join(cell.format(n) for n in range(40, 200_000))
        return xml.replace("</sheetData>", rows + "</sheetData>")

    data = _rewrite_sheet(_workbook(3), undimensioned)
    # Refused from the zip's directory and the sheet's first bytes, before openpyxl's scan.
    assert "缺少尺寸信息" in refusal(data, "t.xlsx", max_bytes=len(data))


def test_our_own_xlsx_export_states_its_size_and_reads_back():
    data = xlsx_bytes([("表", ["姓名", "手机号"], [["=1+1", "13800000000"]])])
    assert b"<dimension" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert read(data, "t.xlsx").rows == [(2, {"name": "=1+1", "phone": "13800000000"})]


def test_text_that_starts_with_an_apostrophe_survives_the_round_trip():
    stored = ["'=not a formula", "'quoted", "=1+1", "plain"]
    data = csv_bytes(["姓名", "手机号"], [[name, "13800000000"] for name in stored])
    assert [row["name"] for _, row in read(data).rows] == stored
