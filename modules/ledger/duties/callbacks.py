"""The callbacks of 村级事务准入, top-level functions wired in `register`: the page's
tables, keeping the list, sending a task down, and a village's one-click decline. The
viewer comes from the server and every value sent goes through service.py's checks."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, html

from modules.ledger import replies
from modules.ledger.checks import Refused
from modules.ledger.duties.service import (
    MAX_BASIS_BYTES,
    Send,
    add_duty,
    answers,
    declinable,
    decline,
    duties,
    keeps_list,
    monthly,
    retire_duty,
    send,
    today,
    visible_tasks,
)
from modules.ledger.requests.rights import DECLINE, SEND
from modules.sdk import (
    Forbidden,
    NotFound,
    Unreadable,
    current_core,
    record_audit,
    unit_names,
    units,
    upload_bytes,
)

DECLINE_BUTTON = "ledger-duty-decline"


def _table(header: list[str], rows: list[list]) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        className="ledger-duty-table",
    )


def show_list(_refresh):
    """The list (numbered, 示例 marked), and the admin's choices of items to retire and
    the sender's choices of items and units."""
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        listed = duties(session)
        targets = []
        if viewer.can(SEND):
            for scope in viewer.scopes:
                targets.append(str(scope))
                for level in ("county", "town"):
                    targets += [u.code for u in units(session, viewer, level, within=scope)]
        names = unit_names(session, viewer, targets, above=True) if targets else {}
    rows = [
        [str(i), d.title, d.domain, "示例" if d.example else ""]
        for i, d in enumerate(listed, start=1)
    ]
    items = [{"label": f"{i}. {d.title}", "value": d.id} for i, d in enumerate(listed, start=1)]
    return (
        _table(["序号", "事项", "领域", "备注"], rows),
        items if keeps_list(viewer) else [],
        items if viewer.can(SEND) else [],
        [{"label": names.get(c, c), "value": c} for c in dict.fromkeys(targets)],
    )


def _answers_cell(session, viewer, task) -> list:
    """The sender sees who declined; a clerk of a village gets its decline button while
    the task is open there and may be declined."""
    found = answers(session, viewer, task)
    declined = [a["unit_name"] for a in found if a["answer"] == "declined"]
    parts: list = [f"{len(found)} 个村"]
    if declined:
        parts.append(html.Div(f"已拒绝：{'、'.join(declined)}", className="ledger-duty-declined"))
    if viewer.can(DECLINE) and declinable(task):
        for a in found:
            if a["answer"] == "open":
                parts.append(
                    html.Button(
                        f"{a['unit_name']} 拒绝",
                        id={"type": DECLINE_BUTTON, "task": task.number, "unit": a["unit"]},
                        className="ledger-duty-decline",
                    )
                )
    return parts


def show_tasks(_refresh):
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        titles = {d.id: d.title for d in duties(session, retired=True)}
        rows = []
        for task in visible_tasks(session, viewer):
            if task.duty_id:
                grounds = f"清单事项：{titles.get(task.duty_id, '')}"
            elif task.has_basis:
                grounds = f"文件依据：{task.basis_issuer}《{task.basis_name}》{task.basis_number}"
                if task.basis_file_name:
                    grounds += f"（附件 {task.basis_file_name}）"
            else:
                grounds = "清单外，无文件依据（可拒绝）"
            rows.append(
                [
                    task.number,
                    task.title,
                    task.department,
                    f"{task.sent_at:%Y-%m-%d}",
                    grounds,
                    _answers_cell(session, viewer, task),
                ]
            )
        figures = monthly(session, viewer)
    tasks = (
        _table(["编号", "任务", "下派部门", "下派日期", "依据", "各村"], rows)
        if rows
        else html.P("暂无任务。")
    )
    summary = (
        _table(
            [
                "部门",
                "月份",
                "下派",
                "清单内",
                "有文件依据",
                "清单外无依据",
                "被拒绝任务",
                "拒绝村次",
            ],
            [
                [
                    r["department"],
                    r["month"],
                    r["sent"],
                    r["listed"],
                    r["with_basis"],
                    r["neither"],
                    r["declined_tasks"],
                    r["declined_villages"],
                ]
                for r in figures
            ],
        )
        if figures
        else html.P("暂无下派任务。")
    )
    return tasks, summary


def keep_list(_add, _retire, title, domain, retired, refresh):
    core = current_core()
    viewer = core.viewer()
    if not keeps_list(viewer):
        return replies.refused("清单由市级管理员维护。"), dash.no_update
    adding = dash.ctx.triggered_id == "ledger-duty-add"
    try:
        with core.sessions() as session, session.begin():
            if adding:
                duty = add_duty(session, viewer, replies.text_of(title), replies.text_of(domain))
            else:
                if not isinstance(retired, int):
                    return replies.refused("请先选择要停用的事项。"), dash.no_update
                duty = retire_duty(session, viewer, retired, today())
            record_audit(
                session,
                "data.change",
                viewer,
                target=f"ledger.duty.{duty.id}",
                detail={"op": "add" if adding else "retire"},
            )
            text = f"已{'新增' if adding else '停用'}：{duty.title}"
    except Refused as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    except NotFound:
        return replies.refused("清单中没有该事项。"), dash.no_update
    return replies.done(text), replies.next_refresh(refresh)


def send_task(_clicks, title, kind, unit, item, name, number, issuer, contents, file_name, refresh):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(SEND):
        return replies.refused("您没有下派任务的权限。"), dash.no_update
    if not replies.text_of(unit):
        return replies.refused("请选择下派到的单位。"), dash.no_update
    data = None
    if isinstance(contents, str) and contents:
        try:
            data = upload_bytes(contents, MAX_BASIS_BYTES)
        except Unreadable as refused:
            return replies.refused(refused.reason_zh), dash.no_update
    ask = Send(
        title=replies.text_of(title),
        unit=replies.text_of(unit),
        kind=replies.text_of(kind) or "task",
        duty_id=item if isinstance(item, int) else None,
        basis_name=replies.text_of(name),
        basis_number=replies.text_of(number),
        basis_issuer=replies.text_of(issuer),
        file_name=replies.text_of(file_name),
        file=data,
    )
    try:
        with core.sessions() as session, session.begin():
            task = send(session, viewer, ask, today())
            villages = len(answers(session, viewer, task))
            record_audit(
                session,
                "data.change",
                viewer,
                target=f"ledger.task.{task.number}",
                detail={"op": "send", "unit": task.unit_code, "villages": villages},
            )
            text = f"已下派 {task.number}：{villages} 个村（社区）"
    except Refused as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    except (Forbidden, NotFound):
        return replies.refused("该单位不在您的辖区内。"), dash.no_update
    return replies.done(text), replies.next_refresh(refresh)


def decline_task(clicks, refresh):
    """One click: the village declines the task (checked again on the server)."""
    pressed = dash.ctx.triggered_id
    if not isinstance(pressed, dict) or not any(isinstance(c, int) and c for c in clicks or []):
        raise dash.exceptions.PreventUpdate
    core = current_core()
    viewer = core.viewer()
    number, unit = replies.text_of(pressed.get("task")), replies.text_of(pressed.get("unit"))
    try:
        with core.sessions() as session, session.begin():
            decline(session, viewer, number, unit, today())
            record_audit(
                session,
                "data.change",
                viewer,
                target=f"ledger.task.{number}",
                detail={"op": "decline", "unit": unit},
            )
    except Refused as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    except (Forbidden, NotFound):
        return replies.refused("没有这个任务，或该村不在您的辖区内。"), dash.no_update
    return replies.done(f"已拒绝 {number}"), replies.next_refresh(refresh)


def register(app: dash.Dash) -> None:
    app.callback(
        Output("ledger-duty-list", "children"),
        Output("ledger-duty-retire-item", "options"),
        Output("ledger-duty-item", "options"),
        Output("ledger-duty-unit", "options"),
        Input("ledger-duty-refresh", "data"),
    )(show_list)
    app.callback(
        Output("ledger-duty-tasks", "children"),
        Output("ledger-duty-monthly", "children"),
        Input("ledger-duty-refresh", "data"),
    )(show_tasks)
    app.callback(
        Output("ledger-duty-message", "children"),
        Output("ledger-duty-refresh", "data"),
        Input("ledger-duty-add", "n_clicks"),
        Input("ledger-duty-retire", "n_clicks"),
        State("ledger-duty-new", "value"),
        State("ledger-duty-new-domain", "value"),
        State("ledger-duty-retire-item", "value"),
        State("ledger-duty-refresh", "data"),
        prevent_initial_call=True,
    )(keep_list)
    app.callback(
        Output("ledger-duty-message", "children", allow_duplicate=True),
        Output("ledger-duty-refresh", "data", allow_duplicate=True),
        Input("ledger-duty-send", "n_clicks"),
        State("ledger-duty-title", "value"),
        State("ledger-duty-kind", "value"),
        State("ledger-duty-unit", "value"),
        State("ledger-duty-item", "value"),
        State("ledger-duty-basis-name", "value"),
        State("ledger-duty-basis-number", "value"),
        State("ledger-duty-basis-issuer", "value"),
        State("ledger-duty-basis-file", "contents"),
        State("ledger-duty-basis-file", "filename"),
        State("ledger-duty-refresh", "data"),
        prevent_initial_call=True,
    )(send_task)
    app.callback(
        Output("ledger-duty-message", "children", allow_duplicate=True),
        Output("ledger-duty-refresh", "data", allow_duplicate=True),
        Input({"type": DECLINE_BUTTON, "task": ALL, "unit": ALL}, "n_clicks"),
        State("ledger-duty-refresh", "data"),
        prevent_initial_call=True,
    )(decline_task)
