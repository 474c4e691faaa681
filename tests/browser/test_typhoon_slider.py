"""A 秀屿区 staff member opens 台风会商, moves the time slider of 1521 Dujuan towards its
landfall, and sees the list of villages inside the wind circles change."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def wait_for(condition, timeout: float = 30, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the page is still being rebuilt
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def seed_typhoon(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session, only="typhoon")


@pytest.fixture(scope="module")
def typhoon_url(request) -> Iterator[str]:
    with database_for(request, "typhoon-live", seed_typhoon) as database:
        with serving(database) as url:
            yield url


def trace_names(browser) -> list[str]:
    return browser.execute_script(
        "return document.querySelector('#typhoon-map .js-plotly-plot').data.map(d => d.name)"
    )


def status_text(browser) -> str:
    return browser.find_element(By.ID, "typhoon-status").text


def exposure_text(browser) -> str:
    return browser.find_element(By.ID, "typhoon-exposure").text


def test_moving_the_slider_changes_who_is_inside_the_circles(browser, typhoon_url):
    log_in(browser, typhoon_url, "xiuyu.staff")
    browser.get(typhoon_url + "/typhoon")
    first = wait_for(
        lambda: "风圈内" in exposure_text(browser) and exposure_text(browser),
        message="the exposure list of 1521 at its first fix",
    )
    assert "7级风圈：0个村居" in first  # 09-21, far out over the Pacific
    assert "1521 杜鹃" in browser.find_element(By.ID, "typhoon-status").text

    thumb = browser.find_element(By.CSS_SELECTOR, "#typhoon-time [role='slider']")
    thumb.click()
    for _ in range(16):  # PageUp moves ten steps (hours) at a time: to 09-28 12:00 Beijing
        thumb.send_keys(Keys.PAGE_UP)
    later = wait_for(
        lambda: (
            exposure_text(browser) != first
            and "7级风圈：0个村居" not in exposure_text(browser)
            and exposure_text(browser)
        ),
        message="villages inside the 7-level circle near landfall",
    )
    assert "秀屿区" in later
    assert "09-28" in browser.find_element(By.ID, "typhoon-status").text
    body = browser.find_element(By.TAG_NAME, "body").text
    # The map moved with it: the storm's circles are drawn (a map error would keep the old
    # figure, from the first fix, without any circle).
    assert wait_for(
        lambda: "7级风圈" in trace_names(browser) and "10级风圈" in trace_names(browser),
        message="the wind circles on the map",
    )
    assert "荔城区" not in later and "仙游县" not in body.split("全过程影响汇总")[-1][:2000]


def test_play_moves_the_storm_and_pause_stops_it(browser, typhoon_url):
    log_in(browser, typhoon_url, "xiuyu.staff")
    browser.get(typhoon_url + "/typhoon")
    first = wait_for(
        lambda: "北京时" in status_text(browser) and status_text(browser), message="status"
    )
    browser.find_element(By.ID, "typhoon-play").click()
    moved = wait_for(lambda: status_text(browser) != first and status_text(browser), message="play")
    assert "2015-09-21" in moved  # three hours every 1.25 s from the first fix
    browser.find_element(By.ID, "typhoon-play").click()  # 暂停
    # Paused once the button offers 播放 again and no callback (a tick on its way) is pending.
    wait_for(
        lambda: (
            browser.find_element(By.ID, "typhoon-play").text == "播放"
            and not browser.find_elements(By.CSS_SELECTOR, '[data-dash-is-loading="true"]')
        ),
        message="the pause to settle",
    )
    paused = status_text(browser)
    time.sleep(2.5)
    assert status_text(browser) == paused
