"""Exports from the map page: the key-point links of the panel answer with the viewer's points
only, and the view as SVG (the PNG's source) and PDF carries the title, the unit's name, the
legend, a scale bar, a north arrow and the time; outside the scope, nothing (both engines)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from store.models import AuditEntry
from tests.app_fixtures import app_on_engine, client_factory
from tests.modules.flood.conftest import seed
from tests.support import require_or_skip

XITIANWEI = "350304100000"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def export_app(request) -> Iterator:
    with app_on_engine(request, "map-export", prepare=seed) as app:
        yield app


@pytest.fixture
def client_as(export_app):
    return client_factory(export_app)


def panel_links(client) -> list[str]:
    """The export links the map page's panel shows this viewer (its first page)."""
    from tests.modules.test_contract import page

    return sorted(set(re.findall(r"/api/v1/flood/points\.[a-z]+[^\"]*", page(client))))


def test_the_panels_links_answer_with_the_viewers_points_only(client_as):
    staff = client_as("xtw.staff")
    links = panel_links(staff)
    assert [link.split("?")[0].rsplit(".", 1)[1] for link in links] == ["csv", "geojson", "xlsx"]
    for link in links:
        response = staff.get(link)
        assert response.status_code == 200, link
    rows = list(csv.reader(io.StringIO(staff.get(links[0]).get_data(as_text=True))))
    assert len(rows) == 1 + 46
    features = staff.get(links[1]).json["features"]
    assert len(features) == 46
    assert all(f["properties"]["village_code"].startswith("350304100") for f in features)
    assert staff.get(links[2]).data[:2] == b"PK"  # an XLSX is a zip
    # A city leader's link for 西天尾镇, and another town's staff asking for it.
    leader = client_as("city.leader")
    assert len(leader.get(f"/api/v1/flood/points.geojson?unit={XITIANWEI}").json["features"]) == 46
    refused = client_as("xiuyu.staff").get(f"/api/v1/flood/points.csv?unit={XITIANWEI}")
    assert refused.status_code == 403


def test_the_view_as_svg_carries_what_a_map_needs(client_as):
    response = client_as("xtw.staff").get(f"/map/view.svg?unit={XITIANWEI}&layers=town,village")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "西天尾镇 · 一张图" in svg  # the title
    assert "制图：xtw.staff（西天尾镇）" in svg  # the viewer and their unit
    assert re.search(r"时间：\d{4}-\d\d-\d\d \d\d:\d\d（北京时间）", svg)
    assert "图例" in svg and "重点部位" in svg and "红色风险" in svg and "监测站" in svg
    assert "比例尺" in svg and re.search(r">\d+(\.\d+)? k?m<", svg)
    assert ">北<" in svg  # the north arrow
    assert svg.count("<circle") >= 46  # the town's key points, one by one


def test_layers_switched_off_are_left_out_and_the_view_follows_the_bounds(client_as):
    staff = client_as("xtw.staff")
    svg = staff.get(f"/map/view.svg?unit={XITIANWEI}&layers=-flood-key-points").get_data(True)
    assert "红色风险" not in svg and "监测站" in svg
    wide = staff.get(f"/map/view.svg?unit={XITIANWEI}").get_data(True)
    narrow = staff.get(f"/map/view.svg?unit={XITIANWEI}&bbox=119.00,25.50,119.02,25.52")
    assert narrow.status_code == 200
    scale = re.compile(r">(\d+(?:\.\d+)?) (k?m)<")
    wide_m, narrow_m = (
        float(n) * (1000 if unit == "km" else 1)
        for n, unit in (scale.search(wide).groups(), scale.search(narrow.get_data(True)).groups())
    )
    assert narrow_m < wide_m  # zoomed in: a shorter scale bar
    # Bounds that make no sense are ignored, not trusted.
    assert staff.get(f"/map/view.svg?unit={XITIANWEI}&bbox=1,2,nan,4").status_code == 200


def test_the_view_as_pdf_carries_the_title_and_the_units_name(client_as, export_app):
    response = client_as("xtw.staff").get(f"/map/view.pdf?unit={XITIANWEI}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data[:5] == b"%PDF-"
    if not shutil.which("pdftotext"):
        require_or_skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode("utf-8")
    squeezed = "".join(text.split())
    assert "西天尾镇·一张图" in squeezed and "xtw.staff（西天尾镇）" in squeezed
    assert "图例" in squeezed and "比例尺" in squeezed
    with export_app.server.extensions["onemap"].sessions() as session:
        targets = session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "export")
        ).all()
    assert "map.view.pdf" in targets and "map.view.svg" in targets


def test_no_export_outside_the_scope(client_as, export_app):
    xiuyu = client_as("xiuyu.staff")
    for kind in ("svg", "pdf"):
        assert xiuyu.get(f"/map/view.{kind}?unit={XITIANWEI}").status_code == 403
    assert xiuyu.get("/map/view.svg?unit=350304199000").status_code == 404
    own = xiuyu.get("/map/view.svg").get_data(as_text=True)
    assert "秀屿区 · 一张图" in own and "西天尾" not in own
    anonymous = export_app.server.test_client().get(f"/map/view.svg?unit={XITIANWEI}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
