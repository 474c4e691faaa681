"""A person clicks through the map: city → 荔城区 → 西天尾镇 → a village, and back up."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser

MAP_JS = "const g = document.querySelector('#map .js-plotly-plot');"
RENDERED_JS = (
    MAP_JS
    + """
    if (!g || !g._fullLayout || !g._fullLayout.map || !g.calcdata) return null;
    const m = g._fullLayout.map._subplot.map;
    // plotly keeps only a centroid ("ct") on the features it hands to MapLibre; its calcdata
    // maps each centroid back to the location code the trace was given.
    const byCentroid = {};
    for (const trace of g.calcdata) for (const pt of trace) {
      if (pt.ct && pt.loc) byCentroid[pt.ct.join(',')] = pt.loc;
    }
    const level = {city: 4, county: 6, town: 9, village: 12}[arguments[0]];
    const isLevel = c => (level === 12 ? c.slice(9) !== '000' :
      c.slice(level) === '0'.repeat(12 - level) && c.slice(level - 3, level) !== '000');
    const codes = m.queryRenderedFeatures()
      .filter(f => f.layer.type === 'fill' && f.properties.ct)
      .map(f => f.properties.ct)
      .map(ct => byCentroid[(Array.isArray(ct) ? ct : JSON.parse(ct)).join(',')])
      .filter(c => c && isLevel(c));
    return [...new Set(codes)].sort();
"""
)


def wait_for(predicate, timeout=30.0, message="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (NoSuchElementException, StaleElementReferenceException) as error:
            last = error  # React re-renders: the element is not there yet, or was replaced
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}; last value: {last!r}")


def api(base: str, path: str, browser=None) -> dict:
    """GET an API path with the browser's session cookie (the API needs a logged-in user)."""
    request = urllib.request.Request(base + path)
    if browser is not None:
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
        request.add_header("Cookie", cookies)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def rendered(browser, level: str) -> list[str]:
    return browser.execute_script(RENDERED_JS, level) or []


def click_lonlat(browser, lon: float, lat: float) -> None:
    """Click the map canvas where MapLibre draws (lon, lat), as a person would."""
    canvas, x, y, width, height = browser.execute_script(
        MAP_JS
        + """
        const m = g._fullLayout.map._subplot.map;
        const p = m.project([arguments[0], arguments[1]]);
        const c = m.getCanvas();
        return [c, p.x, p.y, c.clientWidth, c.clientHeight];
        """,
        lon,
        lat,
    )
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - width / 2), int(y - height / 2)
    ).click().perform()


def breadcrumb(browser) -> str:
    """The breadcrumb as one line: "莆田市 › 荔城区 › 西天尾镇"."""
    return " ".join(browser.find_element(By.ID, "breadcrumb").text.split())


def children_codes(base: str, code: str, browser) -> list[str]:
    layer = api(base, "/api/v1/divisions/" + code, browser)["children_level"]
    features = api(base, f"/api/v1/layers/{layer}.geojson?parent={code}", browser)["features"]
    return sorted(f["properties"]["code"] for f in features)


def test_click_down_to_a_village_and_back_to_the_city(leader, live_url):
    browser = leader
    counties = children_codes(live_url, "350300", browser)
    licheng_towns = children_codes(live_url, "350304", browser)
    xitianwei_villages = children_codes(live_url, "350304100", browser)
    assert len(counties) == 5 and len(licheng_towns) == 6 and len(xitianwei_villages) == 17

    browser.get(live_url + "/")
    assert wait_for(lambda: rendered(browser, "county") == counties, message="5 counties drawn")
    assert "莆田市" in breadcrumb(browser)

    licheng = api(live_url, "/api/v1/divisions/350304", browser)
    clicked_at = browser.execute_script("return performance.now();")
    click_lonlat(browser, *licheng["label_point"])
    wait_for(lambda: "荔城区" in breadcrumb(browser), message="breadcrumb shows 荔城区")
    assert wait_for(lambda: rendered(browser, "town") == licheng_towns, message="6 towns drawn")
    # The towns' geometry (packed, app/topo.py) was asked for at the click, beside the
    # render callback, not after its answer; and only once (plotly took the decoded copy).
    geo, answers = browser.execute_script(
        """
        const all = performance.getEntriesByType('resource');
        return [
          all.filter(e => e.name.includes('/town.topo?parent=350304&v=')).map(e => e.startTime),
          all.filter(e => e.name.includes('_dash-update-component') && e.startTime > arguments[0])
             .map(e => e.responseEnd),
        ];
        """,
        clicked_at,
    )
    assert len(geo) == 1 and answers and geo[0] < min(answers)

    xitianwei = api(live_url, "/api/v1/divisions/350304100", browser)
    click_lonlat(browser, *xitianwei["label_point"])
    wait_for(lambda: "西天尾镇" in breadcrumb(browser), message="breadcrumb shows 西天尾镇")
    assert wait_for(
        lambda: rendered(browser, "village") == xitianwei_villages, message="17 villages drawn"
    )
    assert breadcrumb(browser) == "莆田市 › 荔城区 › 西天尾镇"
    assert "下辖村居（17）" in browser.find_element(By.ID, "unit-children").text

    # A village has no children: clicking it selects it and the panel shows its profile.
    village = api(live_url, "/api/v1/divisions/" + xitianwei_villages[0], browser)
    click_lonlat(browser, *village["label_point"])
    wait_for(lambda: village["name"] in breadcrumb(browser), message="village selected")
    profile = browser.find_element(By.ID, "unit-profile").text
    assert village["code"] in profile and "示意" in profile
    assert rendered(browser, "village") == xitianwei_villages  # the town stays in view

    browser.find_element(By.XPATH, "//nav[@id='breadcrumb']//button[text()='莆田市']").click()
    assert wait_for(lambda: rendered(browser, "county") == counties, message="back to the city")
    assert breadcrumb(browser) == "莆田市"


def test_hover_names_the_unit_and_generated_levels_say_approximate(leader, live_url):
    browser = leader
    browser.get(live_url + "/")
    wait_for(lambda: rendered(browser, "county"), message="map drawn")
    licheng = api(live_url, "/api/v1/divisions/350304", browser)
    canvas, x, y, width, height = browser.execute_script(
        MAP_JS
        + """
        const m = g._fullLayout.map._subplot.map;
        const p = m.project(arguments[0]); const c = m.getCanvas();
        return [c, p.x, p.y, c.clientWidth, c.clientHeight];
        """,
        licheng["label_point"],
    )
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - width / 2), int(y - height / 2)
    ).perform()
    hover = wait_for(
        lambda: browser.execute_script(
            "const h = document.querySelector('#map .hoverlayer'); return h && h.textContent;"
        ),
        message="hover label",
    )
    assert "荔城区" in hover and "350304000000" in hover and "区县" in hover

    # Counties are real polygons: no 示意 note yet. One level down, towns are generated.
    assert "示意" not in browser.find_element(By.ID, "map").text
    browser.find_element(By.XPATH, "//button[text()='荔城区']").click()
    wait_for(lambda: "示意" in browser.find_element(By.ID, "map").text, message="示意 note")


def test_layer_toggle_draws_village_outlines_citywide(leader, live_url):
    browser = leader
    browser.get(live_url + "/")
    wait_for(lambda: rendered(browser, "county"), message="map drawn")
    outline_sources = (
        MAP_JS
        + """
        const m = g._fullLayout.map._subplot.map;
        return m.getStyle().layers.filter(l => l.type === 'line').map(l => l.source);
        """
    )
    before = browser.execute_script(outline_sources)
    browser.find_element(By.XPATH, "//label[contains(., '村居界线')]//input").click()

    def village_lines_drawn():
        # Outlines come as one MultiLineString of shared edges (?as=lines); MapLibre hands
        # back a piece of it per tile it draws.
        return browser.execute_script(
            MAP_JS
            + """
            const m = g._fullLayout.map._subplot.map;
            return m.queryRenderedFeatures().filter(
              f => f.layer.type === 'line' && f.properties.level === 'village').length;
            """
        )

    assert wait_for(village_lines_drawn, message="village outlines drawn")
    assert len(browser.execute_script(outline_sources)) == len(before) + 1
