"""Logging in and out, lockout, session fixation, CSRF, passwords, and the audit trail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import accounts
from store.models import AuditEntry, User
from tests.accounts_fixture import PASSWORD, csrf_from, log_in
from tests.dash_client import call_callback


def db(onemap_app):
    return onemap_app.server.extensions["onemap"].sessions


def make_user(onemap_app, login, role="staff", scopes=("350304100",)):
    with db(onemap_app)() as session, session.begin():
        if accounts.get_user(session, login) is None:
            accounts.add_user(session, login, role, list(scopes), password=PASSWORD)


def audit_actions(onemap_app, login):
    with db(onemap_app)() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.login == login).order_by(AuditEntry.id)
        )
        return [(r.action, r.outcome) for r in rows]


def test_login_page_is_chinese_and_anonymous_pages_redirect(anonymous):
    page = anonymous.get("/login")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.get_data(as_text=True)
    assert "用户名" in page.get_data(as_text=True) and "密码" in page.get_data(as_text=True)
    redirect = anonymous.get("/admin")
    assert redirect.status_code == 302 and "/login?next=/admin" in redirect.location


def test_login_sets_hardened_cookies_and_is_audited(onemap_app):
    make_user(onemap_app, "audit.me")
    client = onemap_app.server.test_client()
    response = log_in(client, "audit.me")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("onemap_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("_csrf_token="))
    assert "SameSite=Strict" in csrf_cookie
    assert ("login.success", "ok") in audit_actions(onemap_app, "audit.me")
    with db(onemap_app)() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.login == "audit.me")).first()
        assert entry.address == "127.0.0.1" and entry.scopes == "350304100000"


def test_wrong_password_and_unknown_login_get_the_same_answer(onemap_app):
    make_user(onemap_app, "same.answer")
    client = onemap_app.server.test_client()
    wrong = log_in(client, "same.answer", "not-the-password")
    unknown = log_in(client, "nobody.here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    assert ("login.failure", "bad-credentials") in audit_actions(onemap_app, "nobody.here")


def test_repeated_failures_slow_down_then_lock(onemap_app):
    make_user(onemap_app, "lock.me")
    client = onemap_app.server.test_client()
    statuses = []
    for _ in range(accounts.SLOW_DOWN_AFTER):
        statuses.append(log_in(client, "lock.me", "wrong-password-x").status_code)
    assert statuses == [401] * accounts.SLOW_DOWN_AFTER
    # Too soon after the 3rd failure: refused without even checking, even the right password.
    hurried = log_in(client, "lock.me", PASSWORD)
    assert hurried.status_code == 429 and "秒后再试" in hurried.get_data(as_text=True)
    # Let the waits pass (move the last failure back in time) until the account locks.
    for _ in range(accounts.LOCK_AFTER):
        with db(onemap_app)() as session, session.begin():
            user = accounts.get_user(session, "lock.me")
            if user.last_failed_at:
                user.last_failed_at = datetime.now(UTC) - timedelta(hours=1)
        last = log_in(client, "lock.me", "wrong-password-x")
        if last.status_code == 429 and "锁定" in last.get_data(as_text=True):
            break
    assert "锁定" in last.get_data(as_text=True)
    assert log_in(client, "lock.me", PASSWORD).status_code == 429  # locked: even when right
    assert ("login.locked", "locked") in audit_actions(onemap_app, "lock.me")
    with db(onemap_app)() as session, session.begin():  # the lock expires
        accounts.get_user(session, "lock.me").locked_until = datetime.now(UTC) - timedelta(
            seconds=1
        )
    assert log_in(client, "lock.me", PASSWORD).status_code == 302


def test_session_fixation_a_cookie_from_before_login_is_never_logged_in(onemap_app):
    make_user(onemap_app, "fixed.victim")
    attacker = onemap_app.server.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("onemap_session").value
    victim = onemap_app.server.test_client()
    victim.set_cookie("onemap_session", planted)
    assert log_in(victim, "fixed.victim").status_code == 302
    assert victim.get_cookie("onemap_session").value != planted
    assert attacker.get("/api/v1/divisions/350304100").status_code == 401


def test_logout_ends_the_session_on_the_server(onemap_app):
    make_user(onemap_app, "log.out")
    client = onemap_app.server.test_client()
    log_in(client, "log.out")
    stolen = client.get_cookie("onemap_session").value
    token = client.get_cookie("_csrf_token").value
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = onemap_app.server.test_client()
    thief.set_cookie("onemap_session", stolen)
    assert thief.get("/api/v1/divisions/350304100").status_code == 401
    assert ("logout", "ok") in audit_actions(onemap_app, "log.out")


def test_state_changes_need_the_csrf_token(onemap_app):
    make_user(onemap_app, "csrf.user")
    client = onemap_app.server.test_client()
    log_in(client, "csrf.user")
    assert client.post("/logout").status_code == 403  # no token: still logged in
    assert client.get("/api/v1/divisions/350304100").status_code == 200
    forged = call_callback(
        client,
        [("audit-table", "children")],
        [("audit-action", "value", None)],
        headers={"X-CSRFToken": "forged"},
    )
    assert forged.status_code == 403
    # A login form posted from another site has no token either.
    other = onemap_app.server.test_client()
    response = other.post("/login", data={"login": "csrf.user", "password": PASSWORD})
    assert response.status_code == 403


def test_changing_the_password_ends_other_sessions(onemap_app):
    make_user(onemap_app, "change.pw")
    laptop, phone = onemap_app.server.test_client(), onemap_app.server.test_client()
    log_in(laptop, "change.pw")
    log_in(phone, "change.pw")
    page = laptop.get("/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    short = laptop.post(
        "/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "short"}
    )
    assert short.status_code == 400
    done = laptop.post(
        "/account/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "a-new-long-password"},
    )
    assert done.status_code == 200 and "密码已修改" in done.get_data(as_text=True)
    assert laptop.get("/api/v1/divisions/350304100").status_code == 200
    assert phone.get("/api/v1/divisions/350304100").status_code == 401
    fresh = onemap_app.server.test_client()
    assert log_in(fresh, "change.pw", "a-new-long-password").status_code == 302
    with db(onemap_app)() as session, session.begin():  # restore for reruns on this db
        accounts.set_password(session, accounts.get_user(session, "change.pw"), PASSWORD)


def test_passwords_are_stored_as_scrypt_hashes(onemap_app):
    # The suite hashes with one round (tests/conftest.py); the product's own method is checked.
    previous = accounts.use_password_method(accounts.PRODUCTION_PASSWORD_METHOD)
    try:
        make_user(onemap_app, "hash.check")
    finally:
        accounts.use_password_method(previous)
    with db(onemap_app)() as session:
        user = session.scalar(select(User).where(User.login == "hash.check"))
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_disabled_users_and_revoked_tokens_are_refused(onemap_app, anonymous):
    make_user(onemap_app, "going.away")
    with db(onemap_app)() as session, session.begin():
        user = accounts.get_user(session, "going.away")
        token = accounts.create_token(session, user)
        second = accounts.create_token(session, user)
    bearer = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/divisions/350304100", headers=bearer).status_code == 200
    with db(onemap_app)() as session, session.begin():
        assert accounts.revoke_token(session, token) == 1
    assert anonymous.get("/api/v1/divisions/350304100", headers=bearer).status_code == 401
    with db(onemap_app)() as session, session.begin():
        accounts.disable(session, accounts.get_user(session, "going.away"))
    assert (
        anonymous.get(
            "/api/v1/divisions/350304100", headers={"Authorization": f"Bearer {second}"}
        ).status_code
        == 401
    )
    assert log_in(onemap_app.server.test_client(), "going.away").status_code == 401


def test_open_redirects_after_login_are_refused(onemap_app):
    make_user(onemap_app, "no.redirect")
    client = onemap_app.server.test_client()
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "login": "no.redirect",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.status_code == 302 and response.location == "/"


def test_api_reads_are_audited_with_who_what_where(onemap_app, client_as):
    client = client_as("xtw.leader")
    client.get("/api/v1/divisions/350304100")
    client.get("/api/v1/divisions/350305101")
    actions = audit_actions(onemap_app, "xtw.leader")
    assert ("api.read", "200") in actions and ("access.denied", "403") in actions


def test_the_audit_log_is_append_only_in_the_database(onemap_app, client_as):
    client_as("xtw.leader")  # at least one entry
    engine = onemap_app.server.extensions["onemap"].engine
    for statement in ("UPDATE audit_log SET login = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_admins_see_and_export_the_audit_log_in_their_scope(client_as):
    city = client_as("city.admin").get("/admin/audit.csv")
    assert city.status_code == 200 and city.mimetype == "text/csv"
    body = city.get_data(as_text=True)
    assert "登录成功" in body and "xtw.leader" in body
    county = client_as("licheng.admin").get("/admin/audit.csv").get_data(as_text=True)
    assert "xiuyu.staff" not in county  # an actor outside 荔城区 stays out of its admin's view
    refused = client_as("xtw.staff").get("/admin/audit.csv")
    assert refused.status_code == 403
    exports = client_as("city.admin").get("/admin/audit.csv").get_data(as_text=True)
    assert "导出" in exports  # the export itself is audited


def test_a_shift_logging_in_at_once_all_get_in(onemap_app):
    """Everyone opens the map when a shift starts: logins arriving together each read the
    account and then write a session row; on SQLite one refused upgrade must not become a
    500 for that person (the transaction is run again)."""
    import threading

    logins = [f"shift.{i:02d}" for i in range(24)]
    for login in logins:
        make_user(onemap_app, login)
    clients = {login: onemap_app.server.test_client() for login in logins}
    tokens = {login: csrf_from(client) for login, client in clients.items()}
    start = threading.Barrier(len(logins))
    statuses: dict[str, int] = {}

    def log_in_now(login: str) -> None:
        start.wait()
        response = clients[login].post(
            "/login",
            data={"login": login, "password": PASSWORD, "csrf_token": tokens[login]},
        )
        statuses[login] = response.status_code

    threads = [threading.Thread(target=log_in_now, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == dict.fromkeys(logins, 302)
    assert all(("login.success", "ok") in audit_actions(onemap_app, login) for login in logins)
