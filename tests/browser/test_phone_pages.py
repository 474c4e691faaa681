"""Every page on a phone (390×844, Chromium's mobile emulation), as the roles that see it, on
the demo data: the page fits the width (no sideways scroll), nothing overlaps (the header's
parts, the page's blocks, what floats over a map), no English from a library shows. The
pages with a map are in tests/browser/test_phone_map.py (the viewer's units in its view)."""

from __future__ import annotations

import time

import pytest

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.consult.conftest import seed

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844

# What Dash, plotly.js, MapLibre or AG Grid would say in English if a text were missed.
LIBRARY_ENGLISH = (
    "Search",
    "Select All",
    "Deselect All",
    "No options found",
    "No Rows To Show",
    "Page Size",
    "First Page",
    "Press Space",
    "Column Menu",
    "Loading...",
    "Page not found",
    "Toggle attribution",
    "Increase value",
    "Decrease value",
    "Download plot",
    "Zoom in",
    "Reset view",
    "Reset axes",
    "Autoscale",
)

# Problems of the page as it is drawn, each a sentence naming the elements; [] when none.
LAYOUT_JS = """
const width = arguments[0], english = arguments[1];
const problems = [];
const visible = e => {
  if (!e) return false;
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
};
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/)[0] : '');
const rect = e => e.getBoundingClientRect();
const overlap = (a, b) => {
  const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return x > 1 && y > 1 ? x * y : 0;
};
const apart = (elements, what) => {
  const shown = elements.filter(visible);
  for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++) {
    if (overlap(rect(shown[i]), rect(shown[j])))
      problems.push(`${what}: ${name(shown[i])} overlaps ${name(shown[j])}`);
  }
};
const wide = document.scrollingElement.scrollWidth;
if (wide > width) problems.push(`the page is ${wide} px wide: it scrolls sideways`);

const header = document.querySelector('.shell-header');
if (header) {
  apart([...header.children], 'header');
  const nav = header.querySelector('nav');
  if (visible(nav) && nav.scrollWidth > nav.clientWidth + 1 &&
      !/auto|scroll/.test(getComputedStyle(nav).overflowX))
    problems.push('header: the links do not fit and cannot be scrolled to');
}
const root = document.querySelector('#_pages_content > *') || document.querySelector('main');
const blocks = root ? [...root.children].filter(e => getComputedStyle(e).position !== 'fixed') : [];
apart([header, ...blocks].filter(Boolean), 'page');
for (const block of blocks.filter(visible)) {
  const r = rect(block);
  if (r.left < -1 || r.right > width + 1)
    problems.push(`${name(block)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
}

// What floats over the main map (search, legend, notices, and the modebar a tap shows) stays
// on the map, apart, and leaves at least half of it to see.
for (const area of [...document.querySelectorAll('.map-area')].filter(visible)) {
  const map = rect(area);
  const floating = [...area.children].filter(e =>
    visible(e) && /absolute|fixed/.test(getComputedStyle(e).position));
  const modebar = area.querySelector('.modebar');
  if (visible(modebar)) floating.push(modebar);
  apart(floating, `over ${name(area)}`);
  for (const e of floating) {
    const r = rect(e);
    if (r.left < map.left - 1 || r.right > map.right + 1 || r.top < map.top - 1 ||
        r.bottom > map.bottom + 1)
      problems.push(`${name(e)} sticks out of ${name(area)}`);
    if (overlap(r, map) > 0.5 * map.width * map.height)
      problems.push(`${name(e)} covers more than half of ${name(area)}`);
  }
}

const said = [document.body.innerText,
  ...[...document.querySelectorAll('[aria-label], [title], [placeholder], [data-title]')].map(e =>
    [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder'),
     e.getAttribute('data-title')].join(' '))].join('\\n');
for (const phrase of english)
  if (said.includes(phrase)) problems.push(`English shown: "${phrase}"`);
return problems;
"""

# The pages without a map, and who opens them: each role's pages in one visit.
VISITS = {
    "xitianwei.staff": ("/flood/patrol", "/alerts", "/ledger", "/consult"),
    "city.coordinator": ("/flood/campaigns", "/alerts"),
    "city.admin": ("/flood/import", "/admin"),
    "city.leader": ("/ledger", "/account/password"),
}
# Something each page shows once it is drawn.
READY = {
    "/flood/patrol": "我的巡查",
    "/flood/campaigns": "巡查任务",
    "/flood/import": "导入重点部位",
    "/alerts": "短信提醒",
    "/ledger": "一张表",
    "/consult": "会商",
    "/admin": "审计日志",
    "/account/password": "修改密码",
}


# The page's own text (the header's links name every page).
CONTENT_JS = (
    "return (document.querySelector('#_pages_content') || document.querySelector('main')"
    " || document.body).innerText"
)


@pytest.fixture
def phone(browser):  # noqa: F811
    """The browser as a 390×844 phone, for one test."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 2, "mobile": True},
    )
    browser.set_script_timeout(30)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def demo_app(request, prefix: str):
    """The demo data of every module (the consultation's seed), served."""
    return database_for(request, prefix, seed)


def settled(page, timeout: float = 20.0) -> None:
    """Wait until the page stops changing size and text (callbacks and grids have drawn)."""
    last, same, deadline = None, 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = page.execute_script(
            "const s = document.scrollingElement;"
            "return [s.scrollWidth, s.scrollHeight, document.body.innerText.length];"
        )
        same = same + 1 if now == last else 0
        if same >= 3:
            return
        last = now
        time.sleep(0.25)


def layout_problems(page) -> list[str]:
    return page.execute_script(LAYOUT_JS, WIDTH, list(LIBRARY_ENGLISH))


def open_page(page, base: str, path: str, ready: str) -> None:
    page.get(base + path)
    wait_for(lambda: ready in page.execute_script(CONTENT_JS), message=ready)
    settled(page)


@pytest.fixture(scope="module")
def pages_url(request):
    with demo_app(request, "phone-pages") as database, serving(database) as url:
        yield url


@pytest.mark.parametrize("login", sorted(VISITS))
def test_every_page_fits_a_phone(phone, pages_url, login):
    log_in(phone, pages_url, login)
    problems = {}
    for path in VISITS[login]:
        open_page(phone, pages_url, path, READY[path])
        found = layout_problems(phone)
        if found:
            problems[path] = found
    assert not problems, problems
