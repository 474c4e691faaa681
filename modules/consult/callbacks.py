"""The consultation pages' callbacks, top-level functions wired in `register`. Each takes
the viewer from the server (current_core().viewer()) and checks every value it is sent:
an event id, a level, a unit or an entry number may be forged."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, html

from modules.consult.access import INSTRUCTIONS, event_for, events_for
from modules.consult.diff import diff
from modules.consult.documents import board
from modules.consult.entries import (
    MAX_ATTACHMENT,
    NeedsConfirmation,
    add_entry,
    edit_entry,
    entry_for,
    instructions_for_staff,
    send_instruction,
)
from modules.consult.events import LEVEL_ZH, move_clock, open_event, set_level, title_of
from modules.consult.figure import figure
from modules.consult.refusals import Refused
from modules.consult.snapshots import document_of, latest, listed, take
from modules.consult.views import cards, decision_item, detail, diff_view, header, when
from modules.sdk import Forbidden, NotFound, current_core, unit_children, upload_bytes

CLOCK_STEPS = {
    "consult-clock-back": "-1h",
    "consult-clock-forward": "+1h",
    "consult-clock-six": "+6h",
}


def _notice(text: str, ok: bool = False) -> html.Div:
    return html.Div(text, className="notice-ok" if ok else "notice-error")


def _event(session, viewer, event_id):
    """The event asked for, or None when it is not one the viewer may read."""
    try:
        return event_for(session, viewer, event_id)
    except NotFound:
        return None


def event_options(_refresh):
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        found = events_for(session, viewer)
        return [
            {"label": title_of(e) + ("（已结束）" if e.ended_at else ""), "value": e.id}
            for e in found
        ]


def _unit_options(session, viewer, event) -> list[dict]:
    try:
        children = unit_children(session, viewer, event.scope_code)
    except (NotFound, Forbidden):
        return []
    return [{"label": c["name"], "value": c["code"]} for c in children]


def render(event_id, _refresh, _tick):
    """The live board of the chosen event, its log and snapshots."""
    empty = ("", [], {"data": [], "layout": {}}, "", "", "", None, [], [], "", {"display": "none"})
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        event = _event(session, viewer, event_id)
        if event is None:
            return ("请选择一个事件。", *empty[1:])
        document = board(session, viewer, core, event)
        last = latest(session, event)
        previous = document_of(last) if last else None
        snapshots = listed(session, event)
        units = _unit_options(session, viewer, event)
    live = {**document, "diff": diff(previous, document)}
    own = [{"label": f"#{e['number']}", "value": e["id"]} for e in document["decisions"]]
    sends = {e["id"]: e for e in document["decisions"]}
    log = [
        decision_item(
            e,
            [html.Button("发送短信", id={"type": "consult-send", "entry": e["id"]})]
            if e["kind"] == "instruction" and not e.get("sent_at") and viewer.can("consult.run")
            else [],
        )
        for e in sends.values()
    ]
    snapshot_links = html.Ul(
        [
            html.Li(
                html.A(
                    f"第{s['number']}期 · 态势 {when(s['moment'])} · 冻结 {when(s['taken_at'])}",
                    href=f"/consult/snapshot?id={s['id']}",
                )
            )
            for s in snapshots
        ]
        or [html.Li("尚未冻结。")]
    )
    diff_part = (
        diff_view(live)
        if previous
        else html.P("尚无快照：冻结第1期后，这里显示与上一期相比的变化。")
    )
    return (
        header(document),
        cards(document),
        figure(document, revision=f"event-{event.id}"),
        html.Ol(log, className="consult-log") if log else html.P("暂无会商记录。"),
        snapshot_links,
        diff_part,
        {"items": document["items"]},
        units,
        own,
        f"/consult/wall?event={event.id}",
        {} if event.drill else {"display": "none"},
    )


def show_detail(_clicks, stored):
    """The list behind the figure clicked."""
    triggered = dash.ctx.triggered_id
    if not isinstance(triggered, dict) or not isinstance(stored, dict):
        return dash.no_update
    items = stored.get("items") or []
    index = triggered.get("index")
    if not isinstance(index, int) or not 0 <= index < len(items) or not any(_clicks or []):
        return dash.no_update
    return detail(items[index])


def _act(event_id, refresh, action):
    """Run `action(session, viewer, core, event)` in one transaction; answer a message and
    a new refresh counter, or the refusal's reason."""
    core = current_core()
    viewer = core.viewer()
    try:
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            message = action(session, viewer, core, event)
    except Refused as refusal:
        return _notice(refusal.reason_zh), dash.no_update
    except Forbidden:
        return _notice("您没有主持会商的权限。"), dash.no_update
    except NotFound:
        return _notice("请选择一个事件。"), dash.no_update
    return _notice(message, ok=True), (refresh or 0) + 1


def create_event(_n, kind, title, ref, drill, start, refresh):
    """Open an event; the list gets it and selects it in one answer (a value the options do
    not hold yet would be dropped by the dropdown)."""
    core = current_core()
    viewer = core.viewer()
    unchanged = (dash.no_update,) * 3
    try:
        with core.sessions() as session, session.begin():
            event = open_event(
                session,
                viewer,
                core,
                kind=kind,
                title=title,
                ref=ref,
                drill=isinstance(drill, list) and "drill" in drill,
                start=start,
            )
            event_id = event.id
            label = title_of(event)
    except Refused as refusal:
        return _notice(refusal.reason_zh), *unchanged
    except Forbidden:
        return _notice("您没有主持会商的权限。"), *unchanged
    options = event_options(None)
    return _notice(f"已开启事件：{label}", ok=True), options, event_id, (refresh or 0) + 1


def change_level(_n, event_id, level, reason, refresh):
    return _act(
        event_id,
        refresh,
        lambda s, v, c, e: f"已调整为{LEVEL_ZH[set_level(s, v, e, level, reason).level]}",
    )


def change_clock(_b, _f, _s, _set, event_id, to, refresh):
    step = (
        CLOCK_STEPS.get(dash.ctx.triggered_id) if isinstance(dash.ctx.triggered_id, str) else None
    )
    target = step or to
    return _act(
        event_id,
        refresh,
        lambda s, v, c, e: f"推演时刻：{when(move_clock(s, v, e, target).isoformat())}（北京时间）",
    )


def freeze(_n, event_id, relayout, refresh):
    view = None
    if isinstance(relayout, dict) and "map.center" in relayout and "map.zoom" in relayout:
        view = {"center": relayout["map.center"], "zoom": relayout["map.zoom"]}
    return _act(
        event_id,
        refresh,
        lambda s, v, c, e: f"已冻结第{take(s, v, c, e, view).number}期会商",
    )


def record_entry(_n, event_id, mode, target, kind, units, text, contents, filename, refresh):
    attachment = None
    if contents:
        try:
            data = upload_bytes(contents, MAX_ATTACHMENT)
        except Exception:  # the SDK's reader says why in its message
            return _notice("附件无法读取或超过 5 MB。"), dash.no_update, dash.no_update
        attachment = (str(filename or "附件")[:200], data)

    def action(session, viewer, core, event):
        if mode == "edit":
            entry = edit_entry(session, viewer, event, entry_for(session, event, target), text)
            return f"已修改第{entry.number}条"
        corrects = target if mode == "correct" else None
        if mode == "correct" and not target:
            raise Refused("choose the entry to correct", "请选择要更正的记录号")
        entry = add_entry(
            session,
            viewer,
            event,
            kind=kind,
            text=text,
            units=units if isinstance(units, list) else None,
            corrects=corrects,
            attachment=attachment,
        )
        return f"已记录第{entry.number}条"

    message, refreshed = _act(event_id, refresh, action)
    cleared = "" if refreshed is not dash.no_update else dash.no_update
    return message, refreshed, cleared


def send(clicks, event_id, refresh, pending):
    """发送短信 on an instruction. Above the SMS module's threshold the first click says how
    many people it would reach; the second click on the same entry confirms that count."""
    triggered = dash.ctx.triggered_id
    if not isinstance(triggered, dict) or not any(c for c in clicks or [] if c):
        return dash.no_update, dash.no_update, dash.no_update
    entry_id = triggered.get("entry")
    asked = pending if isinstance(pending, dict) and pending.get("entry") == entry_id else {}
    confirm = asked.get("recipients") if isinstance(asked.get("recipients"), int) else None
    needs: dict = {}

    def action(session, viewer, core, event):
        entry = entry_for(session, event, entry_id)
        try:
            send_instruction(session, viewer, core, event, entry, confirm)
        except NeedsConfirmation as ask:
            needs.update(entry=entry.id, recipients=ask.recipients)
            raise Refused(
                ask.reason,
                f"{ask.reason_zh}：再次点击「发送短信」即确认发送给 {ask.recipients} 人。",
            ) from None
        return f"第{entry.number}条指令已交短信模块发送"

    message, refreshed = _act(event_id, refresh, action)
    return message, refreshed, (needs or None)


def staff_instructions(_path):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(INSTRUCTIONS):
        return html.P("您没有会商指令。")
    with core.sessions() as session:
        found = instructions_for_staff(session, viewer)
    if not found:
        return html.P("暂无发给本辖区的会商指令。")
    return html.Ol(
        [
            html.Li(
                [
                    html.Strong(title_of(event)),
                    f" {when(entry.at.isoformat())} {entry.author}：",
                    entry.text,
                ]
            )
            for entry, event, _mine in found
        ]
    )


def wall(_tick, selected, event_id):
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        event = _event(session, viewer, event_id)
        if event is None:
            return "请从会商页面选择事件后进入大屏模式。", [], {"data": [], "layout": {}}, ""
        document = board(session, viewer, core, event)
    items = document["items"]
    chosen = next((i for i in items if i["id"] == selected), None)
    return (
        header(document),
        cards(document, "consult-wall-card", wall=True),
        figure(document, revision=f"wall-{event.id}"),
        detail(chosen) if chosen else "",
    )


def wall_select(_clicks, event_id):
    """The figure picked on the wall stays picked across refreshes (by its item id)."""
    triggered = dash.ctx.triggered_id
    if not isinstance(triggered, dict) or not any(c for c in _clicks or [] if c):
        return dash.no_update
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        event = _event(session, viewer, event_id)
        if event is None:
            return dash.no_update
        document = board(session, viewer, core, event)
    index = triggered.get("index")
    items = document["items"]
    return (
        items[index]["id"] if isinstance(index, int) and 0 <= index < len(items) else dash.no_update
    )


def register(app: dash.Dash) -> None:
    """Wire the callbacks above to the app (the register_callbacks hook)."""
    app.callback(Output("consult-event", "options"), Input("consult-refresh", "data"))(
        event_options
    )
    app.callback(
        Output("consult-head", "children"),
        Output("consult-cards", "children"),
        Output("consult-map", "figure"),
        Output("consult-log", "children"),
        Output("consult-snapshots", "children"),
        Output("consult-live-diff", "children"),
        Output("consult-board", "data"),
        Output("consult-entry-units", "options"),
        Output("consult-entry-target", "options"),
        Output("consult-wall-link", "href"),
        Output("consult-clock", "style"),
        Input("consult-event", "value"),
        Input("consult-refresh", "data"),
        Input("consult-tick", "n_intervals"),
    )(render)
    app.callback(
        Output("consult-detail", "children"),
        Input({"type": "consult-card", "index": ALL}, "n_clicks"),
        State("consult-board", "data"),
        prevent_initial_call=True,
    )(show_detail)
    app.callback(
        Output("consult-message", "children"),
        Output("consult-event", "options", allow_duplicate=True),
        Output("consult-event", "value"),
        Output("consult-refresh", "data"),
        Input("consult-new-open", "n_clicks"),
        State("consult-new-kind", "value"),
        State("consult-new-title", "value"),
        State("consult-new-ref", "value"),
        State("consult-new-drill", "value"),
        State("consult-new-start", "value"),
        State("consult-refresh", "data"),
        prevent_initial_call=True,
    )(create_event)
    app.callback(
        Output("consult-message", "children", allow_duplicate=True),
        Output("consult-refresh", "data", allow_duplicate=True),
        Input("consult-level-set", "n_clicks"),
        State("consult-event", "value"),
        State("consult-level", "value"),
        State("consult-level-reason", "value"),
        State("consult-refresh", "data"),
        prevent_initial_call=True,
    )(change_level)
    app.callback(
        Output("consult-message", "children", allow_duplicate=True),
        Output("consult-refresh", "data", allow_duplicate=True),
        Input("consult-clock-back", "n_clicks"),
        Input("consult-clock-forward", "n_clicks"),
        Input("consult-clock-six", "n_clicks"),
        Input("consult-clock-set", "n_clicks"),
        State("consult-event", "value"),
        State("consult-clock-to", "value"),
        State("consult-refresh", "data"),
        prevent_initial_call=True,
    )(change_clock)
    app.callback(
        Output("consult-message", "children", allow_duplicate=True),
        Output("consult-refresh", "data", allow_duplicate=True),
        Input("consult-freeze", "n_clicks"),
        State("consult-event", "value"),
        State("consult-map", "relayoutData"),
        State("consult-refresh", "data"),
        prevent_initial_call=True,
    )(freeze)
    app.callback(
        Output("consult-message", "children", allow_duplicate=True),
        Output("consult-refresh", "data", allow_duplicate=True),
        Output("consult-entry-text", "value"),
        Input("consult-entry-add", "n_clicks"),
        State("consult-event", "value"),
        State("consult-entry-mode", "value"),
        State("consult-entry-target", "value"),
        State("consult-entry-kind", "value"),
        State("consult-entry-units", "value"),
        State("consult-entry-text", "value"),
        State("consult-entry-file", "contents"),
        State("consult-entry-file", "filename"),
        State("consult-refresh", "data"),
        prevent_initial_call=True,
    )(record_entry)
    app.callback(
        Output("consult-message", "children", allow_duplicate=True),
        Output("consult-refresh", "data", allow_duplicate=True),
        Output("consult-send-pending", "data"),
        Input({"type": "consult-send", "entry": ALL}, "n_clicks"),
        State("consult-event", "value"),
        State("consult-refresh", "data"),
        State("consult-send-pending", "data"),
        prevent_initial_call=True,
    )(send)
    app.callback(Output("consult-instructions", "children"), Input("consult-instructions", "id"))(
        staff_instructions
    )
    app.callback(
        Output("consult-wall-head", "children"),
        Output("consult-wall-cards", "children"),
        Output("consult-wall-map", "figure"),
        Output("consult-wall-detail", "children"),
        Input("consult-wall-tick", "n_intervals"),
        Input("consult-wall-selected", "data"),
        State("consult-wall-event", "data"),
    )(wall)
    app.callback(
        Output("consult-wall-selected", "data"),
        Input({"type": "consult-wall-card", "index": ALL}, "n_clicks"),
        State("consult-wall-event", "data"),
        prevent_initial_call=True,
    )(wall_select)
