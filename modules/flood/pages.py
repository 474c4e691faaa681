"""The module's own pages: 我的巡查 (staff record inspections; phone-sized first) and 巡查任务
(coordinators and admins open campaigns). Component ids are plain strings prefixed `flood-`:
forged requests may send any value to any of them, and the callbacks check each one."""

from __future__ import annotations

from dash import dcc, html
from sqlalchemy.orm import Session

from modules.flood import patrol
from modules.flood.points import points_for
from modules.flood.risk import BEIJING
from modules.sdk import Forbidden, NotFound, PageSpec, Viewer, unit_children, unit_profile

# Inline styles: the page must fit 360 px without scrolling sideways.
PAGE_STYLE = {
    "maxWidth": "640px",
    "margin": "0 auto",
    "padding": "8px",
    "boxSizing": "border-box",
    "width": "100%",
    "overflowWrap": "anywhere",
}
FIELD_STYLE = {"width": "100%", "boxSizing": "border-box", "marginBottom": "8px"}
STATUS_COLOURS = {
    patrol.NOT_PATROLLED: "#757575",
    "已巡查正常": "#2ca02c",
    "发现隐患": "#d62728",
    "已整改": "#1f77b4",
    patrol.NO_CAMPAIGN: "#9e9e9e",
}


def _refusal(text: str) -> html.Div:
    return html.Div(html.P(text, className="notice-denied"), style=PAGE_STYLE)


def my_points(session: Session, viewer: Viewer) -> list[tuple]:
    """(point, state) of the viewer's points under a campaign, overdue first."""
    points = points_for(session, viewer)
    states = patrol.statuses(session, points)
    mine = [(p, states[p.id]) for p in points if states[p.id].campaign_id is not None]
    return sorted(mine, key=lambda ps: patrol.sort_key(*ps))


def point_options(rows: list[tuple]) -> list[dict]:
    return [{"label": f"{p.name}（{s.status}）", "value": p.id} for p, s in rows]


def point_list(rows: list[tuple]) -> list:
    items = []
    for point, state in rows:
        tags = [
            html.Span(
                state.status,
                className="flood-status",
                style={"color": STATUS_COLOURS.get(state.status, "#333"), "fontWeight": "bold"},
            )
        ]
        if state.overdue:
            tags.append(
                html.Span(" · 已逾期", className="flood-overdue", style={"color": "#d62728"})
            )
        if state.last_at:
            tags.append(html.Span(f" · {state.last_at.astimezone(BEIJING):%m-%d %H:%M}"))
        items.append(
            html.Li(
                [
                    html.Div(point.name, style={"fontWeight": "bold"}),
                    html.Div([point.category, " · ", *tags]),
                ],
                className="flood-patrol-item",
                style={"padding": "6px 0", "borderBottom": "1px solid #eee"},
            )
        )
    return [html.Ul(items, style={"listStyle": "none", "padding": 0, "margin": 0})]


def progress_line(session: Session, viewer: Viewer) -> str:
    figures = patrol.progress(session, viewer)
    if not figures["total"]:
        return "暂无进行中的巡查任务。"
    return f"已巡查 {figures['done']}/{figures['total']}，{figures['percent']}%"


def patrol_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can("record"):
            return _refusal("您没有记录巡查的权限。")
        with core.sessions() as session:
            rows = my_points(session, viewer)
            progress = progress_line(session, viewer)
        return html.Div(
            [
                html.H2("我的巡查"),
                html.P(progress, id="flood-patrol-progress"),
                html.Section(
                    [
                        html.H3("记录巡查"),
                        html.Label("重点部位", htmlFor="flood-patrol-point"),
                        dcc.Dropdown(
                            id="flood-patrol-point",
                            options=point_options(rows),
                            placeholder="选择或搜索重点部位",
                            style=FIELD_STYLE,
                        ),
                        html.Label("巡查结果"),
                        dcc.RadioItems(
                            id="flood-patrol-result",
                            options=[
                                {"label": label, "value": key}
                                for key, label in patrol.RESULT_CHOICES
                            ],
                            value="ok",
                            inline=True,
                            style=FIELD_STYLE,
                        ),
                        dcc.Textarea(
                            id="flood-patrol-hazard",
                            placeholder="隐患情况（发现隐患或已整改时必填）",
                            style=FIELD_STYLE,
                        ),
                        dcc.Textarea(
                            id="flood-patrol-measures",
                            placeholder="采取的措施（已整改时必填）",
                            style=FIELD_STYLE,
                        ),
                        dcc.Upload(
                            id="flood-patrol-photo",
                            children=html.Div("选择照片（可选，JPEG/PNG，不超过 5 MB）"),
                            accept="image/jpeg,image/png",
                            style={**FIELD_STYLE, "border": "1px dashed #999", "padding": "8px"},
                        ),
                        html.Div(id="flood-patrol-photo-name"),
                        html.Button(
                            "提交巡查记录", id="flood-patrol-submit", n_clicks=0, style=FIELD_STYLE
                        ),
                        html.Div(id="flood-patrol-message", role="status"),
                    ],
                    className="flood-patrol-form",
                ),
                html.H3("我的重点部位（逾期优先）"),
                html.Div(point_list(rows), id="flood-patrol-list"),
            ],
            style=PAGE_STYLE,
            className="flood-patrol-page",
        )

    return layout


def unit_options(session: Session, viewer: Viewer) -> list[dict]:
    """The viewer's jurisdictions and the towns (or counties) under them."""
    options = []
    for scope in viewer.scopes:
        profile = unit_profile(session, viewer, scope)
        options.append({"label": profile["name"], "value": profile["code"]})
        if profile["level"] in ("city", "county"):
            for child in unit_children(session, viewer, profile["code"]):
                options.append({"label": f"　{child['name']}", "value": child["code"]})
    return options


def campaign_list(session: Session, viewer: Viewer) -> list:
    items = []
    for campaign in patrol.campaigns_for(session, viewer):
        unit = campaign.jurisdiction_code if viewer.covers(campaign.jurisdiction_code) else None
        figures = patrol.campaign_figures(session, viewer, campaign, unit)
        try:
            where = unit_profile(session, viewer, campaign.jurisdiction_code)["name"]
        except (Forbidden, NotFound):
            where = "上级单位"  # a campaign over a larger area than the viewer's
        text = f"{campaign.name} · {where} · 截止 {campaign.due_date:%Y-%m-%d}"
        if figures["total"]:
            text += f" · 本辖区 {figures['done']}/{figures['total']}（{figures['percent']}%）"
        if figures["moved_on"]:
            text += f"，含已转入新任务的 {figures['moved_on']} 个（在本任务中已巡查）"
        items.append(html.Li(text, className="flood-campaign-item"))
    return [html.Ul(items)] if items else [html.P("暂无进行中的巡查任务。")]


CONFIRM_BOX = {
    **FIELD_STYLE,
    "border": "2px solid #c62828",
    "background": "#fff5f5",
    "padding": "8px",
}


def move_confirm_box() -> html.Div:
    """Shown when the new campaign would take points from open ones: what moves, and a
    button that opens it for that count only."""
    return html.Div(
        [
            html.P(id="flood-campaign-moves", style={"fontWeight": "bold"}),
            html.Button("确认发起", id="flood-campaign-confirm", n_clicks=0),
            html.Button("取消", id="flood-campaign-cancel", n_clicks=0),
            dcc.Store(id="flood-campaign-pending"),
        ],
        id="flood-campaign-confirm-box",
        hidden=True,
        role="alertdialog",
        style=CONFIRM_BOX,
    )


def campaign_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can("campaign"):
            return _refusal("您没有发起巡查任务的权限。")
        with core.sessions() as session:
            options = unit_options(session, viewer)
            current = campaign_list(session, viewer)
        return html.Div(
            [
                html.H2("巡查任务"),
                html.Div(current, id="flood-campaign-list"),
                html.H3("发起巡查任务"),
                dcc.Input(
                    id="flood-campaign-name",
                    placeholder="名称，如 2027年汛前巡查",
                    style=FIELD_STYLE,
                ),
                dcc.Dropdown(
                    id="flood-campaign-unit",
                    options=options,
                    placeholder="巡查范围",
                    style=FIELD_STYLE,
                ),
                html.Label("截止日期", htmlFor="flood-campaign-due"),
                dcc.Input(id="flood-campaign-due", type="date", style=FIELD_STYLE),
                html.Button("发起", id="flood-campaign-submit", n_clicks=0, style=FIELD_STYLE),
                move_confirm_box(),
                html.Div(id="flood-campaign-message", role="status"),
            ],
            style=PAGE_STYLE,
        )

    return layout


def pages(core) -> list[PageSpec]:
    from modules.flood.importer_page import import_layout

    return [
        PageSpec(
            id="flood-patrol",
            path="/flood/patrol",
            title="我的巡查",
            layout=patrol_layout(core),
            permission="record",
            order=50,
        ),
        PageSpec(
            id="flood-campaigns",
            path="/flood/campaigns",
            title="巡查任务",
            layout=campaign_layout(core),
            permission="campaign",
            order=51,
        ),
        PageSpec(
            id="flood-import",
            path="/flood/import",
            title="导入重点部位",
            layout=import_layout(core),
            permission="import",
            order=52,
        ),
    ]
