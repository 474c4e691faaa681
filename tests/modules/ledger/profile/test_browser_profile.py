"""In headless Chromium: 西天尾镇's staff open the map on their town and its file
(一镇一档) is in the side panel; a village clicked on the map brings its own file (一村一档)
with twelve bars for each figure and its contacts; a village found in the search does too;
and shading by a ratio names its unit, month and 演示 in the legend."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import api, click_lonlat, rendered, wait_for
from tests.modules.ledger.conftest import with_demo
from tests.modules.ledger.helpers import XTW_VILLAGES

pytestmark = pytest.mark.browser
# The key points and stations off: a click then lands on the village, never on a marker.
MAP = "/?layers=village,-flood-key-points,-flood-stations"


@pytest.fixture(scope="module")
def ledger_url(request):
    with database_for(request, "ledger-live", with_demo) as database, serving(database) as url:
        yield url


def section(page, panel: str) -> str:
    return page.find_element(By.ID, f"panel-{panel}").text


def test_a_village_clicked_on_the_map_shows_its_file_and_contacts(browser, ledger_url):  # noqa: F811
    log_in(browser, ledger_url, "xitianwei.staff")
    browser.get(ledger_url + MAP)
    wait_for(
        lambda: "一镇一档 · 西天尾镇" in section(browser, "ledger-profile"), message="the file"
    )
    village = api(ledger_url, f"/api/v1/divisions/{XTW_VILLAGES[1]}", browser)
    wait_for(lambda: village["code"] in rendered(browser, "village"), message="villages drawn")
    browser.execute_script("window.townPanel = document.getElementById('panel-flood-key-points');")
    click_lonlat(browser, *village["label_point"])
    wait_for(
        lambda: f"一村一档 · {village['name']}" in section(browser, "ledger-profile"),
        message="the village's file",
    )
    # The map stays on the town: its other panels are not rebuilt for a village in it.
    kept = "return !!window.townPanel && document.contains(window.townPanel);"
    assert browser.execute_script(kept)
    rows = browser.find_elements(By.CSS_SELECTOR, "#ledger-profile-figures tbody tr")
    assert len(rows) >= 5
    for row in rows:
        assert len(row.find_elements(By.CSS_SELECTOR, ".ledger-spark-bar")) == 12
    assert "演示" in section(browser, "ledger-profile")
    assert "填报完成情况" in section(browser, "ledger-profile")
    wait_for(
        lambda: village["name"] in section(browser, "alerts-contacts"),
        message="the village's contacts",
    )


def test_a_village_found_in_the_search_shows_its_file(browser, ledger_url):  # noqa: F811
    log_in(browser, ledger_url, "xitianwei.staff")
    browser.get(ledger_url + MAP)
    wait_for(lambda: "一镇一档" in section(browser, "ledger-profile"), message="the file")
    village = api(ledger_url, f"/api/v1/divisions/{XTW_VILLAGES[2]}", browser)
    box = browser.find_element(By.ID, "map-search")
    box.send_keys(village["name"], Keys.ENTER)
    hit = wait_for(
        lambda: [
            h
            for h in browser.find_elements(By.CSS_SELECTOR, "#map-search-list .search-hit")
            if village["name"] in h.text
        ],
        message="the search hit",
    )[0]
    hit.click()
    wait_for(
        lambda: f"一村一档 · {village['name']}" in section(browser, "ledger-profile"),
        message="the village's file",
    )


def test_shading_by_a_ratio_names_its_unit_month_and_演示(browser, ledger_url):  # noqa: F811
    log_in(browser, ledger_url, "licheng.leader")
    browser.get(ledger_url + "/?shade=measure:ledger-ratio-MZ001-RK002")
    legend = wait_for(
        lambda: [
            e.text
            for e in browser.find_elements(By.CSS_SELECTOR, "#map-legend-body *")
            if "独居老人 / 常住人口（‰）" in e.text
        ],
        message="the legend",
    )
    assert any("演示" in text and "月" in text for text in legend)
