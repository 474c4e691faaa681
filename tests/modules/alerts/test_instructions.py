"""Instructions (指令) from a consultation sent on as SMS: the handler of the `instruction`
signal writes one message (asking for acknowledgement, carrying the ref) with a delivery per
duty contact of the units, once per ref, refuses units outside the sender's scope, and the
worker sends it as any other SMS; `alerts.instructions` shows each delivery's state."""

from __future__ import annotations

import dataclasses
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from modules.alerts.escalation import acknowledge
from modules.alerts.instructions import INSTRUCTION_GROUPS, InstructionRefused, on_instruction
from modules.alerts.models import Contact, Delivery, Message
from modules.alerts.outbox import pending_count
from modules.alerts.situation import items
from modules.alerts.worker import OutboxWorker
from modules.sdk import INSTRUCTION, Signal, SignalRefused, SituationEvent, mask_phone
from tests.accounts_fixture import system_viewer, viewer_of
from tests.modules.alerts.helpers import deliveries, http_settings

XITIANWEI = "350304100000"
XINDU = "350304101000"


def instruction(ref: str, units=(XITIANWEI,), drill=False, **extra) -> Signal:
    payload = {
        "ref": ref,
        "units": list(units),
        "text": "请立即转移低洼地带群众",
        "event": "1521 杜鹃",
        "sender": "city.coordinator",
        "scopes": ["350300000000"],
        "drill": drill,
        **extra,
    }
    return Signal(INSTRUCTION, "consult", payload, key=ref)


def handle(context, signal: Signal) -> None:
    """Publish an instruction as the consultation does: through the core's bus, whose
    handler (the alerts module's) writes in the publishing transaction; above the
    confirmation threshold, the count it answers is confirmed and the signal sent again."""
    try:
        with context.sessions() as session, session.begin():
            assert context.core.publish(session, signal) == 1
    except SignalRefused as ask:
        payload = {**signal.payload, "confirm": ask.detail["recipients"]}
        with context.sessions() as session, session.begin():
            assert context.core.publish(session, dataclasses.replace(signal, payload=payload)) == 1


def test_more_recipients_than_the_threshold_are_confirmed_first(context):
    """As every send: an instruction to more people than `confirm_over` is refused with the
    count, writes nothing, and goes once the count is confirmed."""
    signal = instruction("consult:entry:90")
    with pytest.raises(SignalRefused) as asked:
        with context.sessions() as session, session.begin():
            context.core.publish(session, signal)
    recipients = asked.value.detail["recipients"]
    assert recipients == len(duty_phones(context, XITIANWEI[:9])) > 50
    assert "请确认人数" in asked.value.reason_zh
    assert message_of(context, "consult:entry:90") is None
    wrong = dataclasses.replace(signal, payload={**signal.payload, "confirm": recipients - 1})
    with pytest.raises(SignalRefused):
        with context.sessions() as session, session.begin():
            context.core.publish(session, wrong)
    handle(context, signal)
    assert message_of(context, "consult:entry:90").recipients == recipients


def message_of(context, ref: str) -> Message | None:
    with context.sessions() as session:
        return session.scalar(select(Message).where(Message.ref == ref))


def duty_phones(context, prefix: str) -> set[str]:
    """The phones of the duty groups' contacts inside a unit, read straight from the table."""
    with context.sessions() as session:
        found = session.scalars(select(Contact).where(Contact.village_code.startswith(prefix)))
        return {c.phone for c in found if set(INSTRUCTION_GROUPS) & set(c.group_list)}


def count(context, model) -> int:
    with context.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def drain(context, tmp_path) -> None:
    settings = http_settings("http://unused", provider="file", file=str(tmp_path / "o.jsonl"))
    worker = OutboxWorker(context.sessions, settings, system_viewer)
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(settings.threads) as pool:
        while time.monotonic() < deadline:
            if not worker.once(pool):
                with context.sessions() as session:
                    if not pending_count(session):
                        return
    raise AssertionError("the outbox did not drain")


def test_one_message_to_the_duty_contacts_of_the_units_and_once_per_ref(context):
    handle(context, instruction("consult:entry:1"))
    message = message_of(context, "consult:entry:1")
    assert message is not None and message.ask_ack and message.scope_code == XITIANWEI
    assert message.text == "【会商指令】请立即转移低洼地带群众"
    rows = deliveries(context, message.id)
    expected = duty_phones(context, "350304100")
    assert {r.phone for r in rows} == expected and len(rows) == len(expected) > 20
    assert message.recipients == len(rows)
    assert all(r.state == "queued" and r.ack_token for r in rows)
    assert all(r.body.startswith(message.text) and "/api/v1/alerts/ack/" in r.body for r in rows)

    messages, sent = count(context, Message), count(context, Delivery)
    handle(context, instruction("consult:entry:1", text="改过的文字"))  # the same ref again
    assert (count(context, Message), count(context, Delivery)) == (messages, sent)


def test_a_drill_says_so_first_and_units_outside_the_sender_scope_are_refused(context):
    handle(context, instruction("consult:entry:2", units=(XITIANWEI, XINDU), drill=True))
    both = message_of(context, "consult:entry:2")
    assert both.text.startswith("【演练】【会商指令】")
    assert both.scope_code == "350304000000"  # the smallest unit holding both towns
    assert {r.phone for r in deliveries(context, both.id)} == duty_phones(
        context, "350304100"
    ) | duty_phones(context, "350304101")

    town_only = instruction("consult:entry:3", units=(XITIANWEI, "350305101000"))
    town_only.payload["scopes"] = [XITIANWEI]
    handle(context, town_only)
    message = message_of(context, "consult:entry:3")
    assert {r.village_code[:9] for r in deliveries(context, message.id)} == {"350304100"}
    assert json.loads(message.audience)["refused"] == ["350305101000"]

    nothing = instruction("consult:entry:4", units=("350305101000",))
    nothing.payload["scopes"] = [XITIANWEI]
    handle(context, nothing)  # written, so a second publish does not try again
    assert message_of(context, "consult:entry:4").recipients == 0
    assert deliveries(context, message_of(context, "consult:entry:4").id) == []


def test_a_long_instruction_is_cut_to_one_sms_saying_where_the_rest_is(context):
    handle(context, instruction("consult:entry:5", text="转移" * 400))
    text = message_of(context, "consult:entry:5").text
    assert len(text) == 500 and text.endswith("…（全文见会商记录）")


def test_the_rows_show_each_delivery_after_the_worker_sends_and_after_an_ack(context, tmp_path):
    started = datetime.now(UTC)  # the event's window holds only this test's instruction
    handle(context, instruction("consult:entry:6", units=("350304100001",)))
    event = SituationEvent(7, "typhoon", "1521", "350300000000", "1521 杜鹃", started)

    def rows_as(login: str) -> tuple:
        with context.sessions() as session:
            answer = items(viewer_of(login), session, event, datetime.now(UTC))
        found = {item.id: item for item in answer}["alerts.instructions"]
        return found.value, [r for r in found.rows if r["ref"] == "consult:entry:6"]

    value, rows = rows_as("xtw.staff")
    assert value == f"0/{len(rows)}" and len(rows) == 3  # two 村居干部, one 包保责任人
    assert {r["state"] for r in rows} == {"待发送"}
    drain(context, tmp_path)
    value, rows = rows_as("xtw.staff")
    assert {r["state"] for r in rows} == {"已发送"} and not any(r["acked_at"] for r in rows)

    first = deliveries(context, message_of(context, "consult:entry:6").id)[0]
    with context.sessions() as session, session.begin():
        acknowledge(session, first.ack_token)
    value, rows = rows_as("xtw.staff")
    states = {r["delivery"]: r["state"] for r in rows}
    assert value == "1/3" and states.pop(first.id) == "已回执"
    assert set(states.values()) == {"已发送"}
    acked = next(r for r in rows if r["delivery"] == first.id)
    assert acked["acked_at"] and acked["phone"] == first.phone  # staff see their people's
    _, seen_by_leader = rows_as("xtw.leader")  # leaders see no whole phone
    masked = {mask_phone(r.phone) for r in deliveries(context, first.message_id)}
    assert {r["phone"] for r in seen_by_leader} == masked


def test_the_message_is_written_in_the_publishing_transaction_or_not_at_all(context):
    signal = instruction("consult:entry:8", confirm=len(duty_phones(context, XITIANWEI[:9])))
    with context.sessions() as session:
        with pytest.raises(RuntimeError), session.begin():
            assert context.core.publish(session, signal) == 1
            assert session.scalar(select(Message.id).where(Message.ref == signal.key))
            raise RuntimeError("the consultation's own write failed")
    assert message_of(context, "consult:entry:8") is None  # rolled back with the publisher
    handle(context, signal)  # sent again, later: now it is written
    assert message_of(context, "consult:entry:8").recipients > 0


def test_without_a_session_the_handler_refuses_rather_than_pretend(context):
    with pytest.raises(InstructionRefused):
        on_instruction(instruction("consult:entry:9"))
    assert message_of(context, "consult:entry:9") is None
