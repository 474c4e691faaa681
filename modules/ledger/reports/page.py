"""The page 报表 (/ledger/reports), for everyone who reads the ledger: the registry of the
recurring reports a town files, which of them the table now generates (coverage) and the
hours a town no longer spends, in dash-ag-grid; and a form to generate one (template, unit,
period → XLSX or CSV). Its callback is in callbacks.py; the server checks what it is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_ag_grid as dag
from dash import dcc, html

from modules.ledger import periods
from modules.ledger.reports.catalog import TIMES_A_YEAR, list_templates
from modules.ledger.reports.registry import NOT_TEMPLATED, coverage, entries
from modules.ledger.tags import READ
from modules.sdk import LEVELS, PageSpec, child_level, units

PATH = "/ledger/reports"
PREFIX = "ledger-rep-"
MONTHS_SHOWN = 24
GREY = {"color": "#8a8a8a", "backgroundColor": "#f5f5f5"}
COLUMNS = [
    {"field": "name", "headerName": "报表名称", "pinned": "left", "minWidth": 220},
    {"field": "department", "headerName": "部门", "minWidth": 130},
    {"field": "frequency", "headerName": "频次", "width": 90},
    {"field": "minutes", "headerName": "每次填表（分钟）", "width": 140},
    {"field": "template", "headerName": "模板", "minWidth": 200},
    {"field": "hours", "headerName": "每年填表（小时）", "width": 140},
    {"field": "source", "headerName": "数据", "width": 80},
]


def hours(value: float) -> str:
    return f"{value:,.1f}"


def unit_options(session, viewer) -> list[dict]:
    """The viewer's units and those inside them down to the towns (a village is one row)."""
    found = []
    for scope in viewer.scopes:
        level = scope.level
        while level is not None and LEVELS.index(level) <= LEVELS.index("town"):
            for unit in units(session, viewer, level, within=scope):
                found.append({"label": f"{unit.name}（{unit.code}）", "value": unit.code})
            level = child_level(level)
    return found


def month_options(today: datetime | None = None) -> list[dict]:
    this = periods.of_date((today or datetime.now(UTC)).date())
    return [
        {"label": periods.label_zh(m), "value": periods.label(m)}
        for m in (periods.shift(this, -i) for i in range(MONTHS_SHOWN))
    ]


def summary(found) -> html.Div:
    figures = coverage(found)
    demo = "（演示）" if any(e.demo for e in found) else ""
    return html.Div(
        className="ledger-report-summary",
        children=[
            html.P(
                f"常规报表 {figures.reports} 张{demo}，已由一张表生成 {figures.templated} 张"
                f"（覆盖率 {figures.share:.1%}）。",
                id=PREFIX + "coverage",
            ),
            html.P(
                f"每个镇街每月少填 {hours(figures.hours_a_month)} 小时，"
                f"每年 {hours(figures.hours_a_year)} 小时（频次 × 每次填表用时）；"
                f"尚未模板化的报表每年仍需 {hours(figures.hours_left_a_year)} 小时。",
                id=PREFIX + "hours",
            ),
        ],
    )


def registry_rows(found, titles: dict[str, str]) -> list[dict]:
    return [
        {
            "name": e.name,
            "department": e.department,
            "frequency": e.frequency,
            "minutes": e.minutes,
            "template": titles.get(e.template_key, NOT_TEMPLATED)
            if e.template_key
            else NOT_TEMPLATED,
            "hours": round(e.minutes * TIMES_A_YEAR[e.frequency] / 60, 1),
            "templated": bool(e.template_key),
            "source": "演示" if e.demo else "",
        }
        for e in found
    ]


def reports_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can(READ):
            return html.P("您没有查看一张表的权限。", className="notice-denied")
        with core.sessions() as session:
            found = entries(session)
            templates = list_templates(session)
            unit_choices = unit_options(session, viewer)
        titles = {t.key: t.title for t in templates}
        months = month_options()
        form = html.Div(
            className="ledger-controls",
            style={"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"},
            children=[
                dcc.Dropdown(
                    id=PREFIX + "template",
                    options=[
                        {"label": f"{t.title}（{t.department}·{t.frequency}）", "value": t.key}
                        for t in templates
                    ],
                    value=templates[0].key if templates else None,
                    clearable=False,
                    placeholder="报表模板",
                    style={"minWidth": "300px"},
                ),
                dcc.Dropdown(
                    id=PREFIX + "unit",
                    options=unit_choices,
                    value=unit_choices[0]["value"] if unit_choices else None,
                    clearable=False,
                    placeholder="填报单位",
                    style={"minWidth": "220px"},
                ),
                dcc.Dropdown(
                    id=PREFIX + "from",
                    options=months,
                    value=months[0]["value"],
                    clearable=False,
                    style={"width": "140px"},
                ),
                html.Span("至"),
                dcc.Dropdown(
                    id=PREFIX + "to",
                    options=months,
                    placeholder="（同一月）",
                    style={"width": "140px"},
                ),
                html.Button("下载 XLSX", id=PREFIX + "xlsx", className="button"),
                html.Button("下载 CSV", id=PREFIX + "csv", className="button"),
                dcc.Download(id=PREFIX + "download"),
            ],
        )
        grid = dag.AgGrid(
            id=PREFIX + "grid",
            rowData=registry_rows(found, titles),
            columnDefs=COLUMNS,
            defaultColDef={"resizable": True, "sortable": True, "filter": True},
            # A report still filled by hand is greyed (a style condition: no eval under the CSP).
            getRowStyle={
                "styleConditions": [
                    {"condition": "params.data && params.data.templated === false", "style": GREY}
                ]
            },
            style={"height": "55vh", "width": "100%"},
        )
        return html.Div(
            className="ledger-page",
            children=[
                html.H2("报表"),
                html.P(
                    "报表由一张表的数据直接生成，不再向镇村重复要数；选择模板、单位和期间即可下载。",
                    className="ledger-hint",
                ),
                form,
                html.Div(id=PREFIX + "message", role="status", className="ledger-message"),
                html.H3("常规报表清单"),
                summary(found),
                grid,
            ],
        )

    return layout


def report_page(core) -> PageSpec:
    return PageSpec(
        id="ledger-reports",
        path=PATH,
        title="报表",
        layout=reports_layout(core),
        permission=READ,
        order=42,
    )
