"""The map layers: the viewer's key points coloured by live risk level, and the stations
coloured by state (each carrying its code in customdata, for the click that shows its series)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modules.flood import live, stations
from modules.flood.points import RISK_COLOURS, RISK_LABELS, phone_for, points_for
from modules.sdk import LayerSpec, Viewer

LAYER_ID = "flood-key-points"
TITLE = "重点部位"
STATIONS_LAYER_ID = "flood-stations"
STATIONS_TITLE = "监测站"
STATION_PREFIX = "flood-station:"
# ~1 m: enough for a marker, and it keeps the city leader's figure small.
DECIMALS = 5


def _point_text(viewer: Viewer, point, now: live.PointNow) -> str:
    level = RISK_LABELS[now.live_risk_level]
    text = f"{point.name}<br>{point.category} · 风险等级 {level}"
    if now.live_risk_level != point.risk_level:
        text += f"（基础 {RISK_LABELS[point.risk_level]}）"
    if now.live_risk_reason:
        text += f"<br>{now.live_risk_reason}"
    # The usual case (patrolled, nothing found) goes unsaid: ~1,000 markers travel per render.
    status = "" if now.patrol.status == "已巡查正常" else f"{now.patrol.status} · "
    return text + f"<br>{status}{point.responsible_name} {phone_for(viewer, point)}"


def key_points_layer(
    session: Session, viewer: Viewer, unit: str | None = None, core=None
) -> LayerSpec:
    """The points inside the map's focus unit: a drill-down sends only the unit's points."""
    points = points_for(session, viewer, unit=unit)
    now = live.annotate(session, core, points)
    trace = {
        "type": "scattermap",
        "mode": "markers",
        "name": TITLE,
        "lon": [round(p.lon, DECIMALS) for p in points],
        "lat": [round(p.lat, DECIMALS) for p in points],
        "marker": {
            "size": 9,
            "color": [RISK_COLOURS[now[p.id].live_risk_level] for p in points],
        },
        "text": [_point_text(viewer, p, now[p.id]) for p in points],
        "hoverinfo": "text",
        "showlegend": True,
    }
    return LayerSpec(id=LAYER_ID, title=TITLE, traces=(trace,), order=50)


def _station_text(station, state: stations.StationState) -> str:
    kind = stations.KIND_LABELS[station.kind]
    if state.value is None:
        reading = "暂无读数"
    elif station.kind == "rain":
        rain = state.rain or {}
        reading = f"1小时 {rain.get('1h', 0):.1f} mm · 24小时 {rain.get('24h', 0):.1f} mm"
    else:
        reading = f"水位 {state.value:.2f} m（警戒 {station.warning_level} m）"
    return f"{station.name}（{kind}）<br>{state.label} · {reading}<br>点击查看过程线"


def stations_layer(session: Session, viewer: Viewer, unit: str | None = None) -> LayerSpec:
    found = stations.stations_for(session, viewer, unit)
    state = stations.states(session, found, datetime.now(UTC))
    trace = {
        "type": "scattermap",
        "mode": "markers",
        "name": STATIONS_TITLE,
        "lon": [round(s.lon, DECIMALS) for s in found],
        "lat": [round(s.lat, DECIMALS) for s in found],
        "marker": {
            "size": 14,
            "symbol": "circle",
            "color": [stations.STATE_COLOURS[state[s.id].state] for s in found],
        },
        "customdata": [STATION_PREFIX + s.code for s in found],
        "text": [_station_text(s, state[s.id]) for s in found],
        "hoverinfo": "text",
        "showlegend": True,
    }
    return LayerSpec(id=STATIONS_LAYER_ID, title=STATIONS_TITLE, traces=(trace,), order=60)
