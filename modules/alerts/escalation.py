"""Acknowledgement and escalation.

A message may ask for acknowledgement: each delivery carries a link with an unguessable,
single-purpose token. When a recipient has not acknowledged `escalate_after_minutes` after the
delivery was sent, the worker sends one message to the next level up (the rule, documented in
docs/alerts.md): the parent of the message's unit (village → town → county → city), to the
contacts registered at exactly that unit in the groups `ONEMAP_ALERTS_ESCALATE_GROUPS`
(包保责任人, 村居干部). It is recorded in the audit log and shown on the board.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.alerts.audience import beijing_time
from modules.alerts.draft import DRILL_MARK
from modules.alerts.models import DELIVERED, SENT, Contact, Delivery, Message
from modules.alerts.outbox import _add_deliveries
from modules.alerts.settings import AlertsSettings
from modules.sdk import DivisionCode, Viewer, dialect_name, mask_phone, record_audit, unit_names

LOGGER = logging.getLogger(__name__)
SYSTEM_SENDER = "system:escalation"


def acknowledge(session: Session, token: str, now: datetime | None = None) -> Delivery | None:
    """Mark the delivery holding this token acknowledged (once); None for an unknown token."""
    if not isinstance(token, str) or not token.startswith("ack_") or len(token) > 64:
        return None
    delivery = session.scalars(select(Delivery).where(Delivery.ack_token == token)).first()
    if delivery is not None and delivery.acked_at is None:
        delivery.acked_at = now or datetime.now(UTC)
    return delivery


def escalation_contacts(session: Session, unit: str, groups: tuple[str, ...]) -> list[Contact]:
    wanted = set(groups)
    found = session.scalars(select(Contact).where(Contact.village_code == unit))
    return [c for c in found if wanted & set(c.group_list)]


def escalate_due(
    session: Session, settings: AlertsSettings, viewer: Viewer, now: datetime | None = None
) -> int:
    """Escalate every overdue unacknowledged delivery (commits), as the system `viewer`.
    Returns how many."""
    now = now or datetime.now(UTC)
    statement = (
        select(Delivery, Message)
        .join(Message, Message.id == Delivery.message_id)
        .where(
            Message.ask_ack.is_(True),
            Message.escalate_after_minutes.is_not(None),
            Delivery.state.in_((SENT, DELIVERED)),
            Delivery.acked_at.is_(None),
            Delivery.escalated_at.is_(None),
            Delivery.sent_at <= now - timedelta(minutes=1),
        )
        .limit(2000)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=Delivery, skip_locked=True)
    handled = 0
    with session.begin():
        overdue: dict[int, list[Delivery]] = defaultdict(list)
        messages: dict[int, Message] = {}
        for delivery, message in session.execute(statement):
            limit = timedelta(minutes=message.escalate_after_minutes or 0)
            if delivery.sent_at and delivery.sent_at + limit <= now:
                overdue[message.id].append(delivery)
                messages[message.id] = message
        for message_id, late in overdue.items():
            message = messages[message_id]
            handled += len(late)
            _escalate(session, settings, viewer, message, late, now)
    return handled


def _escalate(
    session: Session,
    settings: AlertsSettings,
    viewer: Viewer,
    message: Message,
    late: list[Delivery],
    now: datetime,
) -> None:
    parent = DivisionCode.parse(message.scope_code).parent
    for delivery in late:
        delivery.escalated_at = now
    names = unit_names(session, viewer, {message.scope_code})
    recipients = escalation_contacts(session, parent, settings.escalate_groups) if parent else []
    escalation_id = None
    if recipients:
        who = "、".join(f"{d.name}（{mask_phone(d.phone)}）" for d in late[:5])
        more = f"等 {len(late)} 人" if len(late) > 5 else ""
        text = (
            f"{DRILL_MARK if message.drill else ''}【升级提醒】"
            f"{names.get(message.scope_code, '')}{beijing_time(message.created)}"
            f"发出的短信，{who}{more}超过 {message.escalate_after_minutes} 分钟未确认，"
            f"请督促落实。原文：{message.text[:120]}"
        )[:500]
        escalation = Message(
            sender=SYSTEM_SENDER,
            scope_code=parent,
            text=text,
            audience="{}",
            ask_ack=False,
            escalate_after_minutes=None,
            escalated_from=message.id,
            recipients=len(recipients),
            created=now,
            drill=message.drill,  # a drill's escalation is one too, and goes where it went
        )
        session.add(escalation)
        session.flush()
        escalation_id = escalation.id
        _add_deliveries(
            session,
            escalation,
            [(c.phone, c.name, c.village_code, c.site_id) for c in recipients],
            [text] * len(recipients),
            settings.ack_base_url,
        )
    record_audit(
        session,
        "data.change",
        login="alerts-worker",
        target=f"alerts.message:{message.id}",
        outcome="ok" if recipients else "no-recipient",
        detail={
            "op": "escalate",
            "unacknowledged": len(late),
            "to_unit": parent,
            "to_message": escalation_id,
            "recipients": len(recipients),
        },
    )
    LOGGER.info(
        "message %s: %d unacknowledged, escalated to %s (%d recipients)",
        message.id,
        len(late),
        parent,
        len(recipients),
    )
