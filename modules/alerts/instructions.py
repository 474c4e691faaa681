"""Instructions (指令) from a consultation, sent on as SMS: the `instruction` signal's handler.

It runs in the publishing transaction, with the publisher's session: it resolves the
payload's units to their duty contacts (the groups INSTRUCTION_GROUPS, registered at each
unit or any unit below it) and writes one message asking for acknowledgement, carrying the
instruction's `ref`, with one delivery per phone, into the outbox, so the worker sends it as
any other SMS. Publishing the same ref again writes nothing (`ref` is unique on messages).

The payload (docs/modules.md, "Signals"): `ref`, `units`, `text`, `drill`, `sender`, and
`scopes`, the sender's jurisdictions: a unit none of them covers is refused. Without
`scopes` the publisher is trusted to have checked the units. Optional: `event_id` (the
consultation's event: its board shows only its own instructions) and
`escalate_after_minutes` (1-1440: unacknowledged deliveries then escalate as any message's).
"""

from __future__ import annotations

import json
import logging

import flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modules.alerts.audience import MAX_TEXT, AudienceRefused
from modules.alerts.contacts import contacts_for_sending
from modules.alerts.models import Contact, Message
from modules.alerts.outbox import _add_deliveries, check_escalation
from modules.alerts.settings import ack_base_url, confirm_over
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    Signal,
    SignalRefused,
    Viewer,
    record_audit,
    require_unit,
)

LOGGER = logging.getLogger(__name__)

# The duty groups of the flood season: the cadres responsible for a place (包保责任人) and
# the village (or town) cadres (村居干部), the same people escalations reach.
INSTRUCTION_GROUPS: tuple[str, ...] = ("包保责任人", "村居干部")
HEADER = "【会商指令】"
DRILL = "【演练】"
# An SMS holds MAX_TEXT characters; a longer instruction says where the rest is.
CUT = "…（全文见会商记录）"
MAX_REF = 64  # models.Message.ref


class InstructionRefused(ValueError):
    """A payload that cannot be sent on (the message is English, for the log)."""


def on_instruction(signal: Signal, session: Session | None = None) -> None:
    """The bus's handler: the instruction's message, in the publisher's transaction. Without
    a session nothing can join that transaction: refused, so the publisher hears that
    nobody took it rather than believing it sent."""
    if session is None:
        raise InstructionRefused(f"instruction {signal.key!r}: the bus handed no session")
    write(session, signal.payload or {}, _ack_origin())


def _ack_origin() -> str:
    """The origin of acknowledgement links: the setting, else the request being served."""
    origin = ack_base_url()
    if not origin and flask.has_request_context():
        origin = flask.request.host_url
    return origin


def write(session: Session, payload: dict, ack_origin: str = "") -> Message | None:
    """Store the instruction's message and deliveries (the caller commits); None when its
    ref was sent before. Raises InstructionRefused for a payload that cannot be sent."""
    ref = payload.get("ref")
    if not isinstance(ref, str) or not ref.strip() or len(ref) > MAX_REF:
        raise InstructionRefused(f"an instruction needs a ref of 1 to {MAX_REF} characters")
    if session.scalar(select(Message.id).where(Message.ref == ref)) is not None:
        LOGGER.info("instruction %s: sent before, nothing written", ref)
        return None
    text = sms_text(payload)
    try:
        minutes = check_escalation(True, payload.get("escalate_after_minutes"))
    except AudienceRefused as exc:
        raise InstructionRefused(f"instruction {ref}: bad escalate_after_minutes") from exc
    units = _codes(payload.get("units"))
    if not units:
        raise InstructionRefused(f"instruction {ref}: no valid unit")
    sender = sender_of(payload, units)
    contacts, refused = duty_contacts(session, sender, units)
    over = confirm_over()
    if len(contacts) > over and payload.get("confirm") != len(contacts):
        # As every send: above the threshold, the sender confirms the count first.
        raise SignalRefused(
            f"instruction {ref}: {len(contacts)} recipients, confirm the count",
            f"该指令将发送给 {len(contacts)} 人（超过 {over} 人），请确认人数后再发送",
            {"recipients": len(contacts), "confirm_over": over},
        )
    sent_to = [u for u in units if u not in refused]
    try:
        with session.begin_nested():  # a failure rolls back this message only
            message = Message(
                sender=sender.login or "",
                scope_code=common_unit(sent_to or units),
                text=text,
                audience=json.dumps(
                    {
                        "instruction": ref,
                        "event": str(payload.get("event") or "")[:100],
                        "event_id": _event_id(payload),
                        "units": sent_to,
                        "refused": refused,
                        "groups": list(INSTRUCTION_GROUPS),
                    },
                    ensure_ascii=False,
                ),
                ask_ack=True,
                escalate_after_minutes=minutes,
                recipients=len(contacts),
                ref=ref,
            )
            session.add(message)
            session.flush()
            recipients = [(c.phone, c.name, c.village_code, c.site_id) for c in contacts]
            _add_deliveries(session, message, recipients, [text] * len(contacts), ack_origin)
            record_audit(
                session,
                "data.change",
                sender,
                target=f"alerts.message:{message.id}",
                outcome="ok" if contacts else "no-recipient",
                detail={
                    "op": "instruction",
                    "ref": ref,
                    "units": sent_to,
                    "refused": refused,
                    "recipients": len(contacts),
                },
            )
    except IntegrityError:  # another process wrote this ref first
        LOGGER.info("instruction %s: written by another process", ref)
        return None
    if refused:
        LOGGER.warning("instruction %s: refused units %s (scope %s)", ref, refused, sender.scopes)
    LOGGER.info("instruction %s: message %s to %d contacts", ref, message.id, len(contacts))
    return message


def sms_text(payload: dict) -> str:
    """【会商指令】 and the text (after 【演练】 for a drill), cut to one SMS's length."""
    body = payload.get("text")
    if not isinstance(body, str) or not body.strip():
        raise InstructionRefused(f"instruction {payload.get('ref')!r}: no text")
    text = (DRILL if payload.get("drill") is True else "") + HEADER + body.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - len(CUT)] + CUT


def _event_id(payload: dict) -> int | None:
    """The consultation event the instruction belongs to, when the payload names it."""
    value = payload.get("event_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _codes(values: object) -> list[DivisionCode]:
    """The valid division codes among `values`, each once, in order."""
    found: list[DivisionCode] = []
    for value in values if isinstance(values, list | tuple) else ():
        try:
            code = DivisionCode.parse(str(value))
        except InvalidCode:
            continue
        if code not in found:
            found.append(code)
    return found


def sender_of(payload: dict, units: list[DivisionCode]) -> Viewer:
    """Who the instruction is sent for, over the sender's `scopes` (the units themselves
    when the payload carries none: the publisher checked them)."""
    scopes = _codes(payload["scopes"]) if "scopes" in payload else units
    outermost = tuple(sorted(s for s in scopes if not any(o != s and o.covers(s) for o in scopes)))
    login = str(payload.get("sender") or "consult")[:64]
    return Viewer(None, login, login, "coordinator", outermost, frozenset())


def duty_contacts(
    session: Session, sender: Viewer, units: list[DivisionCode]
) -> tuple[list[Contact], list[str]]:
    """(the duty contacts at or below each unit, one per phone; the units refused: unknown,
    or outside the sender's scope)."""
    wanted = set(INSTRUCTION_GROUPS)
    contacts: dict[str, Contact] = {}
    refused: list[str] = []
    for unit in units:
        try:
            require_unit(session, sender, unit)
        except (Forbidden, NotFound):
            refused.append(unit)
            continue
        for contact in contacts_for_sending(session, sender, unit):
            if wanted & set(contact.group_list):
                contacts.setdefault(contact.phone, contact)
    return list(contacts.values()), refused


def common_unit(units: list[DivisionCode]) -> DivisionCode:
    """The smallest unit holding all `units` (the message's audience unit)."""
    unit = units[0]
    while not all(unit.covers(u) for u in units) and unit.parent:
        unit = unit.parent
    return unit
