"""In headless Chromium: a slider step redraws only what moves (the static traces stay the
same objects in plotly's data), a step that overtakes a whole figure still ends on the right
figure, and on a phone (390×844) the map shows Putian with the legend below it rather than
over it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from flask import request as served_request
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.browser.test_typhoon_slider import seed_typhoon

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
PUTIAN = (119.01, 25.45)  # the city's seat, 城厢区
GRAPH_JS = "const g = document.querySelector('#typhoon-map .js-plotly-plot');"
DRAWN_JS = (
    GRAPH_JS
    + """
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
      && g._fullLayout.map._subplot.map;
    return !!(m && m.loaded() && g.layout.meta && g.layout.meta.fitted
      && !document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending'));
"""
)
# Where Putian and the legend are on screen, against the map's own drawing area.
GEOMETRY_JS = (
    GRAPH_JS
    + """
    const m = g._fullLayout.map._subplot.map;
    const canvas = m.getCanvas().getBoundingClientRect();
    const legend = g.querySelector('.legend').getBoundingClientRect();
    const across = Math.max(0, Math.min(canvas.right, legend.right)
      - Math.max(canvas.left, legend.left));
    const down = Math.max(0, Math.min(canvas.bottom, legend.bottom)
      - Math.max(canvas.top, legend.top));
    const putian = m.project(arguments[0]);
    return {
      covered: (across * down) / (canvas.width * canvas.height),
      inside: putian.x >= 0 && putian.x <= canvas.width && putian.y >= 0
        && putian.y <= canvas.height && m.getBounds().contains(arguments[0]),
      canvas: [canvas.width, canvas.height],
      page: document.documentElement.clientWidth,
    };
"""
)


# Seconds a render asked for by 演练回放 waits before it is served (0: none); set by a test.
MODE_DELAY = {"seconds": 0.0}


def _slow_mode_changes(app) -> None:
    @app.server.before_request
    def delay():
        if MODE_DELAY["seconds"] and served_request.path.endswith("/_dash-update-component"):
            changed = (served_request.get_json(silent=True) or {}).get("changedPropIds", [])
            if "typhoon-replay.value" in changed:
                time.sleep(MODE_DELAY["seconds"])


@pytest.fixture(scope="module")
def typhoon_url(request) -> Iterator[str]:
    with database_for(request, "typhoon-live", seed_typhoon) as database:
        with serving(database, on_app=_slow_mode_changes) as url:
            yield url


@pytest.fixture
def phone(browser):  # noqa: F811
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def open_typhoon(page, url: str) -> None:
    log_in(page, url, "xiuyu.staff")
    page.get(url + "/typhoon")
    wait_for(lambda: page.execute_script(DRAWN_JS), message="the typhoon map drawn and fitted")


def test_a_step_replaces_the_moving_traces_and_keeps_the_rest(browser, typhoon_url):  # noqa: F811
    open_typhoon(browser, typhoon_url)
    browser.execute_script(GRAPH_JS + "window.__before = g.data.slice();")
    status = browser.find_element(By.ID, "typhoon-status").text
    thumb = browser.find_element(By.CSS_SELECTOR, "#typhoon-time [role='slider']")
    thumb.send_keys(Keys.PAGE_UP)  # ten hours on
    wait_for(
        lambda: (
            browser.find_element(By.ID, "typhoon-status").text != status
            and browser.execute_script(DRAWN_JS)
        ),
        message="the step drawn",
    )
    kept, replaced, moved = browser.execute_script(
        GRAPH_JS
        + """
        const before = window.__before;
        const same = g.data.map((t, i) => t === before[i]);
        const centre = t => t.name === '台风中心';
        return [same.slice(0, -4), same.slice(-4),
                g.data.find(centre).lon[0] !== before.find(centre).lon[0]];
        """
    )
    assert kept and all(kept), "a static trace (warning lines, track) was sent again"
    assert not any(replaced) and moved


def test_a_step_that_overtakes_a_whole_figure_ends_on_the_right_figure(
    browser,  # noqa: F811
    typhoon_url,
):
    open_typhoon(browser, typhoon_url)
    MODE_DELAY["seconds"] = 2.0
    try:
        browser.find_element(By.CSS_SELECTOR, "#typhoon-replay input").click()  # 演练回放
        time.sleep(0.3)  # its whole figure is on its way (held back by the server)
        thumb = browser.find_element(By.CSS_SELECTOR, "#typhoon-time [role='slider']")
        thumb.send_keys(Keys.ARROW_RIGHT)  # Dash drops the figure on its way for this step
        figure = wait_for(
            lambda: browser.execute_script(
                GRAPH_JS
                + """
                const meta = g.layout.meta, centre = g.data[g.data.length - 1];
                const busy = document.querySelector(
                  '[data-dash-is-loading="true"], .dash-graph--pending');
                if (busy || !meta.key.endsWith('|replay') || centre.meta.key !== meta.key) {
                  return null;
                }
                return JSON.stringify({names: g.data.map(t => t.name || null),
                                       status: document.getElementById('typhoon-status')
                                         .textContent});
                """
            ),
            timeout=20,
            message="the replay's whole figure after the step",
        )
    finally:
        MODE_DELAY["seconds"] = 0.0
    seen = json.loads(figure)
    assert "演练回放" in seen["status"] and "路径" in seen["names"]
    assert not any(name and "预报" in name for name in seen["names"])  # a replay's figure


def test_on_a_phone_putian_is_on_the_map_and_the_legend_below_it(phone, typhoon_url):
    open_typhoon(phone, typhoon_url)
    seen = phone.execute_script(GEOMETRY_JS, list(PUTIAN))
    assert seen["page"] == PHONE["width"], seen
    assert seen["inside"], seen
    assert seen["covered"] <= 1 / 3, seen
    assert seen["canvas"][0] >= PHONE["width"] - 40, seen  # the map takes the phone's width
    no_sideways = phone.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert no_sideways


def test_on_a_desktop_the_legend_stays_in_a_corner_of_the_map(browser, typhoon_url):  # noqa: F811
    open_typhoon(browser, typhoon_url)
    seen = browser.execute_script(GEOMETRY_JS, list(PUTIAN))
    assert seen["inside"], seen
    assert 0 < seen["covered"] <= 1 / 3, seen
