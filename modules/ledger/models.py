"""The ledger's tables: the tag catalogue (共享标签), values stored long (unit, tag, period)
and carried forward, and the append-only history of every change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

MODULE = {"info": {"module": "ledger"}}

VALUE_TYPES: tuple[str, ...] = ("integer", "decimal", "percent", "yesno", "choice", "date", "text")
LEVELS: tuple[str, ...] = ("village", "town")
PERIOD_TYPES: tuple[str, ...] = ("monthly", "quarterly", "yearly", "on_change")
ROLLUPS: tuple[str, ...] = ("sum", "mean", "max", "none")
SENSITIVITIES: tuple[str, ...] = ("public", "internal", "personal")
CHANNELS: tuple[str, ...] = ("grid", "import", "api", "demo")
STATES: tuple[str, ...] = ("open", "submitted", "approved", "returned")


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerTag(Base):
    """A shared tag: one figure a unit keeps (a DHIS2 data element), with its rules."""

    __tablename__ = "ledger_tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    measure: Mapped[str] = mapped_column(String(20), default="")  # unit of measure: 人, 户, 亩
    value_type: Mapped[str] = mapped_column(String(10))
    domain: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[str] = mapped_column(String(10))
    period_type: Mapped[str] = mapped_column(String(10))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    choices: Mapped[str] = mapped_column(Text, default="")  # "/"-separated
    # A rule across tags of the same unit and period: "<= RK002", ">= MZ002".
    rule: Mapped[str] = mapped_column(String(100), default="")
    rollup: Mapped[str] = mapped_column(String(8), default="sum")
    weight_code: Mapped[str] = mapped_column(String(16), default="")  # for a weighted mean
    sensitivity: Mapped[str] = mapped_column(String(10), default="public")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        CheckConstraint(_one_of("value_type", VALUE_TYPES), name="value_type"),
        CheckConstraint(_one_of("level", LEVELS), name="level"),
        CheckConstraint(_one_of("period_type", PERIOD_TYPES), name="period_type"),
        CheckConstraint(_one_of("rollup", ROLLUPS), name="rollup"),
        CheckConstraint(_one_of("sensitivity", SENSITIVITIES), name="sensitivity"),
        MODULE,
    )

    @property
    def numeric(self) -> bool:
        return self.value_type in ("integer", "decimal", "percent", "yesno")


class LedgerValue(Base):
    """The value a unit keeps for a tag from `period` (YYYYMM) on, until a later row: a
    figure that does not change is stored once and read forward."""

    __tablename__ = "ledger_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag_code: Mapped[str] = mapped_column(String(16))
    period: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(12))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)  # canonical text; None: blank
    number: Mapped[float | None] = mapped_column(Float, nullable=True)  # what roll-ups add
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    channel: Mapped[str] = mapped_column(String(8))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        # (tag, period, unit): the sheet's and the roll-ups' reads; also the carried read.
        UniqueConstraint("tag_code", "unit_code", "period"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        MODULE,
    )


class LedgerHistory(Base):
    """Every change of a value, never updated or deleted (triggers refuse it): who, when,
    old → new, and through which channel."""

    __tablename__ = "ledger_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag_code: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    channel: Mapped[str] = mapped_column(String(8))

    __table_args__ = (
        Index("ix_ledger_history_cell", "tag_code", "unit_code", "period"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        MODULE,
    )


class LedgerPeriod(Base):
    """A unit's month in the approval workflow (DHIS2's data set completion and approval):
    open → submitted (提交) → approved (审核通过), or sent back (退回) to be corrected. No
    row means open. Every change of state is also in the core's audit log."""

    __tablename__ = "ledger_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (
        UniqueConstraint("unit_code", "period"),
        CheckConstraint(_one_of("state", STATES), name="state"),
        MODULE,
    )


TABLES = (LedgerTag, LedgerValue, LedgerHistory, LedgerPeriod)


class LedgerFill(Base):
    """A month in which a cell (tag, unit) turns filled or blank: a value row whose value is
    present while the row before it (or nothing) was blank, or the reverse. Completeness
    counts a unit's filled cells from these, a row or two per cell, instead of reading every
    month's value. Kept by triggers on ledger_values (migration ledger_0003), whatever
    writes the values; never written by the application."""

    __tablename__ = "ledger_fills"

    tag_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    filled: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (MODULE,)


TABLES = (*TABLES, LedgerFill)

# Report templates and the registry of recurring reports (modules/ledger/reports/).
from modules.ledger.reports.models import REPORT_TABLES  # noqa: E402

TABLES = (*TABLES, *REPORT_TABLES)

# Data requests and the village duties list (modules/ledger/requests/, duties/).
from modules.ledger.duties.models import DUTY_TABLES  # noqa: E402
from modules.ledger.requests.models import REQUEST_TABLES  # noqa: E402

TABLES = (*TABLES, *REQUEST_TABLES, *DUTY_TABLES)
