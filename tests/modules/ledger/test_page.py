"""The page 一张表 through Dash's own door (POST /_dash-update-component, as the browser and
a forger alike would): the sheet of the viewer's units, editable only for staff, every edit
checked on the server, a refused cell put back, a cell's history on demand."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from modules.ledger import periods
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES

GRID = "ledger-grid"
THIS = periods.label(periods.of_date(datetime.now(UTC).date()))
V1, V2, V3 = XTW_VILLAGES


def render(client, level="village", within=XTW, month=THIS, search="", domain=""):
    response = call_callback(
        client,
        [(GRID, "columnDefs"), (GRID, "rowData"), ("ledger-message", "children")],
        inputs=[
            ("ledger-month", "value", month),
            ("ledger-level", "value", level),
            ("ledger-within", "value", within),
            ("ledger-domain", "value", domain),
            ("ledger-search", "value", search),
            ("ledger-refresh", "data", 0),
        ],
    )
    found = response_json(response)["response"]
    return found[GRID]["columnDefs"], found[GRID]["rowData"], str(found["ledger-message"])


def edit(app, client, unit, tag, value, old=None, month=THIS):
    # As dash-ag-grid 35 sends it: `value` (its docs say newValue; the code sends value).
    change = {"rowId": unit, "colId": tag, "oldValue": old, "value": value, "data": {}}
    response = call_callback(
        client,
        [("ledger-message", "children"), (GRID, "rowTransaction")],
        inputs=[(GRID, "cellValueChanged", [change])],
        state=[("ledger-month", "value", month)],
        output_key=next(k for k in app.callback_map if k.startswith("..ledger-message.children@")),
    )
    return response_json(response)["response"]


def leaves(columns):
    for column in columns:
        yield from leaves(column["children"]) if "children" in column else [column]


def test_staff_see_their_towns_villages_with_tags_grouped_by_domain(client_as):
    columns, rows, message = render(client_as("xitianwei.staff"))
    assert rows and all(r["code"].startswith("350304100") for r in rows)
    assert columns[0]["pinned"] == "left" and columns[0]["field"] == "name"
    groups = [c["headerName"] for c in columns if "children" in c]
    assert groups[:3] == ["人口", "民政", "卫健"] and len(groups) >= 10
    editable = [c for c in leaves(columns) if c.get("editable")]
    assert len(editable) >= 120 and rows[0]["source"] == "演示" and "演示" in message


def test_a_leader_reads_the_same_sheet_and_cannot_edit_it(client_as):
    columns, rows, _ = render(client_as("licheng.leader"))
    assert rows and not any(c.get("editable") for c in leaves(columns))
    # 个人敏感 figures are not shown to a leader.
    assert "MZ013" not in {c.get("field") for c in leaves(columns)}


def test_the_towns_sheet_shows_villages_figures_rolled_up(client_as):
    client = client_as("xitianwei.staff")
    columns, rows, _ = render(client, level="town")
    assert [r["code"] for r in rows] == [XTW]
    population = next(c for c in leaves(columns) if c["field"] == "RK001")
    assert population["headerName"].endswith("·村汇总") and not population["editable"]
    _, villages, _ = render(client)
    assert rows[0]["RK001"] == sum(r["RK001"] for r in villages)


def test_tags_are_searchable_by_name_or_code(client_as):
    columns, _, _ = render(client_as("xitianwei.staff"), search="老人")
    assert {c["field"] for c in leaves(columns)} - {"name", "state", "source"} == {
        "RK008",
        "RK009",
        "MZ001",
        "MZ013",
        "WJ004",
    }


@pytest.mark.parametrize("within", ["350305101000", "350305000000", "abc", 12, ["x"]])
def test_a_forged_unit_gets_nothing_from_outside_the_scope(client_as, within):
    columns, rows, message = render(client_as("xitianwei.staff"), within=within)
    assert rows == [] and columns == [] and "不在您的辖区内" in message


def test_an_edit_is_checked_on_the_server_and_a_refused_cell_keeps_its_value(ledger_app, client_as):
    client = client_as("xitianwei.staff")
    _, rows, _ = render(client)
    row = next(r for r in rows if r["code"] == V2)
    too_many = row["RK002"] + 10
    answer = edit(ledger_app, client, V2, "RK008", too_many, old=row["RK008"])
    assert f"60岁以上老人 {too_many:,} 大于 常住人口 {row['RK002']:,}" in str(answer)
    assert answer[GRID]["rowTransaction"]["update"][0]["RK008"] == row["RK008"]
    answer = edit(ledger_app, client, V2, "RK008", row["RK008"] - 1, old=row["RK008"])
    assert "已保存" in str(answer)
    assert answer[GRID]["rowTransaction"]["update"][0]["RK008"] == row["RK008"] - 1
    _, again, _ = render(client)
    assert next(r for r in again if r["code"] == V2)["RK008"] == row["RK008"] - 1


@pytest.mark.parametrize(
    ("login", "unit"),
    [("xiuyu.staff", V1), ("xitianwei.staff", XIUYU_VILLAGE), ("licheng.leader", V1)],
)
def test_a_forged_edit_from_outside_changes_nothing(ledger_app, client_as, login, unit):
    answer = edit(ledger_app, client_as(login), unit, "MZ011", 77)
    assert "未保存" in str(answer)
    for who in ("xitianwei.staff", "xiuyu.staff"):
        for _, rows, _ in [render(client_as(who), within=unit[:9] + "000")]:
            assert all(r.get("MZ011") != 77 for r in rows)


def test_a_cells_history_shows_who_changed_it_and_only_to_its_scope(ledger_app, client_as):
    client = client_as("xitianwei.staff")
    _, rows, _ = render(client)
    before = next(r for r in rows if r["code"] == V3)["MZ011"]
    edit(ledger_app, client, V3, "MZ011", before + 5, old=before)
    clicked = {"rowId": V3, "colId": "MZ011", "value": before + 5, "rowIndex": 2}

    def history(who):
        response = call_callback(
            who, [("ledger-history", "children")], inputs=[(GRID, "cellClicked", clicked)]
        )
        return str(response_json(response)["response"]["ledger-history"]["children"])

    shown = history(client)
    # The value replaced was the demo's: labelled 演示.
    assert "xitianwei.staff" in shown and f"{before}（演示） → {before + 5}" in shown
    assert "表格" in shown and "还没有修改记录" in history(client_as("xiuyu.staff"))
    edit(ledger_app, client, V3, "MZ011", before + 6, old=before + 5)
    again = history(client)
    assert f"{before + 5} → {before + 6}" in again and f"{before + 5}（演示）" not in again


def upload(client, data: bytes, name="sheet.csv", month=THIS):
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    response = call_callback(
        client,
        [("ledger-report", "children"), ("ledger-refresh", "data")],
        inputs=[("ledger-upload", "contents", contents)],
        state=[
            ("ledger-upload", "filename", name),
            ("ledger-month", "value", month),
            ("ledger-refresh", "data", 3),
        ],
    )
    return response_json(response)["response"]


def test_a_sheet_file_is_imported_from_the_page_and_refreshes_the_grid(client_as):
    client = client_as("xitianwei.staff")
    body = f"单位代码,本月临时救助人次（人次）\n{V1},11\n".encode()
    answer = upload(client, body)
    assert "已导入：修改 1 个数" in str(answer) and answer["ledger-refresh"]["data"] == 4
    bad = upload(client, f"单位代码,户籍人口（人）\n{V1},很多\n".encode())
    assert "第 2 行（户籍人口（人））：「户籍人口」应填整数，收到「很多」" in str(bad)
    assert "ledger-refresh" not in bad  # the grid is not redrawn: nothing changed


@pytest.mark.parametrize("login", ["licheng.leader", "xiuyu.staff"])
def test_a_forged_upload_from_outside_changes_nothing(client_as, login):
    answer = upload(client_as(login), f"单位代码,本月临时救助人次（人次）\n{V1},12\n".encode())
    assert "未导入" in str(answer)
    _, rows, _ = render(client_as("xitianwei.staff"))
    assert next(r for r in rows if r["code"] == V1)["MZ011"] != 12


def test_the_export_links_follow_the_controls(client_as):
    response = call_callback(
        client_as("xitianwei.staff"),
        [("ledger-export-xlsx", "href"), ("ledger-export-csv", "href")],
        inputs=[
            ("ledger-month", "value", THIS),
            ("ledger-level", "value", "village"),
            ("ledger-within", "value", XTW),
        ],
    )
    links = response_json(response)["response"]
    assert links["ledger-export-xlsx"]["href"] == (
        f"/api/v1/ledger/sheet.xlsx?period={THIS}&level=village&within={XTW}"
    )
