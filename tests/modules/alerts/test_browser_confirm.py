"""In headless Chromium: 西天尾镇's staff send to the whole town (more than 50 people); the page
asks first with the count, sends nothing until 确认发送, then sends that many."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.alerts.models import Message
from store.engine import get_engine
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.alerts.conftest import seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def alerts_live(request):
    with database_for(request, "alerts-live", seed) as database, serving(database) as url:
        yield url, database


def messages(database: str) -> int:
    with Session(get_engine(database)) as session:
        return session.scalar(select(func.count()).select_from(Message))


def click(page, element_id: str) -> None:
    element = wait_for(lambda: page.find_element(By.ID, element_id), message=element_id)
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def test_a_send_to_more_than_50_people_asks_with_the_count_first(browser, alerts_live):  # noqa: F811
    url, database = alerts_live
    page = browser
    log_in(page, url, "xtw.staff")
    page.get(url + "/alerts")
    text = wait_for(lambda: page.find_element(By.ID, "alerts-text"), message="the form")
    text.send_keys("{单位}：请立即巡查。")
    assert "超过 50 人时，须先确认人数" in page.find_element(By.ID, "alerts-confirm-hint").text
    box = page.find_element(By.ID, "alerts-confirm-box")
    assert not box.is_displayed()
    before = messages(database)

    click(page, "alerts-send")
    wait_for(box.is_displayed, message="the confirm step")
    asked = page.find_element(By.ID, "alerts-confirm-text").text
    assert asked.startswith("将发送给 ") and "超过 50 人需确认" in asked
    count = int(asked.removeprefix("将发送给 ").split(" ", 1)[0])
    assert count > 50
    assert messages(database) == before  # nothing sent on the first click

    click(page, "alerts-cancel")
    wait_for(lambda: not box.is_displayed(), message="the step closed")
    assert "已取消发送" in page.find_element(By.ID, "alerts-send-out").text
    assert messages(database) == before

    click(page, "alerts-send")
    wait_for(box.is_displayed, message="the confirm step again")
    click(page, "alerts-confirm")
    sent = wait_for(
        lambda: page.find_element(By.ID, "alerts-sent").text, message="the message sent"
    )
    assert f"{count} 人" in sent
    assert not box.is_displayed()
    assert messages(database) == before + 1
