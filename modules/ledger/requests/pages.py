"""The pages 申请调阅 (/ledger/requests, departments) and 待审批 (/ledger/approvals, admins):
a form to ask for a template or tags over a unit and months, each side's list of requests
with its state and history, downloads while a grant holds, and the admin's approve/refuse.
Ids are prefixed `ledger-req-` / `ledger-appr-`; the callbacks (callbacks.py) check
everything again on the server."""

from __future__ import annotations

from dash import dcc, html

from modules.ledger.pages import month_options
from modules.ledger.requests.rights import GRANT, REQUEST
from modules.sdk import PageSpec

REQUESTS_PATH = "/ledger/requests"
APPROVALS_PATH = "/ledger/approvals"
ROW = {"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"}


def _field(label: str, widget) -> html.Label:
    return html.Label([html.Span(label, className="ledger-req-label"), widget], style=ROW)


def requests_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can(REQUEST):
            return html.P("只有部门账号可以申请调阅。", className="notice-denied")
        months = month_options()
        form = html.Fieldset(
            [
                html.Legend("新的调阅申请"),
                html.P(
                    "选择报表模板，或直接选择标签；公开标签即时授予，内部、个人敏感标签"
                    "须经数据所属单位管理员审批。",
                    className="ledger-hint",
                ),
                _field(
                    "报表模板",
                    dcc.Dropdown(
                        id="ledger-req-template",
                        placeholder="（不选则按标签申请）",
                        style={"minWidth": "280px"},
                    ),
                ),
                _field(
                    "或标签",
                    dcc.Dropdown(
                        id="ledger-req-tags",
                        multi=True,
                        placeholder="选择标签",
                        style={"minWidth": "360px"},
                    ),
                ),
                _field(
                    "辖区",
                    dcc.Dropdown(
                        id="ledger-req-unit",
                        placeholder="选择区县或镇街",
                        style={"minWidth": "240px"},
                    ),
                ),
                html.Div(
                    [
                        _field(
                            "起始月份",
                            dcc.Dropdown(
                                id="ledger-req-from",
                                options=months,
                                value=months[1]["value"],
                                clearable=False,
                                style={"width": "140px"},
                            ),
                        ),
                        _field(
                            "截止月份",
                            dcc.Dropdown(
                                id="ledger-req-to",
                                options=months,
                                value=months[1]["value"],
                                clearable=False,
                                style={"width": "140px"},
                            ),
                        ),
                    ],
                    style=ROW,
                ),
                _field(
                    "用途",
                    dcc.Textarea(
                        id="ledger-req-purpose",
                        placeholder="写明数据用途",
                        style={"width": "360px", "height": "48px"},
                    ),
                ),
                html.Button("提交申请", id="ledger-req-submit"),
            ],
            style={
                "border": "1px solid #d0d7e2",
                "borderRadius": "6px",
                "padding": "8px 12px",
                "display": "flex",
                "flexDirection": "column",
                "gap": "6px",
            },
        )
        return html.Div(
            className="ledger-page",
            children=[
                html.H2("申请调阅"),
                form,
                html.Div(id="ledger-req-message", role="status"),
                dcc.Store(id="ledger-req-refresh", data=0),
                html.H3("我的申请"),
                html.Div(id="ledger-req-list"),
            ],
        )

    return layout


def approvals_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        if not viewer.can(GRANT):
            return html.P("只有管理员可以审批调阅申请。", className="notice-denied")
        return html.Div(
            className="ledger-page",
            children=[
                html.H2("待审批"),
                html.P(
                    "部门申请调阅本辖区的内部、个人敏感标签，须由数据所属单位管理员审批；"
                    "待审批超过 3 天标为逾期。",
                    className="ledger-hint",
                ),
                html.Div(
                    [
                        dcc.Dropdown(
                            id="ledger-appr-number",
                            placeholder="选择申请编号",
                            style={"minWidth": "200px"},
                        ),
                        html.Label(
                            [
                                "有效期（天）",
                                dcc.Input(
                                    id="ledger-appr-days",
                                    type="number",
                                    value=30,
                                    min=1,
                                    max=366,
                                    style={"width": "80px"},
                                ),
                            ]
                        ),
                        html.Button("批准", id="ledger-appr-approve"),
                        dcc.Input(
                            id="ledger-appr-reason",
                            placeholder="拒绝理由",
                            style={"minWidth": "240px"},
                        ),
                        html.Button("拒绝", id="ledger-appr-refuse"),
                    ],
                    style={**ROW, "margin": "8px 0"},
                ),
                html.Div(id="ledger-appr-message", role="status"),
                dcc.Store(id="ledger-appr-refresh", data=0),
                html.Div(id="ledger-appr-list"),
            ],
        )

    return layout


def request_pages(core) -> list[PageSpec]:
    return [
        PageSpec(
            id="ledger-requests",
            path=REQUESTS_PATH,
            title="申请调阅",
            layout=requests_layout(core),
            permission=REQUEST,
            order=43,
        ),
        PageSpec(
            id="ledger-approvals",
            path=APPROVALS_PATH,
            title="待审批",
            layout=approvals_layout(core),
            permission=GRANT,
            order=44,
        ),
    ]
