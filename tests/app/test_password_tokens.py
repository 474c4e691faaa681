"""A password change leaves API tokens valid: the page says so, and revokes them on request."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from app import accounts
from store.models import AuditEntry
from tests.accounts_fixture import PASSWORD, log_in

DIVISION = "/api/v1/divisions/350304100"


def user_with_tokens(onemap_app, count: int) -> tuple[str, list[str]]:
    login = f"tokens.{uuid.uuid4().hex[:8]}"
    with onemap_app.server.extensions["onemap"].sessions() as session, session.begin():
        user = accounts.add_user(session, login, "staff", ["350304100"], password=PASSWORD)
        tokens = [accounts.create_token(session, user, label=f"系统{i}") for i in range(count)]
    return login, tokens


def change(client, current: str, new: str, revoke: bool = False):
    page = client.get("/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "current": current, "new": new}
    if revoke:
        form["revoke_tokens"] = "1"
    return client.post("/account/password", data=form)


def works(onemap_app, token: str) -> bool:
    client = onemap_app.server.test_client()
    response = client.get(DIVISION, headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


def test_the_page_says_tokens_outlive_a_new_password(onemap_app):
    login, tokens = user_with_tokens(onemap_app, 2)
    client = onemap_app.server.test_client()
    log_in(client, login)
    page = client.get("/account/password").get_data(as_text=True)
    assert "您有 2 个 API 令牌" in page and "仍然有效" in page and 'name="revoke_tokens"' in page
    kept = change(client, PASSWORD, "a-new-long-password-1")
    assert kept.status_code == 200
    assert "密码已修改" in kept.get_data(as_text=True)
    assert "您的 2 个 API 令牌仍然有效" in kept.get_data(as_text=True)
    assert all(works(onemap_app, token) for token in tokens)


def test_revoking_the_tokens_in_the_same_step(onemap_app):
    login, tokens = user_with_tokens(onemap_app, 2)
    client = onemap_app.server.test_client()
    log_in(client, login)
    done = change(client, PASSWORD, "a-new-long-password-2", revoke=True)
    assert done.status_code == 200
    assert "已吊销您的 2 个 API 令牌" in done.get_data(as_text=True)
    assert not any(works(onemap_app, token) for token in tokens)
    assert "您没有 API 令牌" in client.get("/account/password").get_data(as_text=True)
    with onemap_app.server.extensions["onemap"].sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.login == login))
        assert "token.change" in set(actions)


def test_a_wrong_current_password_revokes_nothing(onemap_app):
    login, tokens = user_with_tokens(onemap_app, 1)
    client = onemap_app.server.test_client()
    log_in(client, login)
    refused = change(client, "wrong-current-password", "a-new-long-password-3", revoke=True)
    assert refused.status_code == 400 and "当前密码不正确" in refused.get_data(as_text=True)
    assert works(onemap_app, tokens[0])
