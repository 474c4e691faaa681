"""The page 标签目录 through Dash's own door: admins see the catalogue (retired tags greyed,
a filter for them), add and edit a tag with the server's reasons in Chinese, retire and
restore it, and import the catalogue all or nothing; staff and leaders neither see the page
nor change anything through its callbacks."""

from __future__ import annotations

import base64
import io
import json

import pytest
from openpyxl import load_workbook

from modules.ledger.catalogue_page import FORM, GRID, PATH, PREFIX, field_id
from tests.dash_client import call_callback, response_json

ADMIN = "city.admin"
NEW = {
    "code": "ZJ030",
    "name": "电动车充电桩",
    "measure": "个",
    "value_type": "integer",
    "domain": "住建",
    "department": "住建局",
    "level": "village",
    "period_type": "yearly",
    "required": [],
    "min_value": "0",
    "max_value": "",
    "choices": "",
    "rule": "",
    "rollup": "sum",
    "weight_code": "",
    "sensitivity": "public",
}


def open_page(client, path=PATH) -> str:
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def rows(client, show="all", search=""):
    response = call_callback(
        client,
        [(GRID, "rowData")],
        inputs=[
            (PREFIX + "show", "value", show),
            (PREFIX + "search", "value", search),
            (PREFIX + "refresh", "data", 0),
        ],
    )
    return response_json(response)["response"][GRID]["rowData"]


def key_of(app, prefix: str) -> str:
    """The callback key Dash gave the callback whose first output starts with `prefix`."""
    return next(k for k in app.callback_map if k.startswith(prefix))


def save(client, form: dict, button="add"):
    response = call_callback(
        client,
        [(PREFIX + "message", "children"), (PREFIX + "refresh", "data")],
        inputs=[(PREFIX + "add", "n_clicks", 1), (PREFIX + "save", "n_clicks", 1)],
        state=[
            (PREFIX + "refresh", "data", 5),
            *((field_id(name), "value", form.get(name)) for name in FORM),
        ],
        changed=[f"{PREFIX}{button}.n_clicks"],
    )
    return response_json(response)["response"]


def retire(app, client, code, button="retire"):
    response = call_callback(
        client,
        [(PREFIX + "message", "children"), (PREFIX + "refresh", "data")],
        inputs=[
            (PREFIX + "retire", "submit_n_clicks", 1),
            (PREFIX + "restore", "submit_n_clicks", 1),
        ],
        state=[(PREFIX + "selected", "data", code), (PREFIX + "refresh", "data", 5)],
        changed=[f"{PREFIX}{button}.submit_n_clicks"],
        output_key=key_of(app, f"..{PREFIX}message.children@"),
    )
    return response_json(response)["response"]


def select(client, row):
    outputs = [
        *((field_id(name), "value") for name in FORM),
        (PREFIX + "selected", "data"),
        (PREFIX + "retire", "message"),
        (PREFIX + "restore", "message"),
    ]
    response = call_callback(
        client,
        outputs,
        inputs=[(GRID, "selectedRows", [row]), (PREFIX + "clear", "n_clicks", None)],
    )
    return response_json(response)["response"]


def upload(app, client, data: bytes, name: str):
    kind = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    contents = f"data:{kind};base64," + base64.b64encode(data).decode()
    response = call_callback(
        client,
        [(PREFIX + "report", "children"), (PREFIX + "refresh", "data")],
        inputs=[(PREFIX + "upload", "contents", contents)],
        state=[(PREFIX + "upload", "filename", name), (PREFIX + "refresh", "data", 5)],
        output_key=key_of(app, f"..{PREFIX}report.children...{PREFIX}refresh.data@"),
    )
    return response_json(response)["response"]


def test_admins_have_the_page_in_the_header_and_see_the_catalogue(client_as):
    admin = client_as(ADMIN)
    assert "标签目录" in json.dumps(admin.get("/_dash-layout").json, ensure_ascii=False)
    page = open_page(admin)
    assert "标签目录" in page and GRID in page and "新增标签" in page and "停用所选标签" in page
    for name in ("编码", "名称", "计量单位", "类型", "填报层级", "报送周期", "汇总方式", "密级"):
        assert f'"children": "{name}"' in page
    found = rows(admin)
    assert len(found) >= 150 and found[0]["code"] == "RK001"
    assert found[0]["value_type"] == "整数" and found[0]["state"] == "在用"
    assert [r["code"] for r in rows(admin, search="老人")] == [
        "RK008",
        "RK009",
        "MZ001",
        "MZ013",
        "WJ004",
    ]


@pytest.mark.parametrize("login", ["xitianwei.staff", "city.leader", "city.coordinator"])
def test_others_neither_see_the_page_nor_use_its_callbacks(ledger_app, client_as, login):
    client = client_as(login)
    assert "标签目录" not in json.dumps(client.get("/_dash-layout").json, ensure_ascii=False)
    assert "您没有管理共享标签的权限" in open_page(client)
    assert rows(client) == []
    answer = save(client, {**NEW, "code": "ZJ031"})
    assert "只有管理员" in str(answer) and PREFIX + "refresh" not in answer
    assert "只有管理员" in str(retire(ledger_app, client, "RK001"))
    body = "编码,名称,类型,领域,填报层级,报送周期\nZJ032,某,整数,住建,村,年报\n".encode()
    assert "只有管理员" in str(upload(ledger_app, client, body, "tags.csv"))
    admin = client_as(ADMIN)
    codes = {r["code"]: r for r in rows(admin)}
    assert "ZJ031" not in codes and "ZJ032" not in codes and codes["RK001"]["state"] == "在用"


def test_an_admin_adds_a_tag_and_edits_it_from_the_form(ledger_app, client_as):
    admin = client_as(ADMIN)
    added = save(admin, NEW)
    assert "已新增「电动车充电桩」（ZJ030）" in str(added)
    assert added[PREFIX + "refresh"]["data"] == 6
    row = next(r for r in rows(admin) if r["code"] == "ZJ030")
    assert (row["level"], row["period_type"], row["rollup"]) == ("村（社区）", "年报", "求和")
    form = select(admin, {"code": "ZJ030", "name": "forged"})
    values = {name: form[field_id(name)]["value"] for name in FORM}
    assert values["name"] == "电动车充电桩" and values["value_type"] == "integer"
    assert form[PREFIX + "selected"]["data"] == "ZJ030"
    assert "确定停用「电动车充电桩」（ZJ030）" in form[PREFIX + "retire"]["message"]
    edited = save(admin, {**values, "name": "充电桩", "max_value": "500"}, "save")
    assert "已保存「充电桩」（ZJ030）" in str(edited)
    row = next(r for r in rows(admin) if r["code"] == "ZJ030")
    assert row["name"] == "充电桩" and row["max_value"] == "500"
    same = save(admin, {**values, "name": "充电桩", "max_value": "500"}, "save")
    assert "没有改动" in str(same) and PREFIX + "refresh" not in same


BAD = {**NEW, "code": "ZJ040"}


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({**NEW, "code": "zj1"}, "编码应为两个大写字母加三位数字"),
        ({**NEW, "code": "350305101000"}, "编码应为两个大写字母加三位数字"),
        ({**NEW, "code": "RK001"}, "未保存：编码 RK001 已被「户籍人口」使用"),
        ({**BAD, "name": "", "value_type": None}, "未保存：新标签必须填写：名称、类型"),
        ({**BAD, "value_type": "整型"}, "未保存：类型只能填 整数、小数"),
        ({**BAD, "min_value": "很多"}, "未保存：下限应填数字，收到「很多」"),
        ({**BAD, "min_value": "10", "max_value": "1"}, "未保存：下限不能大于上限"),
        ({**BAD, "rule": "小于 RK001"}, "未保存：规则「小于 RK001」应写成"),
        ({**BAD, "value_type": "text", "rollup": "sum"}, "未保存：只有数字类标签可以汇总"),
        ({**BAD, "rule": "= RK015"}, "未保存：跨层级的规则只能写在镇街标签上"),
    ],
)
def test_a_bad_form_is_refused_with_the_servers_reason_in_chinese(client_as, form, reason):
    admin = client_as(ADMIN)
    answer = save(admin, form)
    assert reason in str(answer) and PREFIX + "refresh" not in answer
    assert "350305101000" not in str(answer)  # a forged code is never echoed
    assert "ZJ040" not in {r["code"] for r in rows(admin)}


def test_a_town_figure_may_be_compared_with_its_villages(client_as):
    admin = client_as(ADMIN)
    form = {**NEW, "code": "ZJ041", "level": "town", "rule": "= RK001"}
    assert "已新增" in str(save(admin, form))
    assert next(r for r in rows(admin) if r["code"] == "ZJ041")["rule"] == "= RK001"


def test_a_retired_tag_is_greyed_filtered_and_restored(ledger_app, client_as):
    admin = client_as(ADMIN)
    answer = retire(ledger_app, admin, "NY013")
    assert "已停用 NY013" in str(answer) and answer[PREFIX + "refresh"]["data"] == 6
    retired = rows(admin, show="retired")
    assert [r["code"] for r in retired] == ["NY013"] and retired[0]["retired"] is True
    assert "NY013" not in {r["code"] for r in rows(admin, show="active")}
    page = open_page(admin)
    assert "params.data.retired === true" in page  # the grid greys such a row
    assert "已是已停用状态" in str(retire(ledger_app, admin, "NY013"))
    assert "已恢复 NY013" in str(retire(ledger_app, admin, "NY013", "restore"))
    assert rows(admin, show="retired") == []
    assert "请先在表中选择" in str(retire(ledger_app, admin, None))


def test_the_catalogue_file_comes_back_all_or_nothing_from_the_page(ledger_app, client_as):
    admin = client_as(ADMIN)
    exported = admin.get("/api/v1/ledger/catalogue.xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.data))
    sheet = book.active
    sheet.cell(2, 2).value = "户籍人口数"
    sheet.cell(3, 4).value = "整型"  # 类型
    sheet.cell(4, 7).value = "县"  # 填报层级
    bad = io.BytesIO()
    book.save(bad)
    answer = str(upload(ledger_app, admin, bad.getvalue(), "tags.xlsx"))
    assert "未导入：共 2 处错误" in answer
    assert "第 3 行（类型）：只能填 整数" in answer
    assert "第 4 行（填报层级）：只能填 村、镇街" in answer
    assert next(r for r in rows(admin) if r["code"] == "RK001")["name"] == "户籍人口"
    sheet.cell(3, 4).value = "整数"
    sheet.cell(4, 7).value = "村"
    good = io.BytesIO()
    book.save(good)
    answer = upload(ledger_app, admin, good.getvalue(), "tags.xlsx")
    assert "已导入：新增 0 个、修改 1 个" in str(answer) and answer[PREFIX + "refresh"]["data"] == 6
    assert next(r for r in rows(admin) if r["code"] == "RK001")["name"] == "户籍人口数"
