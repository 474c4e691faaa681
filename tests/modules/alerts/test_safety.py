"""Acting safely: a send to more people than the threshold asks first (API: 409 with the
count; page: a confirm step), a drill's messages are marked 【演练】 or kept to the file
provider, a field that would be empty is flagged and refused, and every refusal says what
to do."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from modules.alerts.draft import ConfirmNeeded
from modules.alerts.escalation import escalate_due
from modules.alerts.models import SENT, Delivery, Message
from modules.alerts.outbox import pending_count
from modules.alerts.settings import confirm_over, load
from modules.alerts.worker import OutboxWorker
from modules.sdk import Signal
from tests.accounts_fixture import csrf_header, system_viewer
from tests.dash_client import call_callback, response_json
from tests.modules.alerts.gateway import Gateway
from tests.modules.alerts.helpers import core_of, deliveries, http_settings, send_as
from tests.modules.alerts.test_page import click_send, send_state

TOWN = "350304100"
CITY = "350300"
FILLED = "{单位}：请立即巡查。"  # fields that are never empty
KEY = "storm:safety-test"


def post(client, body):
    return client.post("/api/v1/alerts/messages", json=body, headers=csrf_header(client))


def counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Message)),
            session.scalar(select(func.count()).select_from(Delivery)),
        )


@contextmanager
def exposure(context, login: str, drill: bool, key: str = KEY, part: slice = slice(None)):
    """The key points `login` sees (a `part` of them) inside the 10-level circle from an
    hour from now (a drill's exposure is published, as the typhoon page does, in today's
    time)."""
    core = core_of(context, login)
    now = datetime.now(UTC)
    with context.sessions() as session:
        sites = core.sites(session, core.viewer())[part]
    start, until = now + timedelta(hours=1), now + timedelta(hours=7)
    payload = {
        "hazard": "台风",
        "event": "1521 杜鹃",
        "storm": "1521",
        "drill": drill,
        "sites": [
            {
                "site": s.id,
                "village_code": s.village_code,
                "level": 10,
                "from": start.isoformat(),
                "until": until.isoformat(),
            }
            for s in sites
        ],
        "units": [],
    }
    with context.sessions() as session, session.begin():
        context.core.publish(session, Signal("exposure", "test", payload, now, key))
    try:
        yield sites
    finally:
        with context.sessions() as session, session.begin():
            context.core.publish(session, Signal("exposure", "test", {}, now, key))


def drain(context, settings, seconds: float = 60) -> None:
    worker = OutboxWorker(context.sessions, settings, system_viewer)
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(settings.threads) as pool:
        while time.monotonic() < deadline:
            if not worker.once(pool):
                with context.sessions() as session:
                    if not pending_count(session):
                        return
                time.sleep(0.02)
    raise AssertionError("the outbox did not drain")


# --- a large send asks first -------------------------------------------------------------


def test_a_drill_exposure_of_the_whole_city_asks_before_it_sends_and_is_marked(
    client_as, context, sessions
):
    """The issue's case: a drill fills the level-10 audience of the whole city; nothing is
    stored until the count is confirmed, and every message says 【演练】."""
    client = client_as("city.coordinator")
    body = {"unit": CITY, "exposure": True, "text": "{单位}{风圈等级}：请检查{重点部位}。"}
    with exposure(context, "city.coordinator", drill=True):
        before = counts(sessions)
        asked = post(client, body)
        assert asked.status_code == 409, asked.json
        count = asked.json["recipients"]
        assert count > 900, count
        assert counts(sessions) == before
        sent = post(client, {**body, "confirm": count})
    assert sent.status_code == 201 and sent.json["drill"] == "mark"
    rows = deliveries(context, sent.json["id"])
    assert len(rows) == count and all(r.body.startswith("【演练】") for r in rows)
    assert any("10级" in r.body for r in rows)
    with sessions() as session:
        assert session.get(Message, sent.json["id"]).text.startswith("【演练】{单位}")


def test_an_api_send_over_the_threshold_is_refused_with_its_count_until_confirmed(
    client_as, sessions
):
    client = client_as("xtw.staff")
    body = {"unit": TOWN, "text": FILLED}
    before = counts(sessions)
    asked = post(client, body)
    assert asked.status_code == 409, asked.json
    count = asked.json["recipients"]
    assert count > 50 and asked.json["confirm_over"] == 50
    assert f"将发送给 {count} 人" in asked.json["message"]
    for wrong in (count - 1, count + 1, True, str(count - 1), None, [count]):
        assert post(client, {**body, "confirm": wrong}).status_code == 409
    assert counts(sessions) == before  # nothing stored before the confirmation
    sent = post(client, {**body, "confirm": count})
    assert sent.status_code == 201 and sent.json["recipients"] == count
    assert counts(sessions) == (before[0] + 1, before[1] + count)
    small = post(client, {**body, "unit": "350304100001"})  # 1 village: under the threshold
    assert small.status_code == 201 and small.json["recipients"] <= 50


def test_another_town_s_sender_learns_no_count_and_changes_nothing(client_as, sessions):
    before = counts(sessions)
    forged = post(client_as("xiuyu.staff"), {"unit": TOWN, "text": FILLED, "confirm": 200})
    assert forged.status_code == 403 and "recipients" not in forged.json
    assert post(client_as("xtw.leader"), {"unit": TOWN, "text": FILLED}).status_code == 403
    outside = click_send(client_as("xiuyu.staff"), send_state(TOWN, groups=()))
    shown = json.dumps(outside, ensure_ascii=False)
    assert "不在您的辖区内" in shown and "将发送给" not in shown
    assert outside["response"]["alerts-confirm-box"]["hidden"] is True
    assert counts(sessions) == before


def test_the_threshold_is_a_setting(client_as, monkeypatch):
    client = client_as("xtw.staff")
    village = {"unit": "350304100001", "groups": ["村居干部"], "text": FILLED}  # 2 people
    assert post(client, village).status_code == 201
    monkeypatch.setenv("ONEMAP_ALERTS_CONFIRM_OVER", "1")
    asked = post(client, village)
    assert asked.status_code == 409 and asked.json["recipients"] == 2
    assert post(client, {**village, "confirm": 2}).status_code == 201
    monkeypatch.setenv("ONEMAP_ALERTS_CONFIRM_OVER", "-5")  # broken: the default, not none
    assert confirm_over() == 50
    monkeypatch.setenv("ONEMAP_ALERTS_CONFIRM_OVER", "0")  # every send asks
    assert post(client, village).status_code == 409


def test_the_page_shows_the_count_and_sends_only_once_confirmed(client_as, sessions):
    client = client_as("xtw.staff")
    form = dict(unit=TOWN, groups=())
    before = counts(sessions)
    asked = click_send(client, send_state(**form))["response"]
    assert asked["alerts-confirm-box"]["hidden"] is False
    pending = asked["alerts-pending"]["data"]
    count = pending["count"]
    assert count > 50 and f"将发送给 {count} 人" in asked["alerts-confirm-text"]["children"]
    assert counts(sessions) == before
    # The form changed after the question (another audience): asked again, nothing sent.
    changed = send_state(unit=TOWN, groups=("网格员", "村居干部"), pending=pending)
    again = click_send(client, changed, "alerts-confirm")["response"]
    assert again["alerts-confirm-box"]["hidden"] is False
    assert again["alerts-pending"]["data"]["count"] != count
    assert counts(sessions) == before
    # 取消 closes the step and sends nothing.
    cancelled = click_send(client, send_state(**form, pending=pending), "alerts-cancel")
    assert cancelled["response"]["alerts-confirm-box"]["hidden"] is True
    assert "已取消发送" in json.dumps(cancelled, ensure_ascii=False)
    assert counts(sessions) == before
    # 确认发送 for the very form it was asked about sends that count.
    done = click_send(client, send_state(**form, pending=pending), "alerts-confirm")["response"]
    assert f"{count} 人" in json.dumps(done["alerts-send-out"], ensure_ascii=False)
    assert done["alerts-confirm-box"]["hidden"] is True
    with sessions() as session:
        message = session.get(Message, done["alerts-message"]["data"])
        assert message.recipients == count
    # A forged pending count for a larger audience than asked is asked again.
    forged = send_state(unit=TOWN, groups=(), pending={"count": 3, "form": pending["form"]})
    assert (
        click_send(client, forged, "alerts-confirm")["response"]["alerts-confirm-box"]["hidden"]
        is False
    )


def test_the_preview_says_a_confirmation_will_be_asked(client_as):
    shown = preview(client_as("xtw.staff"), unit=TOWN, groups=[])
    assert "超过 50 人，发送前须确认人数" in shown


# --- drills -------------------------------------------------------------------------------


def preview(client, **form) -> str:
    state = {
        "unit": TOWN,
        "groups": [],
        "sites": [],
        "exposure": [],
        "text": FILLED,
        "template": None,
        "drill": [],
        "drill-mode": "mark",
        **form,
    }
    body = call_callback(
        client,
        [("alerts-preview-out", "children")],
        [("alerts-preview", "n_clicks", 1)],
        [(f"alerts-{k}", "value", v) for k, v in state.items()],
    )
    return json.dumps(response_json(body), ensure_ascii=False)


def send_confirmed(client, body) -> dict:
    """POST, confirming the count if asked (as a sender who read it would)."""
    answer = post(client, body)
    if answer.status_code == 409:
        answer = post(client, {**body, "confirm": answer.json["recipients"]})
    assert answer.status_code == 201, answer.json
    return answer.json


def test_a_drill_kept_to_the_file_never_reaches_the_gateway(client_as, context, tmp_path):
    body = {
        "unit": TOWN,
        "exposure": True,
        "text": "{单位}{风圈等级}：请检查{重点部位}。",
        "drill_mode": "file",
    }
    with exposure(context, "xtw.staff", drill=True):
        shown = preview(client_as("xtw.staff"), exposure=["1"], **{"drill-mode": "file"})
        drill = send_confirmed(client_as("xtw.staff"), body)
    assert "演练（所选风圈为演练发布）：仅写入文件，不发送短信" in shown
    assert drill["drill"] == "file"
    real = send_confirmed(
        client_as("xtw.staff"), {"unit": "350304100001", "groups": ["村居干部"], "text": FILLED}
    )
    outbox = tmp_path / "sms.jsonl"
    with Gateway() as gateway:
        drain(context, http_settings(gateway.url, file=str(outbox)))
    drilled = deliveries(context, drill["id"])
    assert {r.state for r in drilled} == {SENT} and len(drilled) == drill["recipients"]
    assert not {r.idempotency_key for r in drilled} & set(gateway.sent)
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    written = {line["key"]: line for line in lines}
    assert {r.idempotency_key for r in drilled} <= set(written)
    assert all(written[r.idempotency_key]["text"].startswith("【演练】") for r in drilled)
    # A real message in the same batch still goes to the gateway, unmarked.
    sent = deliveries(context, real["id"])
    assert {r.idempotency_key for r in sent} <= set(gateway.sent)
    assert not any(r.body.startswith("【演练】") for r in sent)


def test_the_sender_marks_a_drill_and_a_live_exposure_is_not_marked(client_as, context):
    client = client_as("xtw.staff")
    village = {"unit": "350304100001", "groups": ["村居干部"], "text": FILLED}
    marked = post(client, {**village, "drill": True})
    assert marked.status_code == 201 and marked.json["drill"] == "mark"
    assert all(r.body.startswith("【演练】") for r in deliveries(context, marked.json["id"]))
    shown = preview(client, unit="350304100001", groups=["村居干部"], drill=["1"])
    assert "演练（已标为演练）：标注【演练】后照常发送" in shown and "：【演练】" in shown
    plain = post(client, village)
    assert "drill" not in plain.json
    assert not any(r.body.startswith("【演练】") for r in deliveries(context, plain.json["id"]))
    exposed = {"unit": TOWN, "exposure": True, "text": "{单位}{风圈等级}：请检查{重点部位}。"}
    with exposure(context, "xtw.staff", drill=False, key="storm:safety-live"):
        live = send_confirmed(client, exposed)
        # A drill over the same points as a live storm: the live storm outranks it.
        with exposure(context, "xtw.staff", drill=True, key="storm:safety-drill"):
            outranked = send_confirmed(client, exposed)
    assert "drill" not in live and "drill" not in outranked
    for sent in (live, outranked):
        assert not any(r.body.startswith("【演练】") for r in deliveries(context, sent["id"]))
    # A drill's circle over some points and a live one over others: one message cannot be
    # both, and the sender is told so.
    with exposure(context, "xtw.staff", drill=False, key="storm:safety-live", part=slice(10)):
        with exposure(
            context, "xtw.staff", drill=True, key="storm:safety-drill", part=slice(10, None)
        ):
            mixed = post(client, exposed)
    assert mixed.status_code == 400 and "既有演练发布的（" in mixed.json["message"]
    bad = post(client, {**village, "drill": True, "drill_mode": "sms"})
    assert bad.status_code == 400 and "演练短信的处理方式" in bad.json["message"]


def test_a_drill_s_escalation_is_a_drill_too(context, tmp_path):
    message = send_as(
        context,
        "xtw.staff",
        text="{单位}：演练转移，请回复确认。",
        unit=TOWN,
        groups=("包保责任人",),
        ask_ack=True,
        escalate_after=1,
        drill=True,
        drill_mode="file",
    )
    to_file = load(environ={}, provider="file", file=str(tmp_path / "sms.jsonl"), rate=10_000.0)
    drain(context, to_file)
    with context.sessions() as session:
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert escalate_due(session, load(environ={}), system_viewer(), later) > 0
    with context.sessions() as session:
        escalation = session.scalars(
            select(Message).where(Message.escalated_from == message.id)
        ).one()
    assert escalation.drill == "file" and escalation.text.startswith("【演练】【升级提醒】")


# --- empty fields and refusals that say what to do ----------------------------------------

TYPHOON = "【莆田防指】{时间}：{单位}可能进入台风{风圈等级}风圈，请立即检查{重点部位}。"


def test_a_field_empty_for_someone_is_flagged_in_the_preview_and_refused(
    client_as, context, sessions
):
    client = client_as("xtw.staff")
    village = {"unit": "350304100001", "groups": ["村居干部"], "text": TYPHOON}
    shown = preview(client, unit="350304100001", groups=["村居干部"], text=TYPHOON)
    assert "以下字段为空，短信会缺字，补全后才能发送" in shown
    assert "{风圈等级} 对 2 人为空：他们的重点部位不在十级风圈内" in shown
    assert "{重点部位} 对 2 人为空：请选择重点部位，或删去该字段" in shown
    before = counts(sessions)
    refused = post(client, village)
    assert refused.status_code == 400
    assert "{风圈等级}" in refused.json["message"] and "{重点部位}" in refused.json["message"]
    page = click_send(client, send_state("350304100001", text=TYPHOON))
    assert "补全后才能发送" in json.dumps(page, ensure_ascii=False)
    assert counts(sessions) == before
    # Filled: the chosen points fill {重点部位} for everyone; without {风圈等级} it goes.
    core = core_of(context, "xtw.staff")
    with sessions() as session:
        site = core.sites(session, core.viewer(), "350304100001")[0]
    filled = {**village, "sites": [site.id], "text": "{单位}：请立即检查{重点部位}。"}
    assert "为空" not in preview(
        client, unit="350304100001", groups=["村居干部"], sites=[site.id], text=filled["text"]
    )
    sent = post(client, filled)
    assert sent.status_code == 201
    assert all(site.name in r.body for r in deliveries(context, sent.json["id"]))


def test_every_refusal_of_the_form_says_what_to_do(client_as, sessions):
    client = client_as("xtw.staff")
    before = counts(sessions)
    empty = click_send(client, send_state(TOWN, text=""))
    assert "请填写短信内容或选择模板" in json.dumps(empty, ensure_ascii=False)
    nobody = post(client, {"unit": TOWN, "sites": ["flood:99999999"], "text": FILLED})
    assert nobody.status_code == 400
    assert nobody.json["message"] == "没有符合条件的收件人：请换一个单位或群组，或先导入联系人。"
    saved = call_callback(
        client,
        [("alerts-template", "options"), ("alerts-template-out", "children")],
        [("alerts-save-template", "n_clicks", 1)],
        [
            ("alerts-template-name", "value", ""),
            ("alerts-text", "value", FILLED),
            ("alerts-unit", "value", TOWN),
        ],
    )
    assert "请填写模板名称" in json.dumps(response_json(saved), ensure_ascii=False)
    assert counts(sessions) == before


def test_confirm_needed_is_raised_by_the_outbox_itself(context):
    """Whatever door a send comes through, the outbox asks: no caller can forget to."""
    with pytest.raises(ConfirmNeeded) as asked:
        send_as_unconfirmed(context)
    assert asked.value.count > 50 and asked.value.threshold == 50


def send_as_unconfirmed(context):
    from modules.alerts.audience import Audience
    from modules.alerts.outbox import send

    core = core_of(context, "xtw.staff")
    with context.sessions() as session, session.begin():
        return send(session, core.viewer(), core, Audience(unit=TOWN), FILLED)
