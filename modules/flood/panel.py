"""The side panel 防汛重点部位 for the map's focus: counts by risk level and by category, the
points raised by live risk, the stations in alarm, the open campaign's progress, links to
download the points, and the series of a clicked station. Every figure is for the unit in
focus (the viewer's whole scope when there is none)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlencode

from dash import dcc, html
from sqlalchemy.orm import Session

from modules.flood import live, patrol, stations
from modules.flood.models import RISK_LEVELS
from modules.flood.points import RISK_COLOURS, RISK_LABELS, points_for
from modules.sdk import (
    SAFE_GRAPH_CONFIG,
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    PanelSpec,
    Viewer,
    unit_profile,
)

PANEL_ID = "flood-key-points"
TITLE = "防汛重点部位"
PROGRESS_ID = "flood-progress"
STATION_ID = "flood-station-detail"
STATION_HINT = "点击地图上的监测站，查看其近 24 小时过程线与阈值。"
# Every chart of the module: the SDK's config (no control that sends data off the server,
# zh-CN): an intranet's readings stay on the intranet.
GRAPH_CONFIG = SAFE_GRAPH_CONFIG


def _unit_for(session: Session, viewer: Viewer, focus) -> tuple[str | None, str]:
    """(unit code or None for the whole scope, its name) for the map's focus, if in scope."""
    if isinstance(focus, str) and focus:
        try:
            full = DivisionCode.parse(focus)
        except InvalidCode:
            full = None
        if full and viewer.covers(full):
            try:
                return full, unit_profile(session, viewer, full)["name"]
            except (Forbidden, NotFound):
                pass
    home = viewer.home
    if home:
        return home, unit_profile(session, viewer, home)["name"]
    return None, "辖区"


def progress_block(session: Session, viewer: Viewer, focus=None) -> list:
    """巡查进度 of the focused unit, e.g. 2027年汛前巡查 · 西天尾镇 38/46（82%）."""
    unit, name = _unit_for(session, viewer, focus)
    figures = patrol.progress(session, viewer, unit)
    campaigns = patrol.campaigns_for(session, viewer)
    if not figures["total"]:
        return [html.P("巡查进度：暂无进行中的巡查任务", className="flood-progress-none")]
    title = "、".join(c.name for c in campaigns[:2]) or "巡查"
    text = f"{name} {figures['done']}/{figures['total']}，{figures['percent']}%"
    return [
        html.P([html.B(f"{title}："), html.Span(text, id="flood-progress-figure")]),
        html.Progress(
            value=str(figures["done"]), max=str(figures["total"]), style={"width": "100%"}
        ),
    ]


def raised_line(points, now: dict[int, live.PointNow]) -> html.P:
    """How many points are above their base level right now (stations, exposure)."""
    raised = [p for p in points if now[p.id].live_risk_level != p.risk_level]
    by_level = Counter(now[p.id].live_risk_level for p in raised)
    detail = "、".join(f"{RISK_LABELS[r]} {by_level[r]}" for r in RISK_LEVELS if by_level[r])
    text = f"实时风险升高 {len(raised)} 个" + (f"（{detail}）" if detail else "")
    return html.P(text, id="flood-raised", title="因附近监测站超阈值或台风影响而升级")


def stations_line(session: Session, viewer: Viewer, unit: str | None) -> html.P:
    """How many of the unit's stations are over a threshold now, and which."""
    found = stations.stations_for(session, viewer, unit)
    state = stations.states(session, found, datetime.now(UTC))
    alarmed = [s for s in found if state[s.id].state in ("warning", "danger")]
    names = "、".join(s.name for s in alarmed[:3]) + ("等" if len(alarmed) > 3 else "")
    text = f"监测站 {len(found)} 个，超阈值 {len(alarmed)} 个" + (f"（{names}）" if names else "")
    return html.P(text, id="flood-stations-alarm", className="alarm" if alarmed else "")


def counts(points) -> dict:
    """Total, by base risk level (all four) and by category, of these points (the live
    rises are raised_line's)."""
    by_risk = Counter(p.risk_level for p in points)
    by_category = Counter(p.category for p in points)
    return {
        "total": len(points),
        "by_risk": {risk: by_risk[risk] for risk in RISK_LEVELS},
        "by_category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def export_links(unit: str | None) -> html.P:
    """The routes of modules/flood/routes.py, narrowed to the unit in focus."""
    query = f"?{urlencode({'unit': unit})}" if unit else ""
    return html.P(
        [
            "导出重点部位：",
            *[
                html.A(
                    label,
                    href=f"/api/v1/flood/points.{kind}{query}",
                    download=f"key-points.{kind}",
                    id={"module": "flood", "role": "export", "kind": kind},
                    className="flood-export",
                )
                for kind, label in (("csv", "CSV"), ("xlsx", "XLSX"), ("geojson", "GeoJSON"))
            ],
        ],
        className="flood-exports",
    )


def key_points_panel(
    session: Session, viewer: Viewer, core=None, unit: str | None = None
) -> PanelSpec:
    """The panel for `unit` (the map's focus; None for the viewer's whole scope)."""
    unit, name = _unit_for(session, viewer, unit)
    points = points_for(session, viewer, unit)
    now = live.annotate(session, core, points)
    figures = counts(points)
    risks = [
        html.Li(
            [
                html.Span("●", style={"color": RISK_COLOURS[risk]}),
                f" {RISK_LABELS[risk]} {n}",
            ],
            id={"module": "flood", "role": "risk-count", "level": risk},
        )
        for risk, n in figures["by_risk"].items()
    ]
    categories = [html.Li(f"{category} {n}") for category, n in figures["by_category"].items()]
    component = html.Div(
        [
            html.P(
                f"{name} {figures['total']} 个重点部位",
                id={"module": "flood", "role": "points-total"},
            ),
            html.Ul(risks, className="flood-risk-counts"),
            raised_line(points, now),
            stations_line(session, viewer, unit),
            html.Ul(categories, className="flood-category-counts"),
            html.Div(progress_block(session, viewer, unit), id=PROGRESS_ID),
            export_links(unit),
            html.Div(html.P(STATION_HINT), id=STATION_ID),
        ]
    )
    return PanelSpec(id=PANEL_ID, title=TITLE, component=component, order=50)


def station_chart(station, readings: list, state) -> list:
    """A station's recent series against its thresholds (Beijing time on the axis)."""
    from modules.flood.risk import BEIJING

    times = [r.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") for r in readings]
    values = [r.value for r in readings]
    traces: list[dict] = []
    lines: list[tuple[str, float, str]] = []
    if station.kind == "rain":
        traces.append({"type": "bar", "x": times, "y": values, "name": "时段雨量 (mm)"})
        unit = "mm"
        title = f"{station.name} 近24小时雨量"
    else:
        traces.append(
            {"type": "scatter", "mode": "lines", "x": times, "y": values, "name": "水位 (m)"}
        )
        unit = "m"
        title = f"{station.name} 近24小时水位"
        if station.warning_level is not None:
            lines.append(("警戒水位", station.warning_level, "#ff7f0e"))
        if station.guarantee_level is not None:
            lines.append(("保证水位", station.guarantee_level, "#d62728"))
    for label, value, colour in lines:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [times[0], times[-1]] if times else [],
                "y": [value, value],
                "name": f"{label} {value} {unit}",
                "line": {"dash": "dash", "color": colour},
            }
        )
    figure = {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": 13}},
            "margin": {"l": 40, "r": 10, "t": 36, "b": 40},
            "height": 260,
            "legend": {"orientation": "h"},
        },
    }
    summary_line = f"{station.name}：{state.label}"
    if state.reason:
        summary_line += f"（{state.reason}）"
    if station.kind == "rain" and station.rain_1h:
        summary_line += (
            f"；阈值 1小时 {station.rain_1h:.0f} / 3小时 {station.rain_3h:.0f} / "
            f"24小时 {station.rain_24h:.0f} mm"
        )
    return [
        html.P(summary_line, id="flood-station-summary"),
        dcc.Graph(figure=figure, config=GRAPH_CONFIG, id="flood-station-chart"),
    ]
