"""管理: the audit log (view, filter, export) and the accounts inside the admin's scope."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from flask import Response, jsonify

from access import audit
from access.permissions import ROLE_LABELS
from app import accounts
from app.auth import client_address, current_viewer
from app.callback_inputs import require, text
from app.context import current
from modules.sdk import csv_bytes

COLUMNS = ("时间 (UTC)", "账号", "操作", "对象", "结果", "地址")


def _rows(viewer, action: str | None, limit: int = 200) -> list[tuple]:
    with current().sessions() as session:
        found = audit.entries(session, viewer, limit=limit, action=action or None)
        return [
            (
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.login or "—",
                audit.ACTION_LABELS.get(e.action, e.action),
                e.target or "",
                e.outcome,
                e.address or "",
            )
            for e in found
        ]


def layout(**_query) -> html.Div:
    viewer = current_viewer()
    if not viewer.can("admin"):
        return html.Div("无权访问管理页面。", className="notice-denied", id="notice")
    return html.Div(
        className="admin-page",
        children=[
            html.H2("审计日志"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="audit-action",
                        options=[{"label": v, "value": k} for k, v in audit.ACTION_LABELS.items()],
                        placeholder="全部操作",
                    ),
                    html.A("导出 CSV", href="/admin/audit.csv", id="audit-export"),
                ],
                className="admin-tools",
            ),
            html.Table(id="audit-table", className="data-table"),
            html.H2("账号"),
            html.Div(
                [
                    dcc.Input(id="new-login", placeholder="账号（字母、数字）", debounce=False),
                    dcc.Input(id="new-name", placeholder="姓名"),
                    dcc.Dropdown(
                        id="new-role",
                        options=[{"label": v, "value": k} for k, v in ROLE_LABELS.items()],
                        placeholder="角色",
                    ),
                    dcc.Input(id="new-scope", placeholder="辖区代码，如 350304100"),
                    html.Button("新增账号", id="add-user", n_clicks=0),
                ],
                className="admin-form",
            ),
            html.Div(id="account-message", role="status"),
            html.Table(_users_rows(viewer), className="data-table", id="users-table"),
            html.H2("模块"),
            html.Table(_module_rows(), className="data-table", id="modules-table"),
        ],
    )


def _module_rows() -> list:
    """Loaded modules, disabled ones, and every failure with the module's name."""
    registry = current().modules
    rows = [html.Tr([html.Th(h) for h in ("模块", "名称", "状态")])]
    for info in registry.info():
        rows.append(html.Tr([html.Td(info.id), html.Td(info.title), html.Td("正常")]))
    for name in sorted(registry.disabled):
        rows.append(html.Tr([html.Td(name), html.Td("—"), html.Td("已停用（设置）")]))
    for failure in registry.failures:
        rows.append(
            html.Tr(
                [
                    html.Td(failure.module),
                    html.Td(failure.stage),
                    html.Td(f"出错：{failure.error}", className="module-error"),
                ]
            )
        )
    return rows


def _users_rows(viewer) -> list:
    with current().sessions() as session:
        users = accounts.list_users(session, viewer)
    header = html.Tr([html.Th(h) for h in ("账号", "姓名", "角色", "辖区", "状态", "操作")])
    return [header] + [
        html.Tr(
            [
                html.Td(u.login),
                html.Td(u.name),
                html.Td(ROLE_LABELS[u.role]),
                html.Td(" ".join(scopes)),
                html.Td("正常" if u.active else "停用"),
                html.Td(
                    [
                        html.Button(
                            "重置密码", id={"role": "user-reset", "login": u.login}, n_clicks=0
                        ),
                        html.Button(
                            "停用", id={"role": "user-disable", "login": u.login}, n_clicks=0
                        ),
                    ]
                    if u.active
                    else []
                ),
            ]
        )
        for u, scopes in users
    ]


ACCOUNT_ERRORS_ZH = {
    "outside yours": "新账号的辖区不在您的辖区之内。",
    "already exists": "该账号已存在。",
    "no division": "辖区代码不存在。",
    "not a division code": "辖区代码格式不正确。",
    "unknown role": "请选择角色。",
    "bad login": "账号只能包含字母、数字、点、下划线或连字符。",
    "in your jurisdiction": "您的辖区内没有该账号。",
    "your own account": "不能停用自己的账号。",
}


def _zh(error: Exception) -> str:
    text = str(error)
    return next((zh for key, zh in ACCOUNT_ERRORS_ZH.items() if key in text), "操作未完成。")


def manage_accounts(_add, _resets, _disables, login, name, role, scope):
    """Add, reset or disable accounts inside the admin's own jurisdiction."""
    require(text(login), text(name), text(role), text(scope))
    viewer = current_viewer()
    if not viewer.can("admin"):
        raise dash.exceptions.PreventUpdate
    trigger = ctx.triggered_id
    clicks = ctx.triggered[0]["value"] if ctx.triggered else None
    require(
        isinstance(clicks, int) and not isinstance(clicks, bool) and clicks > 0,
        trigger == "add-user"
        or (
            isinstance(trigger, dict)
            and trigger.get("role") in ("user-reset", "user-disable")
            and isinstance(trigger.get("login"), str)
        ),
    )
    try:
        with current().sessions() as session, session.begin():
            if trigger == "add-user":
                _user, password = accounts.admin_add_user(
                    session,
                    viewer,
                    (login or "").strip(),
                    role or "",
                    [(scope or "").strip()],
                    (name or login or "").strip(),
                )
                detail, message = (
                    {"op": "add", "role": role, "scope": scope},
                    (f"已新增账号 {login}，初始密码：{password}（只显示这一次）"),
                )
                target = login
            elif trigger["role"] == "user-reset":
                password = accounts.admin_reset_password(session, viewer, trigger["login"])
                target, detail = trigger["login"], {"op": "reset-password"}
                message = f"账号 {target} 的新密码：{password}（只显示这一次）"
            else:
                accounts.admin_disable(session, viewer, trigger["login"])
                target, detail = trigger["login"], {"op": "disable"}
                message = f"账号 {target} 已停用。"
            audit.record(
                session,
                "user.change",
                viewer,
                target=target,
                detail=detail,
                address=client_address(),
            )
    except (accounts.AccountError, ValueError) as error:
        return html.P(_zh(error), className="auth-error"), dash.no_update
    return html.P(message, className="auth-ok"), _users_rows(viewer)


def audit_table(action):
    require(text(action))
    viewer = current_viewer()
    if not viewer.can("admin"):
        raise dash.exceptions.PreventUpdate
    header = html.Tr([html.Th(c) for c in COLUMNS])
    return [header] + [html.Tr([html.Td(v) for v in row]) for row in _rows(viewer, action)]


def export_csv():
    viewer = current_viewer()
    if not viewer.can("admin"):
        return jsonify(error="admin role required", message="无权导出审计日志。"), 403
    rows = _rows(viewer, None, limit=100_000)
    # Logins typed by anonymous visitors are in the log: csv_bytes keeps any cell from
    # running as a formula when the file is opened in a spreadsheet.
    body = csv_bytes(COLUMNS, rows)
    with current().sessions() as session, session.begin():
        audit.record(
            session,
            "export",
            viewer,
            target="audit_log",
            address=client_address(),
            detail={"rows": len(rows)},
        )
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def register(app: dash.Dash) -> None:
    app.callback(Output("audit-table", "children"), Input("audit-action", "value"))(audit_table)
    app.callback(
        Output("account-message", "children"),
        Output("users-table", "children"),
        Input("add-user", "n_clicks"),
        Input({"role": "user-reset", "login": ALL}, "n_clicks"),
        Input({"role": "user-disable", "login": ALL}, "n_clicks"),
        State("new-login", "value"),
        State("new-name", "value"),
        State("new-role", "value"),
        State("new-scope", "value"),
        prevent_initial_call=True,
    )(manage_accounts)
    app.server.add_url_rule("/admin/audit.csv", "audit_csv", export_csv)
