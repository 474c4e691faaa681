"""The pages with a map on a phone (390×844), as the roles that see them, on the demo data:
the map shows the viewer's own units inside its view (the whole bounding box of each unit of
their jurisdiction, projected by MapLibre), the page fits the width and nothing overlaps
(tests/browser/test_phone_pages.py: the header, the page's blocks, what floats over the
map), and a chart's legend leaves at least half of its map to see."""

from __future__ import annotations

import pytest

from tests.accounts_fixture import USERS
from tests.app_server import serving
from tests.browser.conftest import browser, chrome, log_in  # noqa: F401 (fixtures)
from tests.browser.test_drilldown import wait_for
from tests.browser.test_phone_pages import demo_app, layout_problems, phone, settled  # noqa: F401

pytestmark = pytest.mark.browser

# Where the viewer's units are on a drawn map: each bounding box's corners in the canvas's
# pixels, the canvas's place on the screen, and how much of the graph plotly's legend takes.
VIEW_JS = """
const [selector, boxes] = arguments;
const graph = document.querySelector(selector + ' .js-plotly-plot');
if (!graph || !graph._fullLayout || !graph._fullLayout.map || !graph._fullLayout.map._subplot)
  return null;
const map = graph._fullLayout.map._subplot.map;
if (!map) return null;
const canvas = map.getCanvas().getBoundingClientRect();
const outside = [];
for (const [code, [w, s, e, n]] of Object.entries(boxes)) {
  for (const corner of [[w, s], [w, n], [e, s], [e, n]]) {
    const p = map.project(corner);
    if (p.x < -2 || p.y < -2 || p.x > canvas.width + 2 || p.y > canvas.height + 2)
      outside.push(`${code} corner ${corner} at ${Math.round(p.x)},${Math.round(p.y)} px`);
  }
}
const legend = graph.querySelector('.infolayer .legend');
const shown = legend && legend.getBoundingClientRect();
const area = graph.getBoundingClientRect();
return {
  outside: outside,
  canvas: [canvas.left, canvas.right, canvas.width, canvas.height].map(Math.round),
  legendShare: shown ? (shown.width * shown.height) / (area.width * area.height) : 0,
};
"""

# (login, path, the graph that is a map); {event} is the demo consultation.
MAP_PAGES = (
    ("city.leader", "/", "#map"),
    ("xitianwei.staff", "/", "#map"),
    ("xiuyu.staff", "/", "#map"),
    ("city.admin", "/", "#map"),
    ("city.leader", "/typhoon", "#typhoon-map"),
    ("city.coordinator", "/consult?event={event}", "#consult-map"),
)


@pytest.fixture(scope="module")
def map_url(request):
    with demo_app(request, "phone-map") as database, serving(database) as url:
        yield url


def fetch_json(page, path: str):
    return page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.json()).then(done);",
        path,
    )


def unit_boxes(page, login: str) -> dict[str, list[float]]:
    """The bounding box of each unit of the viewer's jurisdiction, as the API gives it."""
    _role, scopes = USERS[login]
    return {code: fetch_json(page, f"/api/v1/divisions/{code}")["bbox"] for code in scopes}


@pytest.mark.parametrize(("login", "path", "graph"), MAP_PAGES)
def test_a_map_page_on_a_phone_shows_the_viewer_s_units(phone, map_url, login, path, graph):  # noqa: F811
    log_in(phone, map_url, login)
    if "{event}" in path:
        events = fetch_json(phone, "/api/v1/consult/events")["events"]
        assert events, "the demo consultation of 1521 杜鹃"
        path = path.format(event=events[0]["id"])
    boxes = unit_boxes(phone, login)
    phone.get(map_url + path)
    view = wait_for(
        lambda: phone.execute_script(VIEW_JS, graph, boxes), timeout=45, message="the map drawn"
    )
    settled(phone)
    view = phone.execute_script(VIEW_JS, graph, boxes)
    left, right, width, height = view["canvas"]
    assert left >= 0 and right <= 390 and width >= 300 and height >= 300, view["canvas"]
    assert not view["outside"], view["outside"]
    assert view["legendShare"] <= 0.5, f"the legend takes {view['legendShare']:.0%} of the map"
    problems = layout_problems(phone)
    assert not problems, problems
