"""The tables of the village duties list (村级事务准入): the matters a village organisation
takes on, the tasks and report requests sent down to villages (each naming a listed matter
or a written basis), and each village's answer (open, or declined)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

MODULE = {"info": {"module": "ledger"}}
TASK_KINDS: tuple[str, ...] = ("task", "report")
ANSWERS: tuple[str, ...] = ("open", "declined")


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerDuty(Base):
    """A matter on the list. `example`: a demo item (示例), not the official text."""

    __tablename__ = "ledger_duties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(20), default="")
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (MODULE,)


class LedgerTask(Base):
    """A task or report request sent down to the villages inside `unit_code`. It names a
    listed matter (`duty_id`) or a written basis (document, number, issuing body, file);
    with neither, each village may decline it."""

    __tablename__ = "ledger_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # RW-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    sender_login: Mapped[str] = mapped_column(String(64), index=True)
    sender_name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(60))
    unit_code: Mapped[str] = mapped_column(String(12))
    duty_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_duties.id"), nullable=True, default=None
    )
    basis_name: Mapped[str] = mapped_column(String(200), default="")
    basis_number: Mapped[str] = mapped_column(String(100), default="")
    basis_issuer: Mapped[str] = mapped_column(String(100), default="")
    basis_file_name: Mapped[str] = mapped_column(String(200), default="")
    basis_file: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    month: Mapped[int] = mapped_column(Integer, index=True)  # YYYYMM of sent_at

    __table_args__ = (CheckConstraint(_one_of("kind", TASK_KINDS), name="kind"), MODULE)

    @property
    def has_basis(self) -> bool:
        return bool(self.basis_name)


class LedgerTaskUnit(Base):
    """A village a task was sent to, and its answer."""

    __tablename__ = "ledger_task_units"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)
    answer: Mapped[str] = mapped_column(String(10), default="open")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (CheckConstraint(_one_of("answer", ANSWERS), name="answer"), MODULE)


DUTY_TABLES = (LedgerDuty, LedgerTask, LedgerTaskUnit)
