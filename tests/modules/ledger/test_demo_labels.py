"""Demo values are labelled 演示 wherever they are shown: a roll-up made from them (the towns'
sheet, the API and its CSV), a cell's history, completeness (page and API) and the map's
shading by it; and nowhere on a database without demo values. The grid's 数据 column, the
sheet files and the kept values' API flag are tested in test_page, test_sheetfile and
test_api; the consultation's source in test_situation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from modules.ledger import periods
from modules.ledger.bulk import insert_values
from modules.ledger.grid import row_data
from modules.ledger.sheet import build
from tests.app_fixtures import app_on_engine, client_factory
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.conftest import ENGINES, with_catalogue
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES, put

V1, V2, V3 = XTW_VILLAGES
THIS_MONTH = periods.of_date(datetime.now(UTC).date())
THIS, LAST = periods.label(THIS_MONTH), periods.label(periods.shift(THIS_MONTH, -1))
SHADE = "measure:ledger-completeness"


@pytest.fixture(scope="module", params=ENGINES)
def plain_app(request):
    """The app with the catalogue and no demo value (production's case)."""
    with app_on_engine(request, "ledger-plain", with_catalogue) as app:
        yield app


def values(client, **query):
    response = client.get("/api/v1/ledger/values", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["values"]


def shading_title(client, focus="350304000000") -> str:
    response = call_callback(
        client,
        [
            ("map-figure", "data"),
            ("breadcrumb", "children"),
            ("unit-profile", "children"),
            ("unit-children", "children"),
        ],
        inputs=[
            ("map-focus", "data", focus),
            ("map-selected", "data", focus),
            ("layer-toggles", "value", ["village"]),
        ],
        state=[("map-shade", "value", SHADE)],
    )
    figure = response_json(response)["response"]["map-figure"]["data"]
    return figure["data"][0]["colorbar"]["title"]["text"]


def completeness_table(client, within=None) -> str:
    response = call_callback(
        client,
        [("ledger-completeness", "children")],
        inputs=[
            ("ledger-month", "value", LAST),
            ("ledger-refresh", "data", 0),
            ("ledger-level", "value", "village"),
            ("ledger-within", "value", within),
        ],
    )
    return str(response_json(response)["response"]["ledger-completeness"]["children"])


def test_a_roll_up_of_demo_values_is_demo_in_the_api_and_its_csv(client_as):
    leader = client_as("licheng.leader")
    found = values(leader, tags="RK001,MZ011", units="350304,350304100", periods=LAST)
    rolled = [v for v in found if v["rolled_up"]]
    assert rolled and all(v["demo"] is True for v in rolled)
    response = leader.get(
        "/api/v1/ledger/values.csv", query_string={"tags": "RK001", "units": XTW, "periods": LAST}
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][7] == "是" and rows[1][8] == "演示"  # 汇总, 演示


def test_completeness_says_演示_on_the_page_and_in_the_api(client_as):
    leader = client_as("licheng.leader")
    table = completeness_table(leader)
    assert "'children': '数据'" in table and "'children': '演示'" in table
    villages = completeness_table(leader, within=XTW)
    assert "西天尾镇 各村（社区）" in villages and villages.count("'children': '演示'") > 20
    towns = leader.get("/api/v1/ledger/completeness", query_string={"period": LAST, "by": "town"})
    assert towns.get_json()["towns"] and all(t["demo"] for t in towns.get_json()["towns"])
    units = leader.get(
        "/api/v1/ledger/completeness", query_string={"period": LAST, "within": XTW}
    ).get_json()["units"]
    assert units and all(u["demo"] is True for u in units)


def test_the_maps_shading_by_completeness_says_it_holds_demo_values(client_as):
    assert shading_title(client_as("licheng.leader")) == "一张表本月完成率（含演示数据）（%）"


def test_a_demo_cell_without_changes_says_it_is_demo(client_as):
    clicked = {"rowId": V2, "colId": "NY001", "value": 1, "rowIndex": 1}
    response = call_callback(
        client_as("xitianwei.staff"),
        [("ledger-history", "children")],
        inputs=[("ledger-grid", "cellClicked", clicked)],
    )
    shown = str(response_json(response)["response"]["ledger-history"]["children"])
    assert "这一格是演示数据，还没有修改记录" in shown


def test_without_demo_values_nothing_is_labelled(plain_app, viewer):
    client_as = client_factory(plain_app)
    with plain_app.server.extensions["onemap"].sessions() as session, session.begin():
        saved = put(session, viewer("xitianwei.staff"), [(V1, "RK001", "2026-11", "1200")])
    assert not saved.refused, saved.refused
    leader = client_as("licheng.leader")
    found = values(leader, tags="RK001", units=f"{V1},{XTW}", periods="2026-11")
    assert {v["unit"]: v["demo"] for v in found} == {V1: False, XTW: False}
    assert shading_title(leader) == "一张表本月完成率（%）"
    table = completeness_table(leader)
    assert "'children': '演示'" not in table
    towns = leader.get("/api/v1/ledger/completeness", query_string={"by": "town"}).get_json()
    assert not any(t["demo"] for t in towns["towns"])


def test_the_towns_sheet_labels_a_town_whose_villages_figures_are_demo(ledger_db, viewer):
    """A town keeping no demo value of its own still shows 演示 when its roll-ups are."""
    with ledger_db() as session, session.begin():
        row = {"tag_code": "RK001", "period": 202610, "number": 900.0, "value": "900"}
        stamp = {"changed_by": "演示", "changed_at": datetime.now(UTC), "channel": "demo"}
        insert_values(session, [{**row, **stamp, "unit_code": V1, "demo": True}])
        staff = viewer("xitianwei.staff")
        sheet = build(session, staff, 202611, "town")
        assert sheet.demo_units == set() and sheet.demo_shown == {XTW}
        assert [r["source"] for r in row_data(sheet)] == ["演示"]
        village = build(session, staff, 202611, "village", XTW)
        assert {r["code"]: r["source"] for r in row_data(village)}[V1] == "演示"
        assert {r["code"]: r["source"] for r in row_data(village)}[V2] == ""
