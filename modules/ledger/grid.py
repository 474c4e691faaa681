"""A Sheet as dash-ag-grid wants it: column definitions grouped by domain with the unit's
name pinned, and one row of plain values per unit."""

from __future__ import annotations

from modules.ledger.approval import STATE_ZH
from modules.ledger.models import LedgerTag
from modules.ledger.sheet import DEMO, Sheet, header
from modules.ledger.tags import PERIOD_ZH, SENSITIVITY_ZH

NUMERIC = ("integer", "decimal", "percent")


def column_defs(sheet: Sheet) -> list[dict]:
    columns: list[dict] = [
        {
            "headerName": "单位",
            "field": "name",
            "pinned": "left",
            "editable": False,
            "width": 150,
            "filter": "agTextColumnFilter",
        },
        {"headerName": "状态", "field": "state", "pinned": "left", "editable": False, "width": 90},
        {"headerName": "数据", "field": "source", "pinned": "left", "editable": False, "width": 80},
    ]
    groups: dict[str, list[dict]] = {}
    for tag in sheet.tags:
        groups.setdefault(tag.domain, []).append(_column(sheet, tag))
    columns.extend(
        {"headerName": domain, "children": children} for domain, children in groups.items()
    )
    return columns


def _column(sheet: Sheet, tag: LedgerTag) -> dict:
    rolled = tag.code in sheet.rolled
    column = {
        "headerName": header(tag, rolled),
        "field": tag.code,
        "colId": tag.code,
        "editable": sheet.editable and not rolled,
        "headerTooltip": _tooltip(tag, rolled),
        "minWidth": 110,
    }
    if tag.value_type in NUMERIC:
        column["type"] = "numericColumn"
        column["cellEditor"] = "agTextCellEditor"  # "1,240" is parsed on the server
    elif tag.value_type in ("yesno", "choice"):
        options = ["是", "否"] if tag.value_type == "yesno" else tag.choices.split("/")
        column["cellEditor"] = "agSelectCellEditor"
        column["cellEditorParams"] = {"values": ["", *options]}
    if tag.required:
        column["headerClass"] = "ledger-required"
    return column


def _tooltip(tag: LedgerTag, rolled: bool) -> str:
    parts = [tag.code, tag.department, PERIOD_ZH[tag.period_type], SENSITIVITY_ZH[tag.sensitivity]]
    if tag.required:
        parts.append("必填")
    if tag.rule:
        parts.append(f"规则 {tag.rule}")
    if rolled:
        parts.append("由各村汇总，不在此填")
    return " · ".join(parts)


def row_data(sheet: Sheet) -> list[dict]:
    demo = sheet.demo_units
    rows = []
    for code, name in sheet.units:
        state = STATE_ZH[sheet.states.get(code, "open")]
        row: dict = {
            "code": code,
            "name": name,
            "state": state,
            "source": DEMO if code in demo else "",
        }
        for tag in sheet.tags:
            row[tag.code] = sheet.cell(code, tag)
        rows.append(row)
    return rows
