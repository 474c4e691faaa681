"""管理: the audit log (view, filter, export) and the accounts inside the admin's scope."""

from __future__ import annotations

import csv
import io

import dash
from dash import Input, Output, dcc, html
from flask import Response, jsonify

from app import accounts
from app.auth import client_address, current_viewer
from app.context import current
from layers import audit
from layers.viewer import ROLE_LABELS

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
    with current().sessions() as session:
        users = accounts.list_users(session, viewer)
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
            html.Table(
                [html.Tr([html.Th(h) for h in ("账号", "姓名", "角色", "辖区", "状态")])]
                + [
                    html.Tr(
                        [
                            html.Td(u.login),
                            html.Td(u.name),
                            html.Td(ROLE_LABELS[u.role]),
                            html.Td(" ".join(scopes)),
                            html.Td("正常" if u.active else "停用"),
                        ]
                    )
                    for u, scopes in users
                ],
                className="data-table",
                id="users-table",
            ),
        ],
    )


def audit_table(action):
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
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
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
        "\ufeff" + buffer.getvalue(),  # BOM: Excel opens UTF-8 Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def register(app: dash.Dash) -> None:
    app.callback(Output("audit-table", "children"), Input("audit-action", "value"))(audit_table)
    app.server.add_url_rule("/admin/audit.csv", "audit_csv", export_csv)
