"""In headless Chromium: a coordinator opens an event for 1521 杜鹃 in replay (演练), records a
decision, freezes round 1, moves the replay six hours, freezes round 2, sees the diff
(villages newly inside the 7-level circle) on round 2's stable page, and downloads the
briefing. Then the wall display shows the board in large type."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.consult.conftest import seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def consult_url(request):
    with database_for(request, "consult-live", seed) as database, serving(database) as url:
        yield url


def message(page) -> str:
    return page.find_element(By.ID, "consult-message").text


def click(page, element_id: str) -> None:
    element = wait_for(lambda: page.find_element(By.ID, element_id), message=element_id)
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def fill(page, element_id: str, text: str) -> None:
    element = wait_for(lambda: page.find_element(By.ID, element_id), message=element_id)
    element.clear()
    element.send_keys(text)


def fetch_status(page, url: str) -> list:
    """The status and size of a same-origin download, fetched by the page with its cookies."""
    return page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status, b.byteLength])));",
        url,
    )


# The towns' lines on the board's map, loaded by MapLibre from the layer URL the figure
# names (only the layer API's lines carry `level`; the figure embeds no outline).
OUTLINE_FEATURES = """
const gd = document.querySelector('#consult-map .js-plotly-plot');
const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
  && gd._fullLayout.map._subplot.map;
if (!map || !map.getStyle()) return 0;
let count = 0;
for (const [id, source] of Object.entries(map.getStyle().sources)) {
  if (source.type !== 'geojson') continue;
  count += map.querySourceFeatures(id).filter((f) => f.properties.level === 'town').length;
}
return count;
"""


def test_a_coordinator_runs_two_rounds_of_a_replayed_typhoon(browser, consult_url):  # noqa: F811
    page = browser
    page.set_script_timeout(60)
    log_in(page, consult_url, "city.coordinator")
    page.get(consult_url + "/consult")
    wait_for(lambda: page.find_element(By.ID, "consult-event"), message="the page")
    page.find_element(By.CSS_SELECTOR, "details summary").click()
    fill(page, "consult-new-title", "1521 杜鹃 推演")
    fill(page, "consult-new-ref", "1521")
    page.find_element(By.CSS_SELECTOR, "#consult-new-drill input").click()
    fill(page, "consult-new-start", "2015-09-28 08:00")
    click(page, "consult-new-open")
    wait_for(lambda: "已开启事件" in message(page), message="the event opened")
    wait_for(
        lambda: "七级风圈" in page.find_element(By.ID, "consult-cards").text,
        message="the board's figures",
    )
    assert "演练" in page.find_element(By.ID, "consult-head").text
    wait_for(lambda: page.execute_script(OUTLINE_FEATURES), message="the towns' outlines")

    page.find_element(By.XPATH, "//label[contains(., '决策')]").click()
    fill(page, "consult-entry-text", "启动防台风Ⅳ级应急响应")
    click(page, "consult-entry-add")
    wait_for(lambda: "已记录第1条" in message(page), message="the decision recorded")
    wait_for(
        lambda: "启动防台风Ⅳ级应急响应" in page.find_element(By.ID, "consult-log").text,
        message="the log",
    )

    click(page, "consult-freeze")
    wait_for(lambda: "已冻结第1期" in message(page), message="round 1 frozen")
    click(page, "consult-clock-six")
    wait_for(lambda: "推演时刻：2015-09-28 14:00" in message(page), message="the clock moved")
    click(page, "consult-freeze")
    wait_for(lambda: "已冻结第2期" in message(page), message="round 2 frozen")

    link = wait_for(
        lambda: page.find_element(By.PARTIAL_LINK_TEXT, "第2期"), message="round 2's link"
    )
    href = link.get_attribute("href")
    page.get(href)
    diff = wait_for(
        lambda: page.find_element(By.CSS_SELECTOR, ".consult-diff"), message="round 2's diff"
    )
    wait_for(lambda: "与第1期" in diff.text, message="the comparison heading")
    assert "新进入七级风圈" in diff.text
    assert "第2期防汛防台会商简报" in page.find_element(By.TAG_NAME, "h2").text
    briefing = page.find_element(By.PARTIAL_LINK_TEXT, "离线地图").get_attribute("href")
    status, size = fetch_status(page, briefing)
    assert status == 200 and size > 50_000  # Leaflet inlined
    pdf = page.find_element(By.LINK_TEXT, "PDF").get_attribute("href")
    assert fetch_status(page, pdf)[0] == 200

    event_id = href.split("id=")[-1]
    assert event_id.isdigit()
    wall = page.find_element(By.PARTIAL_LINK_TEXT, "返回会商").get_attribute("href")
    page.get(wall.replace("/consult?event=", "/consult/wall?event="))
    cards = wait_for(
        lambda: page.find_element(By.ID, "consult-wall-cards").find_elements(
            By.CSS_SELECTOR, ".consult-card"
        ),
        message="the wall's cards",
    )
    size = page.execute_script(
        "return parseFloat(getComputedStyle(arguments[0]).fontSize)", cards[0]
    )
    assert size >= 24  # readable at 3 m
    cards[0].click()
    wait_for(lambda: page.find_element(By.ID, "consult-wall-detail").text, message="the detail")
