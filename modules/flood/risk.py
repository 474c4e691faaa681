"""Live risk: a key point's level rises above its base while a station near it is over a
threshold or another module signals that it is exposed (e.g. to a typhoon's wind circle).

Rules (documented in docs/flood.md):
- a water-level station within SENSOR_RADIUS_KM over 警戒水位 → at least 橙; over 保证水位 → 红;
- a rain gauge within SENSOR_RADIUS_KM over a rainfall threshold (1 h / 3 h / 24 h) → at least 橙;
- an `exposure` signal in force naming the point's site ("flood:<id>") or a unit holding its
  village, until its `until` has passed: wind level 12 → 红, 10 → at least 橙, 7 → at least 黄.
The live level is the highest of the base and every cause; the reason lists the causes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from modules.flood.models import FloodKeyPoint, FloodStation
from modules.flood.stations import StationState
from modules.sdk import DivisionCode, InvalidCode

RANK = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
SENSOR_RADIUS_KM = 3.0
SENSOR_RISK = {"warning": "orange", "danger": "red"}
WIND_RISK = ((12, "red"), (10, "orange"), (7, "yellow"))
BEIJING = timezone(timedelta(hours=8))
EARTH_KM = 6371.0


@dataclass(frozen=True)
class Cause:
    level: str
    reason: str


def wind_risk(level: int) -> str | None:
    """The risk a wind circle of this level brings (None below level 7)."""
    for at_least, risk in WIND_RISK:
        if level >= at_least:
            return risk
    return None


def combine(base: str, causes: Iterable[Cause]) -> tuple[str, str | None]:
    """(live level, reason): the highest of the base and the causes; the reasons, strongest
    first (None when nothing is raising the point)."""
    found = sorted(set(causes), key=lambda c: (-RANK[c.level], c.reason))
    live = max([base, *(c.level for c in found)], key=RANK.__getitem__)
    return live, "；".join(c.reason for c in found) or None


def _parse(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    a, b = start.astimezone(BEIJING), end.astimezone(BEIJING)
    tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%m-%d %H:%M}"
    return f" {a:%m-%d %H:%M}–{tail}"


def exposure_causes(signals: Iterable, at: datetime) -> tuple[dict[str, list[Cause]], list]:
    """From `exposure` signals in force: ({site id: causes}, [(unit code, cause)]), skipping
    entries whose `until` has passed (an entry still to come raises the point already)."""
    by_site: dict[str, list[Cause]] = {}
    by_unit: list[tuple[str, Cause]] = []
    for signal in signals:
        payload = signal.payload or {}
        what = f"{payload.get('hazard', '')}{payload.get('event', '')}".strip() or "灾害"
        if payload.get("drill") and "演练" not in what:
            what = f"【演练】{what}"
        entries = [("site", e) for e in payload.get("sites") or []]
        entries += [("unit", e) for e in payload.get("units") or []]
        for kind, entry in entries:
            try:
                level = int(entry.get("level"))
            except (TypeError, ValueError, AttributeError):
                continue
            risk = wind_risk(level)
            start, end = _parse(entry.get("from")), _parse(entry.get("until"))
            if risk is None or (end is not None and end <= at):
                continue
            cause = Cause(risk, f"{what} {level}级风圈{_window(start, end)}")
            if kind == "site":
                by_site.setdefault(str(entry.get("site")), []).append(cause)
            else:
                try:
                    by_unit.append((DivisionCode.parse(entry.get("code")), cause))
                except InvalidCode:
                    continue
    return by_site, by_unit


def distances_km(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Great-circle distances (km) from (lon0, lat0) to each point."""
    phi, phi0 = np.radians(lat), math.radians(lat0)
    dphi, dlmb = phi - phi0, np.radians(lon - lon0)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi) * math.cos(phi0) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(h))


def sensor_causes(
    points: list[FloodKeyPoint],
    stations: list[FloodStation],
    station_states: dict[int, StationState],
    radius_km: float = SENSOR_RADIUS_KM,
) -> dict[int, list[Cause]]:
    """{point id: causes from stations over a threshold within radius_km}."""
    found: dict[int, list[Cause]] = {}
    if not points:
        return found
    lon = np.array([p.lon for p in points])
    lat = np.array([p.lat for p in points])
    for station in stations:
        state = station_states.get(station.id)
        if state is None or state.state not in SENSOR_RISK:
            continue
        near = distances_km(lon, lat, station.lon, station.lat)
        for i in np.flatnonzero(near <= radius_km):
            cause = Cause(SENSOR_RISK[state.state], f"{state.reason}（距 {near[i]:.1f} km）")
            found.setdefault(points[int(i)].id, []).append(cause)
    return found


def live_levels(
    points: list[FloodKeyPoint],
    stations: list[FloodStation],
    station_states: dict[int, StationState],
    exposures: Iterable,
    at: datetime,
) -> dict[int, tuple[str, str | None]]:
    """{point id: (live level, reason)} for these points."""
    sensors = sensor_causes(points, stations, station_states)
    by_site, units = exposure_causes(exposures, at)
    by_unit: dict[str, list[Cause]] = {}
    for code, cause in units:
        by_unit.setdefault(code, []).append(cause)
    result = {}
    for point in points:
        causes = list(sensors.get(point.id, []))
        causes += by_site.get(f"flood:{point.id}", [])
        # The village and every unit above it (a signal may name a village, town or county).
        code: str | None = point.village_code
        while code and by_unit:
            causes += by_unit.get(code, [])
            code = DivisionCode.parse(code).parent
        result[point.id] = combine(point.risk_level, causes)
    return result
