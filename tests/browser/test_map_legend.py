"""The legend and the layer list as a person sees them: every layer shown is explained, a
layer switched off leaves the map and the legend, the choice survives a reload (the URL),
and the legend stays readable on a phone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import MAP_JS, rendered, wait_for
from tests.modules.flood.conftest import seed

pytestmark = pytest.mark.browser

LAYERS_ON_JS = (
    MAP_JS
    + """
    if (!g || !g.data) return null;
    return [...new Set(g.data.filter(t => t.meta && t.meta.layer && t.visible !== false)
      .map(t => t.meta.layer))].sort();
"""
)


@pytest.fixture(scope="module")
def flood_url(request):
    with database_for(request, "map-legend", seed) as url, serving(url, live_seconds=0) as base:
        yield base


def legend_groups(page) -> dict[str, str]:
    """layer id → the text of its legend group."""
    groups = page.find_elements(By.CSS_SELECTOR, "#map-legend-body .legend-group")
    return {g.get_attribute("data-layer"): " ".join(g.text.split()) for g in groups}


def layer_box(page, title: str):
    return page.find_element(
        By.XPATH, f"//div[@id='map-layer-list']//label[contains(., '{title}')]//input"
    )


def test_the_legend_lists_each_visible_layer_and_follows_the_switches(browser, flood_url):
    page = browser
    log_in(page, flood_url, "city.leader")
    page.get(flood_url + "/")
    wait_for(lambda: len(rendered(page, "county")) == 5, message="the city drawn")
    on = wait_for(lambda: page.execute_script(LAYERS_ON_JS), message="module layers")
    assert on == ["flood-key-points", "flood-stations"]
    groups = wait_for(
        lambda: (g := legend_groups(page)) and "flood-stations" in g and g, message="legend"
    )
    assert set(groups) == {"shade", "outlines", "flood-key-points", "flood-stations"}
    assert "红色风险" in groups["flood-key-points"] and "圆越大越多" in groups["flood-key-points"]
    assert "超警戒" in groups["flood-stations"] and "区县界线" in groups["outlines"]

    layer_box(page, "监测站").click()
    wait_for(
        lambda: page.execute_script(LAYERS_ON_JS) == ["flood-key-points"],
        message="the stations hidden",
    )
    wait_for(lambda: "flood-stations" not in legend_groups(page), message="legend without them")
    assert "flood-key-points" in legend_groups(page)
    wait_for(lambda: "-flood-stations" in page.current_url, message="the URL remembers")

    # The choice survives a reload; the outline levels keep theirs too.
    page.get(page.current_url)
    wait_for(lambda: len(rendered(page, "county")) == 5, message="drawn again")
    wait_for(lambda: page.execute_script(LAYERS_ON_JS) == ["flood-key-points"], message="still off")
    assert not layer_box(page, "监测站").is_selected()
    assert layer_box(page, "重点部位").is_selected()

    # Switching an outline level on adds its line to the legend.
    page.find_element(By.XPATH, "//label[contains(., '镇街界线')]//input").click()
    wait_for(lambda: "镇街界线" in legend_groups(page).get("outlines", ""), message="town line")


def test_the_legend_is_readable_on_a_phone_and_leaves_the_search_free(browser, flood_url):
    page = browser
    page.set_window_size(390, 844)
    try:
        log_in(page, flood_url, "xtw.staff")
        page.get(flood_url + "/")
        wait_for(lambda: len(rendered(page, "village")) == 17, message="the town drawn")
        wait_for(lambda: "flood-key-points" in legend_groups(page), message="legend")
        box = page.execute_script(
            """
            const r = (id) => document.getElementById(id).getBoundingClientRect();
            const legend = r('map-legend'), search = r('map-search'), map = r('map');
            const size = getComputedStyle(document.querySelector('.legend-label')).fontSize;
            return {legend: [legend.left, legend.top, legend.right, legend.bottom],
                    search: [search.left, search.top, search.right, search.bottom],
                    map: [map.left, map.top, map.right, map.bottom], font: parseFloat(size)};
            """
        )
        legend, search, area = box["legend"], box["search"], box["map"]
        assert box["font"] >= 12
        # Inside the map, and clear of the search box above it.
        assert area[0] <= legend[0] and legend[2] <= area[2] and legend[3] <= area[3] + 1
        assert search[3] <= legend[1]
        assert legend[2] - legend[0] <= 0.5 * (area[2] - area[0]) + 1
    finally:
        page.set_window_size(1280, 900)
