"""Dash callbacks of the flood module: top-level functions, wired to the app by `register`.

Every input may be forged: values are type-checked, units and points are looked up through
the viewer's scope, and refusals never echo what was sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import UTC, datetime

import dash
from dash import Input, Output, State, html
from flask import request

from modules.flood import patrol, settings, stations
from modules.flood.importer import import_points
from modules.flood.importer_page import report
from modules.flood.layers import STATION_PREFIX
from modules.flood.pages import campaign_list, my_points, point_list, point_options, progress_line
from modules.flood.panel import PROGRESS_ID, STATION_ID, progress_block, station_chart
from modules.sdk import (
    MAP_FOCUS,
    MAP_GRAPH,
    Forbidden,
    NotFound,
    Unreadable,
    current_core,
    record_audit,
    upload_bytes,
)

LOGGER = logging.getLogger(__name__)


def _ok(text: str) -> html.P:
    return html.P(text, className="flood-ok", style={"color": "#2ca02c"})


def _refused(text: str) -> html.P:
    return html.P(text, className="flood-refused", style={"color": "#d62728"})


def decode_upload(contents) -> bytes:
    """The bytes of a dcc.Upload value ("data:<type>;base64,<data>")."""
    if not isinstance(contents, str) or "," not in contents:
        raise patrol.PatrolRefused("照片无法读取，请重新选择。")
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise patrol.PatrolRefused("照片无法读取，请重新选择。") from exc


def focus_progress(focus):
    core = current_core()
    viewer = core.viewer()
    with core.sessions() as session:
        return progress_block(session, viewer, focus)


def station_click(click_data):
    core = current_core()
    points = (click_data or {}).get("points") if isinstance(click_data, dict) else None
    custom = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    if isinstance(custom, list) and custom:
        custom = custom[0]
    if not isinstance(custom, str) or not custom.startswith(STATION_PREFIX):
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    now = datetime.now(UTC)
    with core.sessions() as session:
        try:
            station = stations.station_in_scope(session, viewer, custom[len(STATION_PREFIX) :])
        except NotFound as exc:
            raise dash.exceptions.PreventUpdate from exc
        readings = stations.recent_readings(session, [station.id], now)[station.id]
        state = stations.state_of(station, readings, now)
        return station_chart(station, readings, state)


def record(n_clicks, point_id, result, hazard, measures, photo):
    core = current_core()
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    if not viewer.can("record"):
        return (_refused("您没有记录巡查的权限。"), *[dash.no_update] * 8)
    with core.sessions() as session, session.begin():
        try:
            data = decode_upload(photo) if photo else None
            inspection = patrol.record_inspection(
                session,
                viewer,
                point_id=point_id,
                result=result if isinstance(result, str) else "",
                hazard=hazard if isinstance(hazard, str) else "",
                measures=measures if isinstance(measures, str) else "",
                photo=data,
            )
            record_audit(
                session,
                "data.change",
                viewer,
                target="flood.inspection",
                address=request.remote_addr,
                detail={"point": inspection.point_id, "result": inspection.result},
            )
            message = _ok("已记录巡查。")
            # A clean form for the next point: no double submission by a second tap.
            reset = [None, "ok", "", "", None]
        except patrol.PatrolRefused as exc:
            message, reset = _refused(str(exc)), [dash.no_update] * 5
        except (NotFound, Forbidden):
            message = _refused("未找到该重点部位，或它不在您的辖区内：请从列表中选择。")
            reset = [dash.no_update] * 5
    with core.sessions() as session:
        rows = my_points(session, viewer)
        return (
            message,
            point_list(rows),
            progress_line(session, viewer),
            point_options(rows),
            *reset,
        )


def photo_name(contents):
    if not contents:
        return ""  # the form was reset after a saved inspection
    try:
        patrol.photo_type(decode_upload(contents))
    except patrol.PatrolRefused as exc:
        return _refused(str(exc))
    return _ok("已选择照片。")


def _campaign_form(name, unit, due) -> str:
    """What a confirmation of moves was given for: a changed form asks again."""
    return json.dumps([name, unit, due], ensure_ascii=False, default=str)


def open_campaign(n_submit, n_confirm, n_cancel, name, unit, due, pending):
    """发起 opens the campaign, unless it would take points from open campaigns: then it says
    what moves and waits for 确认发起 (for that count and form; a change asks again).
    Outputs: the message, the campaign list, the confirm step hidden, what moves, the
    pending confirmation."""
    core = current_core()
    if not (n_submit or n_confirm or n_cancel):
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    closed = (True, "", None)
    if not viewer.can("campaign"):
        return _refused("您没有发起巡查任务的权限。"), dash.no_update, *closed
    if dash.ctx.triggered_id == "flood-campaign-cancel":
        return _ok("已取消，未发起巡查任务。"), dash.no_update, *closed
    form = _campaign_form(name, unit, due)
    confirm = None
    if dash.ctx.triggered_id == "flood-campaign-confirm" and isinstance(pending, dict):
        confirm = pending.get("points") if pending.get("form") == form else None
    asked = None
    with core.sessions() as session, session.begin():
        try:
            if not isinstance(unit, str) or not unit:
                raise patrol.PatrolRefused("请选择巡查范围。")
            campaign = patrol.open_campaign(
                session,
                viewer,
                name=name if isinstance(name, str) else "",
                unit=unit,
                due=due if isinstance(due, str) else "",
                confirm=confirm,
            )
            record_audit(
                session,
                "data.change",
                viewer,
                target="flood.campaign",
                address=request.remote_addr,
                detail={
                    "campaign": campaign.id,
                    "unit": campaign.jurisdiction_code,
                    "moved": confirm or 0,
                },
            )
            message = _ok(f"已发起巡查任务：{campaign.name}")
        except patrol.MoveUnconfirmed as exc:
            asked, message = exc, ""
        except patrol.PatrolRefused as exc:
            message = _refused(str(exc))
        except (Forbidden, NotFound):
            message = _refused("所选单位不在您的辖区内。")
    if asked is not None:
        return "", dash.no_update, False, str(asked), {"points": asked.points, "form": form}
    with core.sessions() as session:
        return message, campaign_list(session, viewer), *closed


def import_file(n_clicks, contents, filename, crs, dry_run):
    core = current_core()
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    if not viewer.can("import"):
        return _refused("您没有导入数据的权限。")
    if not contents:
        return _refused("请先选择文件。")
    limit = settings.import_max_bytes()
    try:
        data = upload_bytes(contents, limit)
    except Unreadable as exc:
        return _refused(exc.reason_zh)
    result = import_points(
        core.sessions,
        viewer,
        data,
        filename if isinstance(filename, str) else "",
        crs if isinstance(crs, str) else "wgs84",
        isinstance(dry_run, list) and "dry" in dry_run,
        address=request.remote_addr,
        max_bytes=limit,
    )
    return report(result)


def chosen(contents):
    # The size, not the name: a name is the browser's to forge and is never echoed.
    if not isinstance(contents, str) or "," not in contents:
        return ""
    size = len(contents.split(",", 1)[1]) * 3 // 4
    return html.P(f"已选择文件（约 {max(1, size // 1024)} KB）。", className="flood-ok")


def register(app: dash.Dash) -> None:
    """Wire the callbacks above to the app (the register_callbacks hook)."""
    app.callback(Output(PROGRESS_ID, "children"), Input(MAP_FOCUS, "data"))(focus_progress)
    app.callback(Output(STATION_ID, "children"), Input(MAP_GRAPH, "clickData"))(station_click)
    app.callback(
        Output("flood-patrol-message", "children"),
        Output("flood-patrol-list", "children"),
        Output("flood-patrol-progress", "children"),
        Output("flood-patrol-point", "options"),
        Output("flood-patrol-point", "value"),
        Output("flood-patrol-result", "value"),
        Output("flood-patrol-hazard", "value"),
        Output("flood-patrol-measures", "value"),
        Output("flood-patrol-photo", "contents"),
        Input("flood-patrol-submit", "n_clicks"),
        State("flood-patrol-point", "value"),
        State("flood-patrol-result", "value"),
        State("flood-patrol-hazard", "value"),
        State("flood-patrol-measures", "value"),
        State("flood-patrol-photo", "contents"),
        prevent_initial_call=True,
    )(record)
    app.callback(
        Output("flood-patrol-photo-name", "children"),
        Input("flood-patrol-photo", "contents"),
        prevent_initial_call=True,
    )(photo_name)
    app.callback(
        Output("flood-campaign-message", "children"),
        Output("flood-campaign-list", "children"),
        Output("flood-campaign-confirm-box", "hidden"),
        Output("flood-campaign-moves", "children"),
        Output("flood-campaign-pending", "data"),
        Input("flood-campaign-submit", "n_clicks"),
        Input("flood-campaign-confirm", "n_clicks"),
        Input("flood-campaign-cancel", "n_clicks"),
        State("flood-campaign-name", "value"),
        State("flood-campaign-unit", "value"),
        State("flood-campaign-due", "value"),
        State("flood-campaign-pending", "data"),
        prevent_initial_call=True,
    )(open_campaign)
    app.callback(
        Output("flood-import-report", "children"),
        Input("flood-import-submit", "n_clicks"),
        State("flood-import-file", "contents"),
        State("flood-import-file", "filename"),
        State("flood-import-crs", "value"),
        State("flood-import-dry-run", "value"),
        prevent_initial_call=True,
    )(import_file)
    app.callback(
        Output("flood-import-chosen", "children"),
        Input("flood-import-file", "contents"),
        prevent_initial_call=True,
    )(chosen)
