"""The 台风会商 page's layout: storm picker, time slider with play/pause, replay mode for
drills, the map, who is inside each wind circle now and over the whole storm (exportable),
publishing exposure (consult) and adding a storm or forecast (import). Component ids are
plain strings prefixed `typhoon-`; the callbacks (callbacks.py) check whatever is sent."""

from __future__ import annotations

from dash import dcc, html

from modules.sdk import PageSpec
from modules.typhoon import correction_form, service, settings
from modules.typhoon.parsers import FORMAT_LABELS

STEP_HOURS = 1
MAX_HOURS = 24 * 60  # no storm lasts two months: a larger slider value is forged
DEFAULT_STORM = "1521"
ATTRIBUTION = (
    "数据来源：Tropical cyclone data: CMA Tropical Cyclone Data Center (tcdata.typhoon.org.cn), "
    "Ying et al., 2014; Lu et al., 2021. Best track data: RSMC Tokyo - Typhoon Center, Japan "
    "Meteorological Agency (CSV via Digital Typhoon, National Institute of Informatics)."
)
NO_RADII = "该台风的资料中没有风圈半径：只显示路径，风圈及影响范围不可用。"
SECTION = {"marginTop": "12px"}
# Nothing on the chart links or sends data off the server.
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
}


def layout(core, **_query):
    viewer = core.viewer()
    with core.sessions() as session:
        storms = service.storm_list(session)
    options = [
        {"label": f"{s['id']} {s['name_zh']} {s['name_en']}（{s['season']}）", "value": s["id"]}
        for s in storms
    ]
    default = (
        DEFAULT_STORM
        if any(s["id"] == DEFAULT_STORM for s in storms)
        else (storms[0]["id"] if storms else None)
    )
    consult = []
    if viewer.can("consult"):
        consult = [
            html.Button("发布风圈影响", id="typhoon-publish", n_clicks=0),
            html.Span("（向本辖区发布：各重点部位与村居进入风圈的时段，24小时内有效）"),
            html.Div(id="typhoon-publish-message", role="status"),
            *correction_form.form(),
        ]
    upload = []
    if viewer.can("import"):
        limit = settings.limit_text(settings.max_file_bytes())
        upload = [
            html.H3("导入台风路径或预报"),
            dcc.Dropdown(
                id="typhoon-upload-format",
                options=[{"label": v, "value": k} for k, v in FORMAT_LABELS.items() if k != "dt"],
                value="csv",
                clearable=False,
            ),
            dcc.Input(id="typhoon-upload-storm", placeholder="台风编号（可选，如 2305）"),
            dcc.Upload(
                id="typhoon-upload",
                children=html.Div(f"选择文件（不超过 {limit}；导入全部或不导入）"),
                max_size=settings.max_file_bytes(),
                style={"border": "1px dashed #999", "padding": "8px"},
            ),
            html.Div(id="typhoon-upload-message", role="status"),
        ]
    return html.Div(
        [
            html.H2("台风会商"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="typhoon-storm",
                        options=options,
                        value=default,
                        clearable=False,
                        style={"minWidth": "320px"},
                    ),
                    html.Button("播放", id="typhoon-play", n_clicks=0),
                    speed_picker(),
                    dcc.Checklist(
                        id="typhoon-replay",
                        options=[{"label": "演练回放", "value": "replay"}],
                        value=[],
                        inline=True,
                    ),
                ],
                style={
                    "display": "flex",
                    "gap": "12px",
                    "alignItems": "center",
                    "flexWrap": "wrap",
                },
            ),
            dcc.Slider(
                id="typhoon-time",
                min=0,
                max=1,
                step=STEP_HOURS,
                value=0,
                marks=None,
                updatemode="mouseup",
            ),
            dcc.Interval(
                id="typhoon-interval",
                interval=settings.pace(settings.playback_seconds_per_day())[0],
                disabled=True,
            ),
            html.Div(id="typhoon-status", role="status"),
            html.Div(
                [
                    dcc.Graph(
                        id="typhoon-map",
                        style={"height": "560px", "flex": "3 1 480px", "minWidth": 0},
                        config=GRAPH_CONFIG,
                    ),
                    html.Div(
                        id="typhoon-exposure",
                        style={"flex": "2 1 300px", "maxHeight": "560px", "overflowY": "auto"},
                    ),
                ],
                style={"display": "flex", "gap": "12px", "flexWrap": "wrap"},
            ),
            html.Section(
                [
                    html.H3("全过程影响汇总（本辖区）"),
                    html.Div(
                        [
                            html.A("导出 CSV", id="typhoon-csv", href=""),
                            " · ",
                            html.A("导出 Excel", id="typhoon-xlsx", href=""),
                        ]
                    ),
                    html.Div(id="typhoon-summary"),
                    *consult,
                ],
                style=SECTION,
            ),
            html.Section(upload, style=SECTION),
            html.P(ATTRIBUTION, style={"fontSize": "12px", "color": "#666"}),
        ],
        style={"padding": "8px"},
    )


def speed_label(seconds: int) -> str:
    return f"1天/{seconds}秒"


def speed_picker() -> dcc.Dropdown:
    """How fast 播放 plays: a day of storm time in 10, 30 or 60 seconds (or as configured)."""
    configured = settings.playback_seconds_per_day()
    speeds = sorted({*settings.SPEEDS, configured})
    return dcc.Dropdown(
        id="typhoon-speed",
        options=[{"label": speed_label(s), "value": s} for s in speeds],
        value=configured,
        clearable=False,
        searchable=False,
        style={"minWidth": "120px"},
    )


def page(core) -> PageSpec:
    return PageSpec(
        id="typhoon",
        path="/typhoon",
        title="台风会商",
        layout=lambda **query: layout(core, **query),
        permission="read",
        order=50,
    )


# --- rendering -------------------------------------------------------------------------------
