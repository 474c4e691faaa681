"""The page 报表's callback: generate the chosen report as the logged-in viewer (the server
checks the template, the unit and the months again; a forged value is refused)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from modules.ledger import replies
from modules.ledger.reports.generate import ReportRefused, generate, parse_periods
from modules.ledger.reports.page import PREFIX
from modules.ledger.tags import READ
from modules.sdk import Forbidden, NotFound, current_core

DENIED = "您没有查看一张表的权限。"


def download(_xlsx, _csv, key, unit, first, last):
    """The chosen report as a download, or the reason it is refused."""
    fmt = "csv" if dash.ctx.triggered_id == PREFIX + "csv" else "xlsx"
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(READ):
        return dash.no_update, replies.refused(DENIED)
    if not isinstance(key, str) or not isinstance(unit, str) or not isinstance(first, str):
        return dash.no_update, replies.refused("请选择报表模板、填报单位和统计期间。")
    asked = first if not isinstance(last, str) or not last or last == first else f"{first}..{last}"
    try:
        months = parse_periods(asked)
    except ReportRefused:
        # The months come from the form's lists: say what is wrong without quoting it back.
        return dash.no_update, replies.refused(
            "统计期间不对：请从列表中选择月份，结束不早于开始，最多 24 个月。"
        )
    try:
        with core.sessions() as session, session.begin():
            body, name = generate(session, viewer, key, unit, months, fmt)
    except ReportRefused as refused:
        return dash.no_update, replies.refused(refused.reason_zh)
    except Forbidden:
        return dash.no_update, replies.refused("该单位不在您的辖区内，不能生成它的报表。")
    except NotFound:
        return dash.no_update, replies.refused("没有这个报表模板或单位。")
    return dcc.send_bytes(body, name), html.P(f"已生成：{name}", className="notice-ok")


def register(app: dash.Dash) -> None:
    app.callback(
        Output(PREFIX + "download", "data"),
        Output(PREFIX + "message", "children"),
        Input(PREFIX + "xlsx", "n_clicks"),
        Input(PREFIX + "csv", "n_clicks"),
        State(PREFIX + "template", "value"),
        State(PREFIX + "unit", "value"),
        State(PREFIX + "from", "value"),
        State(PREFIX + "to", "value"),
        prevent_initial_call=True,
    )(download)
