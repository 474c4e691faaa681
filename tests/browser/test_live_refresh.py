"""The map redraws the modules' live layers on its own, and the viewer's zoom survives it."""

from __future__ import annotations

import pytest

from app import plotly_bundle
from tests.accounts_fixture import viewer_as
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import MAP_JS, breadcrumb, wait_for
from tests.modules.flood.conftest import seed

pytestmark = pytest.mark.browser

# Every point of every module trace (those the core tagged with meta.layer), and the view.
STATE_JS = (
    MAP_JS
    + """
    if (!g || !g._fullLayout || !g._fullLayout.map) return null;
    const points = g.data.filter(t => t.meta && t.meta.layer)
      .reduce((n, t) => n + ((t.lon && t.lon.length) || 0), 0);
    const m = g._fullLayout.map._subplot.map;
    return {points: points, zoom: m.getZoom(), lon: m.getCenter().lng, lat: m.getCenter().lat};
"""
)


IDLE_JS = "return !document.querySelector('[data-dash-is-loading=\"true\"]');"


@pytest.fixture
def live_app(request):
    holder = {}

    def keep_sessions(app):
        holder["sessions"] = app.server.extensions["onemap"].sessions

    with (
        database_for(request, "live-refresh", seed) as url,
        serving(url, on_app=keep_sessions, live_seconds=2) as base,
    ):
        yield base, holder["sessions"]


def test_live_layers_refresh_without_losing_the_zoom(browser, live_app):
    base, sessions = live_app
    log_in(browser, base, "xtw.staff")
    browser.get(base + "/")
    before = wait_for(
        lambda: (s := browser.execute_script(STATE_JS)) and s["points"] and s, message="points"
    )
    # The person zooms in on a spot of their town: the camera moves as a wheel moves it (an
    # event from the person, which plotly keeps as their own view across redraws; a
    # Plotly.relayout call is the page's own and any redraw of the figure undoes it). A
    # figure of the first load still on its way (a loaded machine) may redraw the view it was
    # drawn for: then they zoom again.
    zoom = (
        "g._fullLayout.map._subplot.map.jumpTo({zoom: 14.5, center: [119.02, 25.52]},"
        " {originalEvent: new WheelEvent('wheel')});"
    )

    def zoomed_in() -> bool:
        browser.execute_script(MAP_JS + zoom)
        try:
            wait_for(lambda: abs(browser.execute_script(STATE_JS)["zoom"] - 14.5) < 0.01, 3.0)
        except AssertionError:
            return False
        # Held while no callback of the first load is still on its way (Dash marks what it
        # is updating): a late whole figure would otherwise fit the view again afterwards.
        wait_for(lambda: browser.execute_script(IDLE_JS), 30.0, "the first load done")
        return abs(browser.execute_script(STATE_JS)["zoom"] - 14.5) < 0.01

    wait_for(zoomed_in, timeout=40, message="the zoom to hold")
    # Meanwhile a colleague registers a new key point in 西天尾镇.
    from modules.flood.points import add_point

    staff = viewer_as(1, "colleague", "colleague", "staff", ["350304100"])
    with sessions() as session, session.begin():
        add_point(
            session,
            staff,
            name="新增低洼点（刷新测试）",
            category="低洼易涝点",
            risk_level="红",
            lon=119.0186,
            lat=25.5173,
        )
    after = wait_for(
        lambda: (s := browser.execute_script(STATE_JS))["points"] == before["points"] + 1 and s,
        timeout=20,
        message="the new point drawn by the live refresh",
    )
    assert abs(after["zoom"] - 14.5) < 0.01
    assert abs(after["lon"] - 119.02) < 1e-3 and abs(after["lat"] - 25.52) < 1e-3
    assert "西天尾镇" in breadcrumb(browser)  # the selection stayed where it was
    # The page drew all this with the map-only plotly.js bundle (app/plotly_bundle.py).
    if plotly_bundle.BUNDLE.is_file():
        traces = browser.execute_script("return Object.keys(Plotly.PlotSchema.get().traces)")
        assert sorted(traces) == ["bar", "choroplethmap", "scatter", "scattermap"]
