"""Headless Chromium (Debian `chromium` + `chromium-driver`) against a live app."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def live_url(tmp_path_factory) -> Iterator[str]:
    """The app on the embedded default (a SQLite file), loaded with the shipped boundaries."""
    database = Path(tmp_path_factory.mktemp("live")) / "onemap.sqlite"
    with serving(f"sqlite:///{database.as_posix()}") as url:
        yield url
