"""In headless Chromium, on the demo data: plotly's toolbar and date axes in Chinese, no graph
on any page offering to send its figure away, Dash's dropdowns and the page router's 404 in
Chinese."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.modules.consult.conftest import seed

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")

GRAPH_CONTEXTS_JS = """
return [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._context).map(g => ({
  id: (g.closest('.dash-graph') || g).id,
  locale: g._context.locale,
  showSendToCloud: g._context.showSendToCloud,
  plotlyServerURL: g._context.plotlyServerURL,
  displaylogo: g._context.displaylogo,
  buttons: [...g.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title')),
  links: [...g.querySelectorAll('a[href]')].map(a => a.href),
}));
"""

# A chart a module's callback might return with a config of its own that names neither the
# locale nor the cloud: assets/zh.plotly.js makes both the default.
DATE_CHART_JS = """
const div = document.createElement('div');
div.style.width = '600px';
div.style.height = '300px';
document.body.appendChild(div);
return Plotly.newPlot(div, [{x: ['2015-09-27 08:00', '2015-09-28 20:00', '2015-09-30 08:00'],
                             y: [1, 3, 2], type: 'scatter'}], {}, {responsive: false})
  .then(() => ({
    ticks: [...div.querySelectorAll('.xtick text')].map(t => t.textContent),
    locale: div._context.locale,
    showSendToCloud: div._context.showSendToCloud,
    plotlyServerURL: div._context.plotlyServerURL,
  }));
"""


@pytest.fixture(scope="module")
def demo_url(request):
    with database_for(request, "locale-live", seed) as database, serving(database) as url:
        yield url


def graph_contexts(page) -> list[dict]:
    return page.execute_script(GRAPH_CONTEXTS_JS) or []


def drawn_graphs(page, count: int) -> list[dict]:
    return wait_for(
        lambda: (found := graph_contexts(page)) and len(found) >= count and found,
        message=f"{count} graph(s) drawn",
    )


def demo_event(page) -> int:
    events = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/consult/events').then(r => r.json()).then(done);"
    )["events"]
    assert events, "the demo consultation of 1521 杜鹃"
    return events[0]["id"]


def test_the_toolbar_and_date_axes_speak_chinese(browser, demo_url):  # noqa: F811
    page = browser
    page.set_script_timeout(30)
    log_in(page, demo_url, "city.leader")
    page.get(demo_url + "/")
    [graph] = drawn_graphs(page, 1)
    wait_for(lambda: graph_contexts(page)[0]["buttons"], message="the modebar's buttons")
    titles = graph_contexts(page)[0]["buttons"]
    assert "平移" in titles and "放大" in titles and "缩小" in titles, titles
    assert all(CJK.search(title) for title in titles), titles
    # The modebar comes with plotly's figure; MapLibre's canvas can follow it a while later.
    canvas = wait_for(
        lambda: page.find_element(By.CSS_SELECTOR, "#map .maplibregl-canvas"),
        message="the map's canvas",
    )
    assert canvas.get_attribute("aria-label") == "地图"

    chart = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"(function () {{ {DATE_CHART_JS} }})().then(done);"
    )
    assert chart["locale"] == "zh-CN"
    assert chart["showSendToCloud"] is False and chart["plotlyServerURL"] == ""
    ticks = " ".join(chart["ticks"])
    assert "9月28日" in ticks and "2015年" in ticks, ticks
    assert not re.search(r"Sep|Oct", ticks), ticks


def test_no_graph_on_any_page_offers_to_send_its_figure_away(browser, demo_url):  # noqa: F811
    page = browser
    page.set_script_timeout(30)
    log_in(page, demo_url, "city.coordinator")
    event = demo_event(page)
    seen = {}
    for path in ("/", "/typhoon", f"/consult?event={event}"):
        page.get(demo_url + path)
        for graph in drawn_graphs(page, 1):
            seen[(path, graph["id"])] = graph
    assert len(seen) >= 3, sorted(seen)
    for where, graph in seen.items():
        assert graph["showSendToCloud"] is False and graph["displaylogo"] is False, where
        assert graph["plotlyServerURL"] == "" and graph["locale"] == "zh-CN", where
        offered = " ".join(filter(None, graph["buttons"]))
        assert not re.search(r"Share|分享|Chart Studio|Cloud|Edit", offered), (where, offered)
        assert not [link for link in graph["links"] if not link.startswith(demo_url)], where


def test_dropdowns_speak_chinese(browser, demo_url):  # noqa: F811
    page = browser
    log_in(page, demo_url, "city.coordinator")
    page.get(demo_url + "/alerts")
    sites = wait_for(lambda: page.find_element(By.ID, "alerts-sites"), message="the dropdown")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", sites)
    sites.click()
    menu = wait_for(
        lambda: page.find_element(By.CSS_SELECTOR, ".dash-dropdown-content"), message="its menu"
    )
    search = menu.find_element(By.CSS_SELECTOR, "input[type=search]")
    assert search.get_attribute("placeholder") == "搜索"
    actions = [b.text for b in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-action-button")]
    assert actions == ["全选", "全不选"], actions
    search.send_keys("zzzz-nothing")
    wait_for(lambda: "没有匹配的选项" in menu.text, message="no options found, in Chinese")
    assert not re.search(r"Search|Select All|No options", menu.text)


def test_a_link_to_no_page_shows_the_chinese_404(browser, demo_url):  # noqa: F811
    page = browser
    log_in(page, demo_url, "xitianwei.staff")
    page.get(demo_url + "/")
    wait_for(lambda: page.find_element(By.ID, "breadcrumb"), message="the map page")
    # Followed inside the page (the server answers a full load of it with its own 404 page).
    page.execute_script(
        "window.history.pushState({}, '', '/no-such-page');"
        "window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));"
    )
    title = wait_for(lambda: page.find_element(By.ID, "not-found-title"), message="the 404")
    assert title.text == "页面不存在"
    main = page.find_element(By.CSS_SELECTOR, "main").text
    assert "返回地图" in main and "Page not found" not in main
