"""The page 标签目录 (/ledger/catalogue), for admins (ledger.catalogue): the catalogue in
dash-ag-grid (retired tags greyed, a filter for them), a form to add or edit one tag with
every field labelled in Chinese, retire and restore after a confirmation, and the
catalogue as an XLSX/CSV file out and back (all or nothing). Its callbacks are in
catalogue_callbacks.py; the server checks everything they are sent."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from modules.ledger.catalogue import DOMAIN_ORDER
from modules.ledger.catalogue_admin import FIELDS
from modules.ledger.tags import (
    CATALOGUE,
    LEVEL_ZH,
    PERIOD_ZH,
    ROLLUP_ZH,
    SENSITIVITY_ZH,
    TYPE_ZH,
)

PATH = "/ledger/catalogue"
PREFIX = "ledger-cat-"
GRID = PREFIX + "grid"
# The form's fields, in the catalogue file's order: field → the widget's kind.
FORM: dict[str, str] = {
    "code": "text",
    "name": "text",
    "measure": "text",
    "value_type": "choice",
    "domain": "domain",
    "department": "text",
    "level": "choice",
    "period_type": "choice",
    "required": "flag",
    "min_value": "text",
    "max_value": "text",
    "choices": "text",
    "rule": "text",
    "rollup": "choice",
    "weight_code": "text",
    "sensitivity": "choice",
}
CHOICES = {
    "value_type": TYPE_ZH,
    "level": LEVEL_ZH,
    "period_type": PERIOD_ZH,
    "rollup": ROLLUP_ZH,
    "sensitivity": SENSITIVITY_ZH,
}
HINTS = {
    "code": "两个大写字母加三位数字，如 RK016",
    "choices": "用 / 分隔，如 党委/党总支/党支部",
    "rule": "如 <= RK002；镇街标签写 = RK001 与各村汇总对照",
    "weight_code": "加权平均时的权重标签，如 RK001",
}
ONE_ROW = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
RETIRED_STYLE = {"color": "#8a8a8a", "backgroundColor": "#f2f2f2", "fontStyle": "italic"}
COLUMNS = (
    ("code", "编码", 90),
    ("name", "名称", 170),
    ("measure", "计量单位", 90),
    ("value_type", "类型", 80),
    ("domain", "领域", 80),
    ("department", "部门", 110),
    ("level", "填报层级", 100),
    ("period_type", "报送周期", 90),
    ("required", "必填", 70),
    ("min_value", "下限", 80),
    ("max_value", "上限", 80),
    ("choices", "选项", 150),
    ("rule", "规则", 100),
    ("rollup", "汇总方式", 90),
    ("weight_code", "加权标签", 90),
    ("sensitivity", "密级", 90),
    ("state", "状态", 80),
)


def field_id(name: str) -> str:
    return f"{PREFIX}{name.replace('_', '-')}"


def label(name: str) -> str:
    return FIELDS[name][0]


def _widget(name: str, kind: str):
    if kind == "choice":
        return dcc.Dropdown(
            id=field_id(name),
            options=[{"label": text, "value": key} for key, text in CHOICES[name].items()],
            placeholder="请选择",
            style={"minWidth": "150px"},
        )
    if kind == "flag":
        return dcc.Checklist(id=field_id(name), options=[{"label": "必填", "value": "yes"}])
    extra = {"list": PREFIX + "domains"} if kind == "domain" else {}
    return dcc.Input(
        id=field_id(name), type="text", placeholder=HINTS.get(name, ""), debounce=False, **extra
    )


def _form() -> html.Fieldset:
    rows = [
        html.Div(
            [html.Label(label(name), htmlFor=field_id(name)), _widget(name, kind)],
            className="ledger-cat-field",
            style={"display": "flex", "flexDirection": "column", "gap": "2px"},
        )
        for name, kind in FORM.items()
    ]
    return html.Fieldset(
        [
            html.Legend("新增或修改一个标签"),
            html.Datalist([html.Option(value=d) for d in DOMAIN_ORDER], id=PREFIX + "domains"),
            html.Div(
                rows,
                style={
                    "display": "grid",
                    "gridTemplateColumns": "repeat(auto-fill, minmax(180px, 1fr))",
                    "gap": "8px",
                },
            ),
            html.Div(
                [
                    html.Button("新增标签", id=PREFIX + "add"),
                    html.Button("保存修改", id=PREFIX + "save"),
                    html.Button("清空表单", id=PREFIX + "clear"),
                    dcc.ConfirmDialogProvider(
                        html.Button("停用所选标签", id=PREFIX + "retire-button"),
                        id=PREFIX + "retire",
                        message="请先在表中选择一个标签。",
                    ),
                    dcc.ConfirmDialogProvider(
                        html.Button("恢复所选标签", id=PREFIX + "restore-button"),
                        id=PREFIX + "restore",
                        message="请先在表中选择一个标签。",
                    ),
                ],
                style={"display": "flex", "gap": "8px", "margin": "8px 0", "flexWrap": "wrap"},
            ),
        ],
        style={"border": "1px solid #d0d7e2", "borderRadius": "6px", "padding": "8px 12px"},
    )


def _grid() -> dag.AgGrid:
    return dag.AgGrid(
        id=GRID,
        rowData=[],
        columnDefs=[
            {
                "headerName": title,
                "field": field,
                "width": width,
                **({"pinned": "left"} if field in ("code", "name") else {}),
            }
            for field, title, width in COLUMNS
        ],
        getRowId="params.data.code",
        defaultColDef={"resizable": True, "sortable": True, "filter": True},
        dashGridOptions={
            "rowSelection": ONE_ROW,
            "tooltipShowDelay": 300,
        },
        getRowStyle={
            "styleConditions": [
                {"condition": "params.data && params.data.retired === true", "style": RETIRED_STYLE}
            ]
        },
        style={"height": "45vh", "width": "100%"},
    )


def catalogue_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can(CATALOGUE):
            return html.P("您没有管理共享标签的权限。", className="notice-denied")
        controls = html.Div(
            style={"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"},
            children=[
                dcc.RadioItems(
                    id=PREFIX + "show",
                    options=[
                        {"label": "全部", "value": "all"},
                        {"label": "在用", "value": "active"},
                        {"label": "已停用", "value": "retired"},
                    ],
                    value="all",
                    inline=True,
                ),
                dcc.Input(id=PREFIX + "search", type="search", placeholder="搜索名称或编码"),
                html.A("导出 XLSX", href="/api/v1/ledger/catalogue.xlsx", className="button"),
                html.A("导出 CSV", href="/api/v1/ledger/catalogue.csv", className="button"),
                dcc.Upload(
                    id=PREFIX + "upload",
                    children=html.Span("导入 XLSX/CSV", className="button"),
                    accept=".xlsx,.csv,.tsv,.txt",
                    multiple=False,
                ),
            ],
        )
        return html.Div(
            className="ledger-catalogue-page",
            children=[
                html.H2("标签目录"),
                html.P(
                    "共享标签的目录：新增、修改、停用或恢复标签（停用的标签保留全部历史数据，"
                    "不再填报，在表中灰色显示）。可导出为 XLSX/CSV，修改后整份导入："
                    "全部无误才保存，有错时逐格列出。",
                    className="ledger-hint",
                ),
                controls,
                html.Div(id=PREFIX + "report", role="status"),
                dcc.Store(id=PREFIX + "refresh", data=0),
                dcc.Store(id=PREFIX + "selected"),
                _grid(),
                html.Div(id=PREFIX + "message", role="status", className="ledger-message"),
                _form(),
            ],
        )

    return layout
