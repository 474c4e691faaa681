"""Updating stored key points from a file: a missing column leaves the field as it is, a
masked phone keeps the stored one, text too long is refused (never cut), and what the file
carries that is not imported is said in the note, on the CLI and on the page."""

from __future__ import annotations

import json

from sqlalchemy import select

from modules.flood.models import FloodKeyPoint
from tests.modules.flood.helpers import (
    command,
    count,
    inside,
    page_import,
    run,
    state,
    to_csv,
    to_xlsx,
)


def stored(sessions, name: str) -> FloodKeyPoint:
    with sessions() as session:
        return session.scalars(select(FloodKeyPoint).where(FloodKeyPoint.name == name)).one()


def test_a_file_without_optional_columns_leaves_those_fields_as_they_are(sessions):
    a = inside(sessions, "350304100201")
    full = to_csv([["更新测试点", "危房", "红", "林一", "13812345678", "3", *a]])
    assert run(sessions, "xtw.admin", full).added == 1
    for data, filename in [
        (
            to_csv(
                [["更新测试点", "危房", "橙", *a]],
                header=["名称", "类别", "风险等级", "经度", "纬度"],
            ),
            "p.csv",
        ),
        (
            to_xlsx(
                [["更新测试点", "危房", "黄", *a]],
                header=["名称", "类别", "风险等级", "经度", "纬度"],
            ),
            "p.xlsx",
        ),
    ]:
        result = run(sessions, "xtw.admin", data, filename)
        assert result.ok and (result.added, result.updated) == (0, 1), result.text()
    point = stored(sessions, "更新测试点")
    assert point.risk_level == "yellow"
    assert (point.responsible_name, point.responsible_phone, point.patrol_every_days) == (
        "林一",
        "13812345678",
        3,
    )
    # A GeoJSON feature without those properties leaves them too.
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(a)},
        "properties": {"name": "更新测试点", "category": "危房", "risk_level": "blue"},
    }
    document = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    assert run(sessions, "xtw.admin", document, "p.geojson").updated == 1
    point = stored(sessions, "更新测试点")
    assert (point.risk_level, point.responsible_name, point.patrol_every_days) == (
        "blue",
        "林一",
        3,
    )
    # An empty cell in a present column clears a text field; an empty period keeps it.
    cleared = to_csv([["更新测试点", "危房", "蓝", "", "", "", *a]])
    assert run(sessions, "xtw.admin", cleared).updated == 1
    point = stored(sessions, "更新测试点")
    assert (point.responsible_name, point.responsible_phone, point.patrol_every_days) == ("", "", 3)


def test_text_longer_than_stored_is_refused_with_row_column_and_limit(flood_app, sessions):
    a = inside(sessions, "350304100202")
    before = state(flood_app)
    long_person = "张" * 51
    result = run(
        sessions,
        "xtw.admin",
        to_csv(
            [
                ["长文本甲", "危房", "红", "林", "", "7", *a],
                ["长文本乙", "危房", "红", long_person, "", "7", *a],
                ["名" * 201, "危房", "红", "林", "", "7", *a],
            ]
        ),
    )
    assert [e.text_zh() for e in result.errors] == [
        "第 3 行（责任人）：责任人有 51 个字，最多 50 个，请缩短后再导入",
        "第 4 行（名称）：名称有 201 个字，最多 200 个，请缩短后再导入",
    ]
    assert "row 3 (responsible_name): responsible_name is 51 characters long; at most 50" in (
        result.text()
    )
    assert state(flood_app) == before
    exactly = run(
        sessions, "xtw.admin", to_csv([["长文本乙", "危房", "红", "张" * 50, "", "7", *a]])
    )
    assert exactly.ok and stored(sessions, "长文本乙").responsible_name == "张" * 50


def test_english_headers_are_read_and_unknown_columns_are_named_in_the_note(
    sessions, client_as, tmp_path, capsys
):
    a = inside(sessions, "350304100203")
    header = ["Name", "Category", "Risk", "Responsible", "Mobile", "Patrol_Days", "Lng", "Lat"]
    header += ["remarks", "高程"]
    data = to_csv(
        [["英文表头点", "危房", "orange", "Lin", "13912345678", "5", *a, "x", "12.5"]], header
    )
    result = run(sessions, "xtw.admin", data)
    assert result.ok and result.added == 1, result.text()
    point = stored(sessions, "英文表头点")
    assert (point.responsible_name, point.responsible_phone, point.patrol_every_days) == (
        "Lin",
        "13912345678",
        5,
    )
    assert result.note == "ignored columns: remarks, 高程"
    assert "Note: ignored columns: remarks, 高程." in result.text()
    path = tmp_path / "english.csv"
    path.write_bytes(data)
    status, out = command(sessions, path, capsys)
    assert (
        status == 0 and "ALREADY IMPORTED" in out and "Note: ignored columns: remarks, 高程" in out
    )
    text = page_import(client_as("xtw.admin"), data, "english.csv", dry=["dry"])
    assert "注意：以下列未导入：remarks、高程。" in text


def test_heights_of_3d_points_are_named_in_the_note(sessions, client_as):
    a = inside(sessions, "350304100204")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [*a, 35.2]},
        "properties": {"名称": "三维点", "类别": "危房", "风险等级": "黄", "备注": "x"},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    result = run(sessions, "xtw.admin", data, "p.geojson", dry_run=True)
    assert result.note == "ignored columns: 备注; heights of 3-D coordinates ignored"
    text = page_import(client_as("xtw.admin"), data, "p.geojson", dry=["dry"])
    assert "注意：以下列未导入：备注；坐标中的高程值未导入。" in text


def test_a_masked_phone_keeps_the_stored_one_and_a_new_point_gets_none(sessions):
    a = inside(sessions, "350304100205")
    run(sessions, "xtw.admin", to_csv([["打码点", "危房", "红", "林", "13812345678", "7", *a]]))
    masked = to_csv(
        [
            ["打码点", "危房", "橙", "林", "138****5678", "7", *a],
            ["打码新点", "危房", "橙", "林", "139****1234", "7", *a],
        ]
    )
    before = count(sessions)
    result = run(sessions, "xtw.admin", masked)
    assert result.ok and (result.added, result.updated) == (1, 1), result.text()
    assert stored(sessions, "打码点").responsible_phone == "13812345678"
    assert stored(sessions, "打码新点").responsible_phone == ""
    assert count(sessions) == before + 1
    assert "1 个打码的联系电话（如 138****5678）保留原号码" in result.note_zh
    assert "1 个新增部位的联系电话是打码的，未保存，请填写完整号码" in result.note_zh


def test_an_import_cannot_reach_outside_the_importers_scope(flood_app, sessions, client_as):
    exported = client_as("xtw.staff").get("/api/v1/flood/points.csv").data
    before = state(flood_app)
    # 秀屿区's staff (who may record key points) with 西天尾镇's export: every row refused.
    result = run(sessions, "xiuyu.staff", exported)
    assert result.rows >= 46 and len(result.errors) == result.rows
    assert {e.text_zh().split("：", 1)[1] for e in result.errors} == {"点位不在您的辖区内"}
    # and a leader may not import at all (the page and the CLI check the same permission).
    denied = page_import(client_as("xtw.leader"), exported, "points.csv")
    assert "您没有导入数据的权限" in denied
    assert state(flood_app) == before


def test_values_written_the_way_clerks_write_them_are_read():
    from modules.flood.import_check import check_row

    row = {"name": " 甲 ", "category": "危房", "risk_level": "红色", "lon": "119", "lat": "25"}
    row |= {"responsible_phone": "+86 138 1234 5678", "patrol_every_days": "7.0"}
    checked, errors = check_row(5, row)
    assert errors == [] and checked.number == 5
    assert checked.values == {
        "name": "甲",
        "category": "危房",
        "risk_level": "red",
        "responsible_phone": "13812345678",
        "patrol_every_days": 7,
    }
    _, errors = check_row(5, {**row, "patrol_every_days": "7.5", "risk_level": "Purple"})
    assert [e.text_zh() for e in errors] == [
        "第 5 行（风险等级）：风险等级“Purple”无法识别，应为 红、橙、黄 或 蓝",
        "第 5 行（巡查周期（天））：巡查周期“7.5”应为 1–366 天的整数",
    ]
