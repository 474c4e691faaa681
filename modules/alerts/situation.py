"""The alerts module's part of a consultation's board (the `situation` hook): the SMS sent
during the event (sent, delivered, acknowledged, escalated, failed) and every delivery of the
instructions sent on from consultations, for one viewer narrowed to the event's jurisdiction.

Which messages belong to an event: those created from its start up to the board's moment. A
drill replays a past storm, but its SMS go out in real time, so its messages are those
created since it was opened (the event's `opened_at` when it carries one; else the last
DRILL_HOURS hours) up to now. An instruction's message that names its event (`event_id` in
the payload) is shown for that event only.

Deliveries count inside the viewer's narrowed scope only: a city-wide message shows a town's
staff the part of it that reached their town, and its text, which their people received.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from modules.alerts.models import DELIVERED, FAILED, PENDING, SENT, Delivery, Message
from modules.sdk import (
    SituationItem,
    Viewer,
    mask_phone,
    narrowed_viewer,
    sees_phone,
)

MODULE = "alerts"
BEIJING = timedelta(hours=8)
DRILL_HOURS = 24
EXCERPT = 40
INSTRUCTION_STATES = {
    "queued": "待发送",
    "retrying": "待发送",
    SENT: "已发送",
    DELIVERED: "已送达",
    FAILED: "失败",
}


def items(viewer: Viewer, session: Session, event, moment: datetime) -> list:
    """The alerts items for `event` at `moment` (UTC); [] outside the viewer's scope."""
    narrowed = narrowed_viewer(viewer, event.scope)
    if narrowed is None:
        return []
    start, end = window(event, moment)
    return [
        sms_item(session, narrowed, start, end),
        instructions_item(session, narrowed, event, start, end),
    ]


def window(event, moment: datetime) -> tuple[datetime, datetime]:
    """(from, to) of the messages that belong to the event, in real time (UTC)."""
    if not event.drill:
        return event.started_at, moment
    now = datetime.now(UTC)
    # `opened_at` (the real time a drill was opened) is not on every SituationEvent.
    opened = getattr(event, "opened_at", None)
    return opened or now - timedelta(hours=DRILL_HOURS), now


def beijing(moment: datetime | None) -> str:
    return (moment.astimezone(UTC) + BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sms_item(session: Session, viewer: Viewer, start: datetime, end: datetime) -> SituationItem:
    """`alerts.sms`: the messages with deliveries in the viewer's scope, with their counts."""
    statement = (
        select(
            Message.id,
            Message.created,
            Message.text,
            func.count(Delivery.id),
            _count(Delivery.state.in_((SENT, DELIVERED))),
            _count(Delivery.state == DELIVERED),
            func.count(Delivery.acked_at),
            func.count(Delivery.escalated_at),
            _count(Delivery.state == FAILED),
            _count(Delivery.state.in_(PENDING)),
        )
        .join(Delivery, Delivery.message_id == Message.id)
        .where(
            Message.created >= start,
            Message.created <= end,
            viewer.code_filter(Delivery.village_code),
        )
        .group_by(Message.id, Message.created, Message.text)
        .order_by(Message.created.desc(), Message.id.desc())
    )
    rows = []
    for (
        number,
        created,
        text,
        total,
        sent,
        delivered,
        acked,
        escalated,
        failed,
        pending,
    ) in session.execute(statement):
        rows.append(
            {
                "id": number,
                "time": beijing(created),
                "text": _excerpt(text),
                "recipients": total,
                "sent": int(sent),
                "delivered": int(delivered),
                "acked": acked,
                "escalated": escalated,
                "failed": int(failed),
                "pending": int(pending),
            }
        )
    totals = {k: sum(r[k] for r in rows) for k in ("sent", "delivered", "acked", "escalated")}
    failed, pending = sum(r["failed"] for r in rows), sum(r["pending"] for r in rows)
    value = (
        f"发送 {totals['sent']} · 送达 {totals['delivered']} · 回执 {totals['acked']}"
        f" · 升级 {totals['escalated']}"
        + (f" · 失败 {failed}" if failed else "")
        + (f" · 待发送 {pending}" if pending else "")
    )
    return SituationItem(
        id="alerts.sms",
        module=MODULE,
        title="短信提醒",
        value=value,
        source="短信提醒模块 · 发送与回执记录",
        as_of=end,
        columns=(
            ("id", "编号"),
            ("time", "时间"),
            ("text", "内容"),
            ("recipients", "收件人"),
            ("sent", "已发送"),
            ("delivered", "已送达"),
            ("acked", "已回执"),
            ("escalated", "已升级"),
            ("failed", "失败"),
            ("pending", "待发送"),
        ),
        rows=tuple(rows),
        key="id",
        entered="新告警",
        left="—",
        severity="warn" if failed or totals["escalated"] else ("info" if rows else ""),
        order=60,
    )


def delivery_state(state: str, acked_at: datetime | None, escalated_at: datetime | None) -> str:
    """待发送 / 已发送 / 已送达 / 已回执 / 已升级 / 失败: where one delivery stands."""
    if acked_at is not None:
        return "已回执"
    if escalated_at is not None:
        return "已升级"
    return INSTRUCTION_STATES.get(state, state)


def _other_events(session: Session, message_ids: set[int], event) -> set[int]:
    """The messages among these that name another event than `event`."""
    found = set()
    for number, audience in session.execute(
        select(Message.id, Message.audience).where(Message.id.in_(message_ids))
    ):
        try:
            named = json.loads(audience or "{}").get("event_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(named, int) and named != event.id:
            found.add(number)
    return found


def instructions_item(
    session: Session, viewer: Viewer, event, start: datetime, end: datetime
) -> SituationItem:
    """`alerts.instructions`: each delivery of the instructions sent during the event, in
    the viewer's scope, with its state; consult reads each entry's acknowledgements by
    `ref`."""
    statement = (
        select(
            Message.id,
            Message.ref,
            Delivery.id,
            Delivery.village_code,
            Delivery.name,
            Delivery.phone,
            Delivery.state,
            Delivery.acked_at,
            Delivery.escalated_at,
        )
        .join(Message, Message.id == Delivery.message_id)
        .where(
            Message.ref.is_not(None),
            Message.created >= start,
            Message.created <= end,
            viewer.code_filter(Delivery.village_code),
        )
        .order_by(Message.id, Delivery.id)
    )
    found = session.execute(statement).all()
    others = _other_events(session, {row[0] for row in found}, event) if found else set()
    whole: dict[str, bool] = {}  # the SDK's phone policy, asked once per unit

    def phone_seen(code: str, phone: str) -> str:
        if code not in whole:
            whole[code] = sees_phone(viewer, code)
        return phone if whole[code] else mask_phone(phone)

    rows = [
        {
            "ref": ref,
            "delivery": delivery,
            "unit": code,
            "name": name,
            "phone": phone_seen(code, phone),
            "state": delivery_state(state, acked_at, escalated_at),
            "acked_at": beijing(acked_at),
        }
        for message, ref, delivery, code, name, phone, state, acked_at, escalated_at in found
        if message not in others
    ]
    acked = sum(1 for r in rows if r["acked_at"])
    trouble = any(r["state"] in ("已升级", "失败") for r in rows)
    return SituationItem(
        id="alerts.instructions",
        module=MODULE,
        title="会商指令回执",
        value=f"{acked}/{len(rows)}",
        unit="人",
        source="短信提醒模块 · 会商指令短信",
        as_of=end,
        columns=(
            ("ref", "指令"),
            ("unit", "单位代码"),
            ("name", "接收人"),
            ("phone", "手机号"),
            ("state", "状态"),
            ("acked_at", "回执时间"),
        ),
        rows=tuple(rows),
        key="delivery",
        entered="新下达",
        left="—",
        severity="warn" if trouble else "",
        order=61,
    )
