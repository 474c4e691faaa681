"""Admins manage accounts in the app, inside their own jurisdiction only."""

from __future__ import annotations

import json
import re

from app import accounts
from tests.accounts_fixture import log_in
from tests.dash_client import call_callback, response_json

OUTPUTS = [("account-message", "children"), ("users-table", "children")]


def manage(client, trigger, login=None, name=None, role=None, scope=None, target=None):
    inputs = [
        ("add-user", "n_clicks", 1 if trigger == "add" else 0),
        (
            {"role": "user-reset", "login": "ALL"},
            "n_clicks",
            [{"id": {"role": "user-reset", "login": target}, "property": "n_clicks", "value": 1}]
            if trigger == "reset"
            else [],
        ),
        (
            {"role": "user-disable", "login": "ALL"},
            "n_clicks",
            [{"id": {"role": "user-disable", "login": target}, "property": "n_clicks", "value": 1}]
            if trigger == "disable"
            else [],
        ),
    ]
    pattern = json.dumps({"login": target, "role": f"user-{trigger}"}, separators=(",", ":"))
    changed = "add-user.n_clicks" if trigger == "add" else f"{pattern}.n_clicks"
    state = [
        ("new-login", "value", login),
        ("new-name", "value", name),
        ("new-role", "value", role),
        ("new-scope", "value", scope),
    ]
    return call_callback(client, OUTPUTS, inputs, state, changed=[changed])


def message(response) -> str:
    return str(response_json(response)["response"]["account-message"]["children"])


def exists(onemap_app, login) -> bool:
    with onemap_app.server.extensions["onemap"].sessions() as session:
        return accounts.get_user(session, login) is not None


def test_city_admin_adds_an_account_that_can_log_in(onemap_app, client_as):
    admin = client_as("city.admin")
    response = manage(admin, "add", "new.officer", "新干部", "staff", "350305101")
    text = message(response)
    password = re.search(r"初始密码：(\S+?)（", text).group(1)
    assert log_in(onemap_app.server.test_client(), "new.officer", password).status_code == 302


def test_county_admin_cannot_create_or_touch_accounts_elsewhere(onemap_app, client_as):
    admin = client_as("licheng.admin")
    refused = manage(admin, "add", "outsider.x", "x", "staff", "350305101")
    assert "不在您的辖区之内" in message(refused) and not exists(onemap_app, "outsider.x")
    ok = manage(admin, "add", "insider.x", "x", "staff", "350304101")
    assert "初始密码" in message(ok)
    assert "没有该账号" in message(manage(admin, "reset", target="xiuyu.staff"))
    assert "没有该账号" in message(manage(admin, "disable", target="city.leader"))
    fresh = onemap_app.server.test_client()
    assert log_in(fresh, "xiuyu.staff").status_code == 302  # untouched


def test_reset_and_disable_inside_the_scope(onemap_app, client_as):
    admin = client_as("city.admin")
    manage(admin, "add", "short.lived", "x", "leader", "350304")
    reset = message(manage(admin, "reset", target="short.lived"))
    password = re.search(r"新密码：(\S+?)（", reset).group(1)
    assert log_in(onemap_app.server.test_client(), "short.lived", password).status_code == 302
    assert "已停用" in message(manage(admin, "disable", target="short.lived"))
    assert log_in(onemap_app.server.test_client(), "short.lived", password).status_code == 401
    assert "不能停用自己" in message(manage(admin, "disable", target="city.admin"))


def test_non_admins_forging_the_callback_change_nothing(onemap_app, client_as):
    staff = client_as("xtw.staff")
    response = manage(staff, "add", "forged.user", "x", "admin", "350300")
    assert response.status_code == 204 and not exists(onemap_app, "forged.user")
    assert manage(staff, "disable", target="xtw.leader").status_code == 204
    assert log_in(onemap_app.server.test_client(), "xtw.leader").status_code == 302
