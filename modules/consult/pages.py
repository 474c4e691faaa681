"""The pages of 会商: the consultation page (events, the live board and its map, the
response level, a drill's clock, the decision log, snapshots), a snapshot's stable page,
and the wall display for the command centre. Component ids are prefixed `consult-`;
everything the callbacks receive from them is checked again on the server."""

from __future__ import annotations

from dash import dcc, html

from modules.consult import styles
from modules.consult.access import INSTRUCTIONS, READ, RUN, events_for, record_id
from modules.consult.events import LEVEL_ZH, title_of
from modules.consult.figure import figure
from modules.consult.snapshots import read as read_snapshot
from modules.consult.views import cards, decisions, diff_view, header, table, when
from modules.sdk import SAFE_GRAPH_CONFIG, NotFound, PageSpec

KIND_OPTIONS = [
    {"label": "台风", "value": "typhoon"},
    {"label": "暴雨", "value": "rainstorm"},
    {"label": "洪水", "value": "flood"},
]
ENTRY_OPTIONS = [
    {"label": "研判", "value": "assessment"},
    {"label": "决策", "value": "decision"},
    {"label": "指令", "value": "instruction"},
    {"label": "反馈", "value": "feedback"},
]
LEVEL_OPTIONS = [{"label": LEVEL_ZH[n], "value": n} for n in (4, 3, 2, 1, 0)]
REFRESH_MS = 60_000
WALL_REFRESH_MS = 30_000


def _event_id(value: object) -> int | None:
    return record_id(value)


def _run_controls() -> html.Div:
    """What a coordinator does during a round (hidden from readers; the server checks)."""
    return html.Div(
        id="consult-run",
        children=[
            html.Div(
                style=styles.CONTROLS,
                children=[
                    dcc.Dropdown(
                        id="consult-level",
                        options=LEVEL_OPTIONS,
                        placeholder="响应级别",
                        style={"width": "220px"},
                    ),
                    dcc.Input(
                        id="consult-level-reason", placeholder="调整理由", style={"width": "240px"}
                    ),
                    html.Button("调整响应级别", id="consult-level-set"),
                    html.Button("冻结本期会商", id="consult-freeze", className="primary"),
                ],
            ),
            html.Div(
                id="consult-clock",
                style=styles.CONTROLS,
                children=[
                    html.Span("演练推演："),
                    html.Button("−1小时", id="consult-clock-back"),
                    html.Button("+1小时", id="consult-clock-forward"),
                    html.Button("+6小时", id="consult-clock-six"),
                    dcc.Input(
                        id="consult-clock-to",
                        placeholder="2015-09-29 02:00",
                        style={"width": "160px"},
                    ),
                    html.Button("跳转", id="consult-clock-set"),
                ],
            ),
        ],
    )


def _new_event_form() -> html.Details:
    return html.Details(
        children=[
            html.Summary("新建事件"),
            html.Div(
                style=styles.CONTROLS,
                children=[
                    dcc.Dropdown(
                        id="consult-new-kind",
                        options=KIND_OPTIONS,
                        value="typhoon",
                        clearable=False,
                        style={"width": "100px"},
                    ),
                    dcc.Input(id="consult-new-title", placeholder="事件名称，如 1521 杜鹃"),
                    dcc.Input(
                        id="consult-new-ref",
                        placeholder="台风编号，如 1521",
                        style={"width": "130px"},
                    ),
                    dcc.Checklist(
                        id="consult-new-drill",
                        options=[{"label": "演练（回放历史台风）", "value": "drill"}],
                        value=[],
                    ),
                    dcc.Input(
                        id="consult-new-start",
                        placeholder="开始时间（北京时间）2015-09-28 20:00",
                        style={"width": "260px"},
                    ),
                    html.Button("开启事件", id="consult-new-open"),
                ],
            ),
        ]
    )


def _log_form() -> html.Div:
    return html.Div(
        id="consult-log-form",
        children=[
            html.Div(
                style=styles.CONTROLS,
                children=[
                    dcc.RadioItems(
                        id="consult-entry-kind",
                        options=ENTRY_OPTIONS,
                        value="assessment",
                        inline=True,
                    ),
                    dcc.Dropdown(
                        id="consult-entry-units",
                        multi=True,
                        placeholder="涉及单位（指令必选）",
                        style={"minWidth": "260px"},
                    ),
                ],
            ),
            dcc.Textarea(
                id="consult-entry-text",
                placeholder="记录内容",
                style={"width": "100%", "height": "70px"},
            ),
            html.Div(
                style=styles.CONTROLS,
                children=[
                    dcc.RadioItems(
                        id="consult-entry-mode",
                        options=[
                            {"label": "新增", "value": "add"},
                            {"label": "更正某条", "value": "correct"},
                            {"label": "修改本人10分钟内的记录", "value": "edit"},
                        ],
                        value="add",
                        inline=True,
                    ),
                    dcc.Dropdown(
                        id="consult-entry-target", placeholder="记录号", style={"width": "120px"}
                    ),
                    dcc.Upload(
                        id="consult-entry-file",
                        children=html.Span("附件（≤5 MB）", className="button"),
                        multiple=False,
                    ),
                    html.Span(id="consult-entry-file-name"),
                    html.Button("记录", id="consult-entry-add", className="primary"),
                ],
            ),
        ],
    )


def consult_layout(core):
    def layout(event: str | None = None, **_query):
        viewer = core.viewer()
        if not viewer.can(READ):
            if viewer.can(INSTRUCTIONS):
                return html.Div([html.H2("会商指令"), html.Div(id="consult-instructions")])
            return html.P("您没有查看会商的权限。", className="notice-denied")
        runs = viewer.can(RUN)
        # The options come with the page: a chosen event must be among them from the start
        # (a dropdown drops a value its options do not hold).
        with core.sessions() as session:
            options = [
                {"label": title_of(e) + ("（已结束）" if e.ended_at else ""), "value": e.id}
                for e in events_for(session, viewer)
            ]
        return html.Div(
            className="consult-page",
            children=[
                html.H2("会商"),
                html.Div(
                    style=styles.CONTROLS,
                    children=[
                        dcc.Dropdown(
                            id="consult-event",
                            options=options,
                            value=_event_id(event),
                            placeholder="选择事件",
                            clearable=False,
                            style={"width": "360px"},
                        ),
                        html.A("大屏模式", id="consult-wall-link", href="", className="button"),
                    ],
                ),
                _new_event_form() if runs else html.Div(),
                html.Div(id="consult-message", role="status", className="consult-message"),
                html.Div(id="consult-head"),
                _run_controls() if runs else html.Div(id="consult-run"),
                html.Div(
                    style=styles.TWO_COLUMNS,
                    children=[
                        html.Div(
                            [
                                dcc.Graph(
                                    id="consult-map",
                                    config=SAFE_GRAPH_CONFIG,
                                    style=styles.PAGE_MAP,
                                ),
                                html.Div(id="consult-cards", style=styles.CARDS),
                                html.Div(id="consult-detail"),
                            ]
                        ),
                        html.Div(
                            [
                                html.H3("自上期以来"),
                                html.Div(id="consult-live-diff"),
                                html.H3("会商记录"),
                                html.Div(id="consult-log"),
                                _log_form() if runs else html.Div(),
                                html.H3("分期快照"),
                                html.Div(id="consult-snapshots"),
                            ]
                        ),
                    ],
                ),
                dcc.Store(id="consult-board"),
                # An instruction's send waiting for its recipients to be confirmed.
                dcc.Store(id="consult-send-pending"),
                dcc.Store(id="consult-refresh", data=0),
                dcc.Interval(id="consult-tick", interval=REFRESH_MS),
            ],
        )

    return layout


def snapshot_layout(core):
    """第N期: exactly what was frozen, its diff, its decisions and the briefing links."""

    def layout(id: str | None = None, **_query):  # noqa: A002 - the query parameter's name
        viewer = core.viewer()
        with core.sessions() as session:
            try:
                document = read_snapshot(session, viewer, id)
            except NotFound:
                return html.P("没有这一期会商快照，或它不在您的辖区内。", className="notice-denied")
        base = f"/api/v1/consult/snapshots/{document['id']}/briefing"
        event = document["event"]
        return html.Div(
            className="consult-snapshot",
            children=[
                html.H2(("【演练】" if event["drill"] else "") + document["title"]),
                header(document),
                html.P(
                    f"冻结于 {when(document['taken_at'])}（{document['taken_by']}）；"
                    "此页始终显示当时的态势。"
                ),
                html.Div(
                    style=styles.CONTROLS,
                    children=[
                        html.A("离线地图（HTML）", href=f"{base}.html", className="button"),
                        html.A("表格（XLSX）", href=f"{base}.xlsx", className="button"),
                        html.A(
                            "打印版（A4）",
                            href=f"{base}.print.html",
                            className="button",
                            target="_blank",
                        ),
                        html.A("PDF", href=f"{base}.pdf", className="button"),
                        html.A(
                            "返回会商", href=f"/consult?event={event['id']}", className="button"
                        ),
                    ],
                ),
                html.Div(
                    style=styles.TWO_COLUMNS,
                    children=[
                        html.Div(
                            [
                                dcc.Graph(
                                    id="consult-snapshot-map",
                                    figure=figure(document, revision=f"snap-{document['id']}"),
                                    config=SAFE_GRAPH_CONFIG,
                                    style=styles.PAGE_MAP,
                                ),
                                html.Div(
                                    cards(document, "consult-snapshot-card"), style=styles.CARDS
                                ),
                                *[
                                    html.Details(
                                        [
                                            html.Summary(
                                                f"{item['title']}（{len(item['rows'])} 行）"
                                            ),
                                            table(item["columns"], item["rows"]),
                                        ]
                                    )
                                    for item in document["items"]
                                    if item.get("rows")
                                ],
                            ]
                        ),
                        html.Div([diff_view(document), html.H3("会商记录"), decisions(document)]),
                    ],
                ),
            ],
        )

    return layout


def wall_layout(core):
    """The command-centre screen: large type, the whole viewport, refreshed in place."""

    def layout(event: str | None = None, **_query):
        viewer = core.viewer()
        if not viewer.can(READ):
            return html.P("您没有查看会商的权限。", className="notice-denied")
        return html.Div(
            id="consult-wall",
            style=styles.WALL,
            children=[
                html.Div(id="consult-wall-head", style={"gridColumn": "1 / span 2"}),
                html.Div(
                    [
                        dcc.Graph(
                            id="consult-wall-map", config=SAFE_GRAPH_CONFIG, style=styles.WALL_MAP
                        ),
                    ]
                ),
                html.Div(
                    [
                        html.Div(id="consult-wall-cards", style=styles.CARDS),
                        html.Div(id="consult-wall-detail"),
                    ]
                ),
                dcc.Store(id="consult-wall-event", data=_event_id(event)),
                dcc.Store(id="consult-wall-selected"),
                dcc.Interval(id="consult-wall-tick", interval=WALL_REFRESH_MS),
            ],
        )

    return layout


def pages(core) -> list[PageSpec]:
    return [
        PageSpec(
            id="consult",
            path="/consult",
            title="会商",
            layout=consult_layout(core),
            permission=None,
            order=30,
        ),
        PageSpec(
            id="consult-snapshot",
            path="/consult/snapshot",
            title="会商快照",
            layout=snapshot_layout(core),
            permission=READ,
            order=31,
            in_nav=False,
        ),
        PageSpec(
            id="consult-wall",
            path="/consult/wall",
            title="会商大屏",
            layout=wall_layout(core),
            permission=READ,
            order=32,
            in_nav=False,
        ),
    ]
