"""The big one: 5,000 deliveries, a gateway failing 30% of requests (and timing some out after
sending), the worker (`onemap worker`, a real process) SIGKILLed at random points and
restarted until the outbox drains. Every delivery ends sent exactly once by the gateway's
count, none lost. On PostgreSQL two workers run at once (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from modules.alerts.models import SENT, Contact, Delivery
from modules.alerts.outbox import pending_count
from tests.app_fixtures import app_on_engine
from tests.modules.alerts.gateway import Gateway
from tests.modules.alerts.helpers import send_as

BATCH = 5000
ONEMAP = Path(sys.executable).with_name("onemap")


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def crash_app(request, tmp_path_factory):
    with app_on_engine(request, "crash") as app:
        yield request.param, app


def start_worker(url: str, gateway: Gateway, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_LOAD_BOUNDARIES": "0",
        "ONEMAP_DEMO": "0",
        "ONEMAP_ALERTS_PROVIDER": "http",
        "ONEMAP_ALERTS_HTTP_URL": gateway.url,
        "ONEMAP_ALERTS_HTTP_TIMEOUT": "0.3",
        "ONEMAP_ALERTS_BACKOFF_BASE": "0.05",
        "ONEMAP_ALERTS_BACKOFF_CAP": "0.5",
        "ONEMAP_ALERTS_MAX_ATTEMPTS": "50",
        "ONEMAP_ALERTS_RATE": "5000",
        "ONEMAP_ALERTS_THREADS": "8",
        "ONEMAP_ALERTS_BATCH": "100",
        "ONEMAP_ALERTS_LEASE": "2",
        "ONEMAP_ALERTS_POLL": "0.1",
    }
    return subprocess.Popen([str(ONEMAP), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)


def test_5000_deliveries_survive_a_flaky_gateway_and_killed_workers(crash_app, tmp_path):
    engine_name, app = crash_app
    context = app.server.extensions["onemap"]
    villages = ["350304100001", "350304100006", "350304100201", "350304100216"]
    with context.sessions() as session, session.begin():
        session.execute(
            insert(Contact),
            [
                {
                    "name": f"测试{i}",
                    "phone": f"1390000{i:04d}",
                    "village_code": villages[i % len(villages)],
                    "groups": "压力测试",
                    "site_id": "",
                }
                for i in range(BATCH)
            ],
        )
    message = send_as(context, "xtw.staff", unit="350304100", groups=("压力测试",))
    assert message.recipients == BATCH
    url = context.engine.url.render_as_string(hide_password=False)
    workers = 2 if engine_name == "postgis" else 1
    rng = random.Random(6)
    kills = 0
    log = (tmp_path / "worker.log").open("w")
    with Gateway(fail=0.3, timeout=0.02, slow=0.05, hang=0.6, delay=0.05) as gateway:
        started = time.monotonic()
        running = [start_worker(url, gateway, log) for _ in range(workers)]
        deadline = started + 300
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(1.0, 3.0))
            with context.sessions() as session:
                if not pending_count(session):
                    break
            if kills < 6:  # kill one at a random point, start another
                victim = running.pop(rng.randrange(len(running)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                kills += 1
                running.append(start_worker(url, gateway, log))
        drained = time.monotonic() - started
        for worker in running:
            worker.send_signal(signal.SIGTERM)
        for worker in running:
            worker.wait(timeout=20)
    log.close()

    with context.sessions() as session:
        rows = session.execute(
            select(
                Delivery.idempotency_key, Delivery.phone, Delivery.state, Delivery.provider_id
            ).where(Delivery.message_id == message.id)
        ).all()
        attempts = session.scalar(select(func.sum(Delivery.attempts)))
    assert len(rows) == BATCH
    assert {state for _, _, state, _ in rows} == {SENT}, "some deliveries were not sent"
    keys = {key for key, *_ in rows}
    assert set(gateway.sent) == keys  # none lost, nothing unknown sent
    assert set(gateway.sent.values()) == {1}  # each sent exactly once
    assert len(gateway.to_phone) == BATCH and set(gateway.to_phone.values()) == {1}
    assert all(provider_id == gateway.ids[key] for key, _, _, provider_id in rows)
    assert kills >= 3 and gateway.failed > 0.2 * BATCH and gateway.timed_out > 0
    print(
        f"\n[{engine_name}, {workers} worker(s)] {BATCH} deliveries drained in {drained:.1f} s "
        f"with {kills} SIGKILLs; gateway requests {gateway.requests}, failed {gateway.failed}, "
        f"timed out after sending {gateway.timed_out}, repeated keys answered "
        f"{gateway.repeated}; attempts recorded {attempts}"
    )
