"""The page 一张表: the sheet of the viewer's units in dash-ag-grid, one month at a time,
with its controls, the message line and a cell's history. Component ids are plain strings
prefixed `ledger-`; every value the callbacks receive from them is checked again."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_ag_grid as dag
from dash import dcc, html

from modules.ledger import periods
from modules.ledger.catalogue import DOMAIN_ORDER
from modules.ledger.tags import APPROVE, CATALOGUE, READ, WRITE
from modules.sdk import PageSpec

GRID = "ledger-grid"
MONTHS_SHOWN = 13  # this month (opened from the last) and the twelve before


def month_options(today: datetime | None = None) -> list[dict]:
    this = periods.of_date((today or datetime.now(UTC)).date())
    return [
        {"label": periods.label_zh(m), "value": periods.label(m)}
        for m in (periods.shift(this, -i) for i in range(MONTHS_SHOWN))
    ]


def sheet_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can(READ):
            return html.P("您没有查看一张表的权限。", className="notice-denied")
        months = month_options()
        controls = html.Div(
            className="ledger-controls",
            style={"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"},
            children=[
                dcc.Dropdown(
                    id="ledger-month",
                    options=months,
                    value=months[0]["value"],
                    clearable=False,
                    style={"width": "140px"},
                ),
                dcc.RadioItems(
                    id="ledger-level",
                    options=[
                        {"label": "村（社区）", "value": "village"},
                        {"label": "镇街", "value": "town"},
                    ],
                    value="village",
                    inline=True,
                ),
                dcc.Dropdown(id="ledger-within", placeholder="镇街", style={"width": "180px"}),
                dcc.Dropdown(
                    id="ledger-domain",
                    options=[{"label": "全部领域", "value": ""}]
                    + [{"label": d, "value": d} for d in DOMAIN_ORDER],
                    value="",
                    clearable=False,
                    style={"width": "140px"},
                ),
                dcc.Input(id="ledger-search", type="search", placeholder="搜索标签", debounce=True),
                html.A("导出 XLSX", id="ledger-export-xlsx", href="", className="button"),
                html.A("导出 CSV", id="ledger-export-csv", href="", className="button"),
                dcc.Upload(
                    id="ledger-upload",
                    children=html.Span("导入 XLSX/CSV", className="button"),
                    accept=".xlsx,.csv,.tsv,.txt",
                    multiple=False,
                )
                if viewer.can(WRITE)
                else html.Span(id="ledger-upload"),
            ],
        )
        grid = dag.AgGrid(
            id=GRID,
            rowData=[],
            columnDefs=[],
            getRowId="params.data.code",
            defaultColDef={"resizable": True, "sortable": True, "filter": True, "minWidth": 90},
            dashGridOptions={
                "rowSelection": {
                    "mode": "multiRow",
                    "checkboxes": True,
                    "headerCheckbox": True,
                    "enableClickSelection": False,
                },
                "selectionColumnDef": {"pinned": "left", "width": 50},
                # A town's sheet is a few dozen rows: every column rendered, so the pinned
                # names and the figures scroll together and every cell can be found.
                "suppressColumnVirtualisation": True,
                "stopEditingWhenCellsLoseFocus": True,
                "undoRedoCellEditing": False,
                "tooltipShowDelay": 300,
            },
            style={"height": "65vh", "width": "100%"},
        )
        return html.Div(
            className="ledger-page",
            children=[
                html.H2("一张表"),
                html.P(
                    "每个数只填一次：本月打开时沿用上月的数，确认或修改即可；标注“演示”的是演示数据。",
                    className="ledger-hint",
                ),
                controls,
                _actions(viewer),
                html.Div(id="ledger-message", role="status", className="ledger-message"),
                html.Div(id="ledger-report", role="status"),
                dcc.Store(id="ledger-refresh", data=0),
                grid,
                html.Div(id="ledger-history", className="ledger-history"),
                html.H3("完成情况"),
                html.Div(id="ledger-completeness"),
            ],
        )

    return layout


def _actions(viewer) -> html.Div:
    """Month-end buttons for the selected rows; shown to those who may use them (the
    server checks every one again)."""

    def shown(allowed: bool) -> dict:
        return {} if allowed else {"display": "none"}

    approver = viewer.can(APPROVE)
    return html.Div(
        className="ledger-actions",
        style={"display": "flex", "gap": "8px", "margin": "8px 0", "flexWrap": "wrap"},
        children=[
            html.Button("提交所选", id="ledger-submit", style=shown(viewer.can(WRITE))),
            html.Button("审核通过所选", id="ledger-approve", style=shown(approver)),
            html.Button("退回所选", id="ledger-return", style=shown(approver)),
            html.Button("重新打开所选", id="ledger-reopen", style=shown(approver)),
            dcc.Input(
                id="ledger-reason",
                placeholder="退回或重新打开的原因",
                style={"minWidth": "240px", **shown(approver)},
            ),
        ],
    )


def pages(core) -> list[PageSpec]:
    from modules.ledger.catalogue_page import PATH, catalogue_layout
    from modules.ledger.duties.pages import duty_pages
    from modules.ledger.reports.page import report_page
    from modules.ledger.requests.pages import request_pages

    return [
        PageSpec(
            id="ledger-sheet",
            path="/ledger",
            title="一张表",
            layout=sheet_layout(core),
            permission=READ,
            order=40,
        ),
        PageSpec(
            id="ledger-catalogue",
            path=PATH,
            title="标签目录",
            layout=catalogue_layout(core),
            permission=CATALOGUE,
            order=41,
        ),
        *request_pages(core),  # 申请调阅, 待审批
        *duty_pages(core),  # 村级事务准入
        report_page(core),
    ]
