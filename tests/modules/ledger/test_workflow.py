"""Month-end close over HTTP (the page's buttons and the API) and completeness: the staff
of 西天尾镇 submit, its admin approves, the status shows in the grid, and nobody from
another town can act on it or read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modules.ledger import periods
from tests.accounts_fixture import csrf_header
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES
from tests.modules.ledger.test_page import edit, render

THIS = periods.label(periods.of_date(datetime.now(UTC).date()))
V1, V2, V3 = XTW_VILLAGES
BUTTONS = ("ledger-submit", "ledger-approve", "ledger-return", "ledger-reopen")


def press(app, client, button, units, reason=""):
    key = next(
        k
        for k in app.callback_map
        if k.startswith("..ledger-report.children@") and "ledger-refresh.data@" in k
    )
    response = call_callback(
        client,
        [("ledger-report", "children"), ("ledger-refresh", "data")],
        inputs=[(b, "n_clicks", 1 if b == button else None) for b in BUTTONS],
        state=[
            ("ledger-grid", "selectedRows", [{"code": u} for u in units]),
            ("ledger-month", "value", THIS),
            ("ledger-reason", "value", reason),
            ("ledger-refresh", "data", 1),
        ],
        changed=[f"{button}.n_clicks"],
        output_key=key,
    )
    return str(response_json(response)["response"])


def api(client, action, units, reason=""):
    return client.post(
        f"/api/v1/ledger/periods/{action}",
        json={"units": units, "period": THIS, "reason": reason},
        headers=csrf_header(client),
    )


def state_of(client, unit):
    _, rows, _ = render(client)
    return next(r for r in rows if r["code"] == unit)["state"]


def test_staff_submit_the_admin_approves_and_the_grid_shows_it(ledger_app, client_as):
    staff, admin = client_as("xitianwei.staff"), client_as("xtw.admin")
    assert state_of(staff, V1) == "未提交"
    assert "已提交：" in press(ledger_app, staff, "ledger-submit", [V1])
    assert state_of(staff, V1) == "已提交"
    refused = edit(ledger_app, staff, V1, "MZ011", 42)
    assert "已提交或已审核（只读）" in str(refused)
    assert "审核通过需由镇街管理员办理" in press(ledger_app, staff, "ledger-approve", [V1])
    assert "已审核通过：" in press(ledger_app, admin, "ledger-approve", [V1])
    assert state_of(client_as("licheng.leader"), V1) == "已审核"
    assert "重新打开需要写明原因" in press(ledger_app, admin, "ledger-reopen", [V1])
    assert "已重新打开" in press(ledger_app, admin, "ledger-reopen", [V1], reason="数有误")
    assert state_of(staff, V1) == "未提交"


@pytest.mark.parametrize(
    ("login", "button"),
    [
        ("xiuyu.staff", "ledger-submit"),
        ("licheng.leader", "ledger-submit"),
        ("xitianwei.staff", "ledger-approve"),
        ("city.coordinator", "ledger-approve"),
    ],
)
def test_nobody_else_acts_on_a_towns_month(ledger_app, client_as, login, button):
    assert "未办理" in press(ledger_app, client_as(login), button, [V2])
    assert state_of(client_as("xitianwei.staff"), V2) == "未提交"


def test_the_api_answers_each_unit_and_checks_the_scope(client_as):
    staff = client_as("xitianwei.staff")
    results = api(staff, "submit", [V3, "350305101001", "nope"]).get_json()["results"]
    by_unit = {r["unit"]: r for r in results}
    assert by_unit[V3]["status"] == "done" and by_unit[V3]["state"] == "submitted"
    assert "不在您的辖区内" in by_unit["350305101001"]["error_zh"]
    assert "不是单位编码" in by_unit["nope"]["error_zh"]
    returned = api(client_as("licheng.admin"), "return", [V3], "请核对").get_json()
    assert returned["results"][0]["state"] == "returned"
    assert api(staff, "destroy", [V3]).status_code == 404
    assert (
        staff.post(
            "/api/v1/ledger/periods/submit", json=[1], headers=csrf_header(staff)
        ).status_code
        == 400
    )


def test_completeness_by_town_and_unit_is_scoped(client_as):
    leader = client_as("licheng.leader")
    towns = leader.get(
        "/api/v1/ledger/completeness", query_string={"period": THIS, "by": "town"}
    ).get_json()["towns"]
    assert towns and all(t["code"].startswith("350304") for t in towns)
    mine = (
        client_as("xitianwei.staff")
        .get("/api/v1/ledger/completeness", query_string={"period": THIS, "within": XTW})
        .get_json()["units"]
    )
    assert {u["unit"][:9] for u in mine} == {"350304100"} and mine[0]["required"] == 11
    assert mine[0]["rate"] == 100.0  # the demo fills every required tag
    outside = client_as("xiuyu.staff").get(
        "/api/v1/ledger/completeness", query_string={"period": THIS, "within": XTW}
    )
    assert outside.status_code == 403
    page = call_callback(
        leader,
        [("ledger-completeness", "children")],
        inputs=[
            ("ledger-month", "value", THIS),
            ("ledger-refresh", "data", 0),
            ("ledger-level", "value", "town"),
            ("ledger-within", "value", None),
        ],
    )
    assert "西天尾镇" in str(response_json(page)["response"])
