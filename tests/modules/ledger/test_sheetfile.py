"""The XLSX and CSV round trip of the sheet a clerk sees: exported with names and units of
measure, imported back unchanged as nothing to save, an offline edit saved with its
history (channel import), and the routes scoped like every other."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from modules.ledger import periods
from tests.accounts_fixture import csrf_header
from tests.modules.ledger.helpers import XTW

THIS = periods.label(periods.of_date(datetime.now(UTC).date()))


def download(client, kind="xlsx", **query):
    query = {"period": THIS, "level": "village", "within": XTW, **query}
    return client.get(f"/api/v1/ledger/sheet.{kind}", query_string=query)


def upload(client, data: bytes, name: str, period=THIS):
    return client.post(
        f"/api/v1/ledger/sheet?period={period}",
        data={"file": (io.BytesIO(data), name)},
        headers=csrf_header(client),
        content_type="multipart/form-data",
    )


def test_the_sheet_goes_out_and_comes_back_unchanged_then_edited(client_as):
    staff = client_as("xitianwei.staff")
    response = download(staff)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert sheet.title == periods.label_zh(periods.parse(THIS))
    assert header[:4] == ["单位代码", "单位", "期间", "数据"] and "户籍人口（人）" in header
    assert sheet.cell(2, 4).value == "演示" and sheet.max_row > 10
    same = upload(staff, response.data, "sheet.xlsx")
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["accepted"] == 0 and same.get_json()["unchanged"] > 1000
    column = header.index("本月临时救助人次（人次）") + 1
    sheet.cell(2, column).value = 9
    edited = io.BytesIO()
    book.save(edited)
    saved = upload(staff, edited.getvalue(), "sheet.xlsx").get_json()
    assert saved["accepted"] == 1
    history = staff.get(
        "/api/v1/ledger/values",
        query_string={"tags": "MZ011", "units": sheet.cell(2, 1).value, "periods": THIS},
    ).get_json()["values"]
    assert history[0]["value"] == 9


def test_the_csv_round_trip_keeps_every_value(client_as):
    staff = client_as("xitianwei.staff")
    response = download(staff, "csv", level="town", within="")
    assert response.data.startswith("\ufeff单位代码".encode())
    again = upload(staff, response.data, "sheet.csv")
    assert again.status_code == 200 and again.get_json()["accepted"] == 0


def test_a_bad_file_is_refused_whole_with_every_bad_cell(client_as):
    staff = client_as("xitianwei.staff")
    response = download(staff)
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("本月临时救助人次（人次）") + 1).value = 5
    sheet.cell(3, header.index("户籍人口（人）") + 1).value = "很多"
    sheet.cell(4, header.index("居家养老服务站") + 1).value = "可能"
    bad = io.BytesIO()
    book.save(bad)
    answer = upload(staff, bad.getvalue(), "sheet.xlsx")
    assert answer.status_code == 400
    errors = answer.get_json()["errors"]
    title = sheet.title
    assert errors == [
        f"工作表「{title}」第 3 行（户籍人口（人））：「户籍人口」应填整数，收到「很多」",
        f"工作表「{title}」第 4 行（居家养老服务站）："
        "「居家养老服务站」只能填 是 或 否，收到「可能」",
    ]
    assert "整份文件都未保存" in answer.get_json()["error_zh"]


def test_the_sheet_files_are_scoped(client_as):
    assert download(client_as("xiuyu.staff")).status_code == 403
    assert download(client_as("xitianwei.staff"), within="350304100999").status_code == 404
    assert download(client_as("xitianwei.staff"), period="明年").status_code == 400
    assert download(client_as("city.coordinator")).status_code == 200  # reads, never writes
    leader = client_as("licheng.leader")
    data = download(leader).data
    refused = upload(leader, data, "sheet.xlsx")
    # A leader reads the sheet; importing it back changes nothing, every row refused.
    assert refused.status_code == 400 and "领导账号只能查看" in refused.get_json()["errors"][0]
    foreign = upload(client_as("xiuyu.staff"), data, "sheet.xlsx")
    assert foreign.status_code == 400 and "不在您的辖区内" in foreign.get_json()["errors"][0]
