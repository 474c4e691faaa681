"""The flood module's tables: key points (重点部位) for now."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime

TABLE = "flood_key_points"
# Base risk levels as stored (English keys), in the order of the four warning colours.
RISK_LEVELS: tuple[str, ...] = ("red", "orange", "yellow", "blue")


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
        # Whose table this is, for tools that compare one branch of migrations at a time.
        {"info": {"module": "flood"}},
    )

    def __repr__(self) -> str:
        return f"FloodKeyPoint({self.id!r}, {self.name!r}, {self.village_code!r})"
