"""A 西天尾镇 staff member opens 我的巡查 on a phone-sized screen, records an inspection and
sees the campaign's progress move (38/46 → 39/46)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import wait_for
from tests.modules.flood.conftest import seed

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}


@pytest.fixture(scope="module")
def flood_url(request):
    with database_for(request, "flood-live", seed) as database, serving(database) as url:
        yield url


@pytest.fixture
def phone(browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def text_of(browser, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def no_sideways_scroll(browser) -> bool:
    width, scroll = browser.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    return width <= 360 and scroll <= width


def test_staff_record_an_inspection_on_a_phone_and_see_progress_move(phone, flood_url):
    log_in(phone, flood_url, "xitianwei.staff")
    phone.get(flood_url + "/flood/patrol")
    wait_for(lambda: "38/46" in text_of(phone, "flood-patrol-progress"), message="progress 38/46")
    assert "82%" in text_of(phone, "flood-patrol-progress")
    items = phone.find_elements(By.CLASS_NAME, "flood-patrol-item")
    assert len(items) == 46 and "已逾期" in items[0].text  # overdue first
    assert no_sideways_scroll(phone), "the page scrolls sideways at 360 px"

    first = items[0].find_element(By.TAG_NAME, "div").text  # the most overdue point's name
    dropdown = phone.find_element(By.ID, "flood-patrol-point")
    dropdown.click()
    search = wait_for(
        lambda: [
            e
            for e in phone.find_elements(By.CSS_SELECTOR, "input[type=search], input[type=text]")
            if e.is_displayed()
        ],
        message="the dropdown's search box",
    )[-1]
    search.send_keys(first)
    search.send_keys(Keys.ENTER)
    wait_for(lambda: first in dropdown.text, message="the point chosen")
    phone.find_element(By.ID, "flood-patrol-hazard").send_keys("排水沟有少量淤积")
    phone.find_element(By.XPATH, "//label[contains(., '发现隐患')]").click()
    submit = phone.find_element(By.ID, "flood-patrol-submit")
    phone.execute_script("arguments[0].scrollIntoView()", submit)
    submit.click()

    wait_for(lambda: "已记录巡查" in text_of(phone, "flood-patrol-message"), message="saved")
    wait_for(lambda: "39/46" in text_of(phone, "flood-patrol-progress"), message="39/46")
    assert "84%" in text_of(phone, "flood-patrol-progress")
    hazard = phone.find_element(By.ID, "flood-patrol-hazard")
    wait_for(lambda: hazard.get_attribute("value") == "", message="a clean form")
    listed = text_of(phone, "flood-patrol-list")
    assert listed.count("已逾期") == 7
    assert no_sideways_scroll(phone)


CLICK_STATION = """
const graph = document.querySelector('#map .js-plotly-plot');
if (!graph || !graph.data) { return null; }
const i = graph.data.findIndex(t => t.name === '监测站');
if (i < 0) { return null; }
graph.emit('plotly_click', {points: [{curveNumber: i, pointNumber: 0,
  customdata: graph.data[i].customdata[0], data: graph.data[i], fullData: graph._fullData[i]}]});
return graph.data[i].customdata[0];
"""


def test_clicking_a_station_shows_its_series_against_its_thresholds(browser, flood_url):
    log_in(browser, flood_url, "xitianwei.staff")
    browser.get(flood_url + "/")
    # Plotly's own click event, as a tap on the marker fires it (WebGL hit-testing aside);
    # clicked again until the page has wired the graph's events.
    clicked = []

    def click_and_read():
        clicked.append(browser.execute_script(CLICK_STATION))
        text = text_of(browser, "flood-station-detail")
        return "近24小时雨量" in text and text

    detail = wait_for(click_and_read, message="the station's series")
    assert "flood-station:YL-XTW" in clicked
    assert "西天尾雨量站：超警戒雨量" in detail and "24小时 150 mm" in detail
    assert browser.find_elements(By.CSS_SELECTOR, "#flood-station-chart .js-plotly-plot")
