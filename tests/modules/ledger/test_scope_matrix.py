"""The ledger's scope matrix: every route under /api/v1/ledger/ and every callback of its
pages, found by walking the app (a new one fails here until it is listed), called about
西天尾镇 by a clerk of the next town (黄石镇, same district) and of another district (秀屿区):
nothing of 西天尾镇 comes back and nothing changes. The same requests by 西天尾镇's own staff
do answer with its data, so the matrix cannot pass by answering nothing."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from app import accounts
from modules.ledger import periods
from tests.accounts_fixture import PASSWORD, csrf_header, viewer_as
from tests.dash_client import call_callback
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES
from tests.snapshot import snapshot

V1 = XTW_VILLAGES[0]
THIS = periods.label(periods.of_date(datetime.now(UTC).date()))
INSIDER = "xitianwei.staff"
# Clerks outside 西天尾镇: login → their scope.
OUTSIDERS = {"huangshi.staff": ["350304101"], "xiuyu.staff": ["350305"]}
CODE = re.compile(r"(?<!\d)35\d{10}(?!\d)")
SHEET = f"单位代码,本月临时救助人次（人次）\n{V1},41\n".encode()
CATALOGUE = "编码,名称,类型,领域,填报层级,报送周期\nZJ050,某,整数,住建,村,年报\n".encode()


def leaks(text: str, login: str) -> set[str]:
    """Division codes in an answer that lie outside the viewer's scope, and 西天尾镇's name."""
    viewer = viewer_as(9, login, login, "staff", OUTSIDERS[login])
    found = {code for code in CODE.findall(text) if not viewer.covers(code)}
    return found | ({"西天尾"} if "西天尾" in text else set())


def plain(response) -> str:
    """The answer as text, JSON with its escapes undone (Dash writes 西 as \\u897f)."""
    text = response.get_data(as_text=True)
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def ledger_state(app) -> dict:
    """The ledger's tables as one comparable value."""
    engine = app.server.extensions["onemap"].engine
    others = frozenset(n for n in inspect(engine).get_table_names() if not n.startswith("ledger_"))
    return snapshot(engine, skip=others)


@pytest.fixture(params=sorted(OUTSIDERS))
def outsider(request, ledger_app, client_as):
    """(login, a client logged in as that clerk); 黄石镇's is added to the test accounts."""
    login = request.param
    with ledger_app.server.extensions["onemap"].sessions() as session, session.begin():
        if accounts.get_user(session, login) is None:
            accounts.add_user(
                session, login, "staff", OUTSIDERS[login], name=login, password=PASSWORD
            )
    return login, client_as(login)


def upload_of(data: bytes, name: str) -> dict:
    return {"file": (io.BytesIO(data), name)}


# --- routes: (method, rule) -> (request as path + arguments, what the outsider gets) --------

ROUTES = {
    ("GET", "/api/v1/ledger/tags"): ("/tags", {"query_string": {"unit": XTW}}, 403),
    ("GET", "/api/v1/ledger/values"): (
        "/values",
        {"query_string": {"units": V1, "tags": "RK001", "periods": THIS}},
        403,
    ),
    ("GET", "/api/v1/ledger/values.csv"): (
        "/values.csv",
        {"query_string": {"units": XTW, "level": "village", "periods": THIS}},
        403,
    ),
    ("POST", "/api/v1/ledger/values"): (
        "/values",
        {"json": [{"unit": V1, "tag": "MZ011", "period": THIS, "value": 41}]},
        200,  # answered item by item: refused
    ),
    ("GET", "/api/v1/ledger/sheet.xlsx"): (
        "/sheet.xlsx",
        {"query_string": {"within": XTW, "period": THIS}},
        403,
    ),
    ("GET", "/api/v1/ledger/sheet.csv"): (
        "/sheet.csv",
        {"query_string": {"within": XTW, "period": THIS}},
        403,
    ),
    ("POST", "/api/v1/ledger/sheet"): (
        f"/sheet?period={THIS}",
        {"data": "SHEET", "content_type": "multipart/form-data"},
        400,  # refused whole
    ),
    ("POST", "/api/v1/ledger/periods/<action>"): (
        "/periods/submit",
        {"json": {"units": [V1, XTW], "period": THIS}},
        200,  # answered unit by unit: refused
    ),
    ("GET", "/api/v1/ledger/completeness"): (
        "/completeness",
        {"query_string": {"within": XTW, "period": THIS}},
        403,
    ),
    ("GET", "/api/v1/ledger/catalogue.xlsx"): (
        "/catalogue.xlsx",
        {"query_string": {"unit": XTW}},
        403,
    ),
    ("GET", "/api/v1/ledger/catalogue.csv"): (
        "/catalogue.csv",
        {"query_string": {"unit": XTW}},
        403,
    ),
    ("POST", "/api/v1/ledger/catalogue"): (
        "/catalogue",
        {"data": "CATALOGUE", "content_type": "multipart/form-data"},
        403,
    ),
    ("POST", "/api/v1/ledger/tags"): ("/tags", {"json": {"code": "ZJ051", "name": "某"}}, 403),
    ("PATCH", "/api/v1/ledger/tags/<code>"): ("/tags/RK001", {"json": {"name": "某"}}, 403),
    ("POST", "/api/v1/ledger/tags/<code>/retire"): ("/tags/RK001/retire", {}, 403),
    ("POST", "/api/v1/ledger/tags/<code>/restore"): ("/tags/RK001/restore", {}, 403),
    # Report templates (modules/ledger/reports): the list holds no unit's data.
    ("GET", "/api/v1/ledger/templates"): ("/templates", {}, 200),
    ("GET", "/api/v1/ledger/reports/<key>.xlsx"): (
        "/reports/dibao_monthly.xlsx",
        {"query_string": {"unit": XTW, "period": THIS}},
        403,
    ),
    ("GET", "/api/v1/ledger/reports/<key>.csv"): (
        "/reports/dibao_monthly.csv",
        {"query_string": {"unit": XTW, "period": THIS}},
        403,
    ),
    # Data requests and the duties list (modules/ledger/requests, duties): a clerk neither
    # asks, decides, downloads nor sends; the department's side is in requests/test_scope.py.
    ("GET", "/api/v1/ledger/requests"): ("/requests", {"query_string": {"unit": XTW}}, 403),
    ("POST", "/api/v1/ledger/requests"): (
        "/requests",
        {"json": {"unit": XTW, "tags": ["MZ002"], "period": THIS, "purpose": "越权调阅"}},
        403,
    ),
    ("POST", "/api/v1/ledger/requests/<number>/decision"): (
        "/requests/SQ-2026-0001/decision",
        {"json": {"decision": "approve", "days": 5}},
        403,
    ),
    ("GET", "/api/v1/ledger/requests/<number>/download"): (
        "/requests/SQ-2026-0001/download",
        {},
        403,
    ),
    ("GET", "/api/v1/ledger/duties"): ("/duties", {"query_string": {"unit": XTW}}, 403),
    ("POST", "/api/v1/ledger/duties/tasks"): (
        "/duties/tasks",
        {"json": {"title": "越权任务", "unit": XTW}},
        403,
    ),
    ("POST", "/api/v1/ledger/duties/tasks/<number>/decline"): (
        "/duties/tasks/RW-2026-0001/decline",
        {"json": {"unit": V1}},
        403,
    ),
}
FILES = {"SHEET": (SHEET, "sheet.csv"), "CATALOGUE": (CATALOGUE, "tags.csv")}


def ledger_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/ledger/"):
            found.update((m, rule.rule) for m in rule.methods - {"HEAD", "OPTIONS"})
    return found


def send(client, method: str, path: str, arguments: dict):
    arguments = dict(arguments)
    if arguments.get("data") in FILES:
        arguments["data"] = upload_of(*FILES[arguments["data"]])
    return client.open(
        "/api/v1/ledger" + path, method=method, headers=csrf_header(client), **arguments
    )


def test_every_route_is_in_the_matrix(ledger_app):
    assert ledger_routes(ledger_app) == set(ROUTES)


def test_a_clerk_of_another_town_reads_and_changes_nothing_through_the_routes(ledger_app, outsider):
    login, outsider = outsider
    before = ledger_state(ledger_app)
    for (method, rule), (path, arguments, status) in ROUTES.items():
        response = send(outsider, method, path, arguments)
        assert response.status_code == status, (rule, response.status_code)
        text = plain(response) if not path.endswith(".xlsx") else ""
        found = leaks(text, login) - {V1, XTW}  # an error may quote the ask
        assert not found, (login, rule, found)
        if method != "GET" and status == 200:
            answers = response.get_json()["results"]
            assert answers and all(a["status"] == "refused" for a in answers), rule
    assert ledger_state(ledger_app) == before


def test_no_period_action_of_another_town_reaches_it(ledger_app, outsider, client_as):
    before = ledger_state(ledger_app)
    for login, client in (outsider, ("licheng.leader", client_as("licheng.leader"))):
        for action in ("submit", "approve", "return", "reopen"):
            body = {"units": [V1], "period": THIS, "reason": "越权"}
            response = send(client, "POST", f"/periods/{action}", {"json": body})
            results = response.get_json()["results"]
            assert [r["status"] for r in results] == ["refused"], (login, action)
    assert ledger_state(ledger_app) == before


def test_the_towns_own_staff_get_answers_from_the_same_read_routes(client_as):
    insider = client_as(INSIDER)
    for (method, rule), (path, arguments, status) in ROUTES.items():
        if method != "GET" or status != 403 or "catalogue" in rule:
            continue
        if rule.startswith(("/api/v1/ledger/requests", "/api/v1/ledger/duties")):
            continue  # a department's and a sender's: requests/test_scope.py
        response = send(insider, method, path, arguments)
        assert response.status_code == 200, (rule, response.status_code)
        if not path.endswith(".xlsx") and "/tags" not in path:
            assert V1 in plain(response) or XTW in plain(response), rule


# --- callbacks: identified by (first input, first output) ----------------------------------


def identity(key: str, spec: dict) -> tuple[str, str]:
    first_output = key.strip(".").split("...")[0].split("@")[0]
    first_input = f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"
    return first_input, first_output


def callback(app, client, first_input: str, first_output: str, values: dict):
    """Call the ledger callback so identified, every input and state taken from `values`
    (by "id.prop"; None when absent), as the browser would send it."""
    key, spec = next(
        (k, s) for k, s in app.callback_map.items() if identity(k, s) == (first_input, first_output)
    )

    def deps(which):
        return [(d["id"], d["property"], values.get(f"{d['id']}.{d['property']}")) for d in which]

    outputs = [tuple(part.split("@")[0].rsplit(".", 1)) for part in key.strip(".").split("...")]
    return call_callback(
        client,
        outputs,
        inputs=deps(spec["inputs"]),
        state=deps(spec.get("state", [])),
        changed=[first_input],
        output_key=key,
    )


def data_url(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


DECLINE_INPUT = '{"task":["ALL"],"type":"ledger-duty-decline","unit":["ALL"]}.n_clicks'
CHANGE = {"rowId": V1, "colId": "MZ011", "oldValue": 1, "value": 41, "data": {}}
CALLBACKS: dict[tuple[str, str], dict] = {
    ("ledger-level.value", "ledger-within.options"): {"ledger-level.value": "village"},
    ("ledger-month.value", "ledger-grid.columnDefs"): {
        "ledger-month.value": THIS,
        "ledger-level.value": "village",
        "ledger-within.value": XTW,
        "ledger-domain.value": "",
        "ledger-search.value": "",
        "ledger-refresh.data": 0,
    },
    ("ledger-month.value", "ledger-export-xlsx.href"): {
        "ledger-month.value": THIS,
        "ledger-level.value": "village",
        "ledger-within.value": XTW,
    },
    ("ledger-upload.contents", "ledger-report.children"): {
        "ledger-upload.contents": data_url(SHEET),
        "ledger-upload.filename": "sheet.csv",
        "ledger-month.value": THIS,
        "ledger-refresh.data": 0,
    },
    ("ledger-grid.cellValueChanged", "ledger-message.children"): {
        "ledger-grid.cellValueChanged": [CHANGE],
        "ledger-month.value": THIS,
    },
    ("ledger-submit.n_clicks", "ledger-report.children"): {
        "ledger-submit.n_clicks": 1,
        "ledger-grid.selectedRows": [{"code": V1}, {"code": XTW}],
        "ledger-month.value": THIS,
        "ledger-reason.value": "",
        "ledger-refresh.data": 0,
    },
    ("ledger-month.value", "ledger-completeness.children"): {
        "ledger-month.value": THIS,
        "ledger-refresh.data": 0,
        "ledger-level.value": "village",
        "ledger-within.value": XTW,
    },
    ("ledger-grid.cellClicked", "ledger-history.children"): {
        "ledger-grid.cellClicked": {"rowId": V1, "colId": "RK001", "value": 1, "rowIndex": 0}
    },
    ("ledger-cat-show.value", "ledger-cat-grid.rowData"): {
        "ledger-cat-show.value": "all",
        "ledger-cat-refresh.data": 0,
    },
    ("ledger-cat-grid.selectedRows", "ledger-cat-code.value"): {
        "ledger-cat-grid.selectedRows": [{"code": "RK001"}]
    },
    ("ledger-cat-add.n_clicks", "ledger-cat-message.children"): {
        "ledger-cat-add.n_clicks": 1,
        "ledger-cat-code.value": "ZJ052",
        "ledger-cat-name.value": "某",
        "ledger-cat-value-type.value": "integer",
        "ledger-cat-domain.value": "住建",
        "ledger-cat-level.value": "village",
        "ledger-cat-period-type.value": "yearly",
    },
    ("ledger-cat-retire.submit_n_clicks", "ledger-cat-message.children"): {
        "ledger-cat-retire.submit_n_clicks": 1,
        "ledger-cat-selected.data": "RK001",
    },
    ("ledger-cat-upload.contents", "ledger-cat-report.children"): {
        "ledger-cat-upload.contents": data_url(CATALOGUE),
        "ledger-cat-upload.filename": "tags.csv",
    },
    ("ledger-rep-xlsx.n_clicks", "ledger-rep-download.data"): {
        "ledger-rep-xlsx.n_clicks": 1,
        "ledger-rep-template.value": "dibao_monthly",
        "ledger-rep-unit.value": XTW,
        "ledger-rep-from.value": THIS,
    },
    # 申请调阅, 待审批, 村级事务准入 (modules/ledger/requests, duties)
    ("ledger-req-refresh.data", "ledger-req-template.options"): {"ledger-req-refresh.data": 0},
    ("ledger-req-submit.n_clicks", "ledger-req-message.children"): {
        "ledger-req-submit.n_clicks": 1,
        "ledger-req-tags.value": ["MZ002"],
        "ledger-req-unit.value": XTW,
        "ledger-req-from.value": THIS,
        "ledger-req-to.value": THIS,
        "ledger-req-purpose.value": "越权调阅",
    },
    ("ledger-req-refresh.data", "ledger-req-list.children"): {"ledger-req-refresh.data": 0},
    ("ledger-appr-refresh.data", "ledger-appr-list.children"): {"ledger-appr-refresh.data": 0},
    ("ledger-appr-approve.n_clicks", "ledger-appr-message.children"): {
        "ledger-appr-approve.n_clicks": 1,
        "ledger-appr-number.value": "SQ-2026-0001",
        "ledger-appr-days.value": 5,
    },
    ("ledger-duty-refresh.data", "ledger-duty-list.children"): {"ledger-duty-refresh.data": 0},
    ("ledger-duty-refresh.data", "ledger-duty-tasks.children"): {"ledger-duty-refresh.data": 0},
    ("ledger-duty-add.n_clicks", "ledger-duty-message.children"): {
        "ledger-duty-add.n_clicks": 1,
        "ledger-duty-new.value": "越权事项",
    },
    ("ledger-duty-send.n_clicks", "ledger-duty-message.children"): {
        "ledger-duty-send.n_clicks": 1,
        "ledger-duty-title.value": "越权任务",
        "ledger-duty-unit.value": XTW,
    },
    (DECLINE_INPUT, "ledger-duty-message.children"): {
        DECLINE_INPUT: [
            {
                "id": {"type": "ledger-duty-decline", "task": "RW-2026-0001", "unit": V1},
                "property": "n_clicks",
                "value": 1,
            }
        ]
    },
}


def ledger_callbacks(app) -> set[tuple[str, str]]:
    app.server.test_client().get("/login")  # Dash completes its callback map on a request
    return {
        identity(key, spec)
        for key, spec in app.callback_map.items()
        if spec.get("callback") and "ledger-" in key
    }


def test_every_callback_is_in_the_matrix(ledger_app):
    assert ledger_callbacks(ledger_app) == set(CALLBACKS)


def test_a_clerk_of_another_town_reads_and_changes_nothing_through_the_callbacks(
    ledger_app, outsider
):
    login, outsider = outsider
    before = ledger_state(ledger_app)
    for (first_input, first_output), values in CALLBACKS.items():
        response = callback(ledger_app, outsider, first_input, first_output, values)
        assert response.status_code in (200, 204), (first_output, response.status_code)
        text = plain(response)
        # A refusal may quote the unit the request named; nothing else of 西天尾镇 comes back.
        found = leaks(text, login) - {V1, XTW}
        assert not found, (login, first_output, found)
    assert ledger_state(ledger_app) == before


def test_the_towns_own_staff_get_answers_from_the_same_callbacks(ledger_app, client_as):
    insider = client_as(INSIDER)
    answered = {}
    for (first_input, first_output), values in CALLBACKS.items():
        if first_output.startswith(("ledger-cat-", "ledger-message", "ledger-report")):
            continue  # admins' page, and the writes (tested where they are made)
        response = callback(ledger_app, insider, first_input, first_output, values)
        answered[first_output] = plain(response)
    assert V1 in answered["ledger-grid.columnDefs"] and XTW in answered["ledger-within.options"]
    assert f"within={XTW}" in answered["ledger-export-xlsx.href"]
    assert "西天尾镇 各村（社区）" in answered["ledger-completeness.children"]
