"""The delivery board: a message's deliveries counted by state and per unit, and the latest
messages a viewer may see (those whose unit lies inside the viewer's scope)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.alerts.audience import beijing_time
from modules.alerts.models import STATE_LABELS, STATES, Delivery, Message
from modules.sdk import DivisionCode, Forbidden, NotFound, Viewer, unit_names


def message_for(session: Session, viewer: Viewer, message_id: object) -> Message:
    """The message, if the viewer may see it: NotFound for none, Forbidden outside."""
    try:
        number = int(str(message_id))
    except (TypeError, ValueError) as exc:
        raise NotFound(f"no message {message_id!r}") from exc
    message = session.get(Message, number) if 0 < number < 2**31 else None
    if message is None:
        raise NotFound(f"no message {number}")
    if not viewer.can("read") or not viewer.covers(message.scope_code):
        raise Forbidden(f"message {number} is outside the viewer's scope")
    return message


def summary(session: Session, viewer: Viewer, message_id: object) -> dict:
    message = message_for(session, viewer, message_id)
    depth = {"city": 6, "county": 9, "town": 12, "village": 12}[
        DivisionCode.parse(message.scope_code).level
    ]
    unit_of = func.substr(Delivery.village_code, 1, depth)
    rows = session.execute(
        select(
            unit_of,
            Delivery.state,
            func.count(),
            func.count(Delivery.acked_at),
            func.count(Delivery.escalated_at),
        )
        .where(Delivery.message_id == message.id, viewer.code_filter(Delivery.village_code))
        .group_by(unit_of, Delivery.state)
    ).all()
    totals: Counter = Counter()
    per_unit: dict[str, Counter] = defaultdict(Counter)
    acked_in: Counter = Counter()
    acked = escalated = 0
    for prefix, state, count, acks, escalations in rows:
        code = prefix.ljust(12, "0")
        totals[state] += count
        per_unit[code][state] += count
        acked += acks
        acked_in[code] += acks
        escalated += escalations
    names = unit_names(session, viewer, set(per_unit) | {message.scope_code})
    escalations = session.scalars(
        select(Message).where(Message.escalated_from == message.id).order_by(Message.id)
    ).all()
    return {
        "id": message.id,
        "unit": message.scope_code,
        "unit_name": names.get(message.scope_code, ""),
        "text": message.text,
        "sender": message.sender,
        "created": message.created.isoformat(),
        "created_local": beijing_time(message.created),
        "recipients": message.recipients,
        "ask_ack": message.ask_ack,
        "escalate_after_minutes": message.escalate_after_minutes,
        "states": {STATE_LABELS[s]: totals.get(s, 0) for s in STATES},
        "acknowledged": acked,
        "escalated": escalated,
        # The level above may lie outside the viewer's scope: its name and size only.
        "escalations": [
            {
                "recipients": e.recipients,
                "unit_name": unit_names(session, viewer, {e.scope_code}, above=True).get(
                    e.scope_code, ""
                ),
            }
            for e in escalations
        ],
        "units": [
            {
                "code": code,
                "name": names.get(code, code),
                "total": sum(counts.values()),
                **{STATE_LABELS[s]: counts.get(s, 0) for s in STATES},
                "已确认": acked_in[code],
            }
            for code, counts in sorted(per_unit.items())
        ],
    }


def recent(session: Session, viewer: Viewer, limit: int = 10) -> list[Message]:
    if not viewer.can("read"):
        return []
    return list(
        session.scalars(
            select(Message)
            .where(viewer.code_filter(Message.scope_code))
            .order_by(Message.id.desc())
            .limit(limit)
        )
    )
