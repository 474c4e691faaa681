"""The 短信提醒 page: audience (unit, groups, key points, exposure), template and preview,
counts per unit, send, and a delivery board that refreshes itself; contacts import.

Every callback takes the viewer from the core and resolves the audience in the data layer, so
forged inputs (another town's code, a stranger's site id) reach nothing outside the scope.
"""

from __future__ import annotations

import logging

from dash import dcc, html
from sqlalchemy.orm import Session

from modules.alerts.audience import (
    FIELDS,
)
from modules.alerts.contacts import GROUPS
from modules.alerts.contacts_file import size_text
from modules.alerts.draft import DRILL_MODES, MARK
from modules.alerts.settings import AlertsSettingsError, confirm_over, contacts_max_bytes
from modules.alerts.templates import templates_for
from modules.sdk import (
    CoreServices,
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    PageSpec,
    Viewer,
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
SEND_BUTTON = {**BUTTON, "background": "#0d3c8c", "color": "white"}
CONFIRM_BOX = {**CARD, "border": "2px solid #c62828", "background": "#fff5f5"}


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
                    drill_choice(),
                ],
            ),
            html.Div(
                [
                    html.Button("预览", id="alerts-preview", n_clicks=0, style=BUTTON),
                    html.Button("发送", id="alerts-send", n_clicks=0, style=SEND_BUTTON),
                    html.Small(confirm_hint(), id="alerts-confirm-hint"),
                ],
                className="alerts-buttons",
            ),
            html.Div(id="alerts-preview-out", className="alerts-preview"),
            confirm_box(),
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
            contacts_section(),
        ],
    )


def drill_choice() -> html.Div:
    """The sender marks a drill (演练), and chooses how a drill's messages go out: marked
    【演练】, or to the file provider only (also for an exposure a drill published)."""
    return html.Div(
        className="alerts-drill",
        children=[
            dcc.Checklist(
                id="alerts-drill",
                options=[{"label": "本次为演练（短信开头标注【演练】）", "value": "1"}],
                value=[],
            ),
            html.Label("演练短信（本次为演练，或所选风圈为演练发布时）："),
            dcc.RadioItems(
                id="alerts-drill-mode",
                options=[{"label": label, "value": mode} for mode, label in DRILL_MODES.items()],
                value=MARK,
                inline=True,
            ),
        ],
    )


def confirm_hint() -> str:
    return f"　发送给超过 {confirm_over()} 人时，须先确认人数"


def confirm_box() -> html.Div:
    """The confirm step of a large send: hidden until 发送 finds more recipients than the
    threshold; 确认发送 sends that count only (a changed audience asks again)."""
    return html.Div(
        id="alerts-confirm-box",
        hidden=True,
        role="alertdialog",
        className="alerts-confirm",
        style=CONFIRM_BOX,
        children=[
            html.P(id="alerts-confirm-text", style={"fontWeight": "bold"}),
            html.Button(
                "确认发送",
                id="alerts-confirm",
                n_clicks=0,
                style={**BUTTON, "background": "#c62828", "color": "white"},
            ),
            html.Button("取消", id="alerts-cancel", n_clicks=0, style=BUTTON),
            dcc.Store(id="alerts-pending"),
        ],
    )


def contacts_section() -> html.Section:
    """Import (the browser refuses a file over the limit before sending it; the server
    checks again) and export."""
    try:
        limit = contacts_max_bytes()
        label = (
            f"导入联系人（CSV / XLSX，不超过 {size_text(limit)}）：姓名、手机号、村居代码，"
            "可选分组、重点部位编号；全部正确才导入，文件中没有的列不修改"
        )
    except AlertsSettingsError as error:
        LOGGER.error("alerts page: %s", error)
        limit, label = 0, "联系人导入的设置有误，暂不能导入：请联系管理员。"
    upload = dcc.Upload(
        id="alerts-upload",
        children=html.Div(label),
        max_size=limit,
        disabled=not limit,
        className="alerts-upload",
        style=UPLOAD,
    )
    return html.Section(
        style=CARD,
        children=[
            html.H3("联系人"),
            upload,
            html.Pre(id="alerts-import-out"),
            html.Span("导出本辖区联系人："),
            html.A("CSV", href="/api/v1/alerts/contacts.csv", id="alerts-export-csv"),
            html.Span(" · "),
            html.A("XLSX", href="/api/v1/alerts/contacts.xlsx", id="alerts-export-xlsx"),
        ],
    )


def page(core: CoreServices) -> PageSpec:
    return PageSpec(
        id="alerts",
        path=PATH,
        title="短信提醒",
        layout=lambda **query: layout(core, **query),
        permission="alert",
        order=40,
    )
