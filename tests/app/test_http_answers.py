"""What the server answers when a request goes wrong: the API speaks JSON, pages zh-CN, and
nothing is a stack trace. Unknown API paths are 404, bodies past the cap 413 before they are
read, a busy or lost database 503, and the CSRF check guards cookie sessions only."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import tracemalloc

import pytest
from sqlalchemy import event, text

from app import accounts
from app.request_limits import MB, max_body_bytes
from app.settings import SettingsError, load_settings
from tests.accounts_fixture import csrf_header
from tests.app_fixtures import database_for
from tests.app_server import serving

API_UNIT = "/api/v1/divisions/350304100"


def assert_json_error(response, status: int, fragment: str = "") -> None:
    assert response.status_code == status, (response.status_code, response.data[:200])
    assert response.mimetype == "application/json"
    assert fragment in response.json["message"] and response.json["error"]
    assert "Traceback" not in response.get_data(as_text=True)


def assert_page_error(response, status: int, fragment: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:200])
    assert response.mimetype == "text/html" and 'lang="zh-CN"' in body
    assert fragment in body and "Traceback" not in body


# --- CSRF guards cookies; Bearer tokens need none ----------------------------------------


def test_an_anonymous_post_to_the_api_is_401_not_a_csrf_403(onemap_app):
    bare = onemap_app.server.test_client()  # no cookie at all
    server = onemap_app.server
    rules = [
        rule
        for rule in server.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and "POST" in rule.methods
        # a device route checks its own token
        and not getattr(server.view_functions[rule.endpoint], "onemap_public", False)
    ]
    assert rules
    for rule in rules:
        path = re.sub(r"<[^>]+>", "1521", rule.rule)
        assert_json_error(bare.post(path, json={}), 401, "请先登录")


def test_a_bearer_call_needs_no_csrf_token_and_gets_no_cookie(onemap_app):
    with onemap_app.server.extensions["onemap"].sessions() as session, session.begin():
        token = accounts.create_token(session, accounts.get_user(session, "xtw.staff"))
    client = onemap_app.server.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    read = client.get(API_UNIT, headers=bearer)
    assert read.status_code == 200 and not read.headers.getlist("Set-Cookie")
    # A POST without any CSRF token reaches the route (here: one that takes only GET).
    posted = client.post(API_UNIT, json={}, headers=bearer)
    assert_json_error(posted, 405)
    assert not posted.headers.getlist("Set-Cookie")
    assert not client.post(API_UNIT, json={}).status_code == 405  # no token: 401 first


def test_a_logged_in_browser_still_needs_the_csrf_token(client):
    assert_page_error(client.post("/logout"), 403, "请刷新页面")
    assert_json_error(client.post("/api/v1/divisions/350304100", json={}), 403, "请刷新页面")


# --- unknown paths and methods -----------------------------------------------------------


def test_unknown_api_paths_are_404_json_not_the_dash_page(client):
    for path in ("/api/v1/no-such-thing", "/api/v2/layers/city.geojson", "/api/"):
        assert_json_error(client.get(path), 404, "接口不存在")
    assert_json_error(client.post("/api/v1/no-such-thing", headers=csrf_header(client)), 404)
    assert_json_error(client.get("/_dash-no-such-route"), 404)


def test_a_get_on_an_api_route_that_takes_only_posts_is_405(onemap_app, client):
    every = list(onemap_app.server.url_map.iter_rules())
    readable = {r.rule for r in every if "GET" in r.methods}  # a path may have both kinds
    rules = [
        r
        for r in every
        if r.rule.startswith("/api/v1/") and r.rule not in readable and "<" not in r.rule
    ]
    assert rules, "no POST-only API route to try"
    for rule in rules:
        response = client.get(rule.rule)
        assert_json_error(response, 405, "不支持此操作")
        assert "POST" in response.headers["Allow"]


def test_unknown_pages_and_methods_answer_in_chinese(client):
    assert_page_error(client.get("/no/such/page"), 404, "页面不存在")
    assert client.get("/").status_code == 200 and client.get("/admin").status_code == 200
    response = client.post("/", headers=csrf_header(client))
    assert_page_error(response, 405, "不支持此操作（POST）")
    assert "GET" in response.headers["Allow"]


def test_a_failure_inside_a_view_is_a_sentence_not_a_trace(onemap_app, client, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("a bug, with internals: /srv/secret/path.py line 12")

    views = onemap_app.server.view_functions
    monkeypatch.setitem(views, "api_v1.division", broken)
    monkeypatch.setitem(views, "password", broken)
    api = client.get(API_UNIT)
    assert_json_error(api, 500, "服务器出错")
    assert "secret" not in api.get_data(as_text=True)
    page = client.get("/account/password")
    assert_page_error(page, 500, "服务器出错")
    assert "secret" not in page.get_data(as_text=True)


# --- request bodies are capped before they are read --------------------------------------


class Body:
    """A request body made as it is read, counting what the server took of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def read(self, wanted: int = -1) -> bytes:
        left = self.size - self.position
        count = min(left if wanted is None or wanted < 0 else min(wanted, left), MB)
        self.position += count
        self.read_bytes += count
        return b"{" * count

    def readline(self, wanted: int = -1) -> bytes:
        return self.read(wanted)

    # The test client measures a body by seeking to its end and back.
    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position

    def tell(self) -> int:
        return self.position


def test_the_cap_allows_a_whole_upload_after_base64(onemap_app):
    limit = onemap_app.server.config["MAX_CONTENT_LENGTH"]
    settings = onemap_app.server.extensions["onemap"].settings
    assert limit == max_body_bytes(settings.max_upload_mb)
    assert settings.max_upload_mb * MB * 4 / 3 < limit < settings.max_upload_mb * MB * 1.5


def test_the_upload_limit_is_a_setting_checked_on_load():
    settings = load_settings(environ={"ONEMAP_MAX_UPLOAD_MB": "10"}, config_path=None)
    assert settings.max_upload_mb == 10
    for bad in ("0", "2048", "lots"):
        with pytest.raises(SettingsError, match="MAX_UPLOAD_MB"):
            load_settings(environ={"ONEMAP_MAX_UPLOAD_MB": bad}, config_path=None)
    assert max_body_bytes(10) == -(-10 * MB * 4 // 3) + MB


@pytest.mark.parametrize(
    ("path", "json_answer"),
    [("/_dash-update-component", True), ("/api/v1/flood/points", True), ("/", False)],
)
def test_a_200_mb_body_is_refused_before_it_is_read(client, path, json_answer):
    body = Body(200 * MB)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        response = client.post(
            path,
            input_stream=body,
            content_length=body.size,
            content_type="application/json",
            headers=csrf_header(client),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    if json_answer:
        assert_json_error(response, 413, "50 MB")
    else:
        assert_page_error(response, 413, "50 MB")
    assert body.read_bytes == 0
    assert peak - before < 100 * MB, (peak - before) / MB


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_a_live_server_refuses_200_mb_with_its_memory_flat(request):
    """Through waitress, as `onemap run` serves: the body is spooled to disk by the server,
    refused by the app, and the process's memory (sampled while it arrives) stays flat."""
    with database_for(request, "cap", kind="sqlite") as url, serving(url) as base:
        host, port = base.removeprefix("http://").split(":")
        idle = _rss_mb()
        peak = [idle]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mb())
                done.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        chunk = b"{" * MB
        with socket.create_connection((host, int(port)), timeout=60) as connection:
            connection.sendall(
                b"POST /_dash-update-component HTTP/1.1\r\nHost: onemap\r\n"
                b"Content-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {200 * MB}\r\n\r\n".encode()
            )
            try:
                for _ in range(200):
                    connection.sendall(chunk)
            except OSError:
                pass  # the server may answer and close before the last megabyte
            answer = b""
            while part := connection.recv(65536):
                answer += part
        done.set()
        sampler.join()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert "50 MB" in json.loads(body)["message"]
    assert peak[0] - idle < 100, f"{peak[0] - idle:.0f} MB above idle"


def test_a_body_without_a_length_is_cut_off_at_the_cap(onemap_app, client):
    """Sent chunked, a body's size is unknown until read: reading stops at the cap, and the
    truncated body is refused (413, or 400 when it ends exactly there and is no JSON)."""
    body = Body(200 * MB)
    response = client.post(
        "/_dash-update-component",
        input_stream=body,
        content_type="application/json",
        headers=csrf_header(client),
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )
    assert response.status_code in (400, 413) and response.mimetype == "application/json"
    assert body.read_bytes <= onemap_app.server.config["MAX_CONTENT_LENGTH"] + MB


# --- a busy or lost database -------------------------------------------------------------


class Outage:
    """The next statements (those containing `matching`) fail as a busy or lost database
    makes them fail; then the database is back."""

    def __init__(self, dbapi, message: str) -> None:
        self.dbapi, self.message = dbapi, message
        self.left, self.matching = 0, ""

    def fail(self, times: int = 1, matching: str = "") -> None:
        self.left, self.matching = times, matching

    def __call__(self, _connection, _cursor, statement, *_args) -> None:
        if self.left > 0 and self.matching in statement:
            self.left -= 1
            raise self.dbapi.OperationalError(self.message)


@pytest.fixture
def outage(onemap_app):
    engine = onemap_app.server.extensions["onemap"].engine
    message = (
        "database is locked"
        if engine.dialect.name == "sqlite"
        else "server closed the connection unexpectedly"
    )
    made = Outage(engine.dialect.loaded_dbapi, message)
    event.listen(engine, "before_cursor_execute", made)
    try:
        yield made
    finally:
        event.remove(engine, "before_cursor_execute", made)


def test_a_busy_database_answers_503_then_the_next_request_works(client, outage, caplog):
    caplog.set_level(logging.WARNING, logger="app.http_errors")
    payload = {
        "output": "audit-table.children",
        "outputs": {"id": "audit-table", "property": "children"},
        "inputs": [{"id": "audit-action", "property": "value", "value": None}],
        "changedPropIds": ["audit-action.value"],
    }
    attempts = [
        (lambda: client.get(API_UNIT), True),
        (lambda: client.get("/"), False),
        (
            lambda: client.post(
                "/_dash-update-component", json=payload, headers=csrf_header(client)
            ),
            True,
        ),
    ]
    for attempt, json_answer in attempts:
        caplog.clear()
        outage.fail()
        response = attempt()
        if json_answer:
            assert_json_error(response, 503, "请稍后重试")
        else:
            assert_page_error(response, 503, "请稍后重试")
        assert response.headers["Retry-After"]
        logged = [r for r in caplog.records if r.name == "app.http_errors"]
        assert len(logged) == 1 and logged[0].exc_info is None
        assert "\n" not in logged[0].getMessage()
        assert attempt().status_code in (200, 204)


def test_a_full_disk_says_so_with_507_instead_of_asking_to_retry(client, outage):
    outage.message = "database or disk is full"
    outage.fail()
    assert_json_error(client.get(API_UNIT), 507, "磁盘已满")
    outage.fail()
    assert_page_error(client.get("/"), 507, "磁盘已满")
    assert client.get(API_UNIT).status_code == 200


def test_a_database_lost_while_auditing_a_read_is_503_too(client, outage):
    """The API's audit entry is written after the view answered: a failure there is the
    same busy database, not a bug."""
    outage.fail(matching="INSERT INTO audit_log")
    assert_json_error(client.get(API_UNIT), 503, "请稍后重试")
    assert client.get(API_UNIT).status_code == 200


def test_a_postgresql_restart_costs_no_request(onemap_app, client):
    engine = onemap_app.server.extensions["onemap"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL restart: the PostGIS run covers it")
    assert client.get(API_UNIT).status_code == 200
    with engine.connect() as connection:  # every other connection of the app is cut
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    response = client.get(API_UNIT)
    assert response.status_code == 200, json.loads(response.data)
