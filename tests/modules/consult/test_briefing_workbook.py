"""The briefing's XLSX workbook, read back with openpyxl: 概况 (drill marked), one sheet per
item table with its headings, 变化 and 决策; sheet names valid and unique; times in
Beijing time; a village named like a formula stays text."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from modules.consult.briefing import briefing_xlsx
from modules.consult.briefing.workbook import sheet_name
from modules.sdk import formula_unquoted
from tests.modules.consult.briefing_fixture import (
    FORMULA_NAME,
    IMG_TEXT,
    LONG_TITLE,
    SCRIPT_NAME,
    snapshot_document,
)


def read(doc: dict):
    return load_workbook(io.BytesIO(briefing_xlsx(doc)))


@pytest.fixture(scope="module")
def book():
    return read(snapshot_document())


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def pairs(sheet) -> dict:
    """概况's first two columns as a dict (label → value)."""
    return {row[0]: row[1] for row in rows(sheet) if row[0] is not None}


def test_the_sheets_are_the_summary_every_item_table_the_change_and_the_decisions(book):
    assert book.sheetnames == [
        "概况",
        "七级风圈内村居",
        "七级风圈预计到达",
        "超警戒站点",
        LONG_TITLE[:31],
        LONG_TITLE[:28] + "(2)",  # the same first 31 characters: made unique
        "受影响人口_户数_",  # "/" and "?" may not stand in a sheet name
        "变化",
        "决策",
    ]


def test_an_item_sheet_has_its_headings_and_every_row(book):
    sheet = rows(book["七级风圈内村居"])
    item = snapshot_document()["items"][1]
    assert sheet[0] == ("代码", "村居", "镇街")
    assert len(sheet) == 1 + len(item["rows"])
    assert sheet[1] == ("350304100001", "东星社区居委会", "西天尾镇")
    # Text as it is: a workbook runs no HTML.
    assert ("350304100099", SCRIPT_NAME, "西天尾镇") in sheet
    stations = rows(book["超警戒站点"])
    assert stations[0] == ("站码", "站名", "镇街", "水位（米）", "观测时间")
    assert stations[1] == ("ST001", "东圳水库", "常太镇", 101.35, "2015-09-28 20:00")  # UTC+8
    eta = rows(book["七级风圈预计到达"])
    assert eta[1][2:] == ("2015-09-28 22:00", 121.4)


def test_a_name_shaped_like_a_formula_stays_text(book):
    sheet = book["七级风圈内村居"]
    cell = next(c for c in sheet["B"] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"
    assert cell.value == "'" + FORMULA_NAME
    assert formula_unquoted(cell.value) == FORMULA_NAME
    formulas = [
        f"{sheet.title}!{c.coordinate}"
        for sheet in book
        for row in sheet.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []


def test_the_summary_says_drill_and_gives_the_key_figures(book):
    summary = pairs(book["概况"])
    assert summary["简报"] == "【演练】第2期防汛防台会商简报"
    assert summary["演练"] == "是（演练，非真实事件）"
    assert summary["态势时刻（北京时间）"] == "2015-09-28 20:00"
    assert summary["响应级别"] == "Ⅲ级（三级）应急响应"
    figures = {row[0]: row[1:] for row in rows(book["概况"])}
    source = "台风模块 · 1521 杜鹃 · CMA 最佳路径"
    assert figures["七级风圈内村居"] == (25, "个", "告警", source, "2015-09-28 20:00")
    assert figures["台风位置与强度"][0] == "14级 强台风"
    assert figures["受影响人口/户数?"][0] == 15230.5


def test_a_real_event_is_not_marked_as_a_drill():
    summary = pairs(read(snapshot_document(drill=False))["概况"])
    assert summary["演练"] == "否"
    assert summary["简报"] == "第2期防汛防台会商简报"


def test_the_change_sheet_lists_figures_and_members(book):
    sheet = rows(book["变化"])
    assert sheet[0] == ("项目", "上期", "本期", "变化")
    assert sheet[1][:2] == ("对比", "与第1期（态势 2015-09-28 14:00）相比")
    assert sheet[2][:3] == ("响应级别", "Ⅳ级（四级）应急响应", "Ⅲ级（三级）应急响应")
    assert ("七级风圈内村居", 7, 25, 18) in sheet
    assert ("七级风圈预计到达", "2015-09-28 23:00", "2015-09-28 22:00", None) in sheet
    entered = [r for r in sheet if r[:2] == ("七级风圈内村居", "新进入七级风圈")]
    left = [r for r in sheet if r[:2] == ("七级风圈内村居", "移出七级风圈")]
    assert len(entered) == 20 and len(left) == 2
    assert ("七级风圈内村居", "新进入七级风圈", SCRIPT_NAME + " 西天尾镇", "350304100099") in sheet
    assert (
        "七级风圈预计到达",
        "数据变化",
        "秀屿区：预计到达 2015-09-28 23:00 → 2015-09-28 22:00",
        None,
    ) in sheet


def test_the_first_round_has_nothing_to_compare():
    sheet = rows(read(snapshot_document(number=1))["变化"])
    assert sheet == [("项目", "上期", "本期", "变化"), ("对比", "首期简报，无上期可比", None, None)]


def test_the_decision_sheet(book):
    sheet = rows(book["决策"])
    assert sheet[0][:5] == ("序号", "类型", "时间（北京时间）", "发布人", "内容")
    assert [r[0] for r in sheet[1:]] == ["第1条", "第2条", "第3条", "第4条"]
    instruction = sheet[3]
    assert instruction[1:7] == (
        "指令",
        "2015-09-28 19:50",
        "市应急指挥",
        IMG_TEXT,
        "西天尾镇、黄石镇",
        "已确认 2/5",
    )
    assert sheet[4][7:] == ("更正第2条", "是")
    assert sheet[1][8] is None  # 第1条 was in the previous round


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("a/b\\c?d*e[f]g:h", set(), "a_b_c_d_e_f_g_h"),
        ("'引号'", set(), "引号"),
        ("", set(), "表"),
        ("History", set(), "History(2)"),
        ("概况", {"概况"}, "概况(2)"),
        ("ABC", {"abc", "abc(2)"}, "ABC(3)"),
        ("x" * 40, set(), "x" * 31),
        ("x" * 40, {"x" * 31}, "x" * 28 + "(2)"),
    ],
)
def test_sheet_names_are_valid_and_unique(title, taken, expected):
    assert sheet_name(title, taken) == expected
    assert expected.casefold() in taken
