"""The login tells nobody who exists: until the password is right, an account, a disabled
account and a name without an account get the same answers in the same order."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import accounts, login_throttle
from tests.accounts_fixture import PASSWORD, log_in

WRONG = "not-the-password"
# Seconds after the first attempt: three failures, a hurried 4th (wait), failures once each
# wait has passed, the 6th failure locks, an attempt during the lock, one after it.
SCRIPT = (0, 0.1, 0.2, 0.3, 1.5, 1.6, 4.0, 4.1, 9.0, 9.5, 16 * 60 + 10, 16 * 60 + 11)
EXPECTED = (401, 401, 401, 429, 401, 429, 401, 429, 429, 429, 401, 401)


@pytest.fixture
def clock(monkeypatch):
    """The time the login checks see, moved by the test instead of waited for."""
    start = datetime.now(UTC)
    offset = [0.0]
    monkeypatch.setattr(accounts, "_now", lambda: start + timedelta(seconds=offset[0]))
    return offset


def sessions(onemap_app):
    return onemap_app.server.extensions["onemap"].sessions


def new_user(onemap_app, active: bool = True) -> str:
    login = f"who.{uuid.uuid4().hex[:8]}"
    with sessions(onemap_app)() as session, session.begin():
        user = accounts.add_user(session, login, "staff", ["350304100"], password=PASSWORD)
        if not active:
            accounts.disable(session, user)
    return login


def answers(onemap_app, clock, login: str) -> list[tuple[int, str]]:
    """(status, the sentence shown) for each attempt of SCRIPT with a wrong password."""
    client = onemap_app.server.test_client()
    seen = []
    for second in SCRIPT:
        clock[0] = second
        response = log_in(client, login, WRONG)
        alert = re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True))
        seen.append((response.status_code, alert.group(1) if alert else ""))
    return seen


def test_accounts_disabled_accounts_and_unknown_names_answer_alike(onemap_app, clock):
    existing = answers(onemap_app, clock, new_user(onemap_app))
    disabled = answers(onemap_app, clock, new_user(onemap_app, active=False))
    unknown = answers(onemap_app, clock, f"nobody.{uuid.uuid4().hex[:8]}")
    assert tuple(status for status, _ in existing) == EXPECTED
    assert existing == disabled == unknown
    messages = {message for _, message in existing}
    assert "用户名或密码错误。" in messages and any("锁定" in m for m in messages)
    assert not any("停用" in m for m in messages)


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(onemap_app, clock):
    login = new_user(onemap_app, active=False)
    client = onemap_app.server.test_client()
    wrong = log_in(client, login, WRONG)
    right = log_in(client, login, PASSWORD)
    assert wrong.status_code == 401 and "停用" not in wrong.get_data(as_text=True)
    assert right.status_code == 401 and "账号已停用" in right.get_data(as_text=True)


def test_failures_of_unknown_names_are_kept_in_the_database(onemap_app, clock):
    """Every server process reads the same count: it comes from the audit log."""
    name = f"ghost.{uuid.uuid4().hex[:8]}"
    client = onemap_app.server.test_client()
    for second in (0, 0.1, 0.2):
        clock[0] = second
        log_in(client, name, WRONG)
    with sessions(onemap_app)() as session:
        failures, last, locked_until = login_throttle.unknown_login_state(session, name)
    assert failures == 3 and locked_until is None
    assert last == accounts._now()
    clock[0] = 0.3
    other = onemap_app.server.test_client()  # another browser, same name: still waits
    assert log_in(other, name, WRONG).status_code == 429


def test_names_longer_than_the_log_keeps_are_throttled_too(onemap_app, clock):
    name = "x" * 80
    client = onemap_app.server.test_client()
    statuses = []
    for second in (0, 0.1, 0.2, 0.3):
        clock[0] = second
        statuses.append(log_in(client, name, WRONG).status_code)
    assert statuses == [401, 401, 401, 429]
