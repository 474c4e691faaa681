"""The consultation's tables: events with their response-level history, the decision log,
and numbered snapshots (frozen JSON documents, never updated)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

MODULE = {"info": {"module": "consult"}}

KINDS: tuple[str, ...] = ("typhoon", "rainstorm", "flood")
ENTRY_KINDS: tuple[str, ...] = ("assessment", "decision", "instruction", "feedback")


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ConsultEvent(Base):
    """An event (事件) consulted on: a typhoon, a rainstorm or a flood, in a jurisdiction.

    `clock` is a drill's replay moment (a moment of the past storm); a live event's moment
    is always now."""

    __tablename__ = "consult_events"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint("level BETWEEN 0 AND 4", name="level"),
        MODULE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(100))
    scope_code: Mapped[str] = mapped_column(String(12), index=True)
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class ConsultLevel(Base):
    """One change of an event's response level (IV 四级 .. I 一级; 0 lifted), with why."""

    __tablename__ = "consult_levels"
    __table_args__ = (MODULE,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("consult_events.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class ConsultEntry(Base):
    """A decision-log entry: 研判, 决策, 指令 (to units, may go on as SMS) or 反馈.

    Editable by its author for the first minutes only; after that, a correction is a new
    entry pointing to it (`corrects_id`)."""

    __tablename__ = "consult_entries"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ENTRY_KINDS), name="kind"),
        UniqueConstraint("event_id", "number"),
        MODULE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("consult_events.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    units: Mapped[str] = mapped_column(Text, default="")  # space-separated division codes
    author_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("consult_entries.id"), nullable=True)
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def unit_codes(self) -> list[str]:
        return [code for code in self.units.split() if code]


class ConsultSnapshot(Base):
    """第N期会商: what every module answered at that moment, frozen as one JSON document
    (with its diff to the previous one). Never updated: triggers refuse it."""

    __tablename__ = "consult_snapshots"
    __table_args__ = (UniqueConstraint("event_id", "number"), MODULE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("consult_events.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    moment: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    taken_by: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)


TABLES = (ConsultEvent, ConsultLevel, ConsultEntry, ConsultSnapshot)
