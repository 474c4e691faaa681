"""`onemap run`'s server under a burst: hundreds of clients that keep their connections open,
some that never finish a request, and a hundred requests at once; the next ordinary
request is still answered at once. With waitress's defaults (100 connections, 120 s idle
timeout) it waited two minutes for an idle connection to be dropped."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app import accounts, cli
from tests.app_fixtures import app_on_engine

KEPT_OPEN = 300  # more than waitress's default connection limit (100)
HALF_REQUESTS = 50
READS = 100


@pytest.fixture
def served(request):
    with app_on_engine(request, "burst", kind="sqlite") as app:
        sessions = app.server.extensions["onemap"].sessions
        with sessions() as session, session.begin():
            token = accounts.create_token(session, accounts.get_user(session, "city.leader"))
        server = cli.make_server(app.server, "127.0.0.1", 0)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.effective_port}", server.effective_port, token
        finally:
            server.close()
            for channel in list(server._map.values()):
                channel.close()
            thread.join(timeout=5)


def keep_alive_client(port: int) -> socket.socket:
    """A client that asks once and keeps its connection open (as browsers and pools do)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: burst\r\nConnection: keep-alive\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(4096)
    assert received.startswith(b"HTTP/1.1 200"), received[:80]
    return sock


def test_a_burst_of_open_connections_does_not_wedge_the_server(served) -> None:
    base, port, _token = served
    opened: list[socket.socket] = []
    try:
        with ThreadPoolExecutor(32) as pool:
            opened += pool.map(lambda _: keep_alive_client(port), range(KEPT_OPEN))
        for _ in range(HALF_REQUESTS):  # a request line and no more: a slow or dead client
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: burst\r\n")
            opened.append(sock)

        def page(_: int) -> int:
            return requests.get(f"{base}/login", timeout=30).status_code

        with ThreadPoolExecutor(READS) as pool:
            statuses = list(pool.map(page, range(READS)))
        assert statuses == [200] * READS

        started = time.monotonic()
        response = requests.get(f"{base}/healthz", timeout=5)
        assert response.status_code == 200
        assert time.monotonic() - started < 2.0
    finally:
        for sock in opened:
            sock.close()


def test_a_hundred_api_reads_with_one_token_at_once_all_answer(served) -> None:
    base, _port, token = served

    def read(_: int) -> int:
        return requests.get(
            f"{base}/api/v1/divisions/350304100",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(READS) as pool:
        statuses = list(pool.map(read, range(READS)))
    assert statuses == [200] * READS


def test_the_server_settings_bound_waiting_and_idle_connections() -> None:
    assert cli.SERVE_OPTIONS["connection_limit"] >= KEPT_OPEN + HALF_REQUESTS + READS
    assert cli.SERVE_OPTIONS["channel_timeout"] <= 60
    assert cli.SERVE_OPTIONS["asyncore_use_poll"]  # select() fails past 1,024 descriptors
