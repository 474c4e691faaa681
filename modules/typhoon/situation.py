"""The typhoon module's part of a consultation's board (the `situation` hook): where the
storm is, how far it is from each county seat, when its circles reach each county and town,
and which villages and key points lie inside each circle, for one viewer at one moment.

Everything is read the way the 台风会商 page reads it (`service.targets_for`,
`service.exposure_at`, `service.storm_timeline`), for the viewer's scope narrowed to the
event's, so the board and the page say the same thing at the same moment.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta

import shapely

from modules.sdk import (
    SituationItem,
    Viewer,
    narrowed_viewer,
    town_kind,
    units,
)
from modules.typhoon import service, storage
from modules.typhoon.circles import GEOD
from modules.typhoon.exposure import Targets
from modules.typhoon.figure import AGENCY_COLOURS, CIRCLE_STYLE
from modules.typhoon.models import TyphoonStorm
from modules.typhoon.track import GRADES, LEVELS, Fix, StormData, storm_id_ok

MODULE = "typhoon"
HORIZON = timedelta(hours=24)  # the ETA items' members: units reached within this
LEVEL_ZH = {7: "七级", 10: "十级", 12: "十二级"}
UNIT_LEVEL_ZH = {"county": "县区", "town": "乡镇街道"}
UNAVAILABLE = "不可用"
COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
# Lower bounds (m/s) of wind force 1-17 (GB/T 28591-2012); 61.3 m/s and up is "17级以上".
FORCE_FLOORS = (0.3, 1.6, 3.4, 5.5, 8.0, 10.8, 13.9, 17.2, 20.8, 24.5, 28.5, 32.7, 37.0, 41.5)
FORCE_FLOORS += (46.2, 51.0, 56.1)
ABOVE_17 = 61.3


@dataclasses.dataclass
class Board:
    """What every item of one answer shares: the storm, the time, the viewer's targets."""

    storm: TyphoonStorm
    data: StormData
    targets: Targets
    moment: datetime  # the consultation's clock (UTC)
    fix: Fix  # the storm at `moment`, held to its track's span
    exposure: dict  # service.exposure_at at fix.time
    timeline: dict  # the whole best track's enter/leave times (the cache exposure_at read)
    source: str
    drill: bool

    @property
    def at(self) -> datetime:
        return self.fix.time


def items(viewer: Viewer, session, event, moment: datetime, core) -> list[SituationItem]:
    """The typhoon items for `event` at `moment`; [] unless it is a stored typhoon's."""
    if event.kind != "typhoon" or not isinstance(event.ref, str) or not storm_id_ok(event.ref):
        return []
    found = storage.load(session, event.ref)
    if found is None or not found[1].fixes:
        return []
    narrowed = narrowed_viewer(viewer, event.scope)
    if narrowed is None:
        return []
    storm, data = found
    first, last = data.fixes[0].time, data.fixes[-1].time
    # Before the first fix or after the last, the storm is where it was last known (the page
    # holds its slider to the same span).
    fix = service.interpolate_fix(data, min(max(moment, first), last))
    targets = service.targets_for(session, narrowed, core)
    board = Board(
        storm,
        data,
        targets,
        moment,
        fix,
        service.exposure_at(storm, data, targets, fix.time),
        service.storm_timeline(storm, data, targets),
        f"台风模块 · {service.label(storm)} · {track_source(storm, data)}",
        bool(event.drill),
    )
    return [
        position_item(board),
        county_seats_item(board, seat_points(session, narrowed)),
        *(eta_item(board, level) for level in (7, 10)),
        *(inside_item(board, level) for level in LEVELS),
        sites_item(board),
    ]


def track_source(storm, data: StormData | None = None) -> str:
    """What the observed track is read from: the best track's source, and 实况（CMA报文） when
    advisories' analyses extend it (or are all there is, during a live storm)."""
    labels = service.observed_from(data) if data is not None else ["最佳路径"]
    parts = [best_source(storm) if label == "最佳路径" else label for label in labels]
    return "、".join(parts) or best_source(storm)


def best_source(storm) -> str:
    text = storm.source or ""
    if "CMA" in text:
        return "CMA 最佳路径"
    if "JMA" in text or "Japan Meteorological" in text:
        return "JMA 最佳路径"
    return "最佳路径"


# --- position -------------------------------------------------------------------------------


def wind_force(wind_ms: float | None) -> str:
    """The wind force (风力等级) of a 2-min mean wind, e.g. "14级"; "" when unknown."""
    if wind_ms is None:
        return ""
    if wind_ms >= ABOVE_17:
        return "17级以上"
    return f"{sum(1 for floor in FORCE_FLOORS if wind_ms >= floor)}级"


def compass(bearing: float) -> str:
    """One of eight directions (北, 东北, ...) for a bearing in degrees from north."""
    return COMPASS[int(((bearing % 360) + 22.5) // 45) % 8]


def said_direction(bearing: float) -> str:
    """A direction as a sentence says it: 正南 for a cardinal, 东南 for the others."""
    name = compass(bearing)
    return f"正{name}" if len(name) == 1 else name


def movement(fixes: list[Fix], time: datetime) -> tuple[float, float] | None:
    """Bearing (degrees) and speed (km/h) along the track segment holding `time` (the last
    one at or after the last fix); None when no such segment spans any time."""
    if len(fixes) < 2:
        return None
    later = next((i for i, f in enumerate(fixes) if f.time > time), len(fixes) - 1)
    before, after = fixes[max(later - 1, 0)], fixes[max(later, 1)]
    hours = (after.time - before.time).total_seconds() / 3600
    if hours <= 0:
        return None
    azimuth, _, metres = GEOD.inv(before.lon, before.lat, after.lon, after.lat)
    return azimuth % 360, metres / 1000 / hours


def position_item(board: Board) -> SituationItem:
    fix = board.fix
    grade = GRADES.get(fix.grade, "")
    head = " ".join(part for part in (grade, wind_force(fix.wind)) if part)
    value = " · ".join(
        part
        for part in (
            head,
            f"中心 {fix.lon:.1f}°E {fix.lat:.1f}°N",
            f"{fix.pressure:.0f} hPa" if fix.pressure is not None else "",
        )
        if part
    )
    moving = movement(board.data.fixes, fix.time)
    row = {
        "time": service.beijing(fix.time, "%Y-%m-%d %H:%M"),
        "lon": round(fix.lon, 2),
        "lat": round(fix.lat, 2),
        "wind_ms": round(fix.wind, 1) if fix.wind is not None else None,
        "force": wind_force(fix.wind),
        "grade": grade,
        "pressure_hpa": round(fix.pressure) if fix.pressure is not None else None,
        "moving": f"{compass(moving[0])} {moving[0]:.0f}° · {moving[1]:.0f} km/h" if moving else "",
    }
    columns = (
        ("time", "时间（北京时）"),
        ("lon", "经度 °E"),
        ("lat", "纬度 °N"),
        ("wind_ms", "最大风速 m/s"),
        ("force", "风力"),
        ("grade", "强度"),
        ("pressure_hpa", "中心气压 hPa"),
        ("moving", "移向 · 移速"),
    )
    severity = {"5": "alarm", "6": "alarm", "3": "warn", "4": "warn"}.get(fix.grade, "info")
    return SituationItem(
        "typhoon.position",
        MODULE,
        "台风位置与强度",
        value,
        board.source,
        as_of=fix.time,
        columns=columns,
        rows=(row,),
        features=tuple(track_features(board)),
        severity=severity,
        order=10,
    )


def _line(points: list[tuple[float, float]], **properties) -> dict:
    coordinates = [[round(x, 4), round(y, 4)] for x, y in points]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": properties,
    }


def forecasts_in_force(data: StormData, moment: datetime) -> list:
    """Each agency's latest forecast issued by `moment` (the page's, at that time)."""
    issued = [f for f in data.forecasts if f.issued_at <= moment]
    return service.latest_forecasts(dataclasses.replace(data, forecasts=issued))


def track_features(board: Board) -> list[dict]:
    fix = board.fix
    features = []
    past = [(f.lon, f.lat) for f in board.data.fixes if f.time < fix.time] + [(fix.lon, fix.lat)]
    if len(past) > 1:
        features.append(_line(past, name="实况路径", colour="#616161"))
    for forecast in forecasts_in_force(board.data, board.moment):
        points = service.forecast_track(board.data, forecast)
        if len(points) < 2:
            continue
        features.append(
            _line(
                [(p.lon, p.lat) for p in points],
                name=f"{forecast.agency} 预报路径（{service.beijing(forecast.issued_at)} 发布）",
                colour=AGENCY_COLOURS.get(forecast.agency, "#7b1fa2"),
                dash="dash",
            )
        )
    for level, (name, fill, edge) in CIRCLE_STYLE.items():
        outline = service.circle_ring(fix, level)
        if outline is None:
            continue
        polygon = shapely.Polygon(outline)
        if not polygon.is_valid:  # a circle with collapsed quadrants can touch itself
            polygon = polygon.buffer(0)
        geometry = shapely.geometry.mapping(shapely.set_precision(polygon, 1e-4))
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(json.dumps(geometry)),  # tuples to lists: JSON-safe
                "properties": {"name": name, "colour": edge, "fill": fill, "level": level},
            }
        )
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(fix.lon, 4), round(fix.lat, 4)]},
            "properties": {"name": "台风中心", "colour": "#c62828"},
        }
    )
    return features


# --- county seats ---------------------------------------------------------------------------


SEAT_STREETS = "所辖街道中心"
SEAT_LABEL = "区县代表点"


def seat_points(session, viewer: Viewer) -> list[tuple[str, str, float, float, str]]:
    """(code, name, lon, lat, how) of each county seat in scope. No seat point is stored:
    a county's sub-districts (街道) lie around its seat, so the mean of their label points
    stands for it; a county without any (秀屿区) has its own label point, a point well
    inside its largest part."""
    streets: dict[str, list] = {}
    for town in units(session, viewer, "town"):
        if town_kind(town.code) == "街道":
            streets.setdefault(town.parent_code, []).append(town)
    seats = []
    for county in units(session, viewer, "county"):
        own = streets.get(county.code)
        if own:
            lon = sum(t.label_lon for t in own) / len(own)
            lat = sum(t.label_lat for t in own) / len(own)
            seats.append((county.code, county.name, lon, lat, SEAT_STREETS))
        else:
            seats.append((county.code, county.name, county.label_lon, county.label_lat, SEAT_LABEL))
    return seats


def county_seats_item(board: Board, seats) -> SituationItem:
    """Distance and bearing from the centre to each county seat in scope (`seat_points`)."""
    fix = board.fix
    rows, features = [], []
    for code, name, lon, lat, how in seats:
        azimuth, back, metres = GEOD.inv(fix.lon, fix.lat, lon, lat)
        km = round(metres / 1000, 1)
        rows.append(
            {
                "unit": code,
                "name": name,
                "distance_km": km,
                "bearing": compass(azimuth),
                "bearing_deg": round(azimuth % 360),
                "said": f"台风中心位于{name}{said_direction(back)}方向约{km:.0f}公里",
                "seat": how,
            }
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"name": f"{name}驻地（{how}）", "unit": code},
            }
        )
    rows.sort(key=lambda r: r["distance_km"])
    return SituationItem(
        "typhoon.county_seats",
        MODULE,
        "距各区县驻地",
        rows[0]["distance_km"] if rows else "—",
        board.source,
        as_of=fix.time,
        unit="km",
        columns=(
            ("name", "区县"),
            ("distance_km", "距离 km"),
            ("bearing", "驻地相对中心方位"),
            ("bearing_deg", "方位角 °"),
            ("said", "说明"),
            ("seat", "驻地取点"),
        ),
        rows=tuple(rows),
        features=tuple(features),
        order=20,
    )


# --- ETA of the circles ---------------------------------------------------------------------


def ahead_track(board: Board) -> tuple[list[Fix], str, str]:
    """The track the circles' arrival is read from, its timeline cache tag and its name: the
    best track in a drill (the replay knows what came next), else the forecast in force
    (CMA's when there is one, else the latest issued)."""
    if board.drill:
        return board.data.fixes, "best", track_source(board.storm, board.data)
    forecasts = forecasts_in_force(board.data, board.moment)
    if not forecasts:
        return [], "", "无预报"
    chosen = min(forecasts, key=lambda f: (f.agency != "CMA", -f.issued_at.timestamp()))
    tag = f"forecast:{chosen.agency}:{chosen.issued_at.isoformat()}"  # forecast_exposure's
    issued = service.beijing(chosen.issued_at)
    return service.forecast_track(board.data, chosen), tag, f"{chosen.agency} {issued} 发布预报"


def eta_item(board: Board, level: int) -> SituationItem:
    track, tag, basis = ahead_track(board)
    inside_now = {u["code"] for u in board.exposure["levels"][str(level)]["units"]}
    available = any(f.radii.get(level) is not None for f in track)
    found = (
        service.storm_timeline(board.storm, board.data, board.targets, track, tag)
        if available
        else {}
    )
    rows = []
    for target in board.targets.polygons:
        if target.kind not in UNIT_LEVEL_ZH:
            continue
        if target.key in inside_now:
            reach = board.moment
        else:
            spans = found[target.key].intervals.get(level, []) if target.key in found else []
            reach = next((max(a, board.moment) for a, b in spans if b > board.moment), None)
        if reach is None or reach - board.moment > HORIZON:
            continue
        rows.append(
            {
                "unit": target.key,
                "name": target.name,
                "level": UNIT_LEVEL_ZH[target.kind],
                "eta": "已在圈内" if target.key in inside_now else service.beijing(reach),
                "hours": round((reach - board.moment).total_seconds() / 3600, 1),
            }
        )
    rows.sort(key=lambda r: (r["hours"], r["unit"]))
    towns = sum(1 for r in rows if r["level"] == UNIT_LEVEL_ZH["town"])
    reachable = available or bool(inside_now)
    return SituationItem(
        f"typhoon.eta{level}",
        MODULE,
        f"{LEVEL_ZH[level]}风圈24小时内抵达",
        towns if reachable else UNAVAILABLE,
        f"{board.source} · 抵达时间据{basis}",
        as_of=board.at,
        unit="个乡镇街道" if reachable else "",
        columns=(
            ("name", "单位"),
            ("level", "层级"),
            ("eta", "抵达（北京时）"),
            ("hours", "距此刻 小时"),
        ),
        rows=tuple(rows),
        key="unit",
        entered="新进入24小时影响范围",
        left="移出24小时影响范围",
        severity=("alarm" if level >= 10 else "warn") if towns else "",
        order=30 + LEVELS.index(level),
    )


# --- who is inside --------------------------------------------------------------------------


def _names(targets: Targets) -> dict[str, str]:
    return {t.key: t.name for t in targets.polygons}


def _span(board: Board, key: str, level: int) -> str:
    """The interval holding the moment, in Beijing time (e.g. 09-28 07:05 – 09-29 16:26)."""
    exposure = board.timeline.get(key)
    for start, end in exposure.intervals.get(level, []) if exposure else []:
        if start <= board.at < end:  # half-open: `end` is the first minute outside
            return f"{service.beijing(start)} – {service.beijing(end)}"
    return ""


def inside_item(board: Board, level: int) -> SituationItem:
    """The villages inside the level's circle at the moment: exposure_at's, as the page's."""
    block = board.exposure["levels"][str(level)]
    names = _names(board.targets)
    parents = {t.key: t.parent for t in board.targets.polygons}
    rows = tuple(
        {
            "unit": unit["code"],
            "name": unit["name"],
            "town": names.get(parents.get(unit["code"], ""), ""),
            "span": _span(board, unit["code"], level),
        }
        for unit in block["units"]
        if unit["level"] == "village"
    )
    circle = f"{LEVEL_ZH[level]}风圈"
    return SituationItem(
        f"typhoon.inside{level}",
        MODULE,
        f"{circle}内村居",
        len(rows) if block["available"] else UNAVAILABLE,
        board.source,
        as_of=board.at,
        unit="个村居" if block["available"] else "",
        columns=(("name", "村居"), ("town", "乡镇街道"), ("span", "在圈内时段（北京时）")),
        rows=rows,
        key="unit",
        entered=f"新进入{circle}",
        left=f"移出{circle}",
        severity=("alarm" if level >= 10 else "warn") if rows else "",
        order=40 + LEVELS.index(level),
    )


def sites_item(board: Board) -> SituationItem:
    block = board.exposure["levels"]["7"]
    names = _names(board.targets)
    rows = tuple(
        {
            "site": site["site"],
            "name": site["name"],
            "unit": site["village_code"],
            "village": names.get(site["village_code"], ""),
            "span": _span(board, site["site"], 7),
        }
        for site in block["sites"]
    )
    return SituationItem(
        "typhoon.sites_inside",
        MODULE,
        "七级风圈内重点部位",
        len(rows) if block["available"] else UNAVAILABLE,
        board.source,
        as_of=board.at,
        unit="个重点部位" if block["available"] else "",
        columns=(("name", "重点部位"), ("village", "村居"), ("span", "在圈内时段（北京时）")),
        rows=rows,
        key="site",
        entered="新进入七级风圈",
        left="移出七级风圈",
        severity="warn" if rows else "",
        order=50,
    )
