"""Dash callbacks of the 台风会商 page: top-level functions, wired to the app by `register`."""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import timedelta

import dash
from dash import Input, Output, State, html
from flask import request

from modules.sdk import current_core
from modules.typhoon import correction_form, importing, service, settings, storage
from modules.typhoon.figure import CIRCLE_STYLE, figure, step_patch
from modules.typhoon.pages import MAX_HOURS, NO_RADII
from modules.typhoon.publishing import publish_exposure
from modules.typhoon.track import GRADES, LEVELS
from modules.typhoon.transactions import Busy, retried

LOGGER = logging.getLogger(__name__)
# A whole figure from `render` carries layout.meta.fit (figure.fit_meta); this fits its view
# to the map's real size on screen, which the server cannot know, so a phone shows Putian and
# the track as a desktop does, with the legend below the map. A Patch of the view only; a
# slider step (no layout) or a figure already fitted to this size is left alone.
FIT_VIEW = """function (figure) {
    const dc = window.dash_clientside;
    const layout = (figure && figure.layout) || {};
    const fit = layout.meta && layout.meta.fit;
    const el = document.getElementById('typhoon-map');
    if (!fit || !el || el.clientWidth < 1) return dc.no_update;
    const narrow = el.clientWidth < fit.narrow_width;
    const width = el.clientWidth;
    const height = el.clientHeight * (narrow ? fit.narrow_map_share : 1);
    const key = width + 'x' + Math.round(height);
    if (layout.meta.fitted === key) return dc.no_update;
    const [minLon, minLat, maxLon, maxLat] = fit.bbox;
    const mercY = lat => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
    const lonSpan = Math.max(maxLon - minLon, 0.5) * fit.pad;
    const ySpan = Math.max(mercY(maxLat) - mercY(minLat), 0.01) * fit.pad;
    const zoom = Math.min(
        Math.log2((360 * width) / (512 * lonSpan)),
        Math.log2((2 * Math.PI * height) / (512 * ySpan)),
    );
    const patch = new dc.Patch()
        .assign(['layout', 'map', 'zoom'], Math.round(Math.min(Math.max(zoom, 1), 9) * 100) / 100)
        .assign(['layout', 'meta', 'fitted'], key);
    if (narrow) patch.assign(['layout', 'legend'], fit.narrow_legend);
    return patch.build();
}"""
# A step is a Patch for the figure of its storm and mode. Dash drops an answer it is still
# waiting for when the same callback is asked again, so a whole figure on its way (a new
# storm, 演练回放 switched) is lost if the slider moves before it lands, and the step's Patch
# then lands on the figure of before. The centre carries its figure's key, the whole figure
# its own: when they differ, ask for the whole figure again (setting 演练回放 to the mode the
# step was made for triggers `render` as a change of mode).
CHECK_STEP = """function (figure) {
    const data = (figure && figure.data) || [];
    const meta = figure && figure.layout && figure.layout.meta;
    const centre = data.length ? data[data.length - 1] : null;
    const stepKey = centre && centre.meta && centre.meta.key;
    if (!meta || !meta.key || !stepKey || stepKey === meta.key) return;
    const mode = stepKey.endsWith('|replay') ? ['replay'] : [];
    window.dash_clientside.set_props('typhoon-replay', {value: mode});
}"""


def storm_id_of(value) -> str | None:
    """A storm id as the picker sends it; anything else (a forged value) is no storm."""
    if isinstance(value, str) and 0 < len(value) <= 16 and value.replace("-", "").isalnum():
        return value
    return None


def _hours(value) -> int:
    try:
        return min(max(int(value), 0), MAX_HOURS)
    except (TypeError, ValueError, OverflowError):
        return 0


def speed_of(value) -> int:
    """Seconds per day of storm time as the speed picker sends them: one the page offers,
    else (a forged value) the configured speed."""
    configured = settings.playback_seconds_per_day()
    if isinstance(value, int) and not isinstance(value, bool):
        if value in settings.SPEEDS or value == configured:
            return value
    return configured


def _message(text: str, ok: bool) -> html.P:
    return html.P(
        text,
        className="typhoon-ok" if ok else "typhoon-refused",
        style={"color": "#2ca02c" if ok else "#d62728"},
    )


def _outline_urls(viewer) -> list[str]:
    level = viewer.top_level
    return [f"/api/v1/layers/{level}.geojson?as=lines&detail=overview"] if level else []


def exposure_list(result: dict, data, time) -> list:
    """Who is inside each circle at this time, grouped by level, with whole-storm spans."""
    items = []
    for level in LEVELS:
        block = result["levels"][str(level)]
        name = CIRCLE_STYLE[level][0]
        if not block["available"]:
            items.append(
                html.Li(f"{name}：不可用（资料无此半径）", className="typhoon-unavailable")
            )
            continue
        units = block["units"]
        villages = [u for u in units if u["level"] == "village"]
        towns = [u for u in units if u["level"] in ("county", "town")]
        sites = block["sites"]
        heading = f"{name}：{len(villages)}个村居、{len(sites)}个重点部位"
        rows = [
            html.Li(
                f"{u['name']}（{span(u)}）",
                **{"data-code": u["code"]},
            )
            for u in towns + villages[:60]
        ]
        if len(villages) > 60:
            rows.append(html.Li(f"……另有{len(villages) - 60}个村居，见导出表"))
        rows += [html.Li(f"重点部位 {s['name']}（{span(s)}）") for s in sites[:30]]
        items.append(
            html.Li([html.Strong(heading), html.Ul(rows)], className=f"typhoon-level-{level}")
        )
    ahead = [forecast_block(f) for f in result.get("forecasts", [])]
    return [
        html.H3(f"{service.beijing(time, '%m-%d %H:%M')} 风圈内"),
        html.Ul(items, id="typhoon-exposure-list"),
        *ahead,
    ]


def forecast_block(forecast: dict) -> html.Div:
    """What the latest forecast of one agency says will enter each circle, and when."""
    rows = []
    for level in LEVELS:
        block = forecast["levels"][str(level)]
        name = CIRCLE_STYLE[level][0]
        if not block["available"]:
            rows.append(html.Li(f"{name}：预报无此半径"))
            continue
        villages = [u for u in block["units"] if u["level"] == "village"]
        spans = [i for u in villages + block["sites"] for i in u["intervals"]]
        window = ""
        if spans:
            start = service.parse_time(min(i["from"] for i in spans))
            end = service.parse_time(max(i["until"] for i in spans))
            window = f"，{service.beijing(start)} – {service.beijing(end)}"
        rows.append(
            html.Li(f"{name}：{len(villages)}个村居、{len(block['sites'])}个重点部位{window}")
        )
    issued = service.beijing(service.parse_time(forecast["issued_at"]))
    return html.Div(
        [html.H4(f"预报影响（{forecast['agency']} {issued} 发布）"), html.Ul(rows)],
        className="typhoon-forecast",
    )


def span(entry: dict) -> str:
    """Beijing-time spans, e.g. 09-28 07:05–09-29 16:26 (the end's date only if it differs)."""
    parts = []
    for interval in entry["intervals"]:
        start = service.parse_time(interval["from"])
        end = service.parse_time(interval["until"])
        same_day = service.beijing(start, "%d") == service.beijing(end, "%d")
        parts.append(
            f"{service.beijing(start)}–{service.beijing(end, '%H:%M' if same_day else None)}"
        )
    return "；".join(parts)


def summary_table(found) -> html.Table | html.P:
    rows = service.summary_rows(found)
    if not rows:
        return html.P("本辖区未进入任何风圈（或风圈资料不可用）。")
    head = html.Tr([html.Th(h) for h in ("单位", "风圈", "村居数", "重点部位数", "时段（北京时）")])
    body = [
        html.Tr(
            [
                html.Td(r["name"]),
                html.Td(f"{r['circle']}级"),
                html.Td(r["villages"]),
                html.Td(r["sites"]),
                html.Td(f"{service.beijing(r['from'])} – {service.beijing(r['until'])}"),
            ]
        )
        for r in rows
    ]
    return html.Table([html.Thead(head), html.Tbody(body)], id="typhoon-summary-table")


def upload_bytes(contents, limit: int):
    """A dcc.Upload's data URL as bytes, or the Outcome refusing it: its size is checked
    before it is decoded."""
    if not isinstance(contents, str) or "," not in contents:
        return importing.refused(
            400, "the upload is not a file", "上传的内容不是文件，请重新选择文件。"
        )
    encoded = contents.split(",", 1)[1]
    big = importing.too_large(len(encoded) // 4 * 3, limit)
    if big is not None:
        return big
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return importing.refused(
            400, "the upload arrived damaged", "文件上传不完整或已损坏，请重新选择文件。"
        )


def crossing_text(data) -> str:
    parts = []
    for crossing in service.crossings(data.fixes):
        when = crossing["time"]
        moment = service.beijing(service.parse_time(when), "%m-%d %H:%M") if when else ""
        parts.append(f"{crossing['name']}：{moment + ' 进入' if when else '未进入'}")
    return "　".join(parts)


def no_track(found) -> str:
    if found is None:
        return "请选择台风。"
    return (
        f"台风 {found[0].id} 还没有实况路径（既无最佳路径，也无报文的实况分析，只有预报）："
        "导入其最佳路径或CMA报文后即可在此查看。"
    )


def storm_changed(storm_value):
    core = current_core()
    storm_id = storm_id_of(storm_value)
    viewer = core.viewer()
    with core.sessions() as session:
        found = storage.load(session, storm_id) if storm_id else None
        if found is None or not found[1].fixes:
            return 1, {}, "", "", html.P(no_track(found))
        storm, data = found
        hours = int((data.fixes[-1].time - data.fixes[0].time).total_seconds() // 3600)
        marks = {
            h: service.beijing(data.fixes[0].time + timedelta(hours=h), "%m-%d")
            for h in range(0, hours + 1, 24)
        }
        if not storage.has_radii(data):
            table = html.P(NO_RADII)
        else:
            targets = service.targets_for(session, viewer, core)
            table = summary_table(service.storm_timeline(storm, data, targets))
    base = f"/api/v1/typhoon/storms/{storm.id}/exposure"
    return hours, marks, base + ".csv", base + ".xlsx", table


def move(storm_value, _ticks, value, maximum, speed):
    """A new storm starts at its first fix; each tick of the player moves the hours of the
    chosen speed (settings.pace), stopping at the last fix, then starting over."""
    if dash.ctx.triggered_id == "typhoon-storm":
        return 0
    top = _hours(maximum)
    now = _hours(value)
    _interval, hours = settings.pace(speed_of(speed))
    return 0 if now >= top else min(now + hours, top)


def speed_changed(speed) -> int:
    """The player's tick interval for the chosen speed."""
    interval, _hours = settings.pace(speed_of(speed))
    return interval


def play(n_clicks, disabled):
    playing = disabled is False
    if not isinstance(n_clicks, int) or n_clicks < 1:
        raise dash.exceptions.PreventUpdate
    return playing, "播放" if playing else "暂停"


def is_step() -> bool:
    """Whether only the time changed: the figure on screen is then this storm's, in this
    mode, and a Patch of what moves is enough."""
    return set(dash.ctx.triggered_prop_ids) == {"typhoon-time.value"}


def render(storm_value, value, replay):
    """The map, the status line and who is inside the circles at the slider's time. A slider
    step sends the map as a Patch of the moving traces (figure.step_patch); a new storm or
    mode sends the whole figure, which FIT_VIEW then fits to the map's size on screen."""
    core = current_core()
    storm_id = storm_id_of(storm_value)
    viewer = core.viewer()
    drill = isinstance(replay, list) and "replay" in replay
    with core.sessions() as session:
        found = storage.load(session, storm_id) if storm_id else None
        if found is None or not found[1].fixes:
            return {"data": [], "layout": {}}, html.P(no_track(found)), []
        storm, data = found
        start, end = data.fixes[0].time, data.fixes[-1].time
        time = min(start + timedelta(hours=_hours(value)), end)
        current = service.interpolate_fix(data, time)
        if is_step():
            drawn = step_patch(data, time, drill)
        else:
            drawn = figure(data, time, drill, _outline_urls(viewer), "white-bg")
        if storage.has_radii(data):
            targets = service.targets_for(session, viewer, core)
            result = service.exposure_at(storm, data, targets, time)
            listing = exposure_list(result, data, time)
        else:
            listing = [html.P(NO_RADII, className="typhoon-unavailable")]
    status = [
        html.Strong(("【演练回放】" if drill else "") + service.label(storm)),
        f"　{service.beijing(time, '%Y-%m-%d %H:%M')}（北京时）　",
        f"{current.lat:.1f}°N {current.lon:.1f}°E　",
        f"{GRADES.get(current.grade, '')}　",
        f"{current.pressure:.0f} hPa　" if current.pressure is not None else "",
        f"{current.wind:.0f} m/s" if current.wind is not None else "",
        html.Span(f"　{service.observed_at(data, time)}", className="typhoon-observed-from"),
        html.Br(),
        html.Small(storm.radii_note or (NO_RADII if not storage.has_radii(data) else "")),
        html.Br(),
        html.Small(service.approximation_text(current), className="typhoon-approximation"),
        html.Br(),
        html.Small(crossing_text(data)),
    ]
    return drawn, status, listing + advisory_list(data)


def advisory_list(data) -> list:
    """Each agency's forecast in force (its hand corrections marked), then the earlier ones
    it replaced, kept for the record."""
    if not data.forecasts:
        return []
    rows = []
    for entry, forecast in zip(
        service.advisory_record(data), sorted_forecasts(data.forecasts), strict=True
    ):
        issued = service.beijing(forecast.issued_at)
        if entry["in_force"]:
            state = "现行"
        else:
            replaced = service.beijing(service.parse_time(entry["replaced_by"]))
            state = f"已被 {replaced} 报文取代，仅作记录"
        edits = "；".join(
            f"{service.beijing(p.time)} 点 {service.edit_text(p)}"
            for p in forecast.points
            if p.edited
        )
        rows.append(
            html.Li(
                f"{forecast.agency} {issued} 发布（{state}）" + (f"：{edits}" if edits else ""),
                className="typhoon-advisory-in-force" if entry["in_force"] else "",
            )
        )
    return [html.H4("预报报文记录（北京时）"), html.Ul(rows, id="typhoon-advisories")]


def sorted_forecasts(forecasts) -> list:
    """In the order of service.advisory_record: by agency, then issue time."""
    return sorted(forecasts, key=lambda f: (f.agency, f.issued_at))


def publish(n_clicks, storm_value, value, replay):
    core = current_core()
    if not isinstance(n_clicks, int) or n_clicks < 1:
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    if not viewer.can("consult"):
        return _message("您没有发布风圈影响的权限。", False)
    storm_id = storm_id_of(storm_value)

    def work():
        with core.sessions() as session, session.begin():
            found = storage.load(session, storm_id) if storm_id else None
            if found is None:
                return None, "请先选择台风。"
            if not storage.has_radii(found[1]) or not found[1].fixes:
                return None, "该台风没有风圈资料，无法发布影响范围。"
            targets = service.targets_for(session, viewer, core)
            replay_at = None
            if isinstance(replay, list) and "replay" in replay:
                fixes = found[1].fixes
                replay_at = min(fixes[0].time + timedelta(hours=_hours(value)), fixes[-1].time)
            payload = publish_exposure(session, core, viewer, *found, targets, replay_at)
        return (payload, replay_at), ""

    try:
        done, refusal = retried(work, f"typhoon publish of {storm_id}")
    except Busy:
        return _message(Busy.reason_zh, False)
    if done is None:
        return _message(refusal, False)
    payload, replay_at = done
    how = ""
    if replay_at is not None:
        how = f"（演练：以台风 {service.beijing(replay_at)} 的位置作为此刻）"
    elif payload["drill"]:
        how = "（历史台风，时段为当年时间）"
    return _message(
        f"已发布：{len(payload['sites'])}条重点部位、{len(payload['units'])}条单位进入风圈的时段"
        + how,
        True,
    )


def upload(contents, fmt, storm_value):
    core = current_core()
    if not contents:
        raise dash.exceptions.PreventUpdate
    viewer = core.viewer()
    if not viewer.can("import"):
        return _message("只有管理员可以导入台风数据。", False), dash.no_update
    if fmt not in importing.FORMATS:
        return _message("请选择文件格式。", False), dash.no_update
    storm_id = storm_value.strip() or None if isinstance(storm_value, str) else None
    data = upload_bytes(contents, settings.max_file_bytes())
    if isinstance(data, importing.Outcome):
        return _message(data.text_zh(), False), dash.no_update
    outcome = importing.run(core, viewer, data, fmt, storm_id, request.remote_addr)
    if not outcome.ok:
        LOGGER.info("typhoon upload refused: %s", outcome.text())
        return _message(outcome.text_zh(), False), dash.no_update
    with core.sessions() as session:
        storms = service.storm_list(session)
    options = [
        {"label": f"{s['id']} {s['name_zh']} {s['name_en']}（{s['season']}）", "value": s["id"]}
        for s in storms
    ]
    return _message(outcome.text_zh(), True), options


def register(app) -> None:
    """Wire the callbacks above to the app (the register_callbacks hook)."""
    app.callback(
        Output("typhoon-time", "max"),
        Output("typhoon-time", "marks"),
        Output("typhoon-csv", "href"),
        Output("typhoon-xlsx", "href"),
        Output("typhoon-summary", "children"),
        Input("typhoon-storm", "value"),
    )(storm_changed)
    app.callback(
        Output("typhoon-time", "value"),
        Input("typhoon-storm", "value"),
        Input("typhoon-interval", "n_intervals"),
        State("typhoon-time", "value"),
        State("typhoon-time", "max"),
        State("typhoon-speed", "value"),
        prevent_initial_call=True,
    )(move)
    app.callback(
        Output("typhoon-interval", "interval"),
        Input("typhoon-speed", "value"),
        prevent_initial_call=True,
    )(speed_changed)
    app.callback(
        Output("typhoon-interval", "disabled"),
        Output("typhoon-play", "children"),
        Input("typhoon-play", "n_clicks"),
        State("typhoon-interval", "disabled"),
        prevent_initial_call=True,
    )(play)
    app.callback(
        Output("typhoon-map", "figure"),
        Output("typhoon-status", "children"),
        Output("typhoon-exposure", "children"),
        Input("typhoon-storm", "value"),
        Input("typhoon-time", "value"),
        Input("typhoon-replay", "value"),
    )(render)
    # Inline, so the CSP allows them by their hashes (app/security_headers.py).
    app.clientside_callback(
        FIT_VIEW,
        Output("typhoon-map", "figure", allow_duplicate=True),
        Input("typhoon-map", "figure"),
        prevent_initial_call=True,
    )
    # No Output: set_props, so that Dash does not see a loop (render -> figure -> replay).
    app.clientside_callback(
        CHECK_STEP,
        Input("typhoon-map", "figure"),
        prevent_initial_call=True,
    )
    app.callback(
        Output("typhoon-publish-message", "children"),
        Input("typhoon-publish", "n_clicks"),
        State("typhoon-storm", "value"),
        State("typhoon-time", "value"),
        State("typhoon-replay", "value"),
        prevent_initial_call=True,
    )(publish)
    app.callback(
        Output("typhoon-upload-message", "children"),
        Output("typhoon-storm", "options"),
        Input("typhoon-upload", "contents"),
        State("typhoon-upload-format", "value"),
        State("typhoon-upload-storm", "value"),
        prevent_initial_call=True,
    )(upload)
    correction_form.register(app)
