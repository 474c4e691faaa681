"""The transactional outbox: a send stores the message and one delivery per recipient in the
caller's transaction; workers claim due deliveries, and record what the provider said.

A claim moves `next_attempt_at` one lease ahead instead of locking a row for the whole send, so
a worker killed mid-batch loses nothing: its deliveries fall due again when the lease ends,
and the idempotency key (the same for every attempt) keeps the provider from sending twice.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from modules.alerts.audience import Audience, AudienceRefused
from modules.alerts.draft import FILE_ONLY, prepare
from modules.alerts.models import (
    DELIVERED,
    FAILED,
    PENDING,
    QUEUED,
    RETRYING,
    SENT,
    Attempt,
    Delivery,
    Message,
)
from modules.sdk import CoreServices, Forbidden, Viewer, dialect_name, record_audit

ACK_PATH = "/api/v1/alerts/ack/"
MAX_ESCALATE_MINUTES = 24 * 60


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_ack_token() -> str:
    return "ack_" + secrets.token_urlsafe(24)


def ack_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{ACK_PATH}{token}"


def check_escalation(ask_ack: bool, minutes: object) -> int | None:
    if not ask_ack or minutes in (None, "", 0, "0"):
        return None
    try:
        value = int(minutes)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise AudienceRefused("升级时限须为分钟数") from exc
    if not 1 <= value <= MAX_ESCALATE_MINUTES:
        raise AudienceRefused(f"升级时限须在 1 到 {MAX_ESCALATE_MINUTES} 分钟之间")
    return value


def send(
    session: Session,
    viewer: Viewer,
    core: CoreServices,
    audience: Audience,
    text: object,
    *,
    ask_ack: bool = False,
    escalate_after: object = None,
    ack_base_url: str = "",
    address: str | None = None,
    drill: bool = False,
    drill_mode: object = None,
    confirm: object = None,
    threshold: int | None = None,
) -> Message:
    """Store the message and all its deliveries (the caller commits them together).

    Refused (AudienceRefused) when a field of the text is empty for someone; ConfirmNeeded
    when there are more recipients than `threshold` (the setting `confirm_over`) and
    `confirm` is not their count. A drill (`drill`, a text starting 【演练】, or an exposure
    only a drill published) is marked 【演练】, and with `drill_mode` "file" goes to the file
    provider only."""
    if not viewer.can("alert"):
        raise Forbidden("the viewer may not send alerts")
    minutes = check_escalation(ask_ack, escalate_after)
    draft = prepare(
        session, viewer, core, audience, text, drill=drill, mode=drill_mode, threshold=threshold
    )
    draft.check(confirm)
    resolved = draft.resolved
    message = Message(
        sender=viewer.login or viewer.name,
        scope_code=resolved.unit,
        text=draft.text,
        audience=json.dumps(audience.as_dict(), ensure_ascii=False),
        ask_ack=bool(ask_ack),
        escalate_after_minutes=minutes,
        recipients=draft.count,
        drill=draft.drill,
    )
    session.add(message)
    session.flush()
    _add_deliveries(
        session,
        message,
        [(r.phone, r.name, r.village_code, r.site_id) for r in resolved.recipients],
        draft.bodies,
        ack_base_url,
    )
    detail = {"op": "send", "unit": resolved.unit, "recipients": message.recipients}
    if draft.needs_confirm:
        detail["confirmed"] = draft.count
    if draft.drill:
        detail["drill"] = draft.drill
    record_audit(
        session,
        "data.change",
        viewer,
        target=f"alerts.message:{message.id}",
        address=address,
        detail=detail,
    )
    return message


def _add_deliveries(
    session: Session,
    message: Message,
    recipients: list[tuple[str, str, str, str]],
    bodies: list[str],
    ack_base_url: str,
) -> None:
    now = utcnow()
    rows = []
    for (phone, name, code, site_id), body in zip(recipients, bodies, strict=True):
        token = new_ack_token() if message.ask_ack else None
        if token:
            body = f"{body} 收到请点击确认：{ack_link(ack_base_url, token)}"
        rows.append(
            {
                "message_id": message.id,
                "phone": phone,
                "name": name,
                "village_code": code,
                "site_id": site_id,
                "body": body,
                "state": QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "provider_id": "",
                "idempotency_key": f"m{message.id}-{secrets.token_hex(12)}",
                "ack_token": token,
                "last_error": "",
            }
        )
    for start in range(0, len(rows), 1000):
        session.execute(insert(Delivery), rows[start : start + 1000])


# --- the worker's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """What a provider needs to send one delivery."""

    id: int
    phone: str
    name: str
    body: str
    key: str
    attempt: int
    # A drill's message sent to the file provider only, whatever the configured provider.
    file_only: bool = False


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: sent, delivered, retry (a passing failure) or fatal."""

    outcome: str
    provider_id: str = ""
    error: str = ""


def claim(
    session: Session, limit: int, lease: float, now: datetime | None = None
) -> list[Outgoing]:
    """Take up to `limit` due deliveries for one lease (commits). On PostgreSQL, rows another
    worker is claiming are skipped (FOR UPDATE SKIP LOCKED); SQLite runs one worker."""
    now = now or utcnow()
    statement = (
        select(Delivery)
        .where(Delivery.state.in_(PENDING), Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    with session.begin():
        rows = list(session.scalars(statement))
        until = now + timedelta(seconds=lease)
        for row in rows:
            row.next_attempt_at = until
        file_only = _file_only(session, {r.message_id for r in rows})
        return [
            Outgoing(
                r.id,
                r.phone,
                r.name,
                r.body,
                r.idempotency_key,
                r.attempts + 1,
                r.message_id in file_only,
            )
            for r in rows
        ]


def _file_only(session: Session, message_ids: set[int]) -> set[int]:
    """The messages among these that are drills kept to the file provider."""
    if not message_ids:
        return set()
    statement = select(Message.id).where(
        Message.id.in_(sorted(message_ids)), Message.drill == FILE_ONLY
    )
    return set(session.scalars(statement))


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt`: doubling from `base`, capped, with jitter (the
    upper half of the interval, so retries of one batch spread out but never come early)."""
    rng = rng or random
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (0.5 + rng.random() / 2)


def record(
    session: Session,
    results: list[tuple[Outgoing, Outcome]],
    *,
    max_attempts: int,
    base: float,
    cap: float,
    worker: str = "",
    now: datetime | None = None,
) -> None:
    """Store each attempt and the delivery's new state (commits). A delivery already final
    (another worker recorded it after a lease ran out) keeps its state."""
    now = now or utcnow()
    with session.begin():
        ids = [outgoing.id for outgoing, _ in results]
        # In id order, so two workers recording overlapping batches never deadlock.
        statement = select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)
        if dialect_name(session) == "postgresql":
            statement = statement.with_for_update()
        rows = {r.id: r for r in session.scalars(statement)}
        for outgoing, outcome in results:
            row = rows.get(outgoing.id)
            if row is None:
                continue
            row.attempts += 1
            session.add(
                Attempt(
                    delivery_id=row.id,
                    number=row.attempts,
                    at=now,
                    outcome=outcome.outcome,
                    provider_id=outcome.provider_id[:100],
                    error=outcome.error[:200],
                    worker=worker[:64],
                )
            )
            if row.state not in PENDING:
                continue
            if outcome.outcome in (SENT, DELIVERED):
                row.state = outcome.outcome
                row.provider_id = outcome.provider_id[:100]
                row.sent_at = now
                row.last_error = ""
            elif outcome.outcome == "fatal" or row.attempts >= max_attempts:
                row.state = FAILED
                row.last_error = outcome.error[:200]
            else:
                row.state = RETRYING
                row.last_error = outcome.error[:200]
                row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts, base, cap))


def report(session: Session, provider_id: str, state: str, error: str = "") -> bool:
    """A provider's delivery report for a delivery it accepted: 已送达, or 失败 when the
    message never arrived. Only sent deliveries change; True when one did."""
    if not provider_id or state not in (DELIVERED, FAILED):
        return False
    delivery = session.scalars(
        select(Delivery).where(Delivery.provider_id == provider_id, Delivery.state == SENT)
    ).first()
    if delivery is None:
        return False
    delivery.state = state
    delivery.last_error = error[:200]
    return True


def pending_count(session: Session) -> int:
    """Deliveries still to send (queued or waiting to retry)."""
    statement = select(func.count()).select_from(Delivery).where(Delivery.state.in_(PENDING))
    return session.scalar(statement) or 0
