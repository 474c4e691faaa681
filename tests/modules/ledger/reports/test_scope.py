"""Who may generate what, at the function: a viewer generates only for units inside their
scope (another town's clerk is refused, nothing is read); an unknown template or unit is
404; a template reading a 个人敏感 tag is refused to those who may not read it. A
department reads through its grant only: the granted units, months and tags, until it
expires, and the file carries the requester, the request number and the time."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from access.viewer import make_viewer
from modules.ledger import periods
from modules.ledger.reports.catalog import get_template, seed_reports, template_tags
from modules.ledger.reports.generate import ReportRefused, generate, report_for
from modules.ledger.reports.grant import ReportGrant
from modules.sdk import Forbidden, NotFound
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put

V1, V2, _ = XTW_VILLAGES
LICHENG = "350304000000"
LAST = periods.shift(periods.of_date(datetime.now(UTC).date()), -1)
BEFORE = periods.shift(LAST, -1)


@pytest.fixture
def filled(session, viewer):
    seed_reports(session)
    month = periods.label(LAST)
    done = put(
        session,
        viewer("xitianwei.staff"),
        [(V1, "MZ002", month, "12"), (V1, "MZ003", month, "25"), (V2, "MZ002", month, "3")],
    )
    assert not done.refused
    done = put(session, viewer("xiuyu.staff"), [(XIUYU_VILLAGE, "MZ002", month, "40")])
    assert not done.refused
    return session


@pytest.fixture
def department(grants):
    # A department account: the role reads nothing of the table by itself.
    return make_viewer(31, "mzj", "市民政局 张三", "department", ["350300"], grants)


def dibao_grant(session, **changes) -> ReportGrant:
    fields = {
        "units": (XTW,),
        "tags": template_tags(get_template(session, "dibao_monthly")),
        "periods": (BEFORE, LAST),
        "request_no": "SQ-2026-0007",
        "requester": "市民政局 张三",
        "expires_at": datetime.now(UTC) + timedelta(days=7),
    }
    return ReportGrant(**(fields | changes))


def test_a_clerk_of_another_town_cannot_generate_for_it(filled, viewer):
    outsider = viewer("xiuyu.staff")
    for fmt in ("xlsx", "csv"):
        with pytest.raises(Forbidden):
            generate(filled, outsider, "dibao_monthly", XTW, [LAST], fmt)
        with pytest.raises(Forbidden):
            generate(filled, outsider, "dibao_monthly", V1, [LAST], fmt)
    # Her own district's report holds none of 西天尾镇's villages.
    report = report_for(filled, outsider, "dibao_monthly", "350305000000", [LAST])
    assert not any(r.code.startswith("350304") for r in report.rows)
    assert report.rows[-1].values[0] == 40


def test_unknown_templates_and_units_are_not_found(filled, viewer):
    staff = viewer("xitianwei.staff")
    with pytest.raises(NotFound):
        generate(filled, staff, "no_such_report", XTW, [LAST], "xlsx")
    with pytest.raises(NotFound):
        generate(filled, staff, "dibao_monthly", "350304199000", [LAST], "xlsx")
    with pytest.raises(ReportRefused):
        generate(filled, staff, "dibao_monthly", XTW, [LAST], "pdf")
    with pytest.raises(ReportRefused) as future:
        generate(filled, staff, "dibao_monthly", XTW, [periods.shift(LAST, 3)], "xlsx")
    assert "尚未开始" in future.value.reason_zh


def test_a_sensitive_template_is_refused_to_a_leader_and_made_for_staff(filled, viewer):
    with pytest.raises(ReportRefused) as refused:
        generate(filled, viewer("licheng.leader"), "special_groups", XTW, [LAST], "xlsx")
    assert "社区矫正对象" in refused.value.reason_zh
    body, _ = generate(filled, viewer("xitianwei.staff"), "special_groups", XTW, [LAST], "xlsx")
    assert body[:2] == b"PK"


def test_a_department_without_a_grant_reads_nothing(filled, department):
    with pytest.raises(Forbidden):
        generate(filled, department, "dibao_monthly", XTW, [LAST], "xlsx")


def test_a_department_generates_inside_its_grant_with_the_stamp(filled, department):
    grant = dibao_grant(filled)
    body, name = generate(filled, department, "dibao_monthly", XTW, [LAST], "xlsx", grant=grant)
    sheet = load_workbook(io.BytesIO(body)).active
    stamp = sheet["A3"].value
    assert "申请单位：市民政局 张三" in stamp and "申请编号：SQ-2026-0007" in stamp
    assert "下载时间：" in stamp
    codes = [sheet.cell(r, 2).value for r in range(6, sheet.max_row + 1)]
    codes = [c for c in codes if c]
    assert V1 in codes and all(c.startswith("350304100") for c in codes)
    row = next(r for r in range(6, sheet.max_row + 1) if sheet.cell(r, 2).value == V1)
    assert [sheet.cell(row, c).value for c in (4, 5)] == [12, 25]
    csv_body, _ = generate(filled, department, "dibao_monthly", XTW, [LAST], "csv", grant=grant)
    text = csv_body.decode("utf-8-sig")
    assert "# 申请编号：SQ-2026-0007" in text and "# 申请单位：市民政局 张三" in text


def test_a_grant_refuses_units_months_and_tags_outside_it(filled, department):
    grant = dibao_grant(filled)
    for unit in (LICHENG, "350305000000", XIUYU_VILLAGE):
        with pytest.raises(Forbidden):
            generate(filled, department, "dibao_monthly", unit, [LAST], "xlsx", grant=grant)
    with pytest.raises(ReportRefused) as month:
        generate(
            filled,
            department,
            "dibao_monthly",
            XTW,
            [periods.shift(BEFORE, -1)],
            "xlsx",
            grant=grant,
        )
    assert "不在批准的调阅范围内" in month.value.reason_zh
    # A template reading a tag the grant does not hold (常住人口信息表 reads 人口 tags).
    with pytest.raises(ReportRefused) as tags:
        generate(filled, department, "population_resident", XTW, [LAST], "xlsx", grant=grant)
    assert "户籍人口" in tags.value.reason_zh
    fewer = dibao_grant(filled, tags=frozenset({"MZ002", "MZ003"}))
    with pytest.raises(ReportRefused):
        generate(filled, department, "dibao_monthly", XTW, [LAST], "xlsx", grant=fewer)
    expired = dibao_grant(filled, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(ReportRefused) as late:
        generate(filled, department, "dibao_monthly", XTW, [LAST], "xlsx", grant=expired)
    assert "已过有效期" in late.value.reason_zh


def test_a_grant_on_a_village_reads_that_village_only(filled, department):
    grant = dibao_grant(filled, units=(V1,))
    with pytest.raises(Forbidden):
        generate(filled, department, "dibao_monthly", XTW, [LAST], "xlsx", grant=grant)
    report = report_for(filled, department, "dibao_monthly", V1, [LAST], grant=grant)
    assert [(r.code, r.values[0]) for r in report.rows] == [(V1, 12)]
