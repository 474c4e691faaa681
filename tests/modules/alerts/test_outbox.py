"""The outbox and the worker against a real local HTTP gateway: retries with backoff, each
delivery sent once, attempts and provider ids recorded, permanent failures, rate limit."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from modules.alerts.models import DELIVERED, FAILED, SENT, Attempt, Delivery, Message
from modules.alerts.outbox import Outgoing, backoff, claim, pending_count
from modules.alerts.providers import FileProvider, RateLimiter
from modules.alerts.settings import load
from modules.alerts.worker import OutboxWorker
from tests.accounts_fixture import system_viewer
from tests.modules.alerts.gateway import Gateway
from tests.modules.alerts.helpers import deliveries, http_settings, send_as

VILLAGE = "350304100001"


def drain(context, settings, seconds: float = 30) -> None:
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


def test_a_send_stores_the_message_and_every_delivery_in_one_transaction(context):
    message = send_as(context, "xtw.staff", unit="350304100")
    rows = deliveries(context, message.id)
    assert len(rows) == message.recipients > 100
    assert {r.state for r in rows} == {"queued"}
    assert len({r.idempotency_key for r in rows}) == len(rows)  # one key per delivery
    assert all(r.village_code.startswith("350304100") for r in rows)
    assert len({r.phone for r in rows}) == len(rows)  # people in two groups: once


def test_the_worker_sends_everything_once_through_a_flaky_slow_gateway(context):
    message = send_as(context, "xtw.staff", unit="350304100", groups=("村居干部", "网格员"))
    with Gateway(fail=0.3, timeout=0.05, slow=0.1, hang=0.8, delay=0.2) as gateway:
        drain(context, http_settings(gateway.url))
    rows = deliveries(context, message.id)
    assert {r.state for r in rows} == {SENT}
    keys = {r.idempotency_key for r in rows}
    assert set(gateway.sent) >= keys and all(gateway.sent[k] == 1 for k in keys)
    assert sorted(gateway.bodies[k]["to"] for k in keys) == sorted(r.phone for r in rows)
    assert all(r.provider_id == gateway.ids[r.idempotency_key] for r in rows)
    assert gateway.failed > 0 and gateway.timed_out > 0 and gateway.repeated > 0
    with context.sessions() as session:
        attempts = session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.delivery_id.in_([r.id for r in rows]))
        )
    assert attempts == sum(r.attempts for r in rows) > len(rows)  # the retries are logged
    assert gateway.bodies[rows[0].idempotency_key]["text"].startswith("测试短信")


def test_a_permanent_failure_is_not_retried_and_a_dead_gateway_ends_in_failed(context):
    first = send_as(context, "xtw.staff", unit="350304100001", groups=("村居干部",))
    with Gateway(answer="invalid_number") as gateway:
        drain(context, http_settings(gateway.url))
    assert {(r.state, r.attempts) for r in deliveries(context, first.id)} == {(FAILED, 1)}

    second = send_as(context, "xtw.staff", unit="350304100002", groups=("村居干部",))
    with Gateway(fail=1.0) as gateway:
        drain(context, http_settings(gateway.url, max_attempts=4))
    rows = deliveries(context, second.id)
    assert {(r.state, r.attempts) for r in rows} == {(FAILED, 4)}
    assert rows[0].last_error == "HTTP 503 busy" and not gateway.sent


def test_a_gateway_reporting_delivery_marks_it_delivered(context):
    message = send_as(context, "xtw.staff", unit="350304100003", groups=("网格员",))
    with Gateway(answer="delivered") as gateway:
        drain(context, http_settings(gateway.url, http_auth="Bearer gw-key"))
    assert {r.state for r in deliveries(context, message.id)} == {DELIVERED}
    assert set(gateway.auth) == {"Bearer gw-key"}


def test_a_claim_is_a_lease_so_a_dead_worker_s_deliveries_come_back(context, tmp_path):
    # The clock is given, not waited for: a loaded machine cannot make the lease run out early.
    message = send_as(context, "xtw.staff", unit="350304100004", groups=("村居干部",))
    start = datetime.now(UTC) + timedelta(seconds=1)  # every delivery of the message is due
    with context.sessions() as session:
        taken = claim(session, 1000, lease=60, now=start)
    mine = [
        o for o in taken if o.key in {r.idempotency_key for r in deliveries(context, message.id)}
    ]
    assert mine
    with context.sessions() as session:  # leased: nobody else takes them within the lease
        during = claim(session, 1000, lease=60, now=start + timedelta(seconds=59))
    assert not {o.id for o in during} & {o.id for o in mine}
    with context.sessions() as session:  # the worker died: after the lease they are due again
        again = claim(session, 1000, lease=60, now=start + timedelta(seconds=61))
    assert {o.id for o in mine} <= {o.id for o in again}
    assert all(o.attempt == 1 for o in again if o.id in {m.id for m in mine})
    # Give back what the claims took, due now, and send it: the outbox is left empty, as a
    # worker that came back would leave it, for the tests after this one.
    with context.sessions() as session, session.begin():
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_({o.id for o in (*taken, *during, *again)}))
            .values(next_attempt_at=datetime.now(UTC))
        )
    drain(context, http_settings("http://unused", provider="file", file=str(tmp_path / "o.jsonl")))


def test_backoff_doubles_is_capped_and_jittered():
    rng = random.Random(1)
    delays = [backoff(n, 2, 60, rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        full = min(60, 2 * 2 ** (n - 1))
        assert full / 2 <= delay <= full
    assert max(delays) <= 60 and len({round(d, 6) for d in delays}) == len(delays)


def test_the_file_provider_writes_json_lines_and_never_a_key_twice(tmp_path):
    path = tmp_path / "out.jsonl"
    outgoing = Outgoing(1, "13800001234", "林测试", "台风来了", "m1-abc", 1)
    assert FileProvider(path).send(outgoing).outcome == SENT
    assert FileProvider(path).send(outgoing).outcome == SENT  # a restarted worker, same key
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["to"] == "13800001234" and lines[0]["text"] == "台风来了"


def test_the_rate_limit_holds_across_threads():
    limiter = RateLimiter(20)
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [limiter.wait() for _ in range(10)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 40 sends at 20/s with a burst of 20: at least one second.
    assert time.monotonic() - started >= 0.95


def test_the_worker_loop_runs_until_stopped(context, tmp_path):
    message = send_as(context, "xtw.staff", unit="350304100005", groups=("重点人群",))
    settings = http_settings("http://unused", provider="file", file=str(tmp_path / "o.jsonl"))
    stop = threading.Event()
    thread = threading.Thread(
        target=OutboxWorker(context.sessions, settings, system_viewer).run, args=(stop,)
    )
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if {r.state for r in deliveries(context, message.id)} == {SENT}:
            break
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert {r.state for r in deliveries(context, message.id)} == {SENT}
    phones = {json.loads(line)["to"] for line in (tmp_path / "o.jsonl").read_text().splitlines()}
    assert phones == {r.phone for r in deliveries(context, message.id)}
    with context.sessions() as session:
        assert session.get(Message, message.id).recipients == len(phones)


def test_delivery_reports_from_the_gateway_mark_delivered_or_failed(
    alerts_app, context, monkeypatch
):
    message = send_as(context, "xtw.staff", unit="350304100006", groups=("重点人群",))
    with Gateway() as gateway:
        drain(context, http_settings(gateway.url))
    rows = deliveries(context, message.id)
    assert {r.state for r in rows} == {SENT} and len(rows) == 3
    client = alerts_app.server.test_client()
    monkeypatch.setenv("ONEMAP_ALERTS_REPORT_TOKEN", "gw-report-secret")
    reports = [
        {"id": rows[0].provider_id, "status": "delivered"},
        {"id": rows[1].provider_id, "status": "undeliverable"},
        {"id": "gw-unknown", "status": "delivered"},
    ]
    wrong = client.post(
        "/api/v1/alerts/reports", json=reports, headers={"Authorization": "Bearer guess"}
    )
    assert wrong.status_code == 401
    assert {r.state for r in deliveries(context, message.id)} == {SENT}
    headers = {"Authorization": "Bearer gw-report-secret"}
    answer = client.post("/api/v1/alerts/reports", json=reports, headers=headers)
    assert answer.status_code == 200 and answer.json == {"changed": 2}
    states = [r.state for r in deliveries(context, message.id)]
    assert states == [DELIVERED, FAILED, SENT]
    monkeypatch.setenv("ONEMAP_ALERTS_REPORT_TOKEN", "")  # no token configured: refused
    refused = client.post(
        "/api/v1/alerts/reports", json=reports, headers={"Authorization": "Bearer "}
    )
    assert refused.status_code == 401


def test_the_module_reads_its_table_of_the_core_config_file(tmp_path):
    from app.settings import load_settings
    from modules.alerts.settings import AlertsSettingsError

    config = tmp_path / "onemap.toml"
    config.write_text(
        'port = 9000\n[alerts]\nprovider = "http"\nhttp_url = "http://gw.example"\nrate = "5"\n',
        encoding="utf-8",
    )
    environ = {"ONEMAP_CONFIG": str(config)}
    assert load_settings(environ=environ).port == 9000  # the core leaves [alerts] to alerts
    read = load(environ=environ)
    assert (read.provider, read.http_url, read.rate) == ("http", "http://gw.example", 5.0)
    assert load(environ={**environ, "ONEMAP_ALERTS_RATE": "7"}).rate == 7.0  # env wins
    assert load(environ={"ONEMAP_VAR_DIR": str(tmp_path)}).file == str(
        tmp_path / "alerts-outbox.jsonl"
    )
    config.write_text('[alerts]\nspeed = "fast"\n', encoding="utf-8")
    with pytest.raises(AlertsSettingsError, match="speed"):
        load(environ=environ)
