"""A 西天尾镇 staff member logs in, sees only 西天尾镇, is refused elsewhere, logs out."""

from __future__ import annotations

import urllib.error

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import log_in
from tests.browser.test_drilldown import api, breadcrumb, rendered, wait_for

pytestmark = pytest.mark.browser


def test_town_staff_sees_only_their_town_and_is_refused_elsewhere(browser, live_url):
    browser.get(live_url + "/")
    wait_for(lambda: "/login" in browser.current_url, message="anonymous sent to the login page")

    log_in(browser, live_url, "xitianwei.staff")
    # The Dash shell renders after the page loads: wait for it rather than race it.
    header = wait_for(lambda: browser.find_elements(By.ID, "header-user"), message="the header")[
        0
    ].text
    assert "西天尾镇" in header and "工作人员" in header

    villages = sorted(
        f["properties"]["code"]
        for f in api(live_url, "/api/v1/layers/village.geojson", browser)["features"]
    )
    assert len(villages) == 17 and all(v.startswith("350304100") for v in villages)
    assert wait_for(lambda: rendered(browser, "village") == villages, message="17 villages")
    assert breadcrumb(browser) == "西天尾镇"  # no way up out of the jurisdiction
    assert rendered(browser, "town") == [] and rendered(browser, "county") == []
    toggles = browser.find_element(By.ID, "layer-toggles").text
    assert "区县界线" not in toggles and "村居界线" in toggles

    # Another town's profile by URL: refused, and the map stays on 西天尾镇.
    browser.get(live_url + "/?unit=350305101")
    notice = wait_for(lambda: browser.find_elements(By.ID, "notice"), message="refusal")
    assert "无权查看" in notice[0].text
    assert wait_for(lambda: rendered(browser, "village") == villages, message="own villages")
    assert "东庄镇" not in browser.find_element(By.TAG_NAME, "body").text
    with pytest.raises(urllib.error.HTTPError) as refused:
        api(live_url, "/api/v1/divisions/350305101", browser)
    assert refused.value.code == 403

    browser.find_element(By.ID, "logout").click()
    wait_for(lambda: "/login" in browser.current_url, message="back at the login page")
    browser.get(live_url + "/")
    wait_for(lambda: "/login" in browser.current_url, message="logged out for good")
