"""Demo stations along the 木兰溪 (from 仙游县 in the west through 城厢区 and 荔城区 to the sea
near 涵江区) and a rain gauge in every county, with a replayable 24-hour storm.

The storm is re-dated to end at the moment it is played: its readings go through the same
ingest logic as a device's (modules.flood.ingest), so replaying it twice adds nothing.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.flood import ingest
from modules.flood.models import FloodSource, FloodSourceStation, FloodStation
from modules.flood.stations import new_token, token_digest
from modules.sdk import Viewer, assign_villages, units

LOGGER = logging.getLogger(__name__)

STEP = timedelta(minutes=30)
HOURS = 24


@dataclass(frozen=True)
class DemoStation:
    code: str
    name: str
    kind: str
    town: str  # 9-digit town code: the station sits in its first village
    river: str = ""
    # Level stations: base level, rise at the storm's peak, 警戒水位, 保证水位 (m).
    base: float = 0.0
    rise: float = 0.0
    warning: float | None = None
    guarantee: float | None = None
    # Rain gauges: rain at the storm's peak (mm per half hour).
    peak: float = 0.0


STATIONS = (
    # The Mulan river, upstream to the sea.
    DemoStation("MLX-01", "木兰溪西苑站", "level", "350322200", "木兰溪", 210.0, 2.0, 213.0, 214.0),
    DemoStation("MLX-02", "木兰溪城关站", "level", "350322001", "木兰溪", 70.0, 3.5, 74.0, 75.5),
    DemoStation("MLX-03", "木兰溪盖尾站", "level", "350322106", "木兰溪", 40.2, 4.3, 44.0, 45.5),
    DemoStation("MLX-04", "木兰溪濑溪站", "level", "350302101", "木兰溪", 8.0, 5.1, 11.5, 12.8),
    DemoStation("MLX-05", "木兰溪木兰陂站", "level", "350302003", "木兰溪", 5.2, 2.77, 7.6, 8.6),
    DemoStation("MLX-06", "木兰溪黄石站", "level", "350304101", "木兰溪", 3.0, 1.5, 4.8, 5.6),
    DemoStation("MLX-07", "木兰溪三江口站", "level", "350303100", "木兰溪", 2.0, 1.8, 4.2, 4.9),
    # A rain gauge in every county.
    DemoStation("YL-XTW", "西天尾雨量站", "rain", "350304100", peak=15.0),
    DemoStation("YL-CT", "常太雨量站", "rain", "350302100", peak=12.0),
    DemoStation("YL-BS", "白沙雨量站", "rain", "350303106", peak=11.0),
    DemoStation("YL-HS", "笏石雨量站", "rain", "350305100", peak=6.0),
    DemoStation("YL-ZS", "钟山雨量站", "rain", "350322110", peak=9.0),
)
# The river's stations report through one provider with one token.
SOURCE = "莆田市水文局"
RAIN_THRESHOLDS = {"rain_1h": 40.0, "rain_3h": 80.0, "rain_24h": 150.0}


def _rise(hour: float) -> float:
    """The river's share of its full rise: slow, then fast around hour 14, near full at 24."""
    return 1 / (1 + math.exp(-(hour - 14) / 2.5))


def _rain(hour: float) -> float:
    """Rain's share of its peak, a burst centred on hour 18."""
    return math.exp(-(((hour - 18) / 3) ** 2))


def series(station: DemoStation, end: datetime) -> list[dict]:
    """The storm at this station as ingest items, every half hour up to `end`."""
    steps = int(timedelta(hours=HOURS) / STEP)
    items = []
    for k in range(1, steps + 1):
        at = end - (steps - k) * STEP
        hour = k * STEP.total_seconds() / 3600
        if station.kind == "rain":
            value = round(station.peak * _rain(hour), 1)
        else:
            value = round(station.base + station.rise * _rise(hour), 2)
        items.append({"station": station.code, "time": at.isoformat(), "value": value})
    return items


def seed_stations(session: Session, viewer: Viewer) -> dict[str, str]:
    """Create the demo stations (once, on an empty table); returns {code: ingest token}."""
    if session.scalar(select(func.count()).select_from(FloodStation)):
        return {}
    villages = {v.code[:9]: v for v in reversed(units(session, viewer, "village"))}
    tokens = {}
    for demo in STATIONS:
        village = villages.get(demo.town)
        if village is None:
            LOGGER.warning("demo station %s: no village in town %s", demo.code, demo.town)
            continue
        where = village.geom.representative_point()
        lon, lat = round(where.x, 6), round(where.y, 6)
        code = assign_villages(session, [lon], [lat])[0] or village.code
        token = new_token()
        level = demo.kind == "level"
        session.add(
            FloodStation(
                code=demo.code,
                name=demo.name,
                kind=demo.kind,
                river=demo.river,
                lon=lon,
                lat=lat,
                village_code=code,
                warning_level=demo.warning if level else None,
                guarantee_level=demo.guarantee if level else None,
                level_min=demo.base - 3 if level else None,
                level_max=(demo.guarantee or 0) + 5 if level else None,
                token_hash=token_digest(token),
                **({} if level else RAIN_THRESHOLDS),
            )
        )
        tokens[demo.code] = token
    session.flush()
    river = session.scalars(select(FloodStation.id).where(FloodStation.river == "木兰溪")).all()
    if river:
        token = new_token()
        source = FloodSource(name=SOURCE, token_hash=token_digest(token))
        session.add(source)
        session.flush()
        session.add_all(FloodSourceStation(source_id=source.id, station_id=i) for i in river)
        session.flush()
        tokens[SOURCE] = token
    return tokens


def storm_end(now: datetime | None = None) -> datetime:
    """The storm ends at the last whole half hour: a replay within it adds nothing new."""
    now = now or datetime.now(UTC)
    return now.replace(minute=30 if now.minute >= 30 else 0, second=0, microsecond=0)


def replay(
    sessions,
    speed: float = 0.0,
    end: datetime | None = None,
    sleep=time.sleep,
    echo=None,
) -> dict[str, int]:
    """Post the storm, half hour by half hour, through the ingest logic (committing each step).
    `speed` N plays N storm-seconds per second (0: at once). Returns the counts."""
    end = end or storm_end()
    with sessions() as session:
        known = set(session.scalars(select(FloodStation.code)))
    by_step: list[list[dict]] = []
    for station in STATIONS:
        if station.code not in known:
            continue
        for k, item in enumerate(series(station, end)):
            if len(by_step) <= k:
                by_step.append([])
            by_step[k].append(item)
    counts = {"accepted": 0, "duplicate": 0, "refused": 0}
    for k, items in enumerate(by_step):
        with sessions() as session, session.begin():
            for outcome in ingest.ingest(session, items, allowed=None):
                counts[outcome.status] += 1
        if echo is not None:
            echo(f"{items[0]['time']}: {len(items)} readings")
        if speed > 0 and k < len(by_step) - 1:
            sleep(STEP.total_seconds() / speed)
    return counts
