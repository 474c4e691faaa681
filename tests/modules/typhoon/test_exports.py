"""Downloads and charts that send nothing anywhere: every exported cell inert (a storm, unit
or key point named like a formula is written as text), and the map's chart without links
out of the server."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from modules.typhoon import export
from modules.typhoon.exposure import Exposure
from tests.accounts_fixture import csrf_header

LEADS = ("=", "+", "-", "@")
NAMES = ('=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1)")


def timeline() -> dict:
    start = datetime(2020, 8, 1, tzinfo=UTC)
    span = {7: [(start, start + timedelta(hours=3))]}

    def unit(key, name, kind, parent=""):
        return Exposure(key, name, kind, dict(span), 12.5, start, parent)

    return {
        "350305101000": unit("350305101000", NAMES[0], "town", "350305000000"),
        "350305101001": unit("350305101001", NAMES[1], "village", "350305101000"),
        "350305101002": unit("350305101002", NAMES[2], "village", "350305101000"),
        "flood:1": unit("flood:1", NAMES[3], "site", "350305101001"),
    }


STORM = SimpleNamespace(id="9980", name_zh="=1+2", name_en="", source="@source", radii_note="-")


def test_every_csv_cell_is_inert():
    rows = list(csv.reader(io.StringIO(export.to_csv(STORM, timeline()).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(LEADS)]
    for name in NAMES:
        assert "'" + name in cells


def test_every_xlsx_cell_is_inert():
    book = load_workbook(io.BytesIO(export.to_xlsx(STORM, timeline())))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f" or str(c.value or "").startswith(LEADS)]
    values = {c.value for c in cells}
    assert {"'" + name for name in NAMES} <= values and "'=1+2" in values


@pytest.fixture
def formula_storm(client_as):
    """A storm over Putian named like a formula, imported by the city's administrator."""
    admin = client_as("city.admin")
    text = (
        "storm,name_zh,kind,time,lat,lon,r7_ne,r7_se,r7_sw,r7_nw\n"
        "9981,=cmd|' /C calc'!A0,best,2020-08-01T00:00:00Z,25.0,119.5,60,60,60,60\n"
        "9981,=cmd|' /C calc'!A0,best,2020-08-01T03:00:00Z,25.4,119.0,60,60,60,60\n"
    )
    response = admin.post(
        "/api/v1/typhoon/import",
        data={"file": (io.BytesIO(text.encode()), "f.csv"), "format": "csv"},
        headers=csrf_header(admin),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    return "9981"


def test_a_storm_named_like_a_formula_is_exported_as_text(client_as, formula_storm):
    client = client_as("xiuyu.staff")
    xlsx = client.get(f"/api/v1/typhoon/storms/{formula_storm}/exposure.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert "'=cmd|' /C calc'!A0" in {c.value for c in cells}
    assert not [c for c in cells if c.data_type == "f" or str(c.value or "").startswith(LEADS)]
    body = client.get(f"/api/v1/typhoon/storms/{formula_storm}/exposure.csv").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0].startswith("台风 9981") and len(rows) > 3  # villages of 秀屿区 listed
    assert not [cell for row in rows for cell in row if cell.startswith(LEADS)]


def test_the_map_chart_links_nowhere(typhoon_app):
    from modules.typhoon.pages import GRAPH_CONFIG, layout
    from tests.accounts_fixture import viewer_of
    from tests.modules.typhoon.test_imports import find

    core = SimpleNamespace(
        viewer=lambda: viewer_of("xtw.staff"),
        sessions=typhoon_app.server.extensions["onemap"].sessions,
    )
    graphs = find(layout(core), "typhoon-map")
    assert [g.config for g in graphs] == [GRAPH_CONFIG]
    assert GRAPH_CONFIG["displaylogo"] is False
    assert GRAPH_CONFIG["showSendToCloud"] is False
    assert GRAPH_CONFIG["showEditInChartStudio"] is False
