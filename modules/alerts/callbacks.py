"""Dash callbacks of the 短信提醒 page: top-level functions, wired to the app by `register`."""

from __future__ import annotations

import json

import flask
from dash import Input, Output, State, ctx, html, no_update

from modules.alerts import board
from modules.alerts.audience import Audience, AudienceRefused
from modules.alerts.contacts_import import import_upload
from modules.alerts.draft import FILE_ONLY, ConfirmNeeded, Draft, confirmed_count, prepare
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


def _draft(session, viewer, core, audience: Audience, text, drill, mode) -> Draft:
    return prepare(session, viewer, core, audience, text, drill=_flag(drill), mode=mode)


def preview(session, viewer, core, audience: Audience, text, drill=None, mode=None) -> html.Div:
    """Counts per unit, the drill marking, the confirm threshold, every field that would be
    empty (sending refuses those), and sample messages as they will be sent."""
    draft = _draft(session, viewer, core, audience, text, drill, mode)
    resolved = draft.resolved
    rows = [html.Tr([td(u["name"], True), td(u["count"])]) for u in resolved.per_unit(session)]
    samples = [
        html.Li(f"{r.name}（{mask_phone(r.phone)}）：{body}")
        for r, body in list(zip(resolved.recipients, draft.bodies, strict=True))[:SAMPLE]
    ]
    notes = [f"共 {draft.count} 人"]
    if resolved.duplicates:
        notes.append(f"已去除重复号码 {resolved.duplicates} 个")
    if resolved.ignored_sites:
        notes.append(f"{resolved.ignored_sites} 个重点部位不在所选单位内，已忽略")
    if draft.needs_confirm:
        notes.append(f"超过 {draft.threshold} 人，发送前须确认人数")
    warnings = []
    if draft.drill:
        warnings.append(html.P(draft.drill_note(), id="alerts-preview-drill"))
    if draft.empty:
        warnings.append(
            html.Div(
                [
                    html.P("以下字段为空，短信会缺字，补全后才能发送："),
                    html.Ul([html.Li(note) for note in draft.empty_notes()]),
                ],
                id="alerts-preview-empty",
                className="alerts-error",
            )
        )
    return html.Div(
        id="alerts-preview-body",
        children=[
            html.P("，".join(notes), id="alerts-preview-total"),
            *warnings,
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


def on_preview(n_clicks, unit, groups, sites, exposure, text, template, drill, mode):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("alert"):
        return _refusal(NO_RIGHT)
    with core.sessions() as session:
        try:
            body = template_text(session, viewer, template, text)
            audience = _audience(unit, groups, sites, exposure)
            return preview(session, viewer, core, audience, body, drill, mode)
        except AudienceRefused as refused:
            return _refusal(str(refused))
        except Forbidden:
            return _refusal(OUTSIDE)
        except NotFound:
            return _refusal(UNKNOWN)


def _fingerprint(*values) -> str:
    """What a confirmation was given for: the whole form, so a change asks again."""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _pending_count(pending, fingerprint: str) -> int | None:
    """The count confirmed for this very form, or None (nothing asked, or the form changed;
    the store is the browser's to forge, but it only ever stands for the sender's own click)."""
    if isinstance(pending, dict) and pending.get("form") == fingerprint:
        return confirmed_count(pending.get("count"))
    return None


def on_send(
    send_clicks,
    confirm_clicks,
    cancel_clicks,
    unit,
    groups,
    sites,
    exposure,
    text,
    template,
    drill,
    mode,
    ack,
    escalate,
    pending,
):
    """发送 sends at once up to the threshold, else shows the confirm step with the count;
    确认发送 sends that count (a changed form or count asks again); 取消 closes it.
    Outputs: the result, the message sent, the confirm step hidden, its text, the pending
    confirmation."""
    core = current_core()
    viewer = core.viewer()
    closed = (True, "", None)
    if not viewer.can("alert"):
        return _refusal(NO_RIGHT), no_update, *closed
    if ctx.triggered_id == "alerts-cancel":
        return html.P("已取消发送。", id="alerts-cancelled"), no_update, *closed
    form = _fingerprint(unit, groups, sites, exposure, text, template, drill, mode, ack, escalate)
    confirm = _pending_count(pending, form) if ctx.triggered_id == "alerts-confirm" else None
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
                    drill=_flag(drill),
                    drill_mode=mode,
                    confirm=confirm,
                )
        except ConfirmNeeded as asked:
            return "", no_update, False, str(asked), {"count": asked.count, "form": form}
        except AudienceRefused as refused:
            return _refusal(str(refused)), no_update, *closed
        except Forbidden:
            return _refusal(OUTSIDE), no_update, *closed
        except NotFound:
            return _refusal(UNKNOWN), no_update, *closed
    drill_note = "（演练，仅写入文件）" if message.drill == FILE_ONLY else ""
    done = html.P(
        f"已提交：短信 #{message.id}，{message.recipients} 人，正在发送{drill_note}。",
        id="alerts-sent",
    )
    return done, message.id, *closed


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
        State("alerts-drill", "value"),
        State("alerts-drill-mode", "value"),
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
        Output("alerts-confirm-box", "hidden"),
        Output("alerts-confirm-text", "children"),
        Output("alerts-pending", "data"),
        Input("alerts-send", "n_clicks"),
        Input("alerts-confirm", "n_clicks"),
        Input("alerts-cancel", "n_clicks"),
        *audience_state,
        State("alerts-ack", "value"),
        State("alerts-escalate", "value"),
        State("alerts-pending", "data"),
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
