"""The briefing as an XLSX workbook: 概况 (the round, the event, drill or not, the key
figures), one sheet per item table (headers from its columns, every row), 变化 (the change
since the previous round, member by member) and 决策 (the decision log).

Written through the SDK's `xlsx_bytes`, so every text cell goes through `formula_safe` (a
village named =HYPERLINK(...) stays text). Times are Beijing time."""

from __future__ import annotations

import re

from modules.consult.briefing.document import (
    SEVERITY_ZH,
    beijing,
    cell_value,
    changes,
    columns_of,
    decisions,
    event_of,
    figures,
    heading,
    is_drill,
    items_of,
    rows_of,
)
from modules.sdk import xlsx_bytes

SUMMARY, CHANGES, DECISIONS = "概况", "变化", "决策"
SHEET_NAME_LIMIT = 31
# Excel refuses these in a sheet name, and a name starting or ending with an apostrophe.
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid sheet name for `title`, unique (Excel compares names case-insensitively)
    among `taken`, which it joins."""
    base = NOT_IN_SHEET_NAMES.sub("_", title).strip().strip("'") or "表"
    name = base[:SHEET_NAME_LIMIT]
    number = 2
    while name.casefold() in taken or name.casefold() == "history":  # Excel reserves History
        suffix = f"({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        number += 1
    taken.add(name.casefold())
    return name


def summary_sheet(doc: dict) -> tuple[str, list, list]:
    event = event_of(doc)
    drill = "是（演练，非真实事件）" if is_drill(doc) else "否"
    rows: list[list] = [
        ["简报", heading(doc)],
        ["期数", doc.get("number") or ""],
        ["演练", drill],
        ["事件", event.get("title") or ""],
        ["类型", event.get("kind_label") or event.get("kind") or ""],
        ["范围", event.get("scope_name") or event.get("scope") or ""],
        ["响应级别", event.get("level_label") or ""],
        ["事件开始（北京时间）", beijing(event.get("started_at"))],
        ["态势时刻（北京时间）", beijing(doc.get("moment"))],
        ["冻结时间（北京时间）", beijing(doc.get("taken_at"))],
        ["冻结人", doc.get("taken_by") or ""],
        [],
        ["关键数据", "数值", "单位", "级别", "来源", "截至（北京时间）"],
    ]
    rows += [
        [f.title, f.cell, f.unit, SEVERITY_ZH.get(f.severity, ""), f.source, f.as_of]
        for f in figures(doc)
    ]
    return SUMMARY, ["项目", "内容"], rows


def item_sheets(doc: dict, taken: set[str]) -> list[tuple[str, list, list]]:
    """One sheet per item that has a table (columns or rows)."""
    sheets = []
    for item in items_of(doc):
        columns = columns_of(item)
        if not columns:
            continue
        title = str(item.get("title") or item.get("id") or "")
        rows = [[cell_value(row.get(key)) for key, _ in columns] for row in rows_of(item)]
        sheets.append((sheet_name(title, taken), [h for _, h in columns], rows))
    return sheets


def changes_sheet(doc: dict) -> tuple[str, list, list]:
    change = changes(doc)
    rows: list[list] = [["对比", change.against, "", ""]]
    if change.level:
        before, _, after = change.level.partition(" → ")
        rows.append(["响应级别", before, after, ""])
    rows += [[i.title, *i.cells] for i in change.items]
    members = [
        [item.title, group.label, name, key]
        for item in change.items
        for group in item.members
        for name, key in zip(group.names, group.keys, strict=True)
    ]
    members += [
        [item.title, "数据变化", line, ""] for item in change.items for line in item.changed
    ]
    if members:
        rows += [[], ["项目", "变化", "名称", "代码"], *members]
    return CHANGES, ["项目", "上期", "本期", "变化"], rows


def decisions_sheet(doc: dict) -> tuple[str, list, list]:
    header = [
        "序号",
        "类型",
        "时间（北京时间）",
        "发布人",
        "内容",
        "涉及单位",
        "确认",
        "更正",
        "本期新增",
    ]
    rows = [
        [d.ref, d.kind, d.at, d.author, d.text, d.units, d.acks, d.corrects, "是" if d.new else ""]
        for d in decisions(doc)
    ]
    return DECISIONS, header, rows


def briefing_xlsx(doc: dict) -> bytes:
    """The workbook's bytes, from the snapshot document only."""
    taken = {SUMMARY.casefold(), CHANGES.casefold(), DECISIONS.casefold()}
    return xlsx_bytes(
        [summary_sheet(doc), *item_sheets(doc, taken), changes_sheet(doc), decisions_sheet(doc)]
    )
