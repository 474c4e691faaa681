"""The flood module's tables: key points (重点部位), patrol campaigns and inspections, sensor
stations and their readings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

TABLE = "flood_key_points"
# Base risk levels as stored (English keys), in the order of the four warning colours.
RISK_LEVELS: tuple[str, ...] = ("red", "orange", "yellow", "blue")
# Inspection results as stored: 正常 / 发现隐患 / 已整改.
RESULTS: tuple[str, ...] = ("ok", "hazard", "fixed")
# Station kinds: rain gauge (雨量站, readings in mm since the previous one) and water level
# (水位站, readings in metres above the datum).
STATION_KINDS: tuple[str, ...] = ("rain", "level")


def _now() -> datetime:
    return datetime.now(UTC)


class FloodKeyPoint(Base):
    """A place to watch in the flood season, in the village it lies in (assigned on save)."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    risk_level: Mapped[str] = mapped_column(String(8))
    responsible_name: Mapped[str] = mapped_column(String(50), default="")
    responsible_phone: Mapped[str] = mapped_column(String(32), default="")
    patrol_every_days: Mapped[int] = mapped_column(Integer, default=7)
    # WGS84 degrees.
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    # The 12-digit code of the village the point lies in: every scope filter reads it.
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)

    __table_args__ = (
        CheckConstraint("risk_level IN ('red', 'orange', 'yellow', 'blue')", name="risk_level"),
        CheckConstraint("patrol_every_days >= 1", name="patrol_every_days"),
        # A wide view counts points by village and base level from this index alone, and the
        # layer cache's fingerprint reads the newest edit from the other (100,000 points: a
        # table scan each otherwise).
        Index("ix_flood_key_points_village_risk", "village_code", "risk_level"),
        Index("ix_flood_key_points_updated_at", "updated_at"),
        # Whose table this is, for tools that compare one branch of migrations at a time.
        {"info": {"module": "flood"}},
    )

    def __repr__(self) -> str:
        return f"FloodKeyPoint({self.id!r}, {self.name!r}, {self.village_code!r})"


class FloodCampaign(Base):
    """A patrol campaign (e.g. 2027年汛前巡查) over one jurisdiction, due by a date."""

    __tablename__ = "flood_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The 12-digit code of the unit the campaign covers: every key point inside it.
    jurisdiction_code: Mapped[str] = mapped_column(String(12), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = ({"info": {"module": "flood"}},)


class FloodInspection(Base):
    """One patrol of one key point within a campaign, with an optional photo (JPEG/PNG)."""

    __tablename__ = "flood_inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("flood_key_points.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("flood_campaigns.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(64))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    result: Mapped[str] = mapped_column(String(8))
    hazard: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    photo_type: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (
        CheckConstraint("result IN ('ok', 'hazard', 'fixed')", name="result"),
        {"info": {"module": "flood"}},
    )


class FloodStation(Base):
    """A rain gauge or water-level station, its thresholds and its ingest token (hashed)."""

    __tablename__ = "flood_stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What devices and the API call the station, e.g. MLX-03.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    river: Mapped[str] = mapped_column(String(50), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    # Rain gauges: warning rainfall (mm) over the last 1 h / 3 h / 24 h.
    rain_1h: Mapped[float | None] = mapped_column(Float, nullable=True)
    rain_3h: Mapped[float | None] = mapped_column(Float, nullable=True)
    rain_24h: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Water-level stations (m): 警戒水位, 保证水位, and the range the gauge can measure.
    warning_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    guarantee_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    level_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    level_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        CheckConstraint("kind IN ('rain', 'level')", name="kind"),
        {"info": {"module": "flood"}},
    )


class FloodReading(Base):
    """One value of one station at one time: at most one per station and time."""

    __tablename__ = "flood_readings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("flood_stations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (
        UniqueConstraint("station_id", "at"),
        {"info": {"module": "flood"}},
    )


class FloodSource(Base):
    """A data provider (e.g. 莆田市水文局) whose one ingest token (hashed) covers its stations."""

    __tablename__ = "flood_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = ({"info": {"module": "flood"}},)


class FloodSourceStation(Base):
    """Which stations a source may send readings for."""

    __tablename__ = "flood_source_stations"

    source_id: Mapped[int] = mapped_column(ForeignKey("flood_sources.id"), primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("flood_stations.id"), primary_key=True)

    __table_args__ = ({"info": {"module": "flood"}},)


# Every table of the module, for register_tables.
TABLES = (
    FloodKeyPoint,
    FloodCampaign,
    FloodInspection,
    FloodStation,
    FloodReading,
    FloodSource,
    FloodSourceStation,
)
