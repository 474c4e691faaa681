"""The first view of the map asks for its layers early and once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SERVED
from tests.browser.test_drilldown import MAP_JS, wait_for

pytestmark = pytest.mark.browser

LOADED_JS = (
    MAP_JS
    + """
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
      && g._fullLayout.map._subplot.map;
    if (!m || !m.loaded() || !g.layout.map.layers) return null;
    const ids = m.getStyle().layers.map(l => l.id).filter(id => id.includes('layout-layer'));
    if (ids.length !== g.layout.map.layers.length) return null;
    if (!ids.every(id => m.isSourceLoaded(m.getLayer(id).source))) return null;
    return g.layout.map.layers.map(l => l.source);
"""
)
PAGE_FETCHED_JS = """
return performance.getEntriesByType('resource')
  .filter(e => e.initiatorType === 'fetch')
  .map(e => { const u = new URL(e.name); return u.pathname + u.search; });
"""


def test_the_first_view_s_layers_arrive_packed_and_each_reaches_the_server_once(leader, live_url):
    """Every layer of the first view (the counties' fill and the three outline levels) is
    fetched by the page in its packed form (app/topo.py) as soon as the figure arrives,
    once each, and drawn from the GeoJSON decoded in the page: no GeoJSON layer URL reaches
    the server, and MapLibre's worker asks for nothing."""
    browser = leader
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    SERVED.clear()
    browser.get(live_url + "/?layers=city,county,town,village")
    outlines = wait_for(lambda: browser.execute_script(LOADED_JS), message="outlines loaded")
    # Decoded in the page and handed to MapLibre as blob: URLs (a string in the figure, which
    # dcc.Graph copies for nothing; an object it deep-copies on every update).
    assert len(outlines) == 3 and all(o.startswith("blob:") for o in outlines), outlines
    browser.set_script_timeout(30)
    decoded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all(arguments[0].map(u => fetch(u).then(r => r.json()))).then(done);",
        outlines,
    )
    assert all(o["type"] == "FeatureCollection" and o["features"] for o in decoded)
    layers = [p for p in SERVED if p.startswith("/api/v1/layers/")]
    assert not [p for p in layers if ".geojson" in p], layers
    assert len(layers) == 4 and len(set(layers)) == 4, layers
    assert all("&v=" in p or "?v=" in p for p in layers), layers
    fetched_by_page = browser.execute_script(PAGE_FETCHED_JS)
    assert all(p in fetched_by_page for p in layers), (layers, fetched_by_page)
