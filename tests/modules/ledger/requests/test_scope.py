"""The department role in the ledger's scope matrix: 市民政局 (role department, the whole
city) reads nothing of the table through any route or callback of the ledger's pages
(its requests aside), changes nothing; one department never sees, decides or downloads
another's request; a village's decline reaches only the villages of the clerk's scope."""

from __future__ import annotations

import json
import re

import pytest

from app import accounts
from modules.ledger.requests.departments import set_department
from tests.accounts_fixture import PASSWORD, csrf_header
from tests.dash_client import call_callback
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES
from tests.modules.ledger.test_catalogue_page import open_page
from tests.modules.ledger.test_scope_matrix import (
    CALLBACKS,
    ROUTES,
    THIS,
    callback,
    ledger_state,
    plain,
    send,
)

V1 = XTW_VILLAGES[0]
CODE = re.compile(r"(?<!\d)35\d{10}(?!\d)")
OWN = ("/api/v1/ledger/requests", "/api/v1/ledger/duties")
OWN_PAGES = ("ledger-req-", "ledger-appr-", "ledger-duty-")
# Figures of the table: any of the demo's tag codes with a value beside it.
VALUE = re.compile(r'"(RK|MZ|WJ|YJ|NY)\d{3}"\s*:\s*"?\d')


def department(app, login: str, name: str, domains: list[str]) -> None:
    sessions = app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        if accounts.get_user(session, login) is None:
            accounts.add_user(session, login, "department", ["350300"], name, PASSWORD)
        set_department(session, login, name, domains, "city.admin")


def test_a_department_reads_and_changes_nothing_of_the_table_through_the_routes(
    ledger_app, client_as
):
    civil = client_as("city.minzheng")
    before = ledger_state(ledger_app)
    for (method, rule), (path, arguments, _status) in ROUTES.items():
        if rule.startswith(OWN):
            continue
        response = send(civil, method, path, arguments)
        text = plain(response) if not path.endswith(".xlsx") else ""
        if rule == "/api/v1/ledger/templates":
            assert response.status_code in (200, 403) and not CODE.findall(text)
            continue
        if method != "GET" and response.status_code == 200:
            answers = response.get_json()["results"]
            assert answers and all(a["status"] == "refused" for a in answers), rule
            continue
        assert response.status_code in (400, 403), (rule, response.status_code)
        assert not VALUE.search(text), rule
    assert ledger_state(ledger_app) == before


def test_a_department_gets_nothing_of_the_table_through_the_callbacks(ledger_app, client_as):
    civil = client_as("city.minzheng")
    before = ledger_state(ledger_app)
    for (first_input, first_output), values in CALLBACKS.items():
        if first_output.startswith(OWN_PAGES):
            continue
        response = callback(ledger_app, civil, first_input, first_output, values)
        assert response.status_code in (200, 204), (first_output, response.status_code)
        text = plain(response)
        assert set(CODE.findall(text)) <= {V1, XTW}, first_output  # what it sent, at most
        assert not VALUE.search(text), first_output
    assert ledger_state(ledger_app) == before


def test_the_table_pages_refuse_a_department_and_its_own_pages_open(client_as):
    civil = client_as("city.minzheng")
    pages = {
        "/ledger": "您没有查看一张表的权限",
        "/ledger/requests": "新的调阅申请",
        "/ledger/approvals": "只有管理员可以审批调阅申请",
        "/ledger/duties": "村级事务准入清单",
    }
    for path, text in pages.items():
        assert text in open_page(civil, path), path
    nav = json.dumps(civil.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "申请调阅" in nav and "村级事务准入" in nav
    assert "待审批" not in nav and "标签目录" not in nav


def test_one_department_never_sees_decides_or_downloads_anothers_request(ledger_app, client_as):
    department(ledger_app, "city.weijian", "市卫健委", ["卫健", "民政"])
    civil, health = client_as("city.minzheng"), client_as("city.weijian")
    made = civil.post(
        "/api/v1/ledger/requests",
        json={"unit": XTW, "tags": ["MZ002"], "period": THIS, "purpose": "低保资金测算"},
        headers=csrf_header(civil),
    )
    number = made.get_json()["request"]["number"]
    assert number not in health.get("/api/v1/ledger/requests").get_data(as_text=True)
    assert health.get(f"/api/v1/ledger/requests/{number}/download").status_code == 404
    decided = health.post(
        f"/api/v1/ledger/requests/{number}/decision",
        json={"decision": "refuse", "reason": "x"},
        headers=csrf_header(health),
    )
    assert decided.status_code == 403
    listed = callback(ledger_app, health, "ledger-req-refresh.data", "ledger-req-list.children", {})
    assert number not in plain(listed)
    mine = callback(ledger_app, civil, "ledger-req-refresh.data", "ledger-req-list.children", {})
    assert number in plain(mine)


@pytest.fixture
def task_number(ledger_app, client_as) -> str:
    civil = client_as("city.minzheng")
    made = civil.post(
        "/api/v1/ledger/duties/tasks",
        json={"title": "统计辖区养犬户数", "unit": XTW},
        headers=csrf_header(civil),
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["task"]["number"]


def test_a_clerk_of_another_town_cannot_decline_for_a_village_of_this_one(
    ledger_app, client_as, task_number
):
    key = next(k for k, s in ledger_app.callback_map.items() if "ledger-duty-decline" in str(s))
    for login in ("xiuyu.staff",):
        answer = _call_decline(ledger_app, client_as(login), key, task_number, V1)
        assert "已拒绝" not in plain(answer)
    answer = _call_decline(ledger_app, client_as("xitianwei.staff"), key, task_number, V1)
    assert f"已拒绝 {task_number}" in plain(answer)
    seen = client_as("city.minzheng").get("/api/v1/ledger/duties").get_json()
    task = next(t for t in seen["tasks"] if t["number"] == task_number)
    assert [d["unit"] for d in task["declined"]] == [V1]
    other = client_as("xiuyu.staff").get("/api/v1/ledger/duties").get_json()
    assert task_number not in str(other)


def _call_decline(app, client, key, number, unit):
    button = {"type": "ledger-duty-decline", "task": number, "unit": unit}
    pattern = {"task": "ALL", "type": "ledger-duty-decline", "unit": "ALL"}
    changed = json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    return call_callback(
        client,
        [("ledger-duty-message", "children"), ("ledger-duty-refresh", "data")],
        inputs=[(pattern, "n_clicks", [{"id": button, "property": "n_clicks", "value": 1}])],
        state=[("ledger-duty-refresh", "data", 0)],
        changed=[changed],
        output_key=key,
    )
