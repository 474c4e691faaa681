"""Every export of key points imports back unchanged (CSV, XLSX, GeoJSON; whole or masked
phones), and text that a spreadsheet would run as a formula is written inert and still
reads back as it was stored."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tests.modules.flood.helpers import inside, run, state, to_csv

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@x"]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "geojson"])
@pytest.mark.parametrize("exporter", ["xtw.staff", "xtw.admin"])  # whole phones, masked ones
def test_an_export_imports_back_unchanged(flood_app, client_as, sessions, kind, exporter):
    response = client_as(exporter).get(f"/api/v1/flood/points.{kind}")
    assert response.status_code == 200
    before = state(flood_app)
    result = run(sessions, "xtw.admin", response.data, f"key-points.{kind}")
    assert result.ok, result.text()
    assert (result.added, result.updated) == (0, 0) and result.unchanged == result.rows >= 46
    assert result.summary_zh().startswith("已导入过")
    if exporter == "xtw.admin":  # an admin sees masked phones: each kept as stored
        assert f"{result.rows} 个打码的联系电话" in result.note_zh
    else:
        assert result.note == ""  # the export's own extra columns are known, not "ignored"
    assert state(flood_app) == before


def formula_points(sessions) -> None:
    a = inside(sessions, "350304100208")
    rows = [[name, "危房", "黄", "=1+1", "", "7", *a] for name in FORMULAS]
    result = run(sessions, "xtw.admin", to_csv(rows))
    assert result.ok, result.text()


def test_formulas_are_written_inert_and_read_back_as_stored(flood_app, client_as, sessions):
    formula_points(sessions)
    client = client_as("xtw.staff")
    exported = client.get("/api/v1/flood/points.csv").data
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    names = {row[1] for row in rows}
    assert {"'" + name for name in FORMULAS} <= names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    workbook = client.get("/api/v1/flood/points.xlsx").data
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        assert b"<f>" not in archive.read(sheet)  # no cell holds a formula
    cells = [c for row in load_workbook(io.BytesIO(workbook)).active.iter_rows() for c in row]
    assert {"'" + name for name in FORMULAS} <= {c.value for c in cells}
    assert all(c.data_type != "f" for c in cells)
    for data, filename in [(exported, "k.csv"), (workbook, "k.xlsx")]:
        before = state(flood_app)
        result = run(sessions, "xtw.admin", data, filename)
        assert result.ok and (result.added, result.updated) == (0, 0), result.text()
        assert state(flood_app) == before
