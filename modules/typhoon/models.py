"""The typhoon module's tables: storms, and their points (best-track fixes and forecasts)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

STORMS = "typhoon_storms"
POINTS = "typhoon_points"
RADIUS_COLUMNS = tuple(f"r{lv}_{q}" for lv in (7, 10, 12) for q in ("ne", "se", "sw", "nw"))


def _now() -> datetime:
    return datetime.now(UTC)


class TyphoonStorm(Base):
    """A storm by its China number (e.g. "1521"), with its names and data sources."""

    __tablename__ = STORMS

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(50), default="")
    name_en: Mapped[str] = mapped_column(String(50), default="")
    season: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    # A stated approximation shown with the circles (e.g. JMA 30/50 kt read as level 7/10).
    radii_note: Mapped[str] = mapped_column(Text, default="")
    # Who may change or replace it: the scopes (comma-separated codes) of who imported it;
    # "" (shipped storms, rows from before owners) is the whole city's.
    owner_scope: Mapped[str] = mapped_column(String(255), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)

    __table_args__ = ({"info": {"module": "typhoon"}},)


class TyphoonPoint(Base):
    """One fix of the best track (kind "best") or one point of a forecast (kind "forecast",
    from `agency`, issued at `issued_at`). Radii in km per quadrant; NULL = unavailable."""

    __tablename__ = POINTS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storm_id: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    agency: Mapped[str] = mapped_column(String(32), default="")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A forecast's owner (as a storm's); best-track points follow their storm's.
    owner_scope: Mapped[str] = mapped_column(String(255), default="", server_default="")
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    pressure: Mapped[float | None] = mapped_column(Float)
    wind: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(2), default="0")
    r7_ne: Mapped[float | None] = mapped_column(Float)
    r7_se: Mapped[float | None] = mapped_column(Float)
    r7_sw: Mapped[float | None] = mapped_column(Float)
    r7_nw: Mapped[float | None] = mapped_column(Float)
    r10_ne: Mapped[float | None] = mapped_column(Float)
    r10_se: Mapped[float | None] = mapped_column(Float)
    r10_sw: Mapped[float | None] = mapped_column(Float)
    r10_nw: Mapped[float | None] = mapped_column(Float)
    r12_ne: Mapped[float | None] = mapped_column(Float)
    r12_se: Mapped[float | None] = mapped_column(Float)
    r12_sw: Mapped[float | None] = mapped_column(Float)
    r12_nw: Mapped[float | None] = mapped_column(Float)
    # How many quadrant radii the source states per level ("7:1,10:1": JMA's longest in a
    # diagonal direction, the rest by the quadrant rule; "7:4": a radius per quadrant);
    # "" not known.
    radii_given: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # A hand correction of the radii (人工订正): who, when; "" / NULL when none.
    edited_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("kind IN ('best', 'forecast')", name="kind"),
        Index("ix_typhoon_points_storm_kind_time", "storm_id", "kind", "time"),
        {"info": {"module": "typhoon"}},
    )
