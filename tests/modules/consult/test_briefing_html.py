"""The briefing's offline HTML map: built from the snapshot document only, it carries
Leaflet itself and asks nothing of any server; opened from a file in headless Chromium with
the network cut off, it draws the outlines, wind circles, tracks and stations, and text
from the document (a <script> in a village name) shows as text and never runs."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from modules.consult.briefing import briefing_html
from modules.consult.briefing.assets import leaflet_css, leaflet_js
from tests.browser.conftest import CHROMIUM_FLAGS
from tests.modules.consult.briefing_fixture import (
    IMG_TEXT,
    SCRIPT_NAME,
    TEMPLATE_NAME,
    snapshot_document,
)
from tests.support import require_or_skip

TOWNS = 57  # the shipped outlines of 莆田市


@pytest.fixture(scope="module")
def page_source() -> str:
    return briefing_html(snapshot_document()).decode("utf-8")


def test_the_page_carries_leaflet_and_links_to_nothing(page_source):
    assert "L.map(" in page_source and "window.L=" in page_source.replace(" ", "")
    assert not re.search(r"<script[^>]+src=", page_source)
    assert "<link" not in page_source
    assert "L.tileLayer(" not in page_source  # no basemap at all
    for url in re.findall(r"url\(([^)]*)\)", page_source):
        assert url.strip("'\"").startswith(("data:", "#")), url
    # Beside Leaflet's own code, the one address is text: the document's formula-like
    # village name (escaped). No CDN (folium's jQuery, Bootstrap, Font Awesome...).
    rest = page_source.replace(leaflet_js(), "").replace(leaflet_css(), "")
    assert set(re.findall(r"https?://[\w./-]+", rest)) == {"http://example.com/"}
    assert "default-src 'none'" in page_source  # the page's own CSP forbids any request
    assert '<html lang="zh-CN">' in page_source


def test_text_from_the_document_is_escaped_in_the_page(page_source):
    for hostile in (SCRIPT_NAME, TEMPLATE_NAME, IMG_TEXT):
        assert hostile not in page_source
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;东沙村" in page_source
    assert "<title>【演练】第2期防汛防台会商简报</title>" in page_source


def test_a_document_without_view_or_outlines_still_renders():
    doc = snapshot_document(number=1, drill=False)
    doc["view"] = None
    doc["outlines"] = {"type": "FeatureCollection", "features": []}
    doc["items"][0]["features"].append(
        {"type": "Feature", "properties": {"name": "坏"}, "geometry": {"type": "Point"}}
    )
    page = briefing_html(doc).decode("utf-8")
    assert "fitBounds" in page  # framed on the features
    assert "首期简报，无上期可比" in page
    assert "【演练】" not in page


# --- in headless Chromium, offline --------------------------------------------------------


@pytest.fixture(scope="module")
def offline_chrome():
    """A Chromium of its own, with no network: a proxy that does not answer, no host
    resolution and DevTools' offline emulation."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        require_or_skip(f"selenium is not installed: {error}")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        require_or_skip("headless Chromium not found (Debian packages chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in [
        *CHROMIUM_FLAGS,
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--allow-file-access-from-files",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    yield driver
    driver.quit()


def wait_until(check, what: str, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def opened(offline_chrome, page_source, tmp_path_factory):
    path = tmp_path_factory.mktemp("briefing") / "briefing.html"
    path.write_text(page_source, encoding="utf-8")
    offline_chrome.get(path.as_uri())
    wait_until(
        lambda: (
            offline_chrome.execute_script(
                "return document.querySelectorAll('path.briefing-outline').length"
            )
            == TOWNS
        ),
        "the outlines",
    )
    return offline_chrome


def count(page, selector: str) -> int:
    return page.execute_script(f"return document.querySelectorAll({selector!r}).length")


@pytest.mark.browser
def test_the_map_draws_offline_at_the_snapshots_view(opened):
    assert count(opened, ".leaflet-container") == 1
    assert count(opened, "path.briefing-outline") == TOWNS
    assert count(opened, "path.briefing-area") == 2  # 七级 and 十级 wind circles
    assert count(opened, "path.briefing-line") == 2  # track and forecast
    assert count(opened, ".leaflet-marker-pane path.briefing-point") == 4  # centre, stations
    dashed = opened.execute_script(
        "return [...document.querySelectorAll('path.briefing-line')]"
        ".map(p => p.getAttribute('stroke-dasharray'))"
    )
    assert sorted(dashed, key=str) == ["8 6", None]
    # The outlines lie on screen: the view is the snapshot's, not Leaflet's 0,0.
    on_screen = opened.execute_script(
        "const box = document.querySelector('.leaflet-container').getBoundingClientRect();"
        "return [...document.querySelectorAll('path.briefing-outline')].filter(p => {"
        " const r = p.getBoundingClientRect();"
        " return r.width > 0 && r.right > box.left && r.left < box.right"
        "  && r.bottom > box.top && r.top < box.bottom; }).length"
    )
    assert on_screen > TOWNS // 2
    zoom = opened.execute_script(
        "return window[document.querySelector('.folium-map').id].getZoom()"
    )
    assert zoom == pytest.approx(9.2)


@pytest.mark.browser
def test_nothing_left_the_page(opened):
    resources = opened.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert [r for r in resources if not r.startswith(("data:", "file:"))] == []
    errors = [e for e in opened.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # a blocked request (CSP, offline) would be logged here


@pytest.mark.browser
def test_the_panel_shows_the_briefing(opened):
    panel = opened.execute_script("return document.querySelector('.briefing-panel').innerText")
    assert "【演练】第2期防汛防台会商简报" in panel
    assert "态势时刻：2015年09月28日 20:00（北京时间）" in panel
    assert "七级风圈内村居" in panel and "Ⅳ级（四级）应急响应 → Ⅲ级（三级）应急响应" in panel
    assert "新进入七级风圈（20）" in panel
    assert "已确认 2/5" in panel and "更正第2条" in panel


@pytest.mark.browser
def test_hostile_names_show_as_text_and_never_run(opened):
    from selenium.webdriver.common.by import By

    panel = opened.find_element(By.CSS_SELECTOR, ".briefing-panel").text
    assert SCRIPT_NAME in panel
    assert IMG_TEXT in panel
    station = opened.execute_script(
        "const map = window[document.querySelector('.folium-map').id]; let found = null;"
        "map.eachLayer(l => { if (l.feature && l.feature.properties.label"
        "  && l.feature.properties.label.startsWith('&lt;b&gt;')) found = l._path; });"
        "return found;"
    )
    station.click()
    popup = wait_until(
        lambda: opened.execute_script(
            "const p = document.querySelector('.leaflet-popup-content');"
            "return p ? p.innerText : null"
        ),
        "the popup's text",
    )
    assert TEMPLATE_NAME in popup
    assert opened.execute_script("return window.__pwned") is None
