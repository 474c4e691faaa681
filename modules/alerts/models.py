"""The alerts module's tables: contacts, templates, messages, one delivery per recipient
(the outbox) and the log of every attempt to send one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base, UTCDateTime

MODULE = {"info": {"module": "alerts"}}

# Delivery states as stored, and as shown.
QUEUED, SENT, RETRYING, FAILED, DELIVERED = "queued", "sent", "retrying", "failed", "delivered"
STATE_LABELS: dict[str, str] = {
    QUEUED: "排队",
    SENT: "已发送",
    RETRYING: "失败-重试中",
    FAILED: "失败",
    DELIVERED: "已送达",
}
STATES: tuple[str, ...] = tuple(STATE_LABELS)
# States the worker still has to act on; the others are final.
PENDING: tuple[str, ...] = (QUEUED, RETRYING)


def _now() -> datetime:
    return datetime.now(UTC)


class Contact(Base):
    """A person to remind: in a unit (a village usually; a town or county officer carries
    that unit's code), in groups (村居干部, 包保责任人...), perhaps responsible for a site."""

    __tablename__ = "alerts_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(11))
    village_code: Mapped[str] = mapped_column(String(12), index=True)
    # Group names separated by "、" (a handful per person; matched in Python after the scope).
    groups: Mapped[str] = mapped_column(String(200), default="")
    site_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    __table_args__ = (UniqueConstraint("village_code", "phone"), MODULE)

    @property
    def group_list(self) -> list[str]:
        return [g for g in self.groups.split("、") if g]


class Template(Base):
    """Reusable text with fields ({单位} {时间} {风圈等级} {重点部位}); `scope_code` is the unit
    that owns it ("" for templates every sender may use)."""

    __tablename__ = "alerts_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))
    scope_code: Mapped[str] = mapped_column(String(12), default="")

    __table_args__ = (MODULE,)


class Message(Base):
    """One send: who sent what to which unit's audience. Its deliveries hold the recipients."""

    __tablename__ = "alerts_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(100))
    # The audience unit: who may see the message and its board.
    scope_code: Mapped[str] = mapped_column(String(12), index=True)
    text: Mapped[str] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(Text, default="")  # the request, as JSON
    ask_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_after_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalated_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    # The instruction a message carries on (`consult:entry:12`): one message per ref.
    ref: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, index=True)
    # A drill's (演练) message: "mark" (sent with 【演练】 in front) or "file" (to the file
    # provider only, whatever the configured one); "" for a real one.
    drill: Mapped[str] = mapped_column(String(8), default="", server_default="")

    __table_args__ = (MODULE,)


class Delivery(Base):
    """One recipient of one message: the outbox row the worker claims, sends and records."""

    __tablename__ = "alerts_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("alerts_messages.id"), index=True)
    phone: Mapped[str] = mapped_column(String(11))
    name: Mapped[str] = mapped_column(String(50), default="")
    village_code: Mapped[str] = mapped_column(String(12))
    site_id: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[str] = mapped_column(String(700))
    state: Mapped[str] = mapped_column(String(12), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the worker may (re)claim it: due now, after a backoff, or after a lease expires.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    provider_id: Mapped[str] = mapped_column(String(100), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    ack_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        # The worker's claim: pending rows by due time.
        Index("ix_alerts_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        MODULE,
    )


class Attempt(Base):
    """One try to hand a delivery to the provider, whatever came of it."""

    __tablename__ = "alerts_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alerts_deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    outcome: Mapped[str] = mapped_column(String(12))
    provider_id: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    worker: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (MODULE,)


TABLES = (Contact, Template, Message, Delivery, Attempt)
