"""The flood module's part of a consultation's board (the `situation` hook): stations over
their thresholds, key points raised above their base risk, and the pre-season patrol's
coverage, for one viewer narrowed to the event's jurisdiction, at one moment.

Everything is read the way the map reads it: station states from the readings at or before
the moment (`stations.states`), live risk from those states and the `exposure` signals in
force (`risk.live_levels`), patrol states of the open campaigns (`patrol.statuses`). Every
event kind gets these items: water and rain matter in a typhoon, a rainstorm and a flood.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from modules.flood import live, patrol, risk, stations
from modules.flood.models import FloodKeyPoint, FloodReading, FloodStation
from modules.flood.points import RISK_COLOURS, RISK_LABELS, points_for
from modules.sdk import (
    DivisionCode,
    SituationItem,
    Viewer,
    in_storm_time,
    narrowed_viewer,
    unit_names,
)

MODULE = "flood"
BEIJING = timedelta(hours=8)
# How far back a station's spell over its threshold is traced (its `since`).
SPELL_HOURS = 48
OVER = ("warning", "danger")


def items(viewer: Viewer, session: Session, event, moment: datetime, core) -> list:
    """The flood items for `event` at `moment` (UTC), inside the viewer's scope and the
    event's; [] when the two do not overlap."""
    narrowed = narrowed_viewer(viewer, event.scope)
    if narrowed is None:
        return []
    every = stations.all_stations(session)
    states = stations.states(session, every, moment)
    points = points_for(session, narrowed)
    return [
        stations_over(session, narrowed, every, states, moment),
        points_risk(session, core, event, points, every, states, moment),
        patrol_coverage(session, narrowed, event, points, moment),
    ]


def beijing(moment: datetime | None) -> str:
    return (moment.astimezone(UTC) + BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- stations over their thresholds ----------------------------------------------------------


def _rain_worst(station: FloodStation, sums: dict[str, float]) -> tuple[str, float, float]:
    """(window label, rain, threshold) of the window furthest over its threshold (the one
    `stations.state_of` names in its reason)."""
    worst = None
    for column, hours, label in stations.RAIN_WINDOWS:
        threshold = getattr(station, column)
        value = sums[f"{hours}h"]
        if threshold and value >= threshold and (worst is None or value / threshold > worst[0]):
            worst = (value / threshold, label, value, threshold)
    return worst[1:] if worst else ("", 0.0, 0.0)


def _over_at(station: FloodStation, times: list, cumulative: list, values: list, i: int) -> bool:
    """Whether the station was over a threshold at its i-th reading."""
    if station.kind == "level":
        line = station.warning_level
        line = station.guarantee_level if line is None else line
        return line is not None and values[i] >= line
    for column, hours, _ in stations.RAIN_WINDOWS:
        threshold = getattr(station, column)
        start = bisect_right(times, times[i] - timedelta(hours=hours))
        if threshold and cumulative[i + 1] - cumulative[start] >= threshold:
            return True
    return False


def since_over(station: FloodStation, readings: list[FloodReading]) -> datetime | None:
    """When the station's current spell over a threshold began: the earliest reading of the
    unbroken run of readings over it that ends with the latest (oldest first in `readings`).
    Rain sums use prefix sums, so a gauge reporting every 5 minutes costs O(n log n)."""
    if not readings:
        return None
    times = [r.at for r in readings]
    values = [r.value for r in readings]
    cumulative = [0.0]
    for value in values:
        cumulative.append(cumulative[-1] + value)
    since = None
    for i in range(len(readings) - 1, -1, -1):
        if not _over_at(station, times, cumulative, values, i):
            break
        since = times[i]
    return since or times[-1]


def _reading_text(station: FloodStation, state: stations.StationState) -> tuple[str, str]:
    """(reading, threshold) as a person reads them."""
    if station.kind == "level":
        danger = state.state == "danger"
        line = station.guarantee_level if danger else station.warning_level
        return f"{state.value:.2f} m", f"{'保证' if danger else '警戒'} {line:.2f} m"
    label, value, threshold = _rain_worst(station, state.rain or {})
    return f"{label}雨量 {value:.0f} mm", f"{label} {threshold:.0f} mm"


def stations_over(
    session: Session,
    viewer: Viewer,
    every: list[FloodStation],
    states: dict[int, stations.StationState],
    moment: datetime,
) -> SituationItem:
    """`flood.stations_over`: the viewer's stations over a threshold at `moment`."""
    over = [s for s in every if viewer.covers(s.village_code) and states[s.id].state in OVER]
    history = stations.recent_readings(session, [s.id for s in over], moment, SPELL_HOURS)
    rows, features = [], []
    for station in over:
        state = states[station.id]
        reading, threshold = _reading_text(station, state)
        rows.append(
            {
                "unit": station.village_code,
                "station": station.code,
                "name": station.name,
                "kind": stations.KIND_LABELS[station.kind],
                "state": state.label,
                "reading": reading,
                "threshold": threshold,
                "since": beijing(since_over(station, history[station.id])),
            }
        )
        features.append(
            _point(
                station.lon,
                station.lat,
                name=f"{station.name}（{state.label}）",
                colour=stations.STATE_COLOURS[state.state],
                unit=station.village_code,
            )
        )
    danger = any(states[s.id].state == "danger" for s in over)
    return SituationItem(
        id="flood.stations_over",
        module=MODULE,
        title="超警戒监测站",
        value=len(rows),
        unit="个",
        source="防汛模块 · 雨量站、水位站实时监测",
        as_of=moment,
        columns=(
            ("station", "站码"),
            ("name", "站名"),
            ("kind", "类型"),
            ("state", "状态"),
            ("reading", "读数"),
            ("threshold", "阈值"),
            ("since", "超警时间"),
            ("unit", "村居代码"),
        ),
        rows=tuple(rows),
        key="station",
        entered="新超警戒",
        left="回落至警戒以下",
        features=tuple(features),
        severity="alarm" if danger else ("warn" if rows else ""),
        order=40,
    )


# --- key points by live risk -----------------------------------------------------------------


def _drill_signal_of(signal, event) -> bool:
    payload = signal.payload or {}
    if payload.get("drill") is not True:
        return False
    return not event.ref or payload.get("storm") in (None, event.ref)


def exposures_for(session: Session, core, event, moment: datetime) -> list:
    """The `exposure` signals that bear on `event` at `moment`: those in force at `moment`;
    for a drill with none, the drill signals in force now (about the event's storm when it
    names one), read back in the storm's time. A live storm's signal never enters a drill."""
    found = live.exposures(session, core, moment)
    if found or not event.drill:
        return found
    in_force_now = live.exposures(session, core, datetime.now(UTC))
    return [in_storm_time(s) for s in in_force_now if _drill_signal_of(s, event)]


def points_risk(
    session: Session,
    core,
    event,
    points: list[FloodKeyPoint],
    every: list[FloodStation],
    states: dict[int, stations.StationState],
    moment: datetime,
) -> SituationItem:
    """`flood.points_risk`: those of the viewer's key points whose live risk at `moment` is
    above their base level, and why."""
    exposures = exposures_for(session, core, event, moment)
    levels = risk.live_levels(points, every, states, exposures, moment)
    raised: list[tuple[FloodKeyPoint, str, str | None]] = [
        (p, *levels[p.id]) for p in points if risk.RANK[levels[p.id][0]] > risk.RANK[p.risk_level]
    ]
    raised.sort(key=lambda r: (-risk.RANK[r[1]], r[0].village_code, r[0].id))
    rows = tuple(
        {
            "unit": point.village_code,
            "id": point.id,
            "name": point.name,
            "category": point.category,
            "base": RISK_LABELS[point.risk_level],
            "now": RISK_LABELS[level],
            "reason": reason or "",
        }
        for point, level, reason in raised
    )
    features = tuple(
        _point(
            point.lon,
            point.lat,
            name=f"{point.name}（{RISK_LABELS[level]}）",
            colour=RISK_COLOURS[level],
            unit=point.village_code,
        )
        for point, level, _ in raised
    )
    to_red = any(level == "red" for _, level, _ in raised)
    return SituationItem(
        id="flood.points_risk",
        module=MODULE,
        title="风险升级的重点部位",
        value=len(rows),
        unit="处",
        source="防汛模块 · 重点部位实时风险（监测站与风圈影响）",
        as_of=moment,
        columns=(
            ("id", "编号"),
            ("name", "重点部位"),
            ("category", "类别"),
            ("base", "基础等级"),
            ("now", "当前等级"),
            ("reason", "原因"),
            ("unit", "村居代码"),
        ),
        rows=rows,
        key="id",
        entered="新升级",
        left="恢复基础等级",
        features=features,
        severity="alarm" if to_red else ("warn" if rows else ""),
        order=41,
    )


# --- patrol coverage -------------------------------------------------------------------------


def patrol_coverage(
    session: Session, viewer: Viewer, event, points: list[FloodKeyPoint], moment: datetime
) -> SituationItem:
    """`flood.patrol`: the open campaigns' coverage of the viewer's key `points`, per town.
    A drill replays a past storm, but patrols are this season's: its coverage is read now."""
    at = datetime.now(UTC) if event.drill else moment
    states = patrol.statuses(session, points, at)
    per_unit: dict[str, list[patrol.PatrolState]] = defaultdict(list)
    for point in points:
        town = DivisionCode.parse(point.village_code[:9])
        # A viewer inside a town (a village's) counts in their own unit: rows carry only
        # units of the viewer's scope.
        unit = town if viewer.covers(town) else DivisionCode.parse(point.village_code)
        per_unit[unit].append(states[point.id])
    names = unit_names(session, viewer, set(per_unit))
    rows = []
    for unit, found in sorted(per_unit.items()):
        done, total = patrol.tally(found)
        if not total:
            continue
        rows.append(
            {
                "unit": unit,
                "name": names.get(unit, unit),
                "done": done,
                "total": total,
                "percent": 100 * done // total,
                "overdue": sum(s.overdue for s in found),
            }
        )
    done = sum(r["done"] for r in rows)
    total = sum(r["total"] for r in rows)
    # Floored, as the side panel: never 100% before the last point is patrolled.
    value = f"{done}/{total}（{100 * done // total}%）" if total else "无巡查任务"
    campaigns = "、".join(c.name for c in patrol.campaigns_for(session, viewer)[:2])
    return SituationItem(
        id="flood.patrol",
        module=MODULE,
        title="汛前巡查覆盖",
        value=value,
        unit="",
        source=f"防汛模块 · {campaigns or '巡查任务'}",
        as_of=at,
        columns=(
            ("unit", "镇街代码"),
            ("name", "镇街"),
            ("done", "已巡查"),
            ("total", "应巡查"),
            ("percent", "覆盖率%"),
            ("overdue", "逾期未巡查"),
        ),
        rows=tuple(rows),
        severity="warn" if any(r["overdue"] for r in rows) else "",
        order=42,
    )


def _point(lon: float, lat: float, *, name: str, colour: str, unit: str) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"name": name, "colour": colour, "unit": unit},
    }
