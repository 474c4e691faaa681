"""The SDK's table reader, which every module's import goes through: what a clerk's file
gives, and each way a file as a whole is refused with a sentence that says what to do."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from modules.sdk import Columns, FileRefused, read_rows

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
        kind, rows = read(text.encode(encoding))
        assert kind == "csv"
        # Row 3 is empty and skipped; numbers are those a clerk sees (header = 1).
        assert rows == [
            (2, {"phone": "13800000001", "name": "张三"}),
            (4, {"phone": "13800000002", "name": "李四"}),
        ]


def test_an_xlsx_and_geojson_points_read_the_same_fields():
    book = Workbook()
    book.active.append(["姓名", "手机号"])
    book.active.append(["王五", 13800000003])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read(buffer.getvalue(), "t.xlsx")[1] == [(2, {"name": "王五", "phone": 13800000003})]
    feature = {"type": "Feature", "properties": {"姓名": "赵六"}, "geometry": None}
    collection = {"type": "FeatureCollection", "features": [feature]}
    kind, rows = read(json.dumps(collection).encode(), "t.geojson")
    assert kind == "geojson" and rows[0][1]["name"] == "赵六" and rows[0][1]["lon"] is None


def test_a_file_that_is_not_a_table_is_refused_with_what_to_do():
    assert "不支持的文件类型" in refusal(b"x", "t.pdf")
    assert "空字符" in refusal("姓名,手机号\n张三,1\n".encode("utf-16"))
    assert "编码无法识别" in refusal(b"\xff\xfe\xfa,\xfb\n")
    assert "缺少列：手机号" in refusal("姓名,备注\n张三,x\n".encode())
    assert "没有数据行" in refusal("姓名,手机号\n".encode())
    assert "分批导入" in refusal(("姓名,手机号\n" + "张三,1\n" * 3).encode(), max_rows=2)
    assert "超过" in refusal(b"a" * 200, max_bytes=100)
    assert "无法读取" in refusal(b"not a zip", "t.xlsx")
    assert "FeatureCollection" in refusal(b"[]", "t.geojson")
