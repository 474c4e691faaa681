"""Headless Chromium as the shared MEASURING.md prescribes, and the in-page probe.

Every measured page load gets a new Chromium with a new temporary profile (chromedriver makes
one per session), logged in through the login form, then its HTTP cache cleared over CDP, so
the load starts as a first visit: nothing cached, nothing compiled. Times come from the page's
own clock (performance.now(), 0 = navigation start), never from WebDriver round trips.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger(__name__)

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--enable-unsafe-swiftshader",
)
PROBE = (Path(__file__).with_name("probe.js")).read_text(encoding="utf-8")
RENDERER_JS = """
const gl = document.createElement('canvas').getContext('webgl');
if (!gl) return 'no WebGL';
const info = gl.getExtension('WEBGL_debug_renderer_info');
return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
"""


class BrowserUnavailable(RuntimeError):
    """No headless Chromium or chromedriver on this machine."""


class NotDrawn(TimeoutError):
    """The page did not reach the expected drawn state in time."""


def _find(*candidates: str) -> str | None:
    for candidate in candidates:
        found = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
        if found:
            return found
    return None


@contextmanager
def chromium(expect: dict | None = None) -> Iterator[Any]:
    """A fresh headless Chromium (new profile) with the probe installed; quit afterwards.

    `expect` is the drawn state the probe waits for from navigation start (None: set later
    with `expect`).
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        raise BrowserUnavailable(f"selenium is not installed: {error}") from error
    binary = _find("chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver", "/usr/bin/chromedriver")
    if not binary or not driver_path:
        raise BrowserUnavailable("headless Chromium or chromedriver not found")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_page_load_timeout(90)
        driver.set_script_timeout(30)
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": PROBE.replace("__EXPECT__", json.dumps(expect))},
        )
        yield driver
    finally:
        browser_pids = _descendants(driver.service.process.pid)
        driver.quit()
        _wait_gone(browser_pids)


def _descendants(root: int) -> set[int]:
    """Every process below `root` (Chromium's browser, GPU, renderer and utility processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_gone(pids: set[int], timeout_s: float = 15.0) -> None:
    """Wait until a quit browser's processes have exited: a heavy page's teardown (a 2 GB
    renderer freeing its memory) would otherwise take the CPU from the next measured load."""
    deadline = time.monotonic() + timeout_s
    while pids and time.monotonic() < deadline:
        pids = {pid for pid in pids if _running(pid)}
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:  # a zombie (state Z) has exited; only its parent has not collected it yet
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def renderer(driver) -> str:
    """The WebGL renderer string (SwiftShader under these flags)."""
    return str(driver.execute_script(RENDERER_JS))


def log_in(driver, base: str, login: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    from selenium.webdriver.common.by import By

    driver.get(base + "/login?next=/healthz")  # a light page: load nothing of the map yet
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 15
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.05)
    if "/login" in driver.current_url:
        raise RuntimeError(f"login as {login} failed at {base}")


def cold_start(driver) -> None:
    """Leave the page and empty the HTTP cache (keeps cookies: the login survives)."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})


def expect(driver, expectation: dict) -> None:
    """Set what the probe waits for next (for a step after the page has loaded)."""
    driver.execute_script("window.__bench.expect = arguments[0];", expectation)


def wait_reached(driver, name: str, timeout_s: float = 60.0) -> dict:
    """Block until the probe records `name` as reached; its record (times in page ms)."""
    deadline = time.monotonic() + timeout_s
    state: dict = {}
    while time.monotonic() < deadline:
        state = driver.execute_script("return window.__bench || {};") or {}
        for record in state.get("reached", []):
            if record.get("name") == name:
                record["plotly_at"] = state.get("plotlyAt")
                record["figure_at"] = state.get("figureAt")
                record["first_afterplot_at"] = (state.get("afterplot") or [None])[0]
                record["probe_checks"] = state.get("checks")
                record["probe_query_ms_total"] = state.get("queryMs")
                record["probe_last_query_ms"] = state.get("lastQueryMs")
                return record
        time.sleep(0.1)
    summary = {k: state.get(k) for k in ("expect", "afterplot", "checks", "queries", "error")}
    raise NotDrawn(f"{name} not drawn within {timeout_s:.0f} s; probe state: {summary}")


def resource_transfer(driver) -> list[dict]:
    """What the page itself saw (Resource Timing): url, transferSize, decodedBodySize.

    Requests made by a Web Worker (MapLibre fetching URL-sourced layers) are not here, which
    is why bytes are counted at the server (bench.serve); this is a cross-check.
    """
    return driver.execute_script(
        """
        const nav = performance.getEntriesByType('navigation').map(e => (
          {url: e.name, transfer: e.transferSize, decoded: e.decodedBodySize}));
        const res = performance.getEntriesByType('resource').map(e => (
          {url: e.name, transfer: e.transferSize, decoded: e.decodedBodySize}));
        return nav.concat(res);
        """
    )
