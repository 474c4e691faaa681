"""Generating a report from the table: the XLSX opened with openpyxl holds, cell by cell,
the values saved (each row a village of the town, 合计 the town's roll-up, a ratio computed
from the two saved figures), with the paper form's merges, number formats, frozen header,
header and footer lines; a range sums the 本月… figures; a county's report has a 小计 per
town; the CSV holds the same. Everything is audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from access.audit import AuditEntry
from modules.ledger import periods
from modules.ledger.reports.catalog import seed_reports
from modules.ledger.reports.generate import generate, report_for
from modules.sdk import units
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES, put

V1, V2, V3 = XTW_VILLAGES
LICHENG = "350304000000"
THIS = periods.of_date(datetime.now(UTC).date())
LAST = periods.shift(THIS, -1)
BEFORE = periods.shift(THIS, -2)
# (unit, tag) → saved value, for last month: 低保户数, 低保人数, 特困, 本月临时救助.
SAVED = {
    (V1, "MZ002"): 12,
    (V1, "MZ003"): 25,
    (V1, "MZ004"): 3,
    (V1, "MZ011"): 7,
    (V2, "MZ002"): 8,
    (V2, "MZ003"): 19,
    (V2, "MZ011"): 2,
    (V3, "MZ002"): 5,
    (V3, "MZ003"): 9,
    (V3, "MZ004"): 1,
}


@pytest.fixture
def saved(session, viewer):
    seed_reports(session)
    staff = viewer("xitianwei.staff")
    population = [(v, "RK001", periods.label(BEFORE), "3000") for v in XTW_VILLAGES]
    population += [(v, "RK003", periods.label(BEFORE), "900") for v in XTW_VILLAGES]
    done = put(session, staff, population)
    assert not done.refused, done.refused
    items = [(u, t, periods.label(LAST), str(v)) for (u, t), v in SAVED.items()]
    # 本月临时救助人次 the month before too: a range sums it.
    items += [(V1, "MZ011", periods.label(BEFORE), "4"), (V2, "MZ011", periods.label(BEFORE), "6")]
    done = put(session, staff, items)
    assert not done.refused, done.refused
    return staff


def book_of(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def rows_by_code(sheet, first: int) -> dict[str, list]:
    found = {}
    for row in sheet.iter_rows(min_row=first, values_only=True):
        if row[2] == "合计":
            found["合计"] = list(row)
        elif row[1]:
            found[str(row[1])] = list(row)
    return found


def test_the_dibao_report_holds_the_saved_figures_and_their_totals(session, saved):
    body, name = generate(session, saved, "dibao_monthly", XTW, [LAST], "xlsx")
    assert name == f"dibao_monthly-{XTW}-{periods.label(LAST)}.xlsx"
    sheet = book_of(body)
    assert sheet["A1"].value == "低保对象月报"
    assert "A1:H1" in {str(m) for m in sheet.merged_cells.ranges}  # 3 fixed + 5 columns
    lines = [sheet.cell(2, c).value for c in range(1, 9) if sheet.cell(2, c).value]
    assert lines == [
        "填报单位：西天尾镇",
        f"统计时间：{periods.label_zh(LAST)}",
        "计量单位：户、人、人次",
    ]
    # Two heading rows: 城乡低保 merged over its three columns, the others down both rows.
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert sheet["D3"].value == "城乡低保" and "D3:F3" in merged
    assert [sheet.cell(4, c).value for c in (4, 5, 6)] == [
        "低保户数（户）",
        "低保人数（人）",
        "户均人数",
    ]
    assert sheet["G3"].value == "特困供养人数（人）" and "G3:G4" in merged
    assert sheet["H3"].value == "本月临时救助人次（人次）"
    assert sheet.freeze_panes == "D5"
    rows = rows_by_code(sheet, 5)
    villages = {u.code for u in units(session, saved, "village", within=XTW)}
    assert set(rows) == villages | {"合计"}
    for village in villages:
        expected = [SAVED.get((village, t)) for t in ("MZ002", "MZ003")]
        assert rows[village][3:5] == expected, village
        assert rows[village][6] == SAVED.get((village, "MZ004"))
        assert rows[village][7] == SAVED.get((village, "MZ011"))
        if expected[0]:
            assert rows[village][5] == pytest.approx(expected[1] / expected[0], abs=1e-6)
        else:
            assert rows[village][5] is None
    total = rows["合计"]
    households = sum(v for (_, t), v in SAVED.items() if t == "MZ002")
    people = sum(v for (_, t), v in SAVED.items() if t == "MZ003")
    assert total[3:5] == [households, people]
    assert total[5] == pytest.approx(people / households, abs=1e-6)
    assert total[6] == 4 and total[7] == 9
    assert total[0] is None  # 小计 and 合计 are not numbered
    numbers = [r[0] for code, r in rows.items() if code != "合计"]
    assert sorted(numbers) == list(range(1, len(villages) + 1))
    # Number formats: integers with thousands, the ratio with two decimals; totals bold.
    last_row = max(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 3).value == "合计")
    assert sheet.cell(last_row, 4).number_format == "#,##0"
    assert sheet.cell(last_row, 6).number_format == "0.00"
    assert sheet.cell(last_row, 4).font.bold
    footer = [
        sheet.cell(last_row + 2, c).value for c in range(1, 9) if sheet.cell(last_row + 2, c).value
    ]
    assert footer[0] == "制表人：xitianwei.staff" and footer[1] == "审核人："
    assert footer[2].startswith("日期：2026年")


def test_generation_is_audited(session, saved):
    generate(session, saved, "dibao_monthly", XTW, [LAST], "csv")
    session.flush()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target == "ledger.report.dibao_monthly.csv")
    ).one()
    assert entry.action == "export" and entry.login == "xitianwei.staff"
    assert XTW in entry.detail and periods.label(LAST) in entry.detail


def test_a_range_sums_the_months_events_and_reads_stocks_at_its_end(session, saved):
    report = report_for(session, saved, "dibao_monthly", XTW, [BEFORE, LAST])
    rows = {r.code: r for r in report.rows}
    assert rows[V1].values[4] == 7 + 4 and rows[V2].values[4] == 2 + 6  # 本月临时救助人次
    assert rows[V1].values[0] == 12  # 低保户数 at the range's end
    assert rows[XTW].values[4] == 19
    assert report.lines[1] == f"统计时间：{periods.label_zh(BEFORE)}—{periods.label_zh(LAST)}"


def test_the_csv_holds_the_header_lines_the_table_and_the_footer(session, saved):
    body, name = generate(session, saved, "dibao_monthly", XTW, [LAST], "csv")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["# 低保对象月报"]
    assert rows[1] == ["# 填报单位：西天尾镇"]
    head = rows[4]
    assert head[:5] == [
        "序号",
        "区划代码",
        "单位",
        "城乡低保·低保户数（户）",
        "城乡低保·低保人数（人）",
    ]
    table = {r[1]: r for r in rows[5:] if len(r) > 3 and r[1]}
    assert table[V1][3:5] == ["12", "25"] and table[V2][7] == "2"
    total = next(r for r in rows if len(r) > 2 and r[2] == "合计")
    assert total[3] == str(12 + 8 + 5)
    assert rows[-3][0].startswith("# 制表人：")


def test_a_countys_report_has_a_subtotal_for_each_town(session, saved, viewer):
    leader = viewer("licheng.leader")
    put(
        session,
        saved,
        [(V1, "YJ001", periods.label(LAST), "4"), (V2, "YJ001", periods.label(LAST), "2")],
    )
    report = report_for(session, leader, "flood_duty", LICHENG, [LAST])
    kinds = [r.kind for r in report.rows]
    towns = units(session, leader, "town", within=LICHENG)
    assert kinds.count("subtotal") == len(towns) and kinds[-1] == "total"
    subtotal = next(r for r in report.rows if r.code == XTW)
    assert subtotal.name == "西天尾镇 小计" and subtotal.values[0] == 6
    # The town's villages come right before its 小计.
    at = report.rows.index(subtotal)
    before = report.rows[at - 1]
    assert before.kind == "unit" and before.code.startswith("350304100")
    assert report.rows[-1].values[0] == 6  # nothing else in 荔城区 holds a key point


def test_a_report_by_month_lists_the_months_and_sums_the_events(session, saved):
    put(
        session,
        saved,
        [(XTW, "YJ010", periods.label(BEFORE), "2"), (XTW, "YJ010", periods.label(LAST), "3")],
    )
    report = report_for(session, saved, "emergency_force", XTW, [BEFORE, LAST])
    assert [r.code for r in report.rows] == [periods.label(BEFORE), periods.label(LAST), ""]
    drills = [r.values[2] for r in report.rows]
    assert drills == [2, 3, 5]  # 本月应急演练次数, 合计 their sum
    assert report.rows[-1].values[0] is None  # 抢险救援队伍人数 is a stock: no sum
