"""The Content-Security-Policy holds in a real browser: the login page, the map and a module's
page render with no violation reported, and an injected inline script is refused."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import log_in
from tests.browser.test_drilldown import MAP_JS, wait_for

pytestmark = pytest.mark.browser

# Installed before any script of the page runs; a violation in the page is recorded here.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  [e.effectiveDirective, e.blockedURI, (e.sourceFile || '') + ':' + e.lineNumber].join(' ')));
"""
MAP_LOADED_JS = (
    MAP_JS
    + """
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
      && g._fullLayout.map._subplot.map;
    return !!(m && m.loaded());
"""
)
TYPHOON_JS = "return !!document.querySelector('#typhoon-map .js-plotly-plot .main-svg');"


@pytest.fixture
def watched(browser):
    """The browser with the violation listener on every new document."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    browser.get_log("browser")  # start from an empty console
    yield browser
    browser.execute_cdp_cmd(
        "Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]}
    )


def violations(browser) -> list[str]:
    """What the page's listener caught, and what the console said (workers report there)."""
    caught = browser.execute_script("return window.__csp || []")
    console = [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]
    return caught + console


def test_login_map_and_module_pages_render_without_csp_violations(watched, live_url):
    browser = watched
    browser.get(live_url + "/login")
    assert browser.find_element(By.ID, "login-submit")
    assert violations(browser) == []
    log_in(browser, live_url, "city.leader")
    browser.get(live_url + "/")
    wait_for(lambda: browser.execute_script(MAP_LOADED_JS), message="the map drawn")
    wait_for(lambda: browser.find_elements(By.ID, "children-list"), message="the side panel")
    assert violations(browser) == []
    browser.get(live_url + "/typhoon")
    # A loaded machine (the whole suite on two cores) has taken more than 30 s here.
    wait_for(lambda: browser.execute_script(TYPHOON_JS), 60.0, "the typhoon map drawn")
    assert violations(browser) == []
    # The listener hears a violation when there is one: an injected inline script is one.
    ran = browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        "document.body.appendChild(s); return window.__ran === 1;"
    )
    assert ran is False
    refused = wait_for(lambda: violations(browser), timeout=5, message="a reported violation")
    assert any("script-src" in v for v in refused), refused
