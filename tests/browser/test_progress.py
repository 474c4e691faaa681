"""No wait without a sign of work (assets/loading.css, assets/loading.js): a note 正在加载… and
a running bar appear once anything has been waited for half a second, on any page, and go
when it is done. The server is slowed on purpose, so each wait is long enough to see."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import request as served_request
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import wait_for
from tests.browser.test_typhoon_slider import seed_typhoon

pytestmark = pytest.mark.browser

# Seconds every callback request waits before it is served (0: none); set by a test.
DELAY = {"seconds": 0.0}
# Installed on every new document before its scripts run: when the page first waited (a
# Dash mark or the boot placeholder present), when the sign became visible and when it went,
# in performance.now() ms, sampled every frame; and when the map was drawn.
PROBE = """
(function () {
  const p = (window.__progress = {busy: null, shown: null, gone: null, drawn: null});
  const MARKS = '[data-dash-is-loading="true"], .dash-graph--pending, ._dash-loading';
  const look = () => {
    const now = performance.now();
    if (document.body) {
      const sign = getComputedStyle(document.body, '::after');
      const visible = sign.content.includes('正在加载') && parseFloat(sign.opacity) > 0.9;
      if (p.busy === null && document.querySelector(MARKS)) p.busy = now;
      if (visible && p.shown === null) p.shown = now;
      if (!visible && p.shown !== null && p.gone === null) p.gone = now;
      const g = document.querySelector('.js-plotly-plot');
      const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
        && g._fullLayout.map._subplot.map;
      if (p.drawn === null && m && m.loaded() && m.queryRenderedFeatures().length > 0) {
        p.drawn = now;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""
SIGN_JS = """
const sign = getComputedStyle(document.body, '::after');
return [sign.content, parseFloat(sign.opacity)];
"""


def _slow_callbacks(app) -> None:
    @app.server.before_request
    def delay():
        if DELAY["seconds"] and served_request.path.endswith("/_dash-update-component"):
            time.sleep(DELAY["seconds"])


@pytest.fixture(scope="module")
def slow_url(request) -> Iterator[str]:
    """The app with 1521 杜鹃 and callbacks that can be slowed (DELAY)."""
    with database_for(request, "typhoon-progress", seed_typhoon) as database:
        with serving(database, on_app=_slow_callbacks) as url:
            yield url


@pytest.fixture
def probed(browser):
    """The browser with PROBE on every new document; callbacks at full speed afterwards."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    yield browser
    DELAY["seconds"] = 0.0
    browser.execute_cdp_cmd(
        "Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]}
    )


def progress(browser) -> dict:
    return browser.execute_script("return window.__progress")


def sign(browser) -> tuple[str, float]:
    content, opacity = browser.execute_script(SIGN_JS)
    return content, opacity


def settled(browser) -> bool:
    """Nothing waits, and the sign is gone."""
    content, _opacity = sign(browser)
    return "正在加载" not in content


def test_a_slow_slider_step_shows_progress_after_half_a_second_and_hides_it_after(probed, slow_url):
    browser = probed
    log_in(browser, slow_url, "xiuyu.staff")
    browser.get(slow_url + "/typhoon")
    wait_for(lambda: progress(browser)["drawn"], message="the typhoon map drawn")
    wait_for(lambda: settled(browser), message="the first render settled")
    status = browser.find_element(By.ID, "typhoon-status").text
    browser.execute_script("window.__progress.busy = window.__progress.shown = null;")
    browser.execute_script("window.__progress.gone = null;")

    DELAY["seconds"] = 1.5
    thumb = browser.find_element(By.CSS_SELECTOR, "#typhoon-time [role='slider']")
    thumb.send_keys(Keys.ARROW_RIGHT)
    shown = wait_for(lambda: progress(browser)["shown"], timeout=5, message="the sign shown")
    wait_for(lambda: sign(browser) == ('"正在加载…"', 1.0), timeout=2, message="fully shown")
    DELAY["seconds"] = 0.0
    wait_for(
        lambda: browser.find_element(By.ID, "typhoon-status").text != status,
        message="the step's answer",
    )
    wait_for(lambda: settled(browser), timeout=5, message="the sign gone after the answer")
    seen = progress(browser)
    # Never before half a second of waiting (the animation's delay), and soon after it.
    assert 450 <= shown - seen["busy"] < 1400, seen
    assert seen["gone"] is not None and seen["gone"] > shown


def test_the_first_map_shows_progress_until_it_is_drawn(probed, slow_url):
    browser = probed
    log_in(browser, slow_url, "city.leader")
    DELAY["seconds"] = 1.0  # the first map's callbacks: more than half a second on any machine
    browser.get(slow_url + "/")
    seen = wait_for(lambda: progress(browser)["drawn"] and progress(browser), message="the map")
    DELAY["seconds"] = 0.0
    assert seen["shown"] is not None and seen["shown"] < seen["drawn"], seen
    wait_for(lambda: settled(browser), timeout=5, message="the sign gone once drawn")
    gone = progress(browser)["gone"]
    # The sign stays until the map shows its first features (to a frame) and goes once
    # MapLibre has loaded the rest (labels, basemap) and loading.js has looked twice.
    assert seen["drawn"] - 100 <= gone <= seen["drawn"] + 5000, progress(browser)


def test_the_app_starting_says_so_in_chinese(browser, live_url):
    log_in(browser, live_url, "city.leader")
    browser.execute_cdp_cmd("Network.enable", {})
    # With the scripts held back the app never starts: Dash's placeholder stays.
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*.js"]})
    try:
        browser.get(live_url + "/")
        placeholder = browser.find_element(By.CSS_SELECTOR, "._dash-loading")
        assert placeholder.value_of_css_property("font-size") == "0px"  # no English Loading...
        wait_for(lambda: sign(browser)[1] == 1.0, timeout=5, message="the sign at full opacity")
        assert sign(browser)[0] == '"正在加载…"'
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        browser.execute_cdp_cmd("Network.disable", {})
