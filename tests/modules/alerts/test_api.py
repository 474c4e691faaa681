"""The HTTP API (send, board), the board callback, acknowledgement links and escalation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import accounts
from modules.alerts.escalation import escalate_due
from modules.alerts.models import SENT, Delivery, Message
from modules.alerts.settings import load
from modules.alerts.templates import templates_for
from modules.alerts.worker import OutboxWorker
from store.models import AuditEntry
from tests.accounts_fixture import csrf_header, system_viewer, viewer_of
from tests.dash_client import call_callback, response_json
from tests.modules.alerts.helpers import deliveries, send_as

AUDIENCE = {"unit": "350304100", "groups": ["包保责任人"], "text": "{单位}：请立即巡查。"}


def post(client, body, headers=None):
    return client.post(
        "/api/v1/alerts/messages",
        json=body,
        headers=csrf_header(client) if headers is None else headers,
    )


def drain_to_file(context, tmp_path):
    settings = load(environ={}, provider="file", file=str(tmp_path / "sms.jsonl"))
    worker = OutboxWorker(context.sessions, settings, system_viewer)
    with ThreadPoolExecutor(2) as pool:
        while worker.once(pool):
            pass


def test_staff_send_through_the_api_and_read_the_board(client_as):
    client = client_as("xtw.staff")
    response = post(client, AUDIENCE)
    assert response.status_code == 201, response.json
    sent = response.json
    assert sent["recipients"] == 18  # one per village and the town's own officer
    board = client.get(f"/api/v1/alerts/messages/{sent['id']}")
    assert board.status_code == 200
    assert board.json["states"]["排队"] == 18
    units = {u["code"]: u for u in board.json["units"]}
    assert len(units) == 18 and all(c.startswith("350304100") for c in units)
    assert (
        client_as("licheng.leader").get(f"/api/v1/alerts/messages/{sent['id']}").status_code == 200
    )
    assert client_as("xiuyu.staff").get(f"/api/v1/alerts/messages/{sent['id']}").status_code == 403
    assert client.get("/api/v1/alerts/messages/99999999").status_code == 404
    assert client.get("/api/v1/alerts/messages/abc").status_code == 404


def test_the_api_refuses_other_scopes_roles_bad_text_and_missing_csrf(client_as, sessions):
    client = client_as("xtw.staff")
    assert post(client, {**AUDIENCE, "unit": "350305101"}).status_code == 403
    assert post(client, {**AUDIENCE, "unit": "350304199"}).status_code == 404
    refused = post(client, {**AUDIENCE, "text": "台" * 501})
    assert refused.status_code == 400 and "500" in refused.json["message"]
    assert post(client, AUDIENCE, headers={}).status_code == 403  # no CSRF header
    assert post(client_as("xtw.leader"), AUDIENCE).status_code == 403
    assert post(client_as("xtw.admin"), AUDIENCE).status_code == 403
    with sessions() as session:
        # 人员转移通知: {单位} and {时间} only (the others would be empty for this audience).
        template = templates_for(session, viewer_of("xtw.staff"))[2]
    body = {"unit": "350304100001", "groups": ["村居干部"], "template": template.id}
    assert post(client, body).status_code == 201


def test_a_bearer_token_sends_without_csrf_in_its_scope_only(alerts_app, sessions):
    with sessions() as session, session.begin():
        token = accounts.create_token(session, accounts.get_user(session, "city.coordinator"))
    client = alerts_app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = post(client, {**AUDIENCE, "unit": "350305101"}, headers=headers)
    assert response.status_code == 201 and response.json["recipients"] > 0
    with sessions() as session, session.begin():
        token = accounts.create_token(session, accounts.get_user(session, "xiuyu.staff"))
    refused = post(client, AUDIENCE, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403


def test_the_board_callback_follows_the_sent_message_within_the_scope(client_as, context):
    mine = send_as(context, "xtw.staff", unit="350304100001", groups=("村居干部",))
    theirs = send_as(context, "xiuyu.staff", unit="350305101", groups=("村居干部",))
    outputs = [("alerts-board", "children")]

    def board(login, message_id):
        inputs = [("alerts-interval", "n_intervals", 1), ("alerts-message", "data", message_id)]
        return str(response_json(call_callback(client_as(login), outputs, inputs)))

    shown = board("xtw.staff", mine.id)
    assert f"短信 #{mine.id}" in shown and "排队" in shown and "东星社区居委会" in shown
    refused = board("xtw.staff", theirs.id)
    assert "未找到该短信" in refused and "350305" not in refused
    assert "无权" in board("xtw.leader", mine.id)


def test_acknowledge_by_link_and_escalate_the_rest_to_the_county(alerts_app, context, tmp_path):
    message = send_as(
        context,
        "xtw.staff",
        text="{单位}：台风将至，请回复确认。",
        unit="350304100",
        groups=("包保责任人",),
        ask_ack=True,
        escalate_after=30,
    )
    drain_to_file(context, tmp_path)
    rows = deliveries(context, message.id)
    assert {r.state for r in rows} == {SENT}
    assert all(r.ack_token and f"/api/v1/alerts/ack/{r.ack_token}" in r.body for r in rows)

    anonymous = alerts_app.server.test_client()
    token = rows[0].ack_token
    page = anonymous.get(f"/api/v1/alerts/ack/{token}")
    assert page.status_code == 200 and "确认收到" in page.get_data(as_text=True)
    assert rows[0].acked_at is None  # opening the link (or a preview of it) is not enough
    done = anonymous.post("/api/v1/alerts/ack", headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200 and done.json["message"] == "已确认，谢谢。"
    wrong = anonymous.post("/api/v1/alerts/ack", headers={"Authorization": "Bearer ack_guess"})
    assert wrong.status_code == 404
    assert anonymous.get("/api/v1/alerts/ack/ack_guess").status_code == 404
    # The ack token is no login: it reads nothing else.
    other = anonymous.get(
        f"/api/v1/alerts/messages/{message.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert other.status_code == 401

    settings = load(environ={})
    with context.sessions() as session:
        assert (
            escalate_due(
                session, settings, system_viewer(), datetime.now(UTC) + timedelta(minutes=10)
            )
            == 0
        )
    with context.sessions() as session:
        later = datetime.now(UTC) + timedelta(minutes=31)
        assert escalate_due(session, settings, system_viewer(), later) == len(rows) - 1
    with context.sessions() as session:
        assert escalate_due(session, settings, system_viewer(), later) == 0  # once only
        escalation = session.scalars(
            select(Message).where(Message.escalated_from == message.id)
        ).one()
        assert escalation.scope_code == "350304000000" and escalation.recipients == 2
        assert "未确认" in escalation.text and "138****" in escalation.text
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target == f"alerts.message:{message.id}")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert '"op": "escalate"' in entry.detail and '"unacknowledged": 17' in entry.detail
        county = session.scalars(select(Delivery).where(Delivery.message_id == escalation.id)).all()
        assert all(d.village_code == "350304000000" for d in county)


def test_the_board_shows_acknowledgements_and_escalations(client_as, context, tmp_path):
    message = send_as(
        context,
        "xtw.staff",
        unit="350304100",
        groups=("包保责任人",),
        ask_ack=True,
        escalate_after=1,
    )
    drain_to_file(context, tmp_path)
    first = deliveries(context, message.id)[0]
    client = client_as("xtw.staff")
    acked = client.post(
        "/api/v1/alerts/ack", headers={"Authorization": f"Bearer {first.ack_token}"}
    )
    assert acked.status_code == 200
    with context.sessions() as session:
        escalate_due(
            session, load(environ={}), system_viewer(), datetime.now(UTC) + timedelta(minutes=2)
        )
    board = client.get(f"/api/v1/alerts/messages/{message.id}").json
    assert board["acknowledged"] == 1 and sum(u["已确认"] for u in board["units"]) == 1
    assert board["escalated"] == 17 and board["escalations"][0]["unit_name"] == "荔城区"
    assert "350304000000" not in str(board)


def test_a_worker_misconfiguration_does_not_stop_senders(client_as, context, monkeypatch):
    monkeypatch.setenv("ONEMAP_ALERTS_PROVIDER", "http")  # and no ONEMAP_ALERTS_HTTP_URL
    monkeypatch.setenv("ONEMAP_ALERTS_ACK_BASE_URL", "https://onemap.example")
    client = client_as("xtw.staff")
    response = post(client, {**AUDIENCE, "unit": "350304100001", "ask_ack": True})
    assert response.status_code == 201
    board = client.get(f"/api/v1/alerts/messages/{response.json['id']}")
    assert board.json["states"]["排队"] == response.json["recipients"]
    rows = deliveries(context, response.json["id"])
    assert all("https://onemap.example/api/v1/alerts/ack/ack_" in r.body for r in rows)
