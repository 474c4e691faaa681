"""The duties list over HTTP and the page's callbacks: the list with its 25 示例 items; a
task sent down with a written basis and its file, one without basis declined by a village
(the sender sees who); `?unit=` scoped like every route; bad input answers 400 and sends
nothing; `onemap ledger department` registers a department account."""

from __future__ import annotations

import base64

from sqlalchemy import select

from modules.ledger.duties.models import LedgerTask
from modules.ledger.requests.models import LedgerDepartment
from tests.accounts_fixture import csrf_header
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES

API = "/api/v1/ledger/duties"
V1 = XTW_VILLAGES[0]


def post(client, path, body):
    return client.post(path, json=body, headers=csrf_header(client))


def tasks_stored(app) -> int:
    with app.server.extensions["onemap"].sessions() as session:
        return len(session.scalars(select(LedgerTask.id)).all())


def test_the_list_holds_25_example_items_for_everyone_signed_in(client_as):
    for login in ("xitianwei.staff", "city.minzheng", "licheng.leader"):
        found = client_as(login).get(API).get_json()
        assert len(found["duties"]) == 25 and all(d["example"] for d in found["duties"])


def test_a_task_with_its_basis_file_and_one_declined_by_a_village(ledger_app, client_as):
    civil = client_as("city.minzheng")
    basis = {
        "title": "农村自建房安全排查",
        "unit": XTW,
        "basis_name": "关于开展农村自建房安全排查的通知",
        "basis_number": "莆住建〔2026〕12号",
        "basis_issuer": "莆田市住房和城乡建设局",
        "file_name": "通知.pdf",
        "file": base64.b64encode(b"%PDF-1.4 demo").decode(),
    }
    sent = post(civil, f"{API}/tasks", basis)
    assert sent.status_code == 201, sent.get_json()
    task = sent.get_json()["task"]
    assert task["basis"]["file"] == "通知.pdf" and not task["declinable"]
    assert task["villages"] > 1

    bare = post(civil, f"{API}/tasks", {"title": "统计辖区养犬户数", "unit": XTW})
    number = bare.get_json()["task"]["number"]
    clerk = client_as("xitianwei.staff")
    refused = post(clerk, f"{API}/tasks/{task['number']}/decline", {"unit": V1})
    assert refused.status_code == 400 and "不能拒绝" in refused.get_json()["error_zh"]
    assert post(clerk, f"{API}/tasks/{number}/decline", {"unit": V1}).status_code == 200
    seen = {t["number"]: t for t in civil.get(API).get_json()["tasks"]}
    assert [d["unit"] for d in seen[number]["declined"]] == [V1]
    month = civil.get(API).get_json()["monthly"][0]
    assert month["sent"] >= 2 and month["declined_villages"] >= 1

    # Scoped by ?unit= as every route: 403 outside, 404 unknown; 秀屿区's clerk sees neither.
    xiuyu = client_as("xiuyu.staff")
    assert xiuyu.get(API, query_string={"unit": XTW}).status_code == 403
    assert xiuyu.get(API, query_string={"unit": "350305999999"}).status_code == 404
    assert number not in str(xiuyu.get(API).get_json())
    assert number in str(clerk.get(API, query_string={"unit": V1}).get_json())


def test_bad_input_answers_400_and_sends_nothing(ledger_app, client_as):
    civil = client_as("city.minzheng")
    before = tasks_stored(ledger_app)
    for body, reason in [
        ({"title": "某任务", "unit": XTW, "basis_name": "某通知"}, "文号和发文机关"),
        ({"title": "某任务", "unit": XTW, "duty": "1"}, "清单事项的编号"),
        ({"title": "某任务", "unit": XTW, "file": "not base64!"}, "base64"),
        ({"title": "", "unit": XTW}, "任务名称"),
    ]:
        answer = post(civil, f"{API}/tasks", body)
        assert answer.status_code == 400, body
        assert reason in answer.get_json()["error_zh"] and answer.get_json()["status"] == 400
    assert (
        post(client_as("xitianwei.staff"), f"{API}/tasks", {"title": "某", "unit": XTW}).status_code
        == 403
    )
    assert tasks_stored(ledger_app) == before


def test_the_page_sends_a_task_down_and_shows_the_monthly_figures(ledger_app, client_as):
    civil = client_as("city.minzheng")
    key = next(
        k
        for k in ledger_app.callback_map
        if "ledger-duty-send" in str(ledger_app.callback_map[k]["inputs"])
    )
    fields = {
        "ledger-duty-title": "独居老人探访",
        "ledger-duty-kind": "task",
        "ledger-duty-unit": XTW,
        "ledger-duty-item": None,
        "ledger-duty-basis-name": "",
        "ledger-duty-basis-number": "",
        "ledger-duty-basis-issuer": "",
    }
    state = [(k, "value", v) for k, v in fields.items()]
    state += [
        ("ledger-duty-basis-file", "contents", None),
        ("ledger-duty-basis-file", "filename", None),
    ]
    state += [("ledger-duty-refresh", "data", 0)]
    answer = call_callback(
        civil,
        [("ledger-duty-message", "children"), ("ledger-duty-refresh", "data")],
        inputs=[("ledger-duty-send", "n_clicks", 1)],
        state=state,
        output_key=key,
    )
    text = str(response_json(answer)["response"])
    assert "已下派 RW-" in text and "个村（社区）" in text
    shown = call_callback(
        civil,
        [("ledger-duty-tasks", "children"), ("ledger-duty-monthly", "children")],
        inputs=[("ledger-duty-refresh", "data", 1)],
    )
    page = str(response_json(shown)["response"])
    assert "独居老人探访" in page and "清单外，无文件依据" in page and "市民政局" in page


def test_the_department_command_registers_a_department(ledger_app, monkeypatch, capsys):
    import app.cli as cli

    settings = ledger_app.server.extensions["onemap"].settings
    monkeypatch.setenv("ONEMAP_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ONEMAP_SECRET_KEY", "k")
    argv = ["ledger", "department", "city.weijian", "--name", "市卫健委", "--domain", "卫健"]
    assert cli.main(argv) == 0
    assert cli.main(["ledger", "department", "x", "--name", "某局", "--domain", "无此领域"]) == 1
    assert "unknown domains" in capsys.readouterr().err
    with ledger_app.server.extensions["onemap"].sessions() as session:
        row = session.get(LedgerDepartment, "city.weijian")
        assert (row.department, row.domain_list) == ("市卫健委", ["卫健"])
        assert session.get(LedgerDepartment, "x") is None
