"""The decision log: entries by kind and units, the author's ten-minute edit window, then
corrections as new entries; an instruction sent on as SMS through the alerts module's
contract, once, with its acknowledgements shown on the entry."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from modules.consult import entries as log
from tests.modules.consult.conftest import open_drill, post

XTW = "350304100000"


def _entries(client, event_id) -> list[dict]:
    return client.get(f"/api/v1/consult/events/{event_id}").get_json()["decisions"]


def test_entries_carry_their_kind_units_and_numbers(client_as):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "assessment", "text": "风圈今夜影响沿海"},
    )
    made = post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "instruction", "text": "转移危险区群众", "units": [XTW]},
    )
    assert made.status_code == 201 and made.get_json()["number"] == 2
    [first, second] = _entries(coordinator, event_id)
    assert (first["kind_label"], second["kind_label"]) == ("研判", "指令")
    assert second["units"] == [{"code": XTW, "name": "西天尾镇"}]
    assert second["acks"] is None and second["sent_at"] is None
    no_units = post(
        coordinator, f"/events/{event_id}/entries", {"kind": "instruction", "text": "x"}
    )
    assert "接收单位" in no_units.get_json()["error_zh"]
    empty = post(coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "  "})
    assert "请填写内容" in empty.get_json()["error_zh"]
    unknown = post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "decision", "text": "x", "units": ["999999"]},
    )
    assert unknown.status_code == 400 and "999999" in unknown.get_json()["error_zh"]


def test_the_author_edits_for_ten_minutes_then_only_a_correction_is_possible(
    client_as, monkeypatch
):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    made = post(
        coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "启动Ⅳ级响应"}
    )
    entry_id = made.get_json()["id"]
    path = f"/events/{event_id}/entries/{entry_id}"
    edited = post(coordinator, path, {"text": "启动Ⅲ级响应"}, method="patch")
    assert edited.status_code == 200 and edited.get_json()["text"] == "启动Ⅲ级响应"
    later = log.now() + timedelta(minutes=11)
    monkeypatch.setattr(log, "now", lambda: later)
    refused = post(coordinator, path, {"text": "再改"}, method="patch")
    assert refused.status_code == 400 and "超过 10 分钟" in refused.get_json()["error_zh"]
    corrected = post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "decision", "text": "更正：启动Ⅱ级响应", "corrects": entry_id},
    )
    assert corrected.status_code == 201
    shown = _entries(coordinator, event_id)
    assert [e["text"] for e in shown] == ["启动Ⅲ级响应", "更正：启动Ⅱ级响应"]
    assert shown[1]["corrects"] == entry_id and shown[0]["edited_at"]


def test_only_the_author_edits(client_as, context):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    entry_id = post(
        coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "原文"}
    ).get_json()["id"]
    from tests.accounts_fixture import viewer_of

    other = viewer_of("city.coordinator")
    stranger = other.__class__(**{**other.__dict__, "user_id": 999_999})
    from modules.consult.access import event_for
    from modules.consult.refusals import Refused

    with context.sessions() as session:
        event = event_for(session, stranger, event_id)
        entry = log.entry_for(session, event, entry_id)
        try:
            log.edit_entry(session, stranger, event, entry, "别人改")
        except Refused as refusal:
            assert "只有记录人" in refusal.reason_zh
        else:
            raise AssertionError("another coordinator edited the entry")


def test_an_instruction_goes_on_as_sms_once_and_its_acknowledgements_show(client_as, context):
    from modules.alerts.models import Delivery, Message

    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    entry_id = post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "instruction", "text": "立即转移低洼地带群众", "units": [XTW]},
    ).get_json()["id"]
    # 西天尾镇's duty contacts are more than the SMS module sends to unasked: the count first.
    asked = post(coordinator, f"/events/{event_id}/entries/{entry_id}/send")
    assert asked.status_code == 409, asked.get_data(as_text=True)
    recipients = asked.get_json()["recipients"]
    assert recipients > 50 and f"发送给 {recipients} 人" in asked.get_json()["error_zh"]
    wrong = post(coordinator, f"/events/{event_id}/entries/{entry_id}/send", {"confirm": 1})
    assert wrong.status_code == 409
    sent = post(coordinator, f"/events/{event_id}/entries/{entry_id}/send", {"confirm": recipients})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    again = post(
        coordinator, f"/events/{event_id}/entries/{entry_id}/send", {"confirm": recipients}
    )
    assert again.status_code == 400 and "已发送" in again.get_json()["error_zh"]
    ref = f"consult:entry:{entry_id}"
    with context.sessions() as session:
        messages = session.scalars(select(Message).where(Message.ref == ref)).all()
        assert len(messages) == 1
        assert messages[0].text.startswith("【演练】")
        deliveries = session.scalars(
            select(Delivery).where(Delivery.message_id == messages[0].id)
        ).all()
    assert deliveries, "the town's responsible contacts get the instruction"
    [entry] = [e for e in _entries(coordinator, event_id) if e["id"] == entry_id]
    assert entry["sent_at"] and entry["acks"]["total"] == len(deliveries) == recipients
    assert entry["acks"]["acknowledged"] == 0
    # Staff of 西天尾镇 see it among their instructions; staff elsewhere do not.
    mine = (
        client_as("xitianwei.staff").get("/api/v1/consult/instructions").get_json()["instructions"]
    )
    assert any(i["id"] == entry_id and i["units"] == [XTW] for i in mine)
    theirs = client_as("xiuyu.staff").get("/api/v1/consult/instructions").get_json()["instructions"]
    assert all(i["id"] != entry_id for i in theirs)


def test_an_attachment_is_kept_and_served_to_readers_of_the_event(client_as):
    import io

    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    from tests.accounts_fixture import csrf_header

    made = coordinator.post(
        f"/api/v1/consult/events/{event_id}/entries",
        data={
            "kind": "assessment",
            "text": "见附件",
            "attachment": (io.BytesIO(b"%PDF-1.4 rain"), "雨情.pdf"),
        },
        headers=csrf_header(coordinator),
        content_type="multipart/form-data",
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    entry_id = made.get_json()["id"]
    path = f"/api/v1/consult/events/{event_id}/entries/{entry_id}/attachment"
    got = client_as("city.leader").get(path)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 rain"
    assert "filename*=UTF-8''%E9%9B%A8" in got.headers["Content-Disposition"]
    assert client_as("licheng.leader").get(path).status_code == 404


def test_the_page_asks_for_the_count_then_a_second_click_sends(client_as, consult_app, context):
    """发送短信 on the page: the first click names how many people the instruction would reach
    and sends nothing; a second click on the same entry confirms that count and sends."""
    from modules.alerts.models import Message
    from tests.dash_client import call_callback, response_json

    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    entry_id = post(
        coordinator,
        f"/events/{event_id}/entries",
        {"kind": "instruction", "text": "加固堤防", "units": [XTW]},
    ).get_json()["id"]
    consult_app.server.test_client().get("/login")  # Dash completes its callback map
    key = next(
        k
        for k, spec in consult_app.callback_map.items()
        if any("consult-send" in i["id"] for i in spec["inputs"])
    )
    button = {"type": "consult-send", "entry": entry_id}

    def click(pending):
        return response_json(
            call_callback(
                coordinator,
                [
                    ("consult-message", "children"),
                    ("consult-refresh", "data"),
                    ("consult-send-pending", "data"),
                ],
                inputs=[
                    (
                        {"type": "consult-send", "entry": "ALL"},
                        "n_clicks",
                        [{"id": button, "property": "n_clicks", "value": 1}],
                    )
                ],
                state=[
                    ("consult-event", "value", event_id),
                    ("consult-refresh", "data", 0),
                    ("consult-send-pending", "data", pending),
                ],
                output_key=key,
                changed=[json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
            )
        )["response"]

    first = click(None)
    pending = first["consult-send-pending"]["data"]
    assert pending["entry"] == entry_id and pending["recipients"] > 50
    assert f"确认发送给 {pending['recipients']} 人" in json.dumps(first, ensure_ascii=False)
    ref = f"consult:entry:{entry_id}"
    with context.sessions() as session:
        assert session.scalar(select(Message.id).where(Message.ref == ref)) is None
    second = click(pending)
    assert "已交短信模块发送" in json.dumps(second, ensure_ascii=False)
    with context.sessions() as session:
        message = session.scalar(select(Message).where(Message.ref == ref))
    assert message is not None and message.recipients == pending["recipients"]
