"""The reports through the API and the page 报表: the templates as JSON; a report as XLSX or
CSV whose 合计 equals the villages' values the values API answers; 403/404/400 as JSON like
other ledger routes; the page's registry with its coverage and hours (computed here from the
registry's rows); and its generate form, which downloads for the town's staff and refuses
another town's clerk."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from access.audit import AuditEntry
from modules.ledger import periods
from modules.ledger.reports.models import LedgerReportEntry
from modules.ledger.reports.page import PATH, PREFIX
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XTW

INSIDER, OUTSIDER = "xitianwei.staff", "xiuyu.staff"
THIS = periods.label(periods.of_date(datetime.now(UTC).date()))
LAST = periods.label(periods.shift(periods.of_date(datetime.now(UTC).date()), -1))
API = "/api/v1/ledger"
TIMES = {"月": 12, "季": 4, "半年": 2, "年": 1, "不定期": 2}


def village_values(client, tag: str, period: str) -> dict[str, int]:
    answer = client.get(
        f"{API}/values",
        query_string={"units": XTW, "level": "village", "tags": tag, "periods": period},
    ).get_json()
    return {v["unit"]: v["value"] for v in answer["values"] if v["value"] is not None}


def test_the_templates_are_listed_with_department_frequency_minutes_and_columns(client_as):
    answer = client_as(INSIDER).get(f"{API}/templates")
    assert answer.status_code == 200
    templates = {t["key"]: t for t in answer.get_json()["templates"]}
    assert len(templates) >= 25
    dibao = templates["dibao_monthly"]
    assert (dibao["title"], dibao["department"], dibao["frequency"]) == (
        "低保对象月报",
        "市民政局",
        "月",
    )
    assert dibao["minutes"] > 0 and set(dibao["tags"]) >= {"MZ002", "MZ003"}
    assert {"title": "户均人数", "ratio": ["MZ003", "MZ002"]}.items() <= dibao["columns"][2].items()
    for name in (
        "常住人口信息表",
        "独居老人关爱台账",
        "防汛责任人及重点部位统计表",
        "避灾点容量统计",
    ):
        assert any(t["title"] == name for t in templates.values()), name


def test_the_report_file_totals_the_villages_the_api_answers(client_as):
    client = client_as(INSIDER)
    answer = client.get(
        f"{API}/reports/dibao_monthly.xlsx", query_string={"unit": XTW, "period": LAST}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "dibao_monthly-350304100000" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet["A1"].value == "低保对象月报（演示）"  # the demo's values
    households = village_values(client, "MZ002", LAST)
    rows = {sheet.cell(r, 2).value: r for r in range(5, sheet.max_row + 1)}
    total = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 3).value == "合计")
    assert sheet.cell(total, 4).value == sum(households.values())
    for village, value in households.items():
        assert sheet.cell(rows[village], 4).value == value
    text = client.get(
        f"{API}/reports/dibao_monthly.csv", query_string={"unit": XTW, "period": f"{LAST}..{THIS}"}
    ).get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[2][0].startswith("# 统计时间：") and "—" in table[2][0]


def test_a_report_without_a_period_is_this_months(client_as):
    client = client_as(INSIDER)
    ask = {"unit": XTW}
    unasked = client.get(f"{API}/reports/dibao_monthly.csv", query_string=ask)
    this = client.get(f"{API}/reports/dibao_monthly.csv", query_string={**ask, "period": THIS})
    assert unasked.status_code == this.status_code == 200

    def when(answer):
        table = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
        return next(row[0] for row in table if row and row[0].startswith("# 统计时间："))

    assert when(unasked) == when(this)


def test_bad_asks_are_answered_as_json(client_as):
    client = client_as(INSIDER)
    unknown = client.get(f"{API}/reports/no_such.xlsx", query_string={"unit": XTW, "period": LAST})
    assert unknown.status_code == 404 and "没有这个报表模板" in unknown.get_json()["error_zh"]
    bad = client.get(
        f"{API}/reports/dibao_monthly.csv", query_string={"unit": XTW, "period": "上月"}
    )
    assert bad.status_code == 400
    assert set(bad.get_json()) >= {"error", "error_zh", "message", "status"}
    backwards = client.get(
        f"{API}/reports/dibao_monthly.csv", query_string={"unit": XTW, "period": f"{THIS}..{LAST}"}
    )
    assert backwards.status_code == 400 and "早于" in backwards.get_json()["error_zh"]
    nowhere = client.get(
        f"{API}/reports/dibao_monthly.csv", query_string={"unit": "350304199000", "period": LAST}
    )
    assert nowhere.status_code == 404


def test_another_towns_clerk_is_refused_and_the_download_is_audited(ledger_app, client_as):
    outsider = client_as(OUTSIDER)
    for kind in ("xlsx", "csv"):
        answer = outsider.get(
            f"{API}/reports/dibao_monthly.{kind}", query_string={"unit": XTW, "period": LAST}
        )
        assert answer.status_code == 403 and answer.is_json
        assert "西天尾" not in answer.get_data(as_text=True)
    client_as(INSIDER).get(
        f"{API}/reports/veterans.csv", query_string={"unit": XTW, "period": LAST}
    )
    with ledger_app.server.extensions["onemap"].sessions() as session:
        targets = set(session.scalars(select(AuditEntry.target).where(AuditEntry.login == INSIDER)))
    assert "ledger.report.veterans.csv" in targets


def open_page(client) -> str:
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", PATH), ("_pages_location", "search", "")],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def test_the_page_shows_the_registry_its_coverage_and_the_hours_saved(ledger_app, client_as):
    with ledger_app.server.extensions["onemap"].sessions() as session:
        registry = list(session.scalars(select(LedgerReportEntry)))
    templated = [e for e in registry if e.template_key]
    a_year = sum(e.minutes * TIMES[e.frequency] for e in templated) / 60
    assert len(registry) == 245 and len(templated) >= 25
    page = open_page(client_as("licheng.leader"))
    assert f"常规报表 245 张（演示），已由一张表生成 {len(templated)} 张" in page
    assert f"（覆盖率 {len(templated) / 245:.1%}）" in page
    assert f"每个镇街每月少填 {a_year / 12:,.1f} 小时，每年 {a_year:,.1f} 小时" in page
    assert page.count("未模板化") >= 245 - len(templated)
    assert "西天尾镇（350304100000）" in page and "秀屿区" not in page  # units in scope only


def generate_by_click(client, unit: str, button: str = "xlsx") -> dict:
    response = call_callback(
        client,
        [(PREFIX + "download", "data"), (PREFIX + "message", "children")],
        inputs=[(PREFIX + "xlsx", "n_clicks", 1), (PREFIX + "csv", "n_clicks", 1)],
        state=[
            (PREFIX + "template", "value", "dibao_monthly"),
            (PREFIX + "unit", "value", unit),
            (PREFIX + "from", "value", LAST),
            (PREFIX + "to", "value", None),
        ],
        changed=[f"{PREFIX}{button}.n_clicks"],
    )
    return response_json(response)["response"]


def test_the_form_downloads_for_the_towns_staff_and_refuses_another_towns(client_as):
    download = generate_by_click(client_as(INSIDER), XTW)[PREFIX + "download"]["data"]
    assert download["filename"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    assert sheet["A1"].value.startswith("低保对象月报")
    as_csv = generate_by_click(client_as(INSIDER), XTW, "csv")[PREFIX + "download"]["data"]
    assert as_csv["filename"].endswith(".csv")
    refused = generate_by_click(client_as(OUTSIDER), XTW)
    assert PREFIX + "download" not in refused
    assert "不在您的辖区内" in json.dumps(refused, ensure_ascii=False)
