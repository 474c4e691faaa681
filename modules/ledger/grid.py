"""A Sheet as dash-ag-grid wants it: column definitions grouped by domain with the unit's
name pinned, and one row of plain values per unit. Beside a town's own figure that has a
rule against a village tag stands its villages' roll-up, both highlighted where they
disagree (style conditions on a flag of the row, evaluated by dash-ag-grid without eval).

The roll-up's cell holds {figure, mismatch}, a new object in every row update: AG Grid
re-styles only cells whose value changed, and the roll-up does not change when the town's
figure is edited, yet its colour must."""

from __future__ import annotations

from modules.ledger.approval import STATE_ZH
from modules.ledger.models import LedgerTag
from modules.ledger.sheet import DEMO, Sheet, header
from modules.ledger.tags import PERIOD_ZH, ROLLUP_ZH, SENSITIVITY_ZH

NUMERIC = ("integer", "decimal", "percent")
MISMATCH_STYLE = {"backgroundColor": "#fde2e1", "color": "#a40e0e", "fontWeight": "bold"}


def villages_field(code: str) -> str:
    """The row field of the villages' roll-up shown beside a town's own figure."""
    return f"{code}__villages"


def mismatch_field(code: str) -> str:
    return f"{code}__mismatch"


def _highlight(condition: str) -> dict:
    return {"styleConditions": [{"condition": condition, "style": MISMATCH_STYLE}]}


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
        if tag.code in sheet.compared:
            groups[tag.domain].append(_villages_column(sheet, tag))
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
    if tag.code in sheet.compared:
        flag = mismatch_field(tag.code)
        column["cellStyle"] = _highlight(f"params.data && params.data.{flag} === true")
        # An edited cell holds what was typed, equal to what the server sends back: told
        # that values always differ, AG Grid re-styles it on the row's update.
        column["equals"] = {"function": "false"}
    return column


def _villages_column(sheet: Sheet, tag: LedgerTag) -> dict:
    rule, other = sheet.compared[tag.code]
    return {
        "headerName": f"{other.name}·村汇总",
        "field": villages_field(tag.code),
        "colId": villages_field(tag.code),
        "editable": False,
        "type": "numericColumn",
        "valueFormatter": {"function": "params.value ? params.value.figure : null"},
        "sortable": False,
        "filter": False,
        "headerTooltip": (
            f"各村「{other.name}」{ROLLUP_ZH[other.rollup]}，与本镇填报的「{tag.name}」对照"
            f"（规则 {rule.op} {other.code}），不一致时标红；由各村汇总，不在此填"
        ),
        "cellStyle": _highlight("params.value && params.value.mismatch === true"),
        "minWidth": 110,
    }


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
    demo = sheet.demo_shown
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
            if tag.code in sheet.compared:
                mismatch = sheet.mismatch(code, tag)
                figure = sheet.villages_figure(code, tag)
                row[villages_field(tag.code)] = {"figure": figure, "mismatch": mismatch}
                row[mismatch_field(tag.code)] = mismatch
        rows.append(row)
    return rows
