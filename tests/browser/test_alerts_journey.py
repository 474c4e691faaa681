"""A 西天尾镇 staff member opens 短信提醒, picks 村居干部, writes a text with fields, previews
the counts per village and a sample, sends, and watches the delivery board reach 已发送 while
the outbox worker drains (the file provider)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from modules.alerts.settings import load
from modules.alerts.worker import OutboxWorker
from tests.accounts_fixture import system_viewer
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import log_in
from tests.browser.test_drilldown import wait_for
from tests.modules.alerts.conftest import seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def alerts_url(request, tmp_path_factory):
    folder = Path(tmp_path_factory.mktemp("alerts-live"))
    holder = {}

    def keep_sessions(app) -> None:
        holder["sessions"] = app.server.extensions["onemap"].sessions

    stop = threading.Event()
    with (
        database_for(request, "alerts-live", seed) as database,
        serving(database, on_app=keep_sessions) as url,
    ):
        settings = load(environ={}, provider="file", file=str(folder / "sms.jsonl"), poll=0.2)
        worker = OutboxWorker(holder["sessions"], settings, system_viewer)
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        yield url, folder / "sms.jsonl"
        stop.set()
        thread.join(timeout=10)


def text_of(browser, element_id: str) -> str:
    found = browser.find_elements(By.ID, element_id)
    return found[0].text if found else ""


def test_staff_preview_send_and_watch_the_board(browser, alerts_url):
    url, outbox = alerts_url
    log_in(browser, url, "xitianwei.staff")
    browser.get(url + "/alerts")
    wait_for(lambda: browser.find_elements(By.ID, "alerts-preview"), message="the alerts page")
    nav = browser.find_element(By.TAG_NAME, "nav").text
    assert "短信提醒" in nav

    browser.find_element(By.XPATH, "//label[contains(., '村居干部')]").click()
    text = browser.find_element(By.ID, "alerts-text")
    text.clear()
    text.send_keys("【防汛】{单位}：{时间}起有强降雨，请立即巡查。")
    browser.find_element(By.ID, "alerts-preview").click()
    total = wait_for(lambda: text_of(browser, "alerts-preview-total"), message="the preview")
    assert total.startswith("共 35 人")
    units = text_of(browser, "alerts-preview-units")
    assert "东星社区居委会" in units and "西天尾镇" in units
    samples = text_of(browser, "alerts-preview-samples")
    assert "【防汛】" in samples and "{单位}" not in samples and "138****" in samples

    browser.find_element(By.ID, "alerts-send").click()
    sent = wait_for(lambda: text_of(browser, "alerts-sent"), message="sent")
    assert "35 人" in sent
    number = sent.split("#")[1].split("，")[0]
    wait_for(lambda: f"短信 #{number}" in text_of(browser, "alerts-board-title"), message="board")

    def all_sent():
        rows = browser.find_elements(By.CSS_SELECTOR, "#alerts-board-table tbody tr")
        cells = [c.text for c in rows[-1].find_elements(By.TAG_NAME, "th")] if rows else []
        return cells[:4] == ["总计", "35", "0", "35"]  # 合计, 排队, 已发送

    wait_for(all_sent, timeout=30, message="the board to show 35 sent")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "东庄镇" not in body and "秀屿区" not in body
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 35

    # A leader of the same town has no 短信提醒: no link, and the page refuses.
    browser.delete_all_cookies()
    log_in(browser, url, "xtw.leader")
    browser.get(url + "/alerts")
    refused = wait_for(lambda: text_of(browser, "alerts-refused"), message="refusal")
    assert "无权" in refused and "短信提醒" not in browser.find_element(By.TAG_NAME, "nav").text
