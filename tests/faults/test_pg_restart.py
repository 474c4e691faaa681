"""PostgreSQL "restarts" while 20 devices post readings: every connection of the test's own
database is terminated (pg_terminate_backend; the shared cluster is never restarted) with
writes in flight. Every write that was answered 200 is in the database, nobody sees more
than one 503 请稍后重试, nobody a 500, and the app answers again by itself (pool pre-ping)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select, text, tuple_

from app import cli
from modules.flood import storm
from modules.flood.models import FloodReading, FloodSource, FloodStation
from modules.flood.stations import stations_for_token, token_digest
from store.engine import build_engine
from tests.app_fixtures import app_on_engine
from tests.modules.flood.conftest import seed as seed_flood

USERS = 20
POSTS_EACH = 6
KILL_AFTER = 30  # answers before the "restart"
TOKEN = "restart-test-hydrology-token"


def stations_of_the_source(sessions) -> list[tuple[str, float]]:
    """(code, a value in range) of every station the source's token covers."""
    with sessions() as session, session.begin():
        source = session.scalar(select(FloodSource).where(FloodSource.name == storm.SOURCE))
        source.token_hash = token_digest(TOKEN)
    with sessions() as session:
        allowed = stations_for_token(session, TOKEN)
        stations = session.scalars(select(FloodStation).where(FloodStation.id.in_(allowed)))
        return [
            (s.code, (s.level_min + s.level_max) / 2 if s.level_max is not None else 1.0)
            for s in stations
        ]


@pytest.mark.postgis
def test_the_app_rides_out_a_postgresql_restart_without_losing_an_acknowledged_write(request):
    with app_on_engine(request, "restart", seed_flood, kind="postgis") as app:
        context = app.server.extensions["onemap"]
        stations = stations_of_the_source(context.sessions)
        assert stations
        server = cli.make_server(app.server, "127.0.0.1", 0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        url = str(context.sessions.kw["bind"].url.render_as_string(hide_password=False))
        database = context.sessions.kw["bind"].url.database
        admin = build_engine(url)
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        acknowledged: list[tuple[str, datetime]] = []
        answers: dict[int, list[int]] = {user: [] for user in range(USERS)}
        bodies: list[dict] = []
        lock = threading.Lock()
        killed = threading.Event()

        def device(user: int) -> None:
            client = requests.Session()
            for post in range(POSTS_EACH):
                code, value = stations[(user + post) % len(stations)]
                # A second of its own for each post: no two posts share a reading's key.
                at = start + timedelta(seconds=7 * (user * POSTS_EACH + post) + 1)
                response = client.post(
                    f"{base}/api/v1/flood/readings",
                    json=[{"station": code, "time": at.isoformat(), "value": value}],
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=30,
                )
                with lock:
                    answers[user].append(response.status_code)
                    if response.status_code == 200:
                        body = response.json()
                        if body["accepted"] + body["duplicate"] == 1:
                            acknowledged.append((code, at))
                    else:
                        bodies.append(response.json())

        def restart() -> None:
            while sum(map(len, answers.values())) < KILL_AFTER:
                time.sleep(0.005)
            with admin.connect() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
                )
            killed.set()

        workers = [threading.Thread(target=device, args=(u,)) for u in range(USERS)]
        killer = threading.Thread(target=restart)
        killer.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        killer.join(timeout=5)
        try:
            assert killed.is_set()
            statuses = [s for each in answers.values() for s in each]
            assert len(statuses) == USERS * POSTS_EACH
            assert set(statuses) <= {200, 503}, statuses
            assert all(len(each) - each.count(200) <= 1 for each in answers.values()), answers
            assert all("请稍后重试" in body.get("message", "") for body in bodies), bodies

            keys = {(code, at) for code, at in acknowledged}
            with admin.connect() as connection:
                ids = dict(connection.execute(select(FloodStation.code, FloodStation.id)).all())
                stored = set(
                    connection.execute(
                        select(FloodReading.station_id, FloodReading.at).where(
                            tuple_(FloodReading.station_id, FloodReading.at).in_(
                                [(ids[code], at) for code, at in keys]
                            )
                        )
                    ).all()
                )
            assert len(stored) == len(keys) >= USERS * POSTS_EACH - USERS

            code, value = stations[0]
            again = requests.post(
                f"{base}/api/v1/flood/readings",
                json=[{"station": code, "time": start.isoformat(), "value": value}],
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            assert again.status_code == 200  # the pool recovered by itself
        finally:
            admin.dispose()
            server.close()
            for channel in list(server._map.values()):
                channel.close()
            thread.join(timeout=5)
