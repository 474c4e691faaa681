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


def test_outline_layers_are_fetched_with_the_figure_and_reach_the_server_once(leader, live_url):
    """MapLibre's worker asks for the outline layers only once the map exists and its fill
    sources are done. The page asks for them as soon as the figure arrives (while plotly.js
    still compiles); the worker then finds them in the HTTP cache, so the server sees each
    URL once, and the page (not the worker, whose requests Resource Timing does not list)
    is the one that asked."""
    browser = leader
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    SERVED.clear()
    browser.get(live_url + "/?layers=city,county,town,village")
    outlines = wait_for(lambda: browser.execute_script(LOADED_JS), message="outlines loaded")
    assert len(outlines) == 3 and all("&v=" in url or "?v=" in url for url in outlines)
    fetched_by_page = browser.execute_script(PAGE_FETCHED_JS)
    for url in outlines:
        assert SERVED.count(url) == 1, (url, [p for p in SERVED if "geojson" in p])
        assert url in fetched_by_page, (url, fetched_by_page)
