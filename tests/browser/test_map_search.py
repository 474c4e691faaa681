"""Search as a person uses it: "xtw" flies to 西天尾镇 and the side panel's figures follow the
focus; a key point found by name opens its village with the point marked; the view on
screen exports as PNG and PDF with its title and the viewer's unit."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from modules.flood.models import FloodKeyPoint
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import MAP_JS, breadcrumb, rendered, wait_for
from tests.modules.flood.conftest import seed

pytestmark = pytest.mark.browser

HIGHLIGHT_JS = (
    MAP_JS
    + """
    if (!g || !g.data) return null;
    const t = g.data.find(t => t.meta && t.meta.highlight);
    return t ? [t.lon[0], t.lat[0]] : null;
"""
)


@pytest.fixture(scope="module")
def search_app(request):
    holder = {}

    def keep(app):
        holder["sessions"] = app.server.extensions["onemap"].sessions

    with (
        database_for(request, "map-search", seed) as url,
        serving(url, on_app=keep, live_seconds=0) as base,
    ):
        yield base, holder["sessions"]


def search(page, text: str) -> list:
    box = page.find_element(By.ID, "map-search")
    box.clear()
    box.send_keys(text)
    return wait_for(
        lambda: page.find_elements(By.CSS_SELECTOR, "#map-search-list .search-hit"),
        message=f"hits for {text}",
    )


def panel_total(page) -> str:
    return page.find_element(By.ID, "map-panels").text


def test_xtw_flies_to_xitianwei_and_the_panel_follows(browser, search_app):
    base, _ = search_app
    page = browser
    log_in(page, base, "city.leader")
    page.get(base + "/")
    wait_for(lambda: len(rendered(page, "county")) == 5, message="the city drawn")
    wait_for(lambda: "莆田市 1019 个重点部位" in panel_total(page), message="the city's figures")
    hits = search(page, "xtw")
    assert hits[0].text.split("\n")[0] == "西天尾镇"
    hits[0].click()
    wait_for(lambda: breadcrumb(page) == "莆田市 › 荔城区 › 西天尾镇", message="西天尾镇")
    wait_for(lambda: len(rendered(page, "village")) == 17, message="its villages drawn")
    wait_for(lambda: "西天尾镇 46 个重点部位" in panel_total(page), message="the town's figures")
    assert "1019" not in panel_total(page)
    assert "西天尾镇 38/46" in panel_total(page)
    assert "unit=350304100000" in page.current_url


def test_a_key_point_found_by_name_is_marked_in_its_village(browser, search_app):
    base, sessions = search_app
    with sessions() as session:
        point = session.scalars(
            select(FloodKeyPoint)
            .where(FloodKeyPoint.village_code.like("350304100%"))
            .order_by(FloodKeyPoint.id)
        ).first()
        name, village, lon, lat = point.name, point.village_code, point.lon, point.lat
    page = browser
    log_in(page, base, "xtw.staff")
    page.get(base + "/")
    wait_for(lambda: len(rendered(page, "village")) == 17, message="the town drawn")
    hit = next(h for h in search(page, name) if "search-hit-site" in h.get_attribute("class"))
    hit.click()
    marked = wait_for(lambda: page.execute_script(HIGHLIGHT_JS), message="the point marked")
    assert abs(marked[0] - lon) < 1e-6 and abs(marked[1] - lat) < 1e-6
    assert village in page.current_url  # the village selected inside its town


def test_the_view_exports_as_png_and_pdf(browser, search_app):
    base, _ = search_app
    page = browser
    page.set_script_timeout(60)
    log_in(page, base, "xtw.staff")
    page.get(base + "/")
    wait_for(lambda: len(rendered(page, "village")) == 17, message="the town drawn")
    png = page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        window.onemapExport.viewPng().then(async (blob) => {
          const head = new Uint8Array(await blob.slice(0, 24).arrayBuffer());
          const view = new DataView(head.buffer);
          done({type: blob.type, size: blob.size, magic: Array.from(head.slice(1, 4)),
                width: view.getUint32(16), height: view.getUint32(20)});
        }).catch((e) => done({error: String(e)}));
        """
    )
    assert png["type"] == "image/png" and bytes(png["magic"]) == b"PNG"
    assert (png["width"], png["height"]) == (2246, 1588) and png["size"] > 50_000
    # What the PNG is drawn from, and the PDF, for the view on screen.
    answers = page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const get = (kind) => fetch(window.onemapExport.viewUrl(kind)).then(async (r) =>
          [r.status, r.headers.get('content-type'), kind === 'svg' ? await r.text() : '']);
        Promise.all([get('svg'), get('pdf')]).then(done);
        """
    )
    (svg_status, _, svg), (pdf_status, pdf_type, _) = answers
    assert svg_status == 200 and "西天尾镇 · 一张图" in svg and "（西天尾镇）" in svg
    assert pdf_status == 200 and pdf_type == "application/pdf"
    page.find_element(By.ID, "map-export-png").click()
    wait_for(
        lambda: page.find_element(By.ID, "map-export-status").text == "图片已生成。",
        message="the PNG saved",
    )
