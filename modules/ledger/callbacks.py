"""The page 一张表's callbacks, top-level functions wired in `register`. Each one takes the
viewer from the server (current_core().viewer()) and checks every value it is sent: a
month, a unit, a tag or a cell edit may be forged."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from dash import Input, Output, State, html

from modules.ledger import periods, replies
from modules.ledger.approval import ACTION_ZH, act
from modules.ledger.completeness_view import towns_table, villages_table
from modules.ledger.entry import ACCEPTED, REFUSED, UNCHANGED, Change, save
from modules.ledger.grid import column_defs, row_data
from modules.ledger.history_view import history_table
from modules.ledger.settings import ledger_settings
from modules.ledger.sheet import build, parse_within, towns_of
from modules.ledger.sheetfile import MAX_BYTES, import_file
from modules.ledger.tags import READ
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    Unreadable,
    current_core,
    record_audit,
    unit_names,
    upload_bytes,
)

GRID = "ledger-grid"


def _month(value: object) -> int | None:
    try:
        return periods.parse(value)
    except periods.BadPeriod:
        return None


def within_options(level):
    """The towns of the viewer's scope, for the villages' sheet."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(READ):
        return [], None, True
    with core.sessions() as session:
        towns = towns_of(session, viewer)
    options = [{"label": name, "value": code} for code, name in towns]
    return options, (towns[0][0] if towns else None), level != "village"


def render(month, level, within, domain, search, _refresh=None):
    """The sheet for the controls' values, or a message saying why there is none."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(READ):
        return [], [], replies.refused("您没有查看一张表的权限。")
    parsed = _month(month)
    if parsed is None or level not in ("village", "town"):
        return [], [], replies.refused("请选择月份和层级。")
    with core.sessions() as session:
        try:
            unit = parse_within(session, viewer, within if level == "village" else None)
        except (Forbidden, NotFound, InvalidCode):
            return [], [], replies.refused("所选单位不在您的辖区内。")
        sheet = build(
            session,
            viewer,
            parsed,
            level,
            unit,
            search=search.strip()[:50] if isinstance(search, str) else "",
            domain=domain if isinstance(domain, str) else "",
        )
    editable = "可直接在表中修改，保存时逐格校验" if sheet.editable else "只读"
    demo = "；标注“演示”的是演示数据" if sheet.demo_units else ""
    counts = f"{len(sheet.units)} 个单位 · {len(sheet.tags)} 个标签"
    text = f"{periods.label_zh(parsed)} · {counts} · {editable}{demo}"
    return column_defs(sheet), row_data(sheet), html.Span(text)


def save_cells(changed, month):
    """Save the edited cells (channel grid). A refused value is put back as the server
    holds it, and the reason is shown."""
    core = current_core()
    viewer = core.viewer()
    parsed = _month(month)
    if not isinstance(changed, list) or not changed or parsed is None:
        raise dash.exceptions.PreventUpdate
    changes = [
        Change(
            c.get("rowId"), c.get("colId"), periods.label(parsed), c.get("value", c.get("newValue"))
        )
        for c in changed[:50]
        if isinstance(c, dict)
    ]
    with core.sessions() as session, session.begin():
        saved = save(session, viewer, changes, "grid")
        if saved.written:
            record_audit(
                session,
                "data.change",
                viewer,
                target="ledger.values",
                detail={"cells": sum(o.status == ACCEPTED for o in saved.outcomes)},
            )
        rows = _rows_as_held(session, viewer, parsed, changed)
    lines = []
    for outcome in saved.outcomes:
        if outcome.status == REFUSED:
            lines.append(html.P(f"未保存：{outcome.reason_zh}", className="notice-denied"))
        elif outcome.status == ACCEPTED:
            lines.append(html.P("已保存。", className="notice-ok"))
        elif outcome.status == UNCHANGED:
            lines.append(html.P("数值未变，无需保存。"))
    return lines, {"update": rows} if rows else dash.no_update


def _rows_as_held(session, viewer, month, changed) -> list[dict]:
    """The edited rows as the server holds them now (a refused cell shows its old value)."""
    units = {c.get("rowId") for c in changed if isinstance(c, dict)}
    rows = []
    for unit in units:
        if not isinstance(unit, str) or not viewer.covers(unit):
            continue
        try:
            level = "village" if not unit.endswith("000") else "town"
            sheet = build(session, viewer, month, level, parse_within(session, viewer, unit))
        except (Forbidden, NotFound, InvalidCode):
            continue
        rows.extend(r for r in row_data(sheet) if r["code"] == unit)
    return rows


def export_links(month, level, within):
    """The download links of the sheet on screen (the route checks everything again; a
    unit outside the viewer's scope gets no link at all)."""
    parsed = _month(month)
    if parsed is None or level not in ("village", "town"):
        return "", ""
    if isinstance(within, str) and within and level == "village":
        try:
            if not current_core().viewer().covers(str(DivisionCode.parse(within))):
                return "", ""
        except InvalidCode:
            return "", ""
    query = urlencode(
        {
            "period": periods.label(parsed),
            "level": level,
            "within": within if isinstance(within, str) and level == "village" else "",
        }
    )
    return f"/api/v1/ledger/sheet.xlsx?{query}", f"/api/v1/ledger/sheet.csv?{query}"


def import_upload(contents, filename, month, refresh):
    """Import an uploaded sheet file for the month on screen: all or nothing, every bad
    cell listed."""
    core = current_core()
    viewer = core.viewer()
    parsed = _month(month)
    if contents is None:
        raise dash.exceptions.PreventUpdate
    if parsed is None:
        return replies.refused("请先选择月份。"), dash.no_update
    try:
        data = upload_bytes(contents, MAX_BYTES)
    except Unreadable as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    name = filename if isinstance(filename, str) else ""
    with core.sessions() as session, session.begin():
        report = import_file(session, viewer, data, name, parsed)
        if report.ok and report.accepted:
            record_audit(
                session,
                "data.change",
                viewer,
                target="ledger.sheet.import",
                detail={"accepted": report.accepted, "period": periods.label(parsed)},
            )
    if not report.ok:
        items = [html.Li(line) for line in report.errors[:200]]
        more = len(report.errors) - len(items)
        if more > 0:
            items.append(html.Li(f"……另有 {more} 处错误"))
        return html.Div([replies.refused(report.summary()), html.Ul(items)]), dash.no_update
    return replies.done(report.summary()), replies.next_refresh(refresh)


def period_action(_submit, _approve, _return, _reopen, selected, month, reason, refresh):
    """提交 / 审核通过 / 退回 / 重新打开 the selected rows' month, each checked again."""
    action = {
        "ledger-submit": "submit",
        "ledger-approve": "approve",
        "ledger-return": "return",
        "ledger-reopen": "reopen",
    }.get(dash.ctx.triggered_id)
    parsed = _month(month)
    if action is None or parsed is None:
        raise dash.exceptions.PreventUpdate
    units = (
        [r.get("code") for r in selected or [] if isinstance(r, dict)]
        if isinstance(selected, list)
        else []
    )
    if not units:
        return replies.refused("请先在表中勾选单位。"), dash.no_update
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session, session.begin():
        steps = act(
            session, viewer, action, units, parsed, reason if isinstance(reason, str) else ""
        )
        names = unit_names(session, viewer, [s.unit for s in steps if s.status == "done"])
    done = [names.get(s.unit, s.unit) for s in steps if s.status == "done"]
    lines = []
    if done:
        lines.append(html.P(f"已{ACTION_ZH[action]}：{'、'.join(done)}", className="notice-ok"))
    lines.extend(
        html.P(f"未办理：{s.reason_zh}", className="notice-denied")
        for s in steps
        if s.status != "done"
    )
    return lines, (refresh or 0) + 1 if done else dash.no_update


def completeness_view(month, _refresh, level=None, within=None):
    """Completeness of the month by town, for everyone who reads the sheet, and of the
    villages of the town on screen (checked against the viewer's scope)."""
    core = current_core()
    viewer = core.viewer()
    parsed = _month(month)
    if parsed is None or not viewer.can(READ):
        return ""
    due_day = ledger_settings().due_day
    with core.sessions() as session:
        found = [towns_table(session, viewer, parsed, due_day)]
        if level == "village":
            found.append(villages_table(session, viewer, parsed, within, due_day))
    return [part for part in found if part is not None]


def show_history(clicked):
    """The history of the clicked cell, if the viewer may read it."""
    if not isinstance(clicked, dict):
        raise dash.exceptions.PreventUpdate
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        return history_table(session, viewer, clicked.get("rowId"), clicked.get("colId"))


def register(app: dash.Dash) -> None:
    """Wire the callbacks above, and the 标签目录 page's, to the app (the
    register_callbacks hook)."""
    from modules.ledger import catalogue_callbacks
    from modules.ledger.duties import callbacks as duty_callbacks
    from modules.ledger.reports import callbacks as report_callbacks
    from modules.ledger.requests import callbacks as request_callbacks

    catalogue_callbacks.register(app)
    request_callbacks.register(app)  # 申请调阅, 待审批
    duty_callbacks.register(app)  # 村级事务准入
    report_callbacks.register(app)
    app.callback(
        Output("ledger-within", "options"),
        Output("ledger-within", "value"),
        Output("ledger-within", "disabled"),
        Input("ledger-level", "value"),
    )(within_options)
    app.callback(
        Output(GRID, "columnDefs"),
        Output(GRID, "rowData"),
        Output("ledger-message", "children"),
        Input("ledger-month", "value"),
        Input("ledger-level", "value"),
        Input("ledger-within", "value"),
        Input("ledger-domain", "value"),
        Input("ledger-search", "value"),
        Input("ledger-refresh", "data"),
    )(render)
    app.callback(
        Output("ledger-export-xlsx", "href"),
        Output("ledger-export-csv", "href"),
        Input("ledger-month", "value"),
        Input("ledger-level", "value"),
        Input("ledger-within", "value"),
    )(export_links)
    app.callback(
        Output("ledger-report", "children"),
        Output("ledger-refresh", "data"),
        Input("ledger-upload", "contents"),
        State("ledger-upload", "filename"),
        State("ledger-month", "value"),
        State("ledger-refresh", "data"),
        prevent_initial_call=True,
    )(import_upload)
    app.callback(
        Output("ledger-message", "children", allow_duplicate=True),
        Output(GRID, "rowTransaction"),
        Input(GRID, "cellValueChanged"),
        State("ledger-month", "value"),
        prevent_initial_call=True,
    )(save_cells)
    app.callback(
        Output("ledger-report", "children", allow_duplicate=True),
        Output("ledger-refresh", "data", allow_duplicate=True),
        Input("ledger-submit", "n_clicks"),
        Input("ledger-approve", "n_clicks"),
        Input("ledger-return", "n_clicks"),
        Input("ledger-reopen", "n_clicks"),
        State(GRID, "selectedRows"),
        State("ledger-month", "value"),
        State("ledger-reason", "value"),
        State("ledger-refresh", "data"),
        prevent_initial_call=True,
    )(period_action)
    app.callback(
        Output("ledger-completeness", "children"),
        Input("ledger-month", "value"),
        Input("ledger-refresh", "data"),
        Input("ledger-level", "value"),
        Input("ledger-within", "value"),
    )(completeness_view)
    app.callback(
        Output("ledger-history", "children"),
        Input(GRID, "cellClicked"),
        prevent_initial_call=True,
    )(show_history)
