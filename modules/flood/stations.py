"""Sensor stations (雨量站, 水位站): scoped reads, their state against thresholds, ingest tokens.

A rain gauge reports the rainfall (mm) since its previous reading; its state compares the sums
over the last 1 h / 3 h / 24 h with its warning thresholds. A water-level station reports the
level (m); its state compares the latest level with 警戒水位 and 保证水位.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.flood.models import FloodReading, FloodSource, FloodSourceStation, FloodStation
from modules.sdk import NotFound, Viewer, prefix_range, require_unit

KIND_LABELS = {"rain": "雨量站", "level": "水位站"}
# States, mildest first, with their labels per kind and their map colours.
STATES = ("nodata", "normal", "warning", "danger")
STATE_LABELS = {
    "rain": {"nodata": "无数据", "normal": "正常", "warning": "超警戒雨量", "danger": "超警戒雨量"},
    "level": {"nodata": "无数据", "normal": "正常", "warning": "超警戒", "danger": "超保证"},
}
STATE_COLOURS = {
    "nodata": "#9e9e9e",
    "normal": "#2ca02c",
    "warning": "#ff7f0e",
    "danger": "#d62728",
}
RAIN_WINDOWS = (("rain_1h", 1, "1小时"), ("rain_3h", 3, "3小时"), ("rain_24h", 24, "24小时"))
# A level older than this says nothing about now.
STALE_AFTER = timedelta(hours=6)


@dataclass(frozen=True)
class StationState:
    """Where a station stands at one moment, and why, in words a person reads."""

    state: str
    label: str
    value: float | None  # latest level (m), or the rain over the worst window (mm)
    at: datetime | None  # time of the latest reading
    reason: str  # e.g. 木兰溪濑溪站超警戒 0.32 m; empty when normal
    rain: dict[str, float] | None = None  # {"1h": mm, "3h": mm, "24h": mm} for rain gauges


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh ingest token (shown once; only its digest is stored)."""
    return "fs_" + secrets.token_urlsafe(24)


def stations_for_token(session: Session, token: str) -> frozenset[int] | None:
    """The ids of the stations a token may send readings for: its station's, or every
    station of its source. None for an unknown token."""
    if not token:
        return None
    digest = token_digest(token)
    station = session.scalar(select(FloodStation.id).where(FloodStation.token_hash == digest))
    if station is not None:
        return frozenset({station})
    source = session.scalar(select(FloodSource.id).where(FloodSource.token_hash == digest))
    if source is None:
        return None
    return frozenset(
        session.scalars(
            select(FloodSourceStation.station_id).where(FloodSourceStation.source_id == source)
        )
    )


def stations_for(session: Session, viewer: Viewer, unit: str | None = None) -> list[FloodStation]:
    """The stations inside the viewer's scope (and inside `unit`: 403 outside, 404 unknown)."""
    condition = viewer.code_filter(FloodStation.village_code)
    if unit:
        full = require_unit(session, viewer, unit)
        condition = condition & prefix_range(FloodStation.village_code, full)
    statement = select(FloodStation).where(condition).order_by(FloodStation.code)
    return list(session.scalars(statement))


def station_in_scope(session: Session, viewer: Viewer, code: str) -> FloodStation:
    """One station by its code, if the viewer's scope holds it (NotFound otherwise: a station
    outside the scope is not said to exist)."""
    station = session.scalar(select(FloodStation).where(FloodStation.code == str(code)))
    if station is None or not viewer.covers(station.village_code):
        raise NotFound("no such station in the viewer's scope")
    return station


def recent_readings(
    session: Session, station_ids: list[int], at: datetime, hours: float = 24
) -> dict[int, list[FloodReading]]:
    """{station id: readings in (at - hours, at], oldest first}."""
    found: dict[int, list[FloodReading]] = {i: [] for i in station_ids}
    if not station_ids:
        return found
    statement = (
        select(FloodReading)
        .where(
            FloodReading.station_id.in_(station_ids),
            FloodReading.at > at - timedelta(hours=hours),
            FloodReading.at <= at,
        )
        .order_by(FloodReading.station_id, FloodReading.at)
    )
    for reading in session.scalars(statement):
        found[reading.station_id].append(reading)
    return found


def rain_sums(readings: list[FloodReading], at: datetime) -> dict[str, float]:
    return {
        f"{hours}h": round(sum(r.value for r in readings if r.at > at - timedelta(hours=hours)), 1)
        for _, hours, _ in RAIN_WINDOWS
    }


def state_of(station: FloodStation, readings: list[FloodReading], at: datetime) -> StationState:
    """The station's state at `at` from its readings of the last 24 h (oldest first)."""
    labels = STATE_LABELS[station.kind]
    if station.kind == "rain":
        sums = rain_sums(readings, at)
        latest = readings[-1].at if readings else None
        if not readings:
            return StationState("nodata", labels["nodata"], None, None, "", sums)
        worst = None
        for column, hours, label in RAIN_WINDOWS:
            threshold = getattr(station, column)
            value = sums[f"{hours}h"]
            if threshold and value >= threshold:
                excess = value / threshold
                if worst is None or excess > worst[0]:
                    worst = (excess, value, threshold, label)
        if worst is None:
            return StationState("normal", labels["normal"], sums["1h"], latest, "", sums)
        _, value, threshold, label = worst
        reason = f"{station.name}{label}雨量 {value:.0f} mm，超警戒 {threshold:.0f} mm"
        return StationState("warning", labels["warning"], value, latest, reason, sums)
    fresh = [r for r in readings if r.at > at - STALE_AFTER]
    if not fresh:
        return StationState("nodata", labels["nodata"], None, None, "")
    latest = fresh[-1]
    level = latest.value
    if station.guarantee_level is not None and level >= station.guarantee_level:
        over = level - station.guarantee_level
        reason = f"{station.name}超保证 {over:.2f} m"
        return StationState("danger", labels["danger"], level, latest.at, reason)
    if station.warning_level is not None and level >= station.warning_level:
        over = level - station.warning_level
        reason = f"{station.name}超警戒 {over:.2f} m"
        return StationState("warning", labels["warning"], level, latest.at, reason)
    return StationState("normal", labels["normal"], level, latest.at, "")


def states(session: Session, stations: list[FloodStation], at: datetime) -> dict[int, StationState]:
    """{station id: its state at `at`}."""
    readings = recent_readings(session, [s.id for s in stations], at)
    return {s.id: state_of(s, readings[s.id], at) for s in stations}


def all_stations(session: Session) -> list[FloodStation]:
    """Every station: risk is physical, and a river station just across a boundary raises
    the points downstream (its reason names it; its readings stay in its own scope)."""
    return list(session.scalars(select(FloodStation).order_by(FloodStation.code)))
