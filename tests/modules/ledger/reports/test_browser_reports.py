"""In headless Chromium, what a person sees on 报表: the coverage and hours, the registry's
rows in the grid (未模板化 greyed), and 下载 XLSX answering with the
file's name for 西天尾镇's staff."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from modules.ledger.reports.page import PATH, PREFIX
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.ledger.test_browser_journey import ledger_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_staff_see_the_registry_and_download_a_report(browser, ledger_url):  # noqa: F811
    page = browser
    log_in(page, ledger_url, "xitianwei.staff")
    page.get(ledger_url + PATH)
    coverage = wait_for(lambda: page.find_element(By.ID, PREFIX + "coverage"), message="the page")
    assert "常规报表 245 张（演示），已由一张表生成 29 张" in coverage.text
    assert "每个镇街每月少填" in page.find_element(By.ID, PREFIX + "hours").text
    wait_for(
        lambda: "低保对象月报" in page.find_element(By.ID, PREFIX + "grid").text,
        message="the registry's rows",
    )
    # Far down the registry, a report no template generates is greyed and says so.
    page.execute_script(f"dash_ag_grid.getApi('{PREFIX}grid').ensureIndexVisible(200)")
    untemplated = wait_for(
        lambda: page.find_element(
            By.CSS_SELECTOR, f"#{PREFIX}grid .ag-center-cols-container [row-index='200']"
        ),
        message="row 200",
    )
    wait_for(lambda: "未模板化" in untemplated.text, message="未模板化")
    assert untemplated.value_of_css_property("color") == "rgba(138, 138, 138, 1)"
    page.find_element(By.ID, PREFIX + "xlsx").click()
    message = page.find_element(By.ID, PREFIX + "message")
    wait_for(lambda: "已生成：" in message.text, message="the download", timeout=60)
    assert "350304100000" in message.text and message.text.endswith(".xlsx")
