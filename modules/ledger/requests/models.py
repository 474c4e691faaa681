"""The tables of data requests (申请调阅): departments (the accounts of role `department`,
their name and the tag domains they may request), the requests and each step of their
history (submitted, granted, approved, refused, downloaded)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

MODULE = {"info": {"module": "ledger"}}
REQUEST_STATES: tuple[str, ...] = ("pending", "approved", "refused")
ACTIONS: tuple[str, ...] = ("submit", "grant", "approve", "refuse", "download")


def _now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerDepartment(Base):
    """A department account: its name (市民政局) and the domains (民政/卫健) of the tags it
    may request. Keyed by login, which the CLI and the viewer both hold (logins are never
    reused: accounts are disabled, not deleted)."""

    __tablename__ = "ledger_departments"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(60))
    domains: Mapped[str] = mapped_column(Text, default="")  # "/"-separated
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (MODULE,)

    @property
    def domain_list(self) -> list[str]:
        return [d for d in self.domains.split("/") if d]


class LedgerRequest(Base):
    """A department's request to read a template's or a set of tags' figures over a
    jurisdiction and months. 公开 tags are granted at once (`granted_tags`); the rest wait
    for the owning unit's admin (`approver_unit`). A grant holds until `valid_until`."""

    __tablename__ = "ledger_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # SQ-2026-0001
    requester_login: Mapped[str] = mapped_column(String(64), index=True)
    requester_name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(60))
    template_key: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(Text)  # ","-separated codes asked for
    granted_tags: Mapped[str] = mapped_column(Text, default="")
    unit_code: Mapped[str] = mapped_column(String(12))
    approver_unit: Mapped[str] = mapped_column(String(12), index=True)
    period_from: Mapped[int] = mapped_column(Integer)
    period_to: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (CheckConstraint(_one_of("state", REQUEST_STATES), name="state"), MODULE)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def granted_list(self) -> list[str]:
        return [t for t in self.granted_tags.split(",") if t]


class LedgerRequestEvent(Base):
    """One step of a request's history, never changed: who did what, when, with a note."""

    __tablename__ = "ledger_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (CheckConstraint(_one_of("action", ACTIONS), name="action"), MODULE)


REQUEST_TABLES = (LedgerDepartment, LedgerRequest, LedgerRequestEvent)
