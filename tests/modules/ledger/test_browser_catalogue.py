"""In headless Chromium, what a person sees: an admin retires a tag on 标签目录 after the
confirmation and sees it greyed and under 已停用; 西天尾镇's staff change the town's own
户籍人口 on the towns' sheet and see it turn red beside its villages' sum. The styles are
dash-ag-grid's style conditions, which must work under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.ledger.test_browser_journey import ledger_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
XTW = "350304100000"
RED = "rgba(253, 226, 225, 1)"


def row(page, code: str):
    return page.find_element(By.CSS_SELECTOR, f'.ag-center-cols-container [row-id="{code}"]')


def cell(page, code: str, column: str):
    return page.find_element(By.CSS_SELECTOR, f'[row-id="{code}"] [col-id="{column}"]')


def test_an_admin_retires_a_tag_and_sees_it_greyed(browser, ledger_url):  # noqa: F811
    page = browser
    log_in(page, ledger_url, "city.admin")
    page.get(ledger_url + "/ledger/catalogue")
    search = wait_for(lambda: page.find_element(By.ID, "ledger-cat-search"), message="the page")
    search.send_keys("面积")
    wait_for(lambda: 0 < len(rows(page)) < 20, message="the tags found")
    target = wait_for(lambda: cell(page, "NY013", "name"), message="the catalogue's rows")
    page.execute_script("arguments[0].click()", target)
    wait_for(
        lambda: page.find_element(By.ID, "ledger-cat-name").get_attribute("value") == "撂荒地面积",
        message="the form filled from the row",
    )
    page.find_element(By.ID, "ledger-cat-retire-button").click()
    alert = wait_for(lambda: page.switch_to.alert, message="the confirmation")
    assert "确定停用「撂荒地面积」（NY013）" in alert.text
    alert.accept()
    message = page.find_element(By.ID, "ledger-cat-message")
    wait_for(lambda: "已停用 NY013" in message.text, message="retired")
    wait_for(
        lambda: "italic" in row(page, "NY013").value_of_css_property("font-style"),
        message="the retired row greyed",
    )
    assert "italic" not in row(page, "NY001").value_of_css_property("font-style")
    search.clear()
    search.send_keys(" ")  # the search follows each key: a blank one shows every tag
    page.find_element(By.XPATH, "//label[contains(., '已停用')]").click()
    wait_for(
        lambda: [r.get_attribute("row-id") for r in rows(page)] == ["NY013"],
        message="only the retired tag under 已停用",
    )


def rows(page):
    return page.find_elements(By.CSS_SELECTOR, ".ag-center-cols-container [row-id]")


def test_staff_see_the_towns_figure_turn_red_beside_its_villages_sum(browser, ledger_url):  # noqa: F811
    page = browser
    log_in(page, ledger_url, "xitianwei.staff")
    page.get(ledger_url + "/ledger")
    wait_for(lambda: page.find_element(By.ID, "ledger-search"), message="the page")
    page.find_element(By.XPATH, "//label[contains(., '镇街')]").click()
    search = page.find_element(By.ID, "ledger-search")
    search.send_keys("户籍", Keys.ENTER)
    own = wait_for(lambda: cell(page, XTW, "RK015"), message="the town's own figure")
    total = cell(page, XTW, "RK015__villages").text
    wait_for(lambda: own.text == total and own.text, message="the demo's equal figures")
    assert cell(page, XTW, "RK015").value_of_css_property("background-color") != RED
    figure = int(own.text.replace(",", ""))
    page.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", own)
    own.click()
    ActionChains(page).send_keys(str(figure + 3)).send_keys(Keys.ENTER).perform()
    wait_for(
        lambda: cell(page, XTW, "RK015").value_of_css_property("background-color") == RED,
        message="the town's figure red",
    )
    assert cell(page, XTW, "RK015__villages").value_of_css_property("background-color") == RED
