"""Readings from stations: each item accepted, duplicate or refused with its reason.

One logic for the HTTP route (`POST /api/v1/flood/readings`, a station's token) and the storm
replay (the system, any station). Idempotent on (station, time): the first value stays.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from modules.flood.models import FloodReading, FloodStation

LOGGER = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8))
RAIN_MAX_MM = 300.0  # rainfall since the previous reading; more than a record hour is a fault
FUTURE_SLACK = timedelta(minutes=10)  # device clocks drift
MAX_ITEMS = 5000


@dataclass(frozen=True)
class Outcome:
    index: int
    station: str | None
    time: str | None
    status: str  # accepted | duplicate | refused
    reason: str | None = None


def parse_time(value) -> datetime:
    """ISO 8601; a time without an offset is Beijing time (what devices in Putian send)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("bad time: expected an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad time: {value[:40]!r} is not ISO 8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(UTC)


def check_value(station: FloodStation, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("bad value: expected a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("bad value: not a finite number")
    if station.kind == "rain":
        if number < 0:
            raise ValueError("out of physical range: rainfall below 0 mm")
        if number > RAIN_MAX_MM:
            raise ValueError(f"out of physical range: rainfall above {RAIN_MAX_MM:.0f} mm")
        return number
    low, high = station.level_min, station.level_max
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"out of the station's range: level {number} m outside [{low}, {high}]")
    return number


def ingest(
    session: Session,
    items: list,
    allowed: frozenset[int] | None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Store the valid, new readings of `items`; `allowed` holds the ids of the stations the
    caller may write for (None: any, for the system). The caller commits."""
    now = now or datetime.now(UTC)
    wanted = {str(i.get("station")) for i in items if isinstance(i, dict) and i.get("station")}
    by_code = {
        s.code: s
        for s in session.scalars(select(FloodStation).where(FloodStation.code.in_(wanted)))
    }
    outcomes: list[Outcome | None] = [None] * len(items)
    candidates: list[tuple[int, FloodStation, datetime, float]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            outcomes[index] = Outcome(index, None, None, "refused", "bad item: expected an object")
            continue
        code = item.get("station")
        code = str(code) if code is not None else None
        raw_time = item.get("time") if isinstance(item.get("time"), str) else None
        station = by_code.get(code) if code else None
        try:
            if station is None:
                raise ValueError("unknown station")
            if allowed is not None and station.id not in allowed:
                raise ValueError("not your station: the token does not cover it")
            at = parse_time(item.get("time"))
            if at > now + FUTURE_SLACK:
                raise ValueError("bad time: in the future")
            value = check_value(station, item.get("value"))
        except ValueError as exc:
            outcomes[index] = Outcome(index, code, raw_time, "refused", str(exc))
            continue
        candidates.append((index, station, at, value))
    existing = set()
    keys = [(s.id, at) for _, s, at, _ in candidates]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        statement = select(FloodReading.station_id, FloodReading.at).where(
            tuple_(FloodReading.station_id, FloodReading.at).in_(chunk)
        )
        existing.update((sid, at) for sid, at in session.execute(statement))
    rows = []
    for index, station, at, value in candidates:
        raw_time = items[index].get("time")
        if (station.id, at) in existing:
            outcomes[index] = Outcome(index, station.code, raw_time, "duplicate")
            continue
        existing.add((station.id, at))
        rows.append({"station_id": station.id, "at": at, "value": value, "received_at": now})
        outcomes[index] = Outcome(index, station.code, raw_time, "accepted")
    if rows:
        session.execute(insert(FloodReading), rows)
    LOGGER.info("ingest: %d accepted of %d", len(rows), len(items))
    return [o for o in outcomes if o is not None]


def summary(outcomes: list[Outcome]) -> dict:
    """The answer of the route: counts and one entry per item."""
    counts = {status: 0 for status in ("accepted", "duplicate", "refused")}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return {**counts, "items": [asdict(o) for o in outcomes]}
