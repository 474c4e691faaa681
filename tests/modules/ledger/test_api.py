"""The API: /api/v1/ledger/tags, GET and POST /values (JSON and CSV), scoped by the viewer:
a clerk of another town can neither read nor write 西天尾镇's figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from modules.ledger import periods
from modules.ledger.catalogue import shipped
from tests.accounts_fixture import csrf_header
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES

V1, V2, V3 = XTW_VILLAGES
THIS = periods.label(periods.of_date(datetime.now(UTC).date()))
LAST = periods.label(periods.shift(periods.of_date(datetime.now(UTC).date()), -1))


def get(client, path, **query):
    return client.get(f"/api/v1/ledger/{path}", query_string=query)


def post(client, items):
    return client.post("/api/v1/ledger/values", json=items, headers=csrf_header(client))


def test_the_catalogue_is_served_without_what_the_viewer_may_not_read(client_as):
    staff = get(client_as("xitianwei.staff"), "tags").get_json()["tags"]
    leader = get(client_as("city.leader"), "tags").get_json()["tags"]
    assert len(staff) == len(shipped()) and {t["sensitivity"] for t in staff} >= {"personal"}
    assert len(leader) == len(staff) - sum(t["sensitivity"] == "personal" for t in staff)
    elderly = next(t for t in staff if t["code"] == "RK008")
    assert elderly["name"] == "60岁以上老人" and elderly["rule"] == "<= RK002"
    # Coordinators read the ledger (people exposed in a storm), without personal data.
    coordinator = get(client_as("city.coordinator"), "tags").get_json()["tags"]
    assert [t["code"] for t in coordinator] == [t["code"] for t in leader]


def test_values_are_read_inside_the_scope_with_roll_ups_above_the_villages(client_as):
    leader = client_as("licheng.leader")
    body = get(leader, "values", tags="RK001,MZ001", units=f"{V1},{XTW}", periods=LAST)
    assert body.status_code == 200, body.get_json()
    found = {(v["unit"], v["tag"]): v for v in body.get_json()["values"]}
    assert found[(V1, "RK001")]["demo"] is True and found[(V1, "RK001")]["value"] > 0
    villages = get(leader, "values", tags="RK001", units=XTW, level="village", periods=LAST)
    total = sum(v["value"] for v in villages.get_json()["values"])
    assert found[(XTW, "RK001")]["rolled_up"] is True and found[(XTW, "RK001")]["value"] == total


@pytest.mark.parametrize(
    ("login", "query", "status"),
    [
        ("xiuyu.staff", {"tags": "RK001", "units": V1, "periods": LAST}, 403),
        ("xiuyu.staff", {"tags": "RK001", "units": "350304", "periods": LAST}, 403),
        ("xitianwei.staff", {"tags": "RK001", "units": XIUYU_VILLAGE, "periods": LAST}, 403),
        ("xitianwei.staff", {"tags": "RK001", "units": "350304100999", "periods": LAST}, 404),
        ("xitianwei.staff", {"tags": "RK001", "units": "abc", "periods": LAST}, 400),
        ("xitianwei.staff", {"tags": "RK001", "units": V1, "periods": "十一月"}, 400),
        ("xitianwei.staff", {"tags": "NOPE", "units": V1, "periods": LAST}, 400),
        ("city.leader", {"tags": "MZ013", "units": V1, "periods": LAST}, 400),  # 个人敏感
        ("city.coordinator", {"tags": "MZ013", "units": V1, "periods": LAST}, 400),
    ],
)
def test_reading_outside_the_scope_or_with_bad_parameters_is_refused(
    client_as, login, query, status
):
    response = get(client_as(login), "values", **query)
    assert response.status_code == status, response.get_json()
    if status == 400:
        assert response.get_json()["error_zh"]


def test_values_download_as_csv_with_names_and_the_demo_label(client_as):
    response = get(
        client_as("xitianwei.staff"),
        "values.csv",
        tags="RK001,RK008",
        units=XTW,
        level="village",
        periods=LAST,
    )
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["单位代码", "单位", "标签编码", "标签"]
    assert len(rows) - 1 == 2 * len({r[0] for r in rows[1:]}) and rows[1][-1] == "演示"


def test_saving_answers_each_item_and_writes_only_the_accepted(client_as):
    staff = client_as("xitianwei.staff")
    before = get(staff, "values", tags="RK002,RK008", units=V3, periods=THIS).get_json()["values"]
    held = {v["tag"]: v["value"] for v in before}
    response = post(
        staff,
        [
            {"unit": V3, "tag": "RK002", "period": THIS, "value": held["RK002"]},
            {"unit": V3, "tag": "RK008", "period": THIS, "value": held["RK002"] + 60},
            {"unit": V3, "tag": "MZ011", "period": THIS, "value": 3},
            {"unit": XIUYU_VILLAGE, "tag": "RK001", "period": THIS, "value": 1},
            {"unit": V3, "tag": "RK001", "period": THIS},
        ],
    )
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [
        "unchanged",
        "refused",
        "accepted",
        "refused",
        "refused",
    ]
    assert results[1]["error_zh"] == (
        f"60岁以上老人 {held['RK002'] + 60:,} 大于 常住人口 {held['RK002']:,}"
    )
    assert "不在您的辖区内" in results[3]["error_zh"] and "必填" in results[4]["error_zh"]
    after = get(staff, "values", tags="RK008,MZ011", units=V3, periods=THIS).get_json()["values"]
    assert {v["tag"]: v["value"] for v in after} == {"RK008": held["RK008"], "MZ011": 3}


@pytest.mark.parametrize("login", ["xiuyu.staff", "licheng.leader", "city.admin"])
def test_nobody_but_the_towns_staff_writes_its_figures(client_as, login):
    response = post(client_as(login), [{"unit": V2, "tag": "MZ011", "period": THIS, "value": 4}])
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["refused"]
    staff = client_as("xitianwei.staff")
    values = get(staff, "values", tags="MZ011", units=V2, periods=THIS).get_json()["values"]
    assert values[0]["value"] != 4 or values[0]["demo"]


@pytest.mark.parametrize("body", [{"unit": V1}, "text", [1, 2], None])
def test_a_malformed_body_is_a_400_with_the_reason(client_as, body):
    response = post(client_as("xitianwei.staff"), body)
    assert response.status_code == 400 and "JSON 数组" in response.get_json()["error_zh"]


def test_without_a_login_the_api_answers_401(ledger_app):
    client = ledger_app.server.test_client()
    assert client.get("/api/v1/ledger/tags").status_code == 401
    assert client.post("/api/v1/ledger/values", json=[]).status_code in (401, 403)
