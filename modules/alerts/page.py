"""The 短信提醒 page: audience (unit, groups, key points, exposure), template and preview,
counts per unit, send, and a delivery board that refreshes itself; contacts import.

Every callback takes the viewer from the core and resolves the audience in the data layer, so
forged inputs (another town's code, a stranger's site id) reach nothing outside the scope.
"""

from __future__ import annotations

import base64
import binascii
import logging

import flask
from dash import Input, Output, State, dcc, html, no_update
from sqlalchemy.orm import Session

from modules.alerts import board
from modules.alerts.audience import (
    FIELDS,
    Audience,
    AudienceRefused,
    render_all,
    resolve,
)
from modules.alerts.contacts import GROUPS, import_contacts, record_import
from modules.alerts.outbox import send
from modules.alerts.settings import ack_base_url
from modules.alerts.templates import save_template, template_text, templates_for
from modules.sdk import (
    CoreServices,
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    PageSpec,
    Viewer,
    mask_phone,
    unit_children,
    unit_profile,
)

LOGGER = logging.getLogger(__name__)
PATH = "/alerts"
REFRESH_MS = 2000
SAMPLE = 3
NO_RIGHT = "您的角色无权发送短信。"
OUTSIDE = "所选单位不在您的辖区内。"
UNKNOWN = "未找到所选单位。"

# Inline styles: the module brings no stylesheet of its own into the shared assets.
PAGE_STYLE = {"padding": "0.5rem 1rem", "maxWidth": "1100px"}
CARD = {
    "border": "1px solid #d0d7e2",
    "borderRadius": "6px",
    "padding": "0.5rem 1rem",
    "margin": "0.5rem 0",
}
TABLE = {"borderCollapse": "collapse", "margin": "0.5rem 0"}
CELL = {"border": "1px solid #d0d7e2", "padding": "2px 8px", "textAlign": "right"}
NAME_CELL = {**CELL, "textAlign": "left"}
UPLOAD = {"border": "1px dashed #8a96a8", "padding": "1rem", "cursor": "pointer"}
BUTTON = {"padding": "0.4rem 1.2rem", "marginRight": "0.5rem", "fontSize": "1rem"}


def td(value, first: bool = False) -> html.Td:
    return html.Td(value, style=NAME_CELL if first else CELL)


def th(value, first: bool = False) -> html.Th:
    return html.Th(value, style=NAME_CELL if first else CELL)


def unit_options(session: Session, viewer: Viewer) -> list[dict]:
    """The viewer's units and those below them, down to villages under a town (to towns
    under a county or city: a village list of a whole city is too long to pick from)."""
    options = []
    for scope in viewer.scopes:
        try:
            top = unit_profile(session, viewer, scope)
        except (Forbidden, NotFound):
            continue
        options.append({"label": top["name"], "value": top["code"]})
        levels = {"city": 2, "county": 1, "town": 1, "village": 0}[top["level"]]
        frontier = [(top["code"], "")]
        for _ in range(levels):
            below = []
            for code, indent in frontier:
                for child in unit_children(session, viewer, code):
                    options.append({"label": f"{indent}　{child['name']}", "value": child["code"]})
                    below.append((child["code"], indent + "　"))
            frontier = below
    return options


def site_options(session: Session, viewer: Viewer, core: CoreServices, unit) -> list[dict]:
    try:
        sites = core.sites(session, viewer, unit if isinstance(unit, str) and unit else None)
    except (Forbidden, NotFound):
        return []
    return [
        {"label": f"{s.name}（{s.contact_name or '无责任人'}）", "value": s.id}
        for s in sites
        if viewer.covers(s.village_code)
    ][:2000]


def layout(core: CoreServices, unit=None, sites=None, exposure=None, **_query) -> html.Div:
    """The page; `?unit=CODE&sites=flood:1,flood:2&exposure=1` preselects the audience the
    map was showing (a unit or site outside the scope is simply not preselected)."""
    viewer = core.viewer()
    if not viewer.can("alert"):
        return html.Div([html.H2("短信提醒"), html.P(NO_RIGHT, id="alerts-refused")])
    with core.sessions() as session:
        units = unit_options(session, viewer)
        templates = templates_for(session, viewer)
        values = [o["value"] for o in units]
        try:
            chosen = DivisionCode.parse(unit) if unit else None
        except InvalidCode:
            chosen = None
        chosen = chosen if chosen in values else (values[0] if values else None)
        site_choices = site_options(session, viewer, core, chosen)
    known = {o["value"] for o in site_choices}
    wanted = [s for s in str(sites or "").split(",") if s in known]
    fields = " ".join("{" + f + "}" for f in FIELDS)
    return html.Div(
        className="alerts-page",
        style=PAGE_STYLE,
        children=[
            html.H2("短信提醒"),
            html.Section(
                style=CARD,
                className="alerts-audience",
                children=[
                    html.H3("① 选择收件人"),
                    html.Label("单位（含下级）"),
                    dcc.Dropdown(
                        id="alerts-unit",
                        options=units,
                        value=chosen,
                        clearable=False,
                    ),
                    html.Label("群组（不选则为该单位全部联系人）"),
                    dcc.Checklist(
                        id="alerts-groups",
                        options=[{"label": g, "value": g} for g in GROUPS],
                        value=[],
                        inline=True,
                    ),
                    html.Label("重点部位责任人"),
                    dcc.Dropdown(id="alerts-sites", options=site_choices, value=wanted, multi=True),
                    dcc.Checklist(
                        id="alerts-exposure",
                        options=[
                            {"label": "未来24小时十级风圈内重点部位的全部关联人员", "value": "1"}
                        ],
                        value=["1"] if exposure in ("1", "true") else [],
                    ),
                ],
            ),
            html.Section(
                style=CARD,
                className="alerts-text",
                children=[
                    html.H3("② 短信内容"),
                    dcc.Dropdown(
                        id="alerts-template",
                        options=[{"label": t.name, "value": t.id} for t in templates],
                        placeholder="选择模板",
                    ),
                    html.Div(
                        [
                            dcc.Input(
                                id="alerts-template-name",
                                placeholder="模板名称",
                                maxLength=100,
                            ),
                            html.Button("保存为模板", id="alerts-save-template", n_clicks=0),
                            html.Span(id="alerts-template-out"),
                        ],
                        className="alerts-template-save",
                    ),
                    dcc.Textarea(
                        id="alerts-text", value="", maxLength=500, style={"width": "100%"}
                    ),
                    html.Small(f"可用字段：{fields}；不超过 500 字"),
                    dcc.Checklist(
                        id="alerts-ack",
                        options=[{"label": "要求确认（附确认链接）", "value": "1"}],
                        value=[],
                    ),
                    html.Label("未确认升级时限（分钟，留空不升级）"),
                    dcc.Input(id="alerts-escalate", type="number", min=1, max=1440),
                ],
            ),
            html.Div(
                [
                    html.Button("预览", id="alerts-preview", n_clicks=0, style=BUTTON),
                    html.Button(
                        "发送",
                        id="alerts-send",
                        n_clicks=0,
                        style={**BUTTON, "background": "#0d3c8c", "color": "white"},
                    ),
                ],
                className="alerts-buttons",
            ),
            html.Div(id="alerts-preview-out", className="alerts-preview"),
            html.Div(id="alerts-send-out", className="alerts-send-result"),
            dcc.Store(id="alerts-message"),
            html.Section(
                style=CARD,
                children=[
                    html.H3("③ 送达看板"),
                    dcc.Interval(id="alerts-interval", interval=REFRESH_MS),
                    html.Div(id="alerts-board"),
                ],
            ),
            html.Section(
                style=CARD,
                children=[
                    html.H3("联系人"),
                    dcc.Upload(
                        id="alerts-upload",
                        children=html.Div("导入联系人（CSV / XLSX：姓名、手机号、村居代码、分组）"),
                        className="alerts-upload",
                        style={
                            "border": "1px dashed #8a96a8",
                            "padding": "1rem",
                            "cursor": "pointer",
                        },
                    ),
                    html.Pre(id="alerts-import-out"),
                    html.A("导出本辖区联系人（CSV）", href="/api/v1/alerts/contacts.csv"),
                ],
            ),
        ],
    )


def _flag(value) -> bool:
    return isinstance(value, list) and "1" in value


def _audience(unit, groups, sites, exposure) -> Audience:
    return Audience.from_request(
        {"unit": unit, "groups": groups, "sites": sites, "exposure": _flag(exposure)}
    )


def _refusal(text: str) -> html.P:
    return html.P(text, className="alerts-error")


def preview(session, viewer, core, audience: Audience, text) -> html.Div:
    resolved = resolve(session, viewer, core, audience)
    if not resolved.recipients:
        return html.Div(_refusal("没有符合条件的收件人。"), id="alerts-preview-body")
    bodies = render_all(session, text, resolved)
    rows = [html.Tr([td(u["name"], True), td(u["count"])]) for u in resolved.per_unit(session)]
    samples = [
        html.Li(f"{r.name}（{mask_phone(r.phone)}）：{body}")
        for r, body in list(zip(resolved.recipients, bodies, strict=True))[:SAMPLE]
    ]
    notes = [f"共 {len(resolved.recipients)} 人"]
    if resolved.duplicates:
        notes.append(f"已去除重复号码 {resolved.duplicates} 个")
    if resolved.ignored_sites:
        notes.append(f"{resolved.ignored_sites} 个重点部位不在所选单位内，已忽略")
    return html.Div(
        id="alerts-preview-body",
        children=[
            html.P("，".join(notes), id="alerts-preview-total"),
            html.Table(
                [html.Thead(html.Tr([th("单位", True), th("人数")])), html.Tbody(rows)],
                id="alerts-preview-units",
                style=TABLE,
            ),
            html.P("短信样例："),
            html.Ul(samples, id="alerts-preview-samples"),
        ],
    )


def board_view(session, viewer, message_id) -> list:
    recent = board.recent(session, viewer, 5)
    if message_id in (None, "") and recent:
        message_id = recent[0].id
    if message_id in (None, ""):
        return [html.P("暂无短信。")]
    try:
        data = board.summary(session, viewer, message_id)
    except (NotFound, Forbidden):
        return [html.P("未找到该短信。")]
    states = list(data["states"]) + (["已确认"] if data["ask_ack"] else [])
    header = html.Tr([th("单位", True), th("合计"), *[th(s) for s in states]])
    rows = [
        html.Tr([td(u["name"], True), td(u["total"]), *[td(u[s]) for s in states]])
        for u in data["units"]
    ]
    totals = html.Tr(
        [
            th("总计", True),
            th(sum(data["states"].values())),
            *[th(data["states"].get(s, data["acknowledged"])) for s in states],
        ]
    )
    extra = []
    if data["ask_ack"]:
        extra.append(f"已确认 {data['acknowledged']} 人")
    if data["escalated"]:
        where = "、".join(e["unit_name"] for e in data["escalations"]) or "上级（无联系人）"
        extra.append(f"{data['escalated']} 人超时未确认，已升级至{where}")
    return [
        html.P(
            f"短信 #{data['id']} · {data['unit_name']} · {data['created_local']} · "
            f"{data['recipients']} 人：{data['text'][:60]}",
            id="alerts-board-title",
        ),
        html.Table(
            [html.Thead(header), html.Tbody([*rows, totals])],
            id="alerts-board-table",
            style=TABLE,
        ),
        html.P("；".join(extra), id="alerts-board-extra"),
        html.Ul(
            [
                html.Li(f"#{m.id} {m.text[:30]}（{m.recipients} 人）")
                for m in recent
                if m.id != data["id"]
            ],
            className="alerts-recent",
        ),
    ]


def _decode_upload(contents) -> bytes | None:
    if not isinstance(contents, str) or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def register(app, core: CoreServices) -> None:
    audience_state = [
        State("alerts-unit", "value"),
        State("alerts-groups", "value"),
        State("alerts-sites", "value"),
        State("alerts-exposure", "value"),
        State("alerts-text", "value"),
        State("alerts-template", "value"),
    ]

    @app.callback(
        Output("alerts-preview-out", "children"),
        Input("alerts-preview", "n_clicks"),
        *audience_state,
        prevent_initial_call=True,
    )
    def on_preview(n_clicks, unit, groups, sites, exposure, text, template):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return _refusal(NO_RIGHT)
        with core.sessions() as session:
            try:
                body = template_text(session, viewer, template, text)
                return preview(
                    session, viewer, core, _audience(unit, groups, sites, exposure), body
                )
            except AudienceRefused as refused:
                return _refusal(str(refused))
            except Forbidden:
                return _refusal(OUTSIDE)
            except NotFound:
                return _refusal(UNKNOWN)

    @app.callback(
        Output("alerts-send-out", "children"),
        Output("alerts-message", "data"),
        Input("alerts-send", "n_clicks"),
        *audience_state,
        State("alerts-ack", "value"),
        State("alerts-escalate", "value"),
        prevent_initial_call=True,
    )
    def on_send(n_clicks, unit, groups, sites, exposure, text, template, ack, escalate):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return _refusal(NO_RIGHT), no_update
        with core.sessions() as session:
            try:
                with session.begin():
                    body = template_text(session, viewer, template, text)
                    message = send(
                        session,
                        viewer,
                        core,
                        _audience(unit, groups, sites, exposure),
                        body,
                        ask_ack=_flag(ack),
                        escalate_after=escalate,
                        ack_base_url=ack_base_url() or flask.request.host_url,
                    )
            except AudienceRefused as refused:
                return _refusal(str(refused)), no_update
            except Forbidden:
                return _refusal(OUTSIDE), no_update
            except NotFound:
                return _refusal(UNKNOWN), no_update
        done = html.P(
            f"已提交：短信 #{message.id}，{message.recipients} 人，正在发送。",
            id="alerts-sent",
        )
        return done, message.id

    @app.callback(
        Output("alerts-board", "children"),
        Input("alerts-interval", "n_intervals"),
        Input("alerts-message", "data"),
    )
    def on_board(_tick, message_id):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return _refusal(NO_RIGHT)
        with core.sessions() as session:
            return board_view(session, viewer, message_id)

    @app.callback(
        Output("alerts-text", "value"),
        Input("alerts-template", "value"),
        prevent_initial_call=True,
    )
    def on_template(template):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return no_update
        with core.sessions() as session:
            try:
                return template_text(session, viewer, template, None)
            except AudienceRefused:
                return no_update

    @app.callback(
        Output("alerts-template", "options"),
        Output("alerts-template-out", "children"),
        Input("alerts-save-template", "n_clicks"),
        State("alerts-template-name", "value"),
        State("alerts-text", "value"),
        State("alerts-unit", "value"),
        prevent_initial_call=True,
    )
    def on_save_template(n_clicks, name, text, unit):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return no_update, NO_RIGHT
        with core.sessions() as session:
            try:
                with session.begin():
                    template = save_template(session, viewer, unit, name, text)
            except AudienceRefused as refused:
                return no_update, str(refused)
            except Forbidden:
                return no_update, OUTSIDE
            except NotFound:
                return no_update, UNKNOWN
            options = [{"label": t.name, "value": t.id} for t in templates_for(session, viewer)]
        return options, f"已保存模板：{template.name}"

    @app.callback(
        Output("alerts-sites", "options"),
        Input("alerts-unit", "value"),
        prevent_initial_call=True,
    )
    def on_unit(unit):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return []
        try:
            unit = DivisionCode.parse(unit)
        except (InvalidCode, TypeError):
            return []
        with core.sessions() as session:
            return site_options(session, viewer, core, unit)

    @app.callback(
        Output("alerts-import-out", "children"),
        Input("alerts-upload", "contents"),
        State("alerts-upload", "filename"),
        prevent_initial_call=True,
    )
    def on_upload(contents, filename):
        viewer = core.viewer()
        if not viewer.can("alert"):
            return NO_RIGHT
        data = _decode_upload(contents)
        if data is None:
            return "无法读取上传的文件。"
        name = filename if isinstance(filename, str) else "upload.csv"
        with core.sessions() as session:
            session.begin()
            report = import_contacts(session, viewer, data, name)
            if report.ok:
                record_import(session, viewer, report, name)
                session.commit()
            else:
                session.rollback()  # all or nothing
        return report.text()


def page(core: CoreServices) -> PageSpec:
    return PageSpec(
        id="alerts",
        path=PATH,
        title="短信提醒",
        layout=lambda **query: layout(core, **query),
        permission="alert",
        order=40,
    )
