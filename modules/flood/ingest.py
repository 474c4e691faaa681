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

from modules.flood import settings
from modules.flood.models import FloodReading, FloodStation

LOGGER = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8))
RAIN_MAX_MM = 300.0  # rainfall since the previous reading; more than a record hour is a fault
MAX_ITEMS = 5000
ECHO = 64  # characters of a sent station code or time echoed back in an answer


@dataclass(frozen=True)
class Window:
    """When a reading may have been taken, around the server's clock: a device whose clock
    was reset (1970) or runs ahead sends readings that would corrupt the series."""

    max_age: timedelta = timedelta(days=365)
    max_ahead: timedelta = timedelta(minutes=10)  # device clocks drift

    @classmethod
    def from_settings(cls) -> Window:
        values = settings.load()
        return cls(
            timedelta(days=values.readings_max_age_days),
            timedelta(minutes=values.readings_max_ahead_minutes),
        )

    def check(self, at: datetime, now: datetime) -> None:
        if at < now - self.max_age:
            raise ValueError(
                f"bad time: older than {_span(self.max_age)} (is the device's clock set?)"
            )
        if at > now + self.max_ahead:
            raise ValueError(
                f"bad time: in the future (more than {_span(self.max_ahead)} ahead of "
                "the server's clock)"
            )


def _span(span: timedelta) -> str:
    seconds = span.total_seconds()
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{int(seconds // 86400)} days"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} seconds"


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
    if value is None:
        raise ValueError("bad value: missing (expected a number)")
    if isinstance(value, str):
        raise ValueError('bad value: expected a number, not text (send 7.92, not "7.92")')
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("bad value: expected a number")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
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


def station_code(value) -> str:
    """The station a reading names: a code (a string; a whole number is read as one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("bad station: expected the station's code as a string")
    return value.strip()


def _kind(value) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a value"


def _echo(value) -> str | None:
    return value[:ECHO] if isinstance(value, str) else None


def ingest(
    session: Session,
    items: list,
    allowed: frozenset[int] | None,
    now: datetime | None = None,
    window: Window | None = None,
) -> list[Outcome]:
    """Store the valid, new readings of `items`; `allowed` holds the ids of the stations the
    caller may write for (None: any, for the system); `window` bounds their times (default:
    the settings). The caller commits."""
    now = now or datetime.now(UTC)
    window = window or Window.from_settings()
    wanted = set()
    for item in items:
        if isinstance(item, dict):
            try:
                wanted.add(station_code(item.get("station")))
            except ValueError:
                continue
    by_code = {
        s.code: s
        for s in session.scalars(select(FloodStation).where(FloodStation.code.in_(wanted)))
    }
    outcomes: list[Outcome | None] = [None] * len(items)
    candidates: list[tuple[int, FloodStation, datetime, float]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            outcomes[index] = Outcome(
                index,
                None,
                None,
                "refused",
                f"bad item: expected an object {{station, time, value}}, not {_kind(item)}",
            )
            continue
        code = _echo(item.get("station"))
        raw_time = _echo(item.get("time"))
        try:
            station = by_code.get(station_code(item.get("station")))
            if station is None:
                raise ValueError("unknown station")
            if allowed is not None and station.id not in allowed:
                raise ValueError("not your station: the token does not cover it")
            at = parse_time(item.get("time"))
            window.check(at, now)
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
        raw_time = _echo(items[index].get("time"))
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
