"""The map layers: the viewer's key points coloured by live risk level, and the stations
coloured by state (each carrying its code in customdata, for the click that shows its series).

At a city or county view ~1,000 points would cover the map, and a click would nearly always
land on one instead of the unit under it: there the points are gathered into one marker per
unit below the view (sized by their number, coloured by the highest live risk, carrying
`unit:<code>` so a click on it drills into that unit). From a town view down each point is
drawn, unless they are more than the screen can show apart (a town holding thousands):
then points sharing a cell of a grid about 50 px wide at the town's view are drawn as one
marker (sized by their number, coloured by the highest live risk, a click selecting the
village most of them lie in), so a town with 100,000 points sends and draws a few hundred
markers. Each colour a layer uses is named by an empty trace (no points) for the map's legend.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from modules.flood import live, risk, stations
from modules.flood.models import RISK_LEVELS, FloodKeyPoint
from modules.flood.points import RISK_COLOURS, RISK_LABELS, phone_for, points_for, scope_condition
from modules.sdk import DivisionCode, LayerSpec, Viewer, child_level, unit_profile, units

LAYER_ID = "flood-key-points"
TITLE = "重点部位"
STATIONS_LAYER_ID = "flood-stations"
STATIONS_TITLE = "监测站"
STATION_PREFIX = "flood-station:"
# customdata of a gathered marker: a click on it asks the map for that unit.
UNIT_PREFIX = "unit:"
# Views at which points are gathered per unit one level down.
GATHERED_LEVELS = ("city", "county")
# ~1 m: enough for a marker, and it keeps the city leader's figure small.
DECIMALS = 5
POINT_SIZE = 9
GATHERED_SIZE = (14, 32)  # px, the fewest and the most points of a view
# Above this many points a view's points are gathered on a grid (the screen shows ~300 cells
# of ~50 px; 400 separate markers already overlap at a town's view).
CLUSTER_OVER = 400
GRID_CELLS = 16  # across the points' extent: ~50 px cells on an ~800 px map
STATION_SIZE = 14
# Smaller where the view is wide, so that a station near a unit's middle leaves it clickable.
STATION_SIZE_WIDE = 10


@dataclass(frozen=True)
class Group:
    """A unit the points of a city or county view are gathered in."""

    code: str
    name: str
    lon: float
    lat: float


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


def legend_trace(name: str, colour: str, size: int = POINT_SIZE) -> dict:
    """An empty trace that names one colour of a layer in the map's legend."""
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": name,
        "lon": [],
        "lat": [],
        "marker": {"size": size, "color": colour},
        "hoverinfo": "skip",
        "showlegend": True,
    }


def wide_view(viewer: Viewer, unit: str | None) -> bool:
    """True at a city or county view (the viewer's several jurisdictions: when one is wide)."""
    unit = unit or viewer.home
    if unit:
        return DivisionCode.parse(unit).level in GATHERED_LEVELS
    return any(DivisionCode.parse(s).level in GATHERED_LEVELS for s in viewer.scopes)


def groups_for(session: Session, viewer: Viewer, unit: str | None) -> list[Group] | None:
    """The units a view's points are gathered in, or None when they are drawn one by one."""
    if not wide_view(viewer, unit):
        return None
    unit = unit or viewer.home
    if unit:
        focus = DivisionCode.parse(unit)
        rows = units(session, viewer, child_level(focus.level), within=focus)
        return [Group(r.code, r.name, r.label_lon, r.label_lat) for r in rows]
    # Several jurisdictions (the viewer's own root): one group each.
    found = [unit_profile(session, viewer, s) for s in viewer.scopes]
    return [Group(p["code"], p["name"], *p["label_point"]) for p in found]


def _village_counts(
    session: Session, viewer: Viewer, unit: str | None, core
) -> tuple[dict[str, Counter], Counter]:
    """({village code: Counter of live risk levels}, {village code: points raised above
    their base level}) for a view that only counts its points. The base levels are counted
    in SQL; only the points something raises now (a station over its threshold nearby, an
    exposure naming them or a unit around them) are read one by one: a city of 100,000
    points costs about what one of 1,000 does."""
    inside = scope_condition(viewer, session, unit)
    counts: dict[str, Counter] = {}
    statement = (
        select(FloodKeyPoint.village_code, FloodKeyPoint.risk_level, func.count())
        .where(inside)
        .group_by(FloodKeyPoint.village_code, FloodKeyPoint.risk_level)
    )
    for village, level, number in session.execute(statement):
        counts.setdefault(village, Counter())[level] += number
    at = datetime.now(UTC)
    every = stations.all_stations(session)
    states = stations.states(session, every, at)
    signals = live.exposures(session, core, at)
    by_site, by_unit = risk.exposure_causes(signals, at)
    maybe_raised = []
    for station in every:
        state = states.get(station.id)
        if state is None or state.state not in risk.SENSOR_RISK:
            continue
        # A box around the station's radius; live_levels keeps those within the radius.
        dlat = risk.SENSOR_RADIUS_KM / 110.0
        dlon = dlat / max(math.cos(math.radians(station.lat)), 0.1)
        maybe_raised.append(
            and_(
                FloodKeyPoint.lon.between(station.lon - dlon, station.lon + dlon),
                FloodKeyPoint.lat.between(station.lat - dlat, station.lat + dlat),
            )
        )
    sites = [int(k[6:]) for k in by_site if k.startswith("flood:") and k[6:].isdigit()]
    if sites:
        maybe_raised.append(FloodKeyPoint.id.in_(sites))
    for code, _ in by_unit:
        maybe_raised.append(FloodKeyPoint.village_code.startswith(DivisionCode.parse(code).prefix))
    raised: Counter = Counter()
    if not maybe_raised:
        return counts, raised
    columns = (
        FloodKeyPoint.id,
        FloodKeyPoint.village_code,
        FloodKeyPoint.risk_level,
        FloodKeyPoint.lon,
        FloodKeyPoint.lat,
    )
    rows = list(session.execute(select(*columns).where(inside, or_(*maybe_raised))))
    levels = risk.live_levels(rows, every, states, signals, at)
    for row in rows:
        level = levels[row.id][0]
        if level != row.risk_level:
            counts[row.village_code][row.risk_level] -= 1
            counts[row.village_code][level] += 1
            raised[row.village_code] += 1
    return counts, raised


def _gathered_trace(groups: list[Group], counts: dict[str, Counter], raised: Counter) -> dict:
    by_group: dict[str, Counter] = {g.code: Counter() for g in groups}
    raised_in: Counter = Counter()
    prefixes = [(DivisionCode.parse(g.code).prefix, g.code) for g in groups]
    for village, risks in counts.items():
        code = next((c for p, c in prefixes if village.startswith(p)), None)
        if code is not None:
            by_group[code].update(risks)
            raised_in[code] += raised[village]
    inside = {code: sum(risks.values()) for code, risks in by_group.items()}
    shown = [g for g in groups if inside[g.code]]
    most = max((inside[g.code] for g in shown), default=1)
    low, high = GATHERED_SIZE
    sizes, colours, texts = [], [], []
    for group in shown:
        risks = by_group[group.code]
        worst = next(r for r in RISK_LEVELS if risks[r])
        detail = " · ".join(f"{RISK_LABELS[r]} {risks[r]}" for r in RISK_LEVELS if risks[r])
        text = f"<b>{group.name}</b>：{inside[group.code]} 个重点部位<br>{detail}"
        if raised_in[group.code]:
            text += f"<br>实时风险升高 {raised_in[group.code]} 个"
        sizes.append(round(low + (high - low) * math.sqrt(inside[group.code] / most), 1))
        colours.append(RISK_COLOURS[worst])
        texts.append(text + "<br>点击进入查看各点")
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": TITLE,
        "lon": [round(g.lon, DECIMALS) for g in shown],
        "lat": [round(g.lat, DECIMALS) for g in shown],
        "marker": {"size": sizes, "color": colours, "opacity": 0.85},
        "customdata": [UNIT_PREFIX + g.code for g in shown],
        "text": texts,
        "hoverinfo": "text",
        "showlegend": True,
    }


def _clustered_trace(viewer: Viewer, points, now: dict[int, live.PointNow]) -> dict:
    """Points on a grid of GRID_CELLS across their extent: a point alone in its cell is drawn
    as itself, the points sharing a cell as one marker."""
    lons = [p.lon for p in points]
    lats = [p.lat for p in points]
    west, south = min(lons), min(lats)
    cell = max(max(lons) - west, max(lats) - south, 1e-6) / GRID_CELLS
    cells: dict[tuple[int, int], list] = {}
    for point in points:
        key = (math.floor((point.lon - west) / cell), math.floor((point.lat - south) / cell))
        cells.setdefault(key, []).append(point)
    most = max(len(members) for members in cells.values())
    low, high = GATHERED_SIZE
    lon, lat, sizes, colours, texts, data = [], [], [], [], [], []
    for members in cells.values():
        risks = Counter(now[p.id].live_risk_level for p in members)
        worst = next(r for r in RISK_LEVELS if risks[r])
        colours.append(RISK_COLOURS[worst])
        if len(members) == 1:
            (point,) = members
            lon.append(round(point.lon, DECIMALS))
            lat.append(round(point.lat, DECIMALS))
            sizes.append(POINT_SIZE)
            texts.append(_point_text(viewer, point, now[point.id]))
            data.append(None)
            continue
        lon.append(round(sum(p.lon for p in members) / len(members), DECIMALS))
        lat.append(round(sum(p.lat for p in members) / len(members), DECIMALS))
        sizes.append(round(low + (high - low) * math.sqrt(len(members) / most), 1))
        detail = " · ".join(f"{RISK_LABELS[r]} {risks[r]}" for r in RISK_LEVELS if risks[r])
        village = Counter(p.village_code for p in members).most_common(1)[0][0]
        texts.append(f"{len(members)} 个重点部位<br>{detail}<br>点击选中其所在村居")
        data.append(UNIT_PREFIX + village)
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": TITLE,
        "lon": lon,
        "lat": lat,
        "marker": {"size": sizes, "color": colours, "opacity": 0.85},
        "customdata": data,
        "text": texts,
        "hoverinfo": "text",
        "showlegend": True,
    }


def _points_trace(viewer: Viewer, points, now: dict[int, live.PointNow]) -> dict:
    """Every point as itself, coloured by its live risk, with its hover text."""
    return {
        "type": "scattermap",
        "mode": "markers",
        "name": TITLE,
        "lon": [round(p.lon, DECIMALS) for p in points],
        "lat": [round(p.lat, DECIMALS) for p in points],
        "marker": {
            "size": POINT_SIZE,
            "color": [RISK_COLOURS[now[p.id].live_risk_level] for p in points],
        },
        "text": [_point_text(viewer, p, now[p.id]) for p in points],
        "hoverinfo": "text",
        "showlegend": True,
    }


def key_points_layer(
    session: Session, viewer: Viewer, unit: str | None = None, core=None
) -> LayerSpec:
    """The points inside the map's focus unit: a drill-down sends only the unit's points."""
    groups = groups_for(session, viewer, unit)
    if groups is not None:
        trace = _gathered_trace(groups, *_village_counts(session, viewer, unit, core))
    else:
        points = points_for(session, viewer, unit=unit)
        now = live.annotate(session, core, points)
        many = len(points) > CLUSTER_OVER
        trace = (_clustered_trace if many else _points_trace)(viewer, points, now)
    legend = [legend_trace(f"{RISK_LABELS[r]}色风险", RISK_COLOURS[r]) for r in RISK_LEVELS]
    if groups is not None:
        legend.append(legend_trace("按下级单位汇总，圆越大越多", "#bdbdbd", GATHERED_SIZE[1]))
    elif len(points) > CLUSTER_OVER:
        legend.append(legend_trace("相邻点汇总，圆越大越多", "#bdbdbd", GATHERED_SIZE[1]))
    return LayerSpec(id=LAYER_ID, title=TITLE, traces=(trace, *legend), order=50)


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


# What each station colour means in the legend (rain and level words together).
STATE_LEGEND = {
    "normal": "正常",
    "warning": "超警戒",
    "danger": "严重（超保证）",
    "nodata": "无数据",
}


def stations_layer(session: Session, viewer: Viewer, unit: str | None = None) -> LayerSpec:
    found = stations.stations_for(session, viewer, unit)
    state = stations.states(session, found, datetime.now(UTC))
    size = STATION_SIZE_WIDE if wide_view(viewer, unit) else STATION_SIZE
    trace = {
        "type": "scattermap",
        "mode": "markers",
        "name": STATIONS_TITLE,
        "lon": [round(s.lon, DECIMALS) for s in found],
        "lat": [round(s.lat, DECIMALS) for s in found],
        "marker": {
            "size": size,
            "symbol": "circle",
            "color": [stations.STATE_COLOURS[state[s.id].state] for s in found],
        },
        "customdata": [STATION_PREFIX + s.code for s in found],
        "text": [_station_text(s, state[s.id]) for s in found],
        "hoverinfo": "text",
        "showlegend": True,
    }
    legend = [
        legend_trace(label, stations.STATE_COLOURS[key], size)
        for key, label in STATE_LEGEND.items()
    ]
    return LayerSpec(id=STATIONS_LAYER_ID, title=STATIONS_TITLE, traces=(trace, *legend), order=60)
