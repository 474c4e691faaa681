"""Headless Chromium (Debian `chromium` + `chromium-driver`) against a live app."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest
from flask import request as served_request
from selenium.webdriver.common.by import By

from tests.accounts_fixture import PASSWORD
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.support import require_or_skip

CHROMIUM_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --window-size=1280,900 --enable-unsafe-swiftshader"
).split()


def _find(*names: str) -> str | None:
    for name in names:
        path = shutil.which(name) or (name if os.path.exists(name) else None)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chrome():
    """One headless Chromium for the session; a fresh page state per test via `browser`."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        require_or_skip(f"selenium is not installed: {error}")
    binary = _find("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver", "/usr/bin/chromedriver")
    if not binary or not driver_path:
        require_or_skip(
            "headless Chromium not found (install Debian packages chromium and chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chrome):
    chrome.delete_all_cookies()
    yield chrome


# Every path the live app answered, oldest first: for tests that count what reached the server
# (a MapLibre worker's requests do not show in the page's Resource Timing).
SERVED: list[str] = []


def _remember_requests(app) -> None:
    @app.server.after_request
    def remember(response):
        SERVED.append(served_request.full_path)
        return response


@pytest.fixture(scope="session")
def live_url(request) -> Iterator[str]:
    """The app on the embedded default (a SQLite file), loaded with the shipped boundaries,
    with the test accounts of tests.accounts_fixture."""
    with database_for(request, "live") as database:
        with serving(database, on_app=_remember_requests) as url:
            yield url


def log_in(browser, base: str, login: str, password: str = PASSWORD) -> None:
    """Log in through the login page as a person would."""
    browser.get(base + "/login")
    browser.find_element(By.ID, "login").send_keys(login)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 15
    while "/login" in browser.current_url and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "/login" not in browser.current_url, "login failed"


@pytest.fixture
def leader(browser, live_url):
    """The browser logged in as the city leader."""
    log_in(browser, live_url, "city.leader")
    return browser
