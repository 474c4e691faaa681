"""Dash callbacks of the 短信提醒 page: top-level functions, wired to the app by `register`."""

from __future__ import annotations

import flask
from dash import Input, Output, State, html, no_update

from modules.alerts import board
from modules.alerts.audience import (
    Audience,
    AudienceRefused,
    render_all,
    resolve,
)
from modules.alerts.contacts_import import import_upload
from modules.alerts.outbox import send
from modules.alerts.pages import (
    CELL,
    NAME_CELL,
    NO_RIGHT,
    OUTSIDE,
    SAMPLE,
    TABLE,
    UNKNOWN,
    site_options,
)
from modules.alerts.settings import ack_base_url
from modules.alerts.templates import save_template, template_text, templates_for
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    current_core,
    mask_phone,
)


def td(value, first: bool = False) -> html.Td:
    return html.Td(value, style=NAME_CELL if first else CELL)


def th(value, first: bool = False) -> html.Th:
    return html.Th(value, style=NAME_CELL if first else CELL)


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


def on_preview(n_clicks, unit, groups, sites, exposure, text, template):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return _refusal(NO_RIGHT)
    with core.sessions() as session:
        try:
            body = template_text(session, viewer, template, text)
            return preview(session, viewer, core, _audience(unit, groups, sites, exposure), body)
        except AudienceRefused as refused:
            return _refusal(str(refused))
        except Forbidden:
            return _refusal(OUTSIDE)
        except NotFound:
            return _refusal(UNKNOWN)


def on_send(n_clicks, unit, groups, sites, exposure, text, template, ack, escalate):
    core = current_core()
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


def on_board(_tick, message_id):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return _refusal(NO_RIGHT)
    with core.sessions() as session:
        return board_view(session, viewer, message_id)


def on_template(template):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return no_update
    with core.sessions() as session:
        try:
            return template_text(session, viewer, template, None)
        except AudienceRefused:
            return no_update


def on_save_template(n_clicks, name, text, unit):
    core = current_core()
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


def on_unit(unit):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return []
    try:
        unit = DivisionCode.parse(unit)
    except (InvalidCode, TypeError):
        return []
    with core.sessions() as session:
        return site_options(session, viewer, core, unit)


def on_upload(contents, filename):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return NO_RIGHT
    return import_upload(core, viewer, contents, filename).text_zh()


def register(app) -> None:
    """Wire the callbacks above to the app (the register_callbacks hook)."""
    audience_state = [
        State("alerts-unit", "value"),
        State("alerts-groups", "value"),
        State("alerts-sites", "value"),
        State("alerts-exposure", "value"),
        State("alerts-text", "value"),
        State("alerts-template", "value"),
    ]
    app.callback(
        Output("alerts-preview-out", "children"),
        Input("alerts-preview", "n_clicks"),
        *audience_state,
        prevent_initial_call=True,
    )(on_preview)
    app.callback(
        Output("alerts-send-out", "children"),
        Output("alerts-message", "data"),
        Input("alerts-send", "n_clicks"),
        *audience_state,
        State("alerts-ack", "value"),
        State("alerts-escalate", "value"),
        prevent_initial_call=True,
    )(on_send)
    app.callback(
        Output("alerts-board", "children"),
        Input("alerts-interval", "n_intervals"),
        Input("alerts-message", "data"),
    )(on_board)
    app.callback(
        Output("alerts-text", "value"),
        Input("alerts-template", "value"),
        prevent_initial_call=True,
    )(on_template)
    app.callback(
        Output("alerts-template", "options"),
        Output("alerts-template-out", "children"),
        Input("alerts-save-template", "n_clicks"),
        State("alerts-template-name", "value"),
        State("alerts-text", "value"),
        State("alerts-unit", "value"),
        prevent_initial_call=True,
    )(on_save_template)
    app.callback(
        Output("alerts-sites", "options"),
        Input("alerts-unit", "value"),
        prevent_initial_call=True,
    )(on_unit)
    app.callback(
        Output("alerts-import-out", "children"),
        Input("alerts-upload", "contents"),
        State("alerts-upload", "filename"),
        prevent_initial_call=True,
    )(on_upload)
