"""Unit names drawn with the app's own glyphs over the offline basemap, in headless Chromium
whose every request outside the app fails (a dead proxy for all but loopback, and no name
resolves): a page of plotly's scattermap kind using `app.basemap.style`.

The page is this test's own (a plain HTML page and script served by the live app, so the
session cookie, the CSP and assets/basemap.js apply as on the map page).
"""

from __future__ import annotations

import json

import pytest
from flask import Response, jsonify, request

from access import scoped
from app import basemap, labels
from app.auth import current_viewer
from app.context import current
from app.map_figure import fit_view, layer_url
from app.plotly_bundle import DASH_PATH
from layers.display import cache_token
from layers.load import boundaries_stamp
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import CHROMIUM_FLAGS, _find, log_in
from tests.browser.test_drilldown import wait_for
from tests.support import require_or_skip

pytestmark = pytest.mark.browser

CITY, XTW = "350300000000", "350304100000"
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>labels</title>
</head><body style="margin:0"><div id="map" style="width:900px;height:760px"></div>
<script src="{plotly}"></script><script src="/assets/basemap.js"></script>
<script src="/labels-test/page.js"></script></body></html>"""
# Draws the figure /labels-test/figure.json gives for a unit; window.show(code) redraws.
PAGE_JS = """
window.shown = null;
window.show = function (code, basemap) {
  window.shown = null;
  const query = 'focus=' + code + '&basemap=' + (basemap || '');
  return fetch('/labels-test/figure.json?' + query).then(r => r.json()).then(fig =>
    Plotly.react('map', fig.data, fig.layout, {displayModeBar: false})).then(() => {
      window.shown = code + (basemap || ''); });
};
window.show('350300000000');
"""
MAP = """const g = document.getElementById('map');
const m = g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot.map;"""
# The names MapLibre has laid out and drawn on screen, once the map is idle.
LABELS_JS = (
    MAP
    + """
if (window.shown !== arguments[0] || !m || !m.loaded() || !m.areTilesLoaded()) return null;
// plotly's own outline layer is there: the view changed without breaking what plotly adds.
if (!m.getStyle().layers.some(l => l.id.startsWith('plotly-layout-layer-'))) return null;
const ids = m.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id);
return m.queryRenderedFeatures({layers: ids}).map(f => f.properties.label);
"""
)
LAND_AT_JS = (
    MAP
    + """
const p = m.project([arguments[0], arguments[1]]);
return m.queryRenderedFeatures([p.x, p.y], {layers: ['onemap-offline-land']}).length;
"""
)


def _figure():
    """The map of one unit as the map page draws it, with this basemap's style."""
    viewer = current_viewer()
    settings = current().settings
    with current().sessions() as session:
        focus = scoped.profile(session, viewer, request.args["focus"])
        children = scoped.children(session, viewer, focus["code"])
        token = cache_token(boundaries_stamp(session), viewer.scopes)
    sources = labels.sources_for(focus, children, token=token)
    chosen = request.args.get("basemap") or None
    level = children[0]["level"] if children else focus["level"]
    centre, zoom = fit_view(focus["bbox"])
    trace = {
        "type": "choroplethmap",
        "geojson": layer_url(level, focus["code"], token=token),
        "featureidkey": "properties.code",
        "locations": [c["code"] for c in children],
        "z": list(range(len(children))),
        "marker": {"opacity": 0.5},
        "showscale": False,
    }
    # An outline drawn by plotly itself (as the map page's are): it must survive each view.
    outline = {
        "sourcetype": "geojson",
        "source": layer_url("county", None, lines=True, token=token),
        "type": "line",
        "color": "#222222",
        "line": {"width": 2},
    }
    layout = {
        "map": {
            "style": basemap.style(settings),
            "center": centre,
            "zoom": zoom,
            "layers": [outline],
        },
        "meta": {basemap.META_KEY: basemap.view(settings, sources, chosen)},
        "margin": dict.fromkeys("lrtb", 0),
    }
    return jsonify({"data": [trace], "layout": layout})


def _add_test_page(app) -> None:
    server = app.server
    server.add_url_rule("/labels-test", "labels_test", lambda: PAGE.format(plotly=DASH_PATH))
    server.add_url_rule(
        "/labels-test/page.js",
        "labels_test_js",
        lambda: Response(PAGE_JS, mimetype="application/javascript"),
    )
    server.add_url_rule("/labels-test/figure.json", "labels_test_figure", _figure)

    @server.after_request
    def remember(response):
        ANSWERED.append((request.path, response.status_code))
        return response


ANSWERED: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def labels_url(request):
    with database_for(request, "labels") as database:
        with serving(database, on_app=_add_test_page) as url:
            yield url


@pytest.fixture(scope="module")
def sealed():
    """A Chromium of its own that can reach nothing but this machine's loopback."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        require_or_skip(f"selenium is not installed: {error}")
    binary = _find("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver", "/usr/bin/chromedriver")
    if not binary or not driver_path:
        require_or_skip("headless Chromium not found (Debian packages chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # Loopback bypasses a proxy implicitly: everything else goes to a port nobody serves.
    options.add_argument("--proxy-server=http://127.0.0.1:9")
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def requested_urls(browser) -> list[str]:
    """Every URL the page asked for since the last call (DevTools' network log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def glyph_ranges(names: list[str]) -> set[str]:
    return {f"{ord(c) // 256 * 256}-{ord(c) // 256 * 256 + 255}" for n in names for c in n}


def drawn(browser, shown: str) -> list[str]:
    return sorted(set(wait_for(lambda: browser.execute_script(LABELS_JS, shown), 45, shown)))


def test_names_draw_from_the_apps_glyphs_with_the_outside_unreachable(sealed, labels_url):
    browser = sealed
    log_in(browser, labels_url, "city.leader")
    ANSWERED.clear()
    browser.get_log("performance")
    browser.get(labels_url + "/labels-test")
    counties = drawn(browser, CITY)
    assert counties == ["仙游县", "城厢区", "涵江区", "秀屿区", "荔城区"]
    # The offline basemap lies under them: land inland, sea in 兴化湾 and off 南日岛.
    assert browser.execute_script(LAND_AT_JS, 119.0, 25.45) >= 1
    assert browser.execute_script(LAND_AT_JS, 119.5, 25.3) == 0

    browser.execute_script("window.show(arguments[0]);", XTW)
    villages = drawn(browser, XTW)
    assert len(villages) >= 12, villages  # 17 villages; a few may yield to collisions
    assert all(name.endswith(("村", "社区")) for name in villages), villages
    assert not set(villages) & set(counties)  # the county names went with the city view

    # Another basemap is a figure's choice too: the land goes, the names stay.
    browser.execute_script("window.show(arguments[0], 'blank');", XTW)
    assert drawn(browser, XTW + "blank") == villages
    assert browser.execute_script(LAND_AT_JS, 119.03, 25.50) == 0

    answered = dict(ANSWERED)
    glyphs_asked = {p.rsplit("/", 1)[1].removesuffix(".pbf") for p in answered if "/glyphs/" in p}
    assert glyph_ranges(counties + villages) <= glyphs_asked
    assert all(status == 200 for path, status in ANSWERED if "/glyphs/" in path)
    assert any(p == "/api/v1/labels/village.geojson" for p in answered)
    # MapLibre says so when it falls back to a local font, or when the map fails.
    said = [e["message"] for e in browser.get_log("browser")]
    assert [m for m in said if "glyph" in m or "rror" in m] == []
    outside = [
        u for u in requested_urls(browser) if not u.startswith((labels_url, "data:", "blob:"))
    ]
    assert outside == []


# The main map page's MapLibre instance (its graph sits inside #map).
PAGE_LABELS_JS = """
const g = document.querySelector('#map .js-plotly-plot');
const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot.map;
if (!m || !m.loaded() || !m.areTilesLoaded()) return null;
const ids = m.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id);
const names = m.queryRenderedFeatures({layers: ids}).map(f => f.properties.label);
return names.length ? names : null;
"""


def test_the_map_page_names_the_counties_on_the_offline_basemap_with_nothing_outside(
    sealed, labels_url
):
    """The real map page, as the city leader opens it: county names from the app's glyphs
    over the offline basemap, and no request outside the app."""
    browser = sealed
    browser.delete_all_cookies()  # the browser is the module's: start logged out
    log_in(browser, labels_url, "city.leader")
    browser.get_log("performance")
    browser.get(labels_url + "/")
    names = sorted(set(wait_for(lambda: browser.execute_script(PAGE_LABELS_JS), 60, "names")))
    assert names == ["仙游县", "城厢区", "涵江区", "秀屿区", "荔城区"]
    outside = [
        u for u in requested_urls(browser) if not u.startswith((labels_url, "data:", "blob:"))
    ]
    assert outside == []
