"""The requests' API over HTTP: 市民政局 asks for 低保对象月报 over 荔城区 (granted at once,
its tags being 公开) and for a 个人敏感 tag (waiting for 荔城区's admin), the admin
approves, the department downloads the report inside the grant and nowhere else; each
download is stamped, audited and in the request's history; bad input answers 400."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from modules.ledger import periods
from tests.accounts_fixture import csrf_header, system_viewer
from tests.modules.ledger.helpers import XTW

LICHENG = "350304000000"
XIUYU = "350305000000"
LAST = periods.label(periods.shift(periods.of_date(datetime.now(UTC).date()), -1))
API = "/api/v1/ledger"


def post(client, path, body):
    return client.post(API + path, json=body, headers=csrf_header(client))


def ask_body(**changes) -> dict:
    body = {"unit": LICHENG, "period": LAST, "purpose": "低保资金测算", "template": "dibao_monthly"}
    return {**body, **changes}


def cells_of(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def town_names(app, county: str) -> set[str]:
    from modules.sdk import units

    with app.server.extensions["onemap"].sessions() as session:
        return {u.name for u in units(session, system_viewer(), "town", within=county)}


def test_a_public_template_is_granted_at_once_and_downloads_only_the_granted_unit(
    ledger_app, client_as
):
    civil = client_as("city.minzheng")
    made = post(civil, "/requests", ask_body())
    assert made.status_code == 201, made.get_json()
    request = made.get_json()["request"]
    assert request["state"] == "approved" and request["number"].startswith("SQ-")
    number = request["number"]

    got = civil.get(f"{API}/requests/{number}/download", query_string={"format": "xlsx"})
    assert got.status_code == 200, got.get_data(as_text=True)
    text = " ".join(str(c) for row in cells_of(got.data) for c in row if c is not None)
    assert number in text and "市民政局" in text
    licheng, xiuyu = town_names(ledger_app, LICHENG), town_names(ledger_app, XIUYU)
    assert any(name in text for name in licheng)
    assert not any(name in text for name in xiuyu)

    for query, status in [
        ({"unit": XIUYU}, 403),  # outside the granted unit
        ({"period": "2025-01"}, 403),  # outside the granted months
        ({"unit": XTW}, 200),  # inside it
        ({"format": "pdf"}, 400),
    ]:
        answer = civil.get(f"{API}/requests/{number}/download", query_string=query)
        assert answer.status_code == status, (query, answer.status_code)
    history = civil.get(f"{API}/requests").get_json()["requests"][0]["history"]
    assert [h["action"] for h in history].count("download") == 2


def test_others_cannot_download_a_departments_request(ledger_app, client_as):
    civil = client_as("city.minzheng")
    number = post(civil, "/requests", ask_body()).get_json()["request"]["number"]
    for login, status in [("licheng.admin", 403), ("xiuyu.staff", 403), ("city.leader", 403)]:
        answer = client_as(login).get(f"{API}/requests/{number}/download")
        assert answer.status_code == status, login


def test_a_sensitive_request_waits_and_the_owning_admin_decides_it(ledger_app, client_as):
    civil = client_as("city.minzheng")
    made = post(civil, "/requests", ask_body(template="", tags=["MZ013", "MZ002"], unit=XTW))
    request = made.get_json()["request"]
    assert request["state"] == "pending" and request["granted_tags"] == ["MZ002"]
    number = request["number"]

    # Another district's clerk neither sees nor decides it.
    xiuyu = client_as("xiuyu.staff")
    assert number not in str(xiuyu.get(f"{API}/requests").get_json())
    refused = post(xiuyu, f"/requests/{number}/decision", {"decision": "approve", "days": 5})
    assert refused.status_code == 403
    assert post(civil, f"/requests/{number}/decision", {"decision": "approve"}).status_code == 403

    admin = client_as("xtw.admin")  # the town's admin: its villages' data
    seen = {r["number"]: r for r in admin.get(f"{API}/requests").get_json()["requests"]}
    assert seen[number]["may_decide"] and seen[number]["state_zh"] == "待审批"
    bad = post(admin, f"/requests/{number}/decision", {"decision": "approve", "days": 0})
    assert bad.status_code == 400 and "有效期" in bad.get_json()["error_zh"]
    approved = post(admin, f"/requests/{number}/decision", {"decision": "approve", "days": 7})
    assert approved.status_code == 200
    assert approved.get_json()["request"]["granted_tags"] == ["MZ013", "MZ002"]

    csv = civil.get(f"{API}/requests/{number}/download", query_string={"format": "csv"})
    text = csv.get_data(as_text=True)
    assert csv.status_code == 200 and number in text and "独居老人联系人" in text
    assert "350305" not in text and "350304101" not in text  # nothing of other towns
    assert "MZ001" not in text  # nor a tag it did not ask for


def test_the_city_admin_may_decide_and_a_refusal_keeps_its_reason(ledger_app, client_as):
    civil = client_as("city.minzheng")
    made = post(civil, "/requests", ask_body(template="", tags=["MZ013"], unit=XTW))
    number = made.get_json()["request"]["number"]
    assert made.get_json()["request"]["approver_unit"] == XTW
    admin = client_as("city.admin")
    no_reason = post(admin, f"/requests/{number}/decision", {"decision": "refuse"})
    assert no_reason.status_code == 400
    answer = post(admin, f"/requests/{number}/decision", {"decision": "refuse", "reason": "不必要"})
    assert answer.get_json()["request"]["state"] == "refused"
    got = civil.get(f"{API}/requests/{number}/download")
    assert got.status_code == 400 and "拒绝" in got.get_json()["error_zh"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (ask_body(tags=["WJ001"], template=""), "不在本部门可申请的领域"),
        (ask_body(template="no_such"), "没有这个报表模板"),
        (ask_body(purpose=""), "用途"),
        (ask_body(period="2026-13"), "不是月份"),
        (ask_body(tags="MZ001", template="", period_from=["2026-11"]), "period_from"),
        ([1, 2], "JSON"),
    ],
)
def test_bad_input_answers_400_with_the_reason_and_stores_nothing(
    ledger_app, client_as, body, reason
):
    from modules.ledger.requests.models import LedgerRequest

    civil = client_as("city.minzheng")
    with ledger_app.server.extensions["onemap"].sessions() as session:
        before = len(session.scalars(select(LedgerRequest.id)).all())
    answer = post(civil, "/requests", body)
    assert answer.status_code == 400
    found = answer.get_json()
    assert reason in found["error_zh"] and found["status"] == 400 and found["error"]
    with ledger_app.server.extensions["onemap"].sessions() as session:
        assert len(session.scalars(select(LedgerRequest.id)).all()) == before


def test_a_department_reads_nothing_of_the_table_itself(client_as):
    civil = client_as("city.minzheng")
    for path, query in [
        ("/values", {"units": LICHENG, "tags": "MZ002"}),
        ("/values.csv", {"units": LICHENG}),
        ("/sheet.xlsx", {"within": XTW}),
        ("/tags", {}),
        ("/completeness", {"within": XTW}),
        ("/reports/dibao_monthly.xlsx", {"unit": LICHENG, "period": LAST}),
    ]:
        assert civil.get(API + path, query_string=query).status_code == 403, path
    assert civil.get(f"{API}/requests", query_string={"unit": "350305"}).status_code == 200
    assert (
        client_as("xiuyu.staff").get(f"{API}/requests", query_string={"unit": LICHENG}).status_code
        == 403
    )
