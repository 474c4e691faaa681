"""The page 村级事务准入 (/ledger/duties): the duties list (admins add and retire items),
a form to send a task down to villages naming a listed matter or a written basis, the tasks
the viewer sent or received (a village declines an unlisted one without basis with one
click; the sender sees who declined), and per department and month the tasks sent down,
within the list, with a basis, and declined. Ids are prefixed `ledger-duty-`."""

from __future__ import annotations

from dash import dcc, html

from modules.ledger.duties.service import KIND_ZH, keeps_list
from modules.ledger.requests.rights import SEND
from modules.sdk import PageSpec

PATH = "/ledger/duties"
ROW = {"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"}
BOX = {"border": "1px solid #d0d7e2", "borderRadius": "6px", "padding": "8px 12px"}


def _keep_list() -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend("维护清单"),
            html.Div(
                [
                    dcc.Input(
                        id="ledger-duty-new",
                        placeholder="新增事项名称",
                        style={"minWidth": "280px"},
                    ),
                    dcc.Input(
                        id="ledger-duty-new-domain", placeholder="领域", style={"width": "90px"}
                    ),
                    html.Button("新增事项", id="ledger-duty-add"),
                    dcc.Dropdown(
                        id="ledger-duty-retire-item",
                        placeholder="选择要停用的事项",
                        style={"minWidth": "280px"},
                    ),
                    html.Button("停用事项", id="ledger-duty-retire"),
                ],
                style=ROW,
            ),
        ],
        style=BOX,
    )


def _send_form() -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend("向村（社区）下派任务"),
            html.Div(
                [
                    dcc.Input(
                        id="ledger-duty-title", placeholder="任务名称", style={"minWidth": "280px"}
                    ),
                    dcc.RadioItems(
                        id="ledger-duty-kind",
                        options=[{"label": v, "value": k} for k, v in KIND_ZH.items()],
                        value="task",
                        inline=True,
                    ),
                    dcc.Dropdown(
                        id="ledger-duty-unit",
                        placeholder="下派到（其下各村）",
                        style={"minWidth": "220px"},
                    ),
                ],
                style=ROW,
            ),
            html.Div(
                [
                    dcc.Dropdown(
                        id="ledger-duty-item",
                        placeholder="属于清单中的事项",
                        style={"minWidth": "360px"},
                    ),
                    html.Span("或附文件依据："),
                    dcc.Input(id="ledger-duty-basis-name", placeholder="文件名称"),
                    dcc.Input(id="ledger-duty-basis-number", placeholder="文号"),
                    dcc.Input(id="ledger-duty-basis-issuer", placeholder="发文机关"),
                    dcc.Upload(
                        id="ledger-duty-basis-file",
                        children=html.Span("上传依据文件", className="button"),
                        accept=".pdf,.ofd,.doc,.docx,.jpg,.jpeg,.png",
                        multiple=False,
                    ),
                ],
                style={**ROW, "marginTop": "6px"},
            ),
            html.P(
                "既不属于清单、又无文件依据的任务，各村（社区）可一键拒绝（减事不减责）。",
                className="ledger-hint",
            ),
            html.Button("下派", id="ledger-duty-send"),
        ],
        style=BOX,
    )


def duties_layout(core):
    def layout(**_query):
        viewer = core.viewer()
        return html.Div(
            className="ledger-page",
            children=[
                html.H2("村级事务准入"),
                html.P(
                    "村级组织依清单承担事务；清单外事项须有上级文件依据。"
                    "标注“示例”的条目为演示，正式清单以文件为准。",
                    className="ledger-hint",
                ),
                dcc.Store(id="ledger-duty-refresh", data=0),
                html.Div(id="ledger-duty-message", role="status"),
                # Shown to those who may use them (the server checks every one again).
                html.Div(_keep_list(), hidden=not keeps_list(viewer)),
                html.Div(_send_form(), hidden=not viewer.can(SEND)),
                html.H3("任务"),
                html.Div(id="ledger-duty-tasks"),
                html.H3("按部门、月份统计"),
                html.Div(id="ledger-duty-monthly"),
                html.H3("村级事务准入清单"),
                html.Div(id="ledger-duty-list"),
            ],
        )

    return layout


def duty_pages(core) -> list[PageSpec]:
    return [
        PageSpec(
            id="ledger-duties",
            path=PATH,
            title="村级事务准入",
            layout=duties_layout(core),
            permission="read",
            order=45,
        )
    ]
