"""B8: one step of the typhoon slider on 台风会商 (1521 杜鹃 near its landfall in 秀屿区), as a
city leader, on `make run`'s demo data (every module's: the exposure list names key points).

Ours: the page's `render` callback asked for a step (only the slider's value changed), which
answers a Dash Patch of the traces that move (the wind circles and the centre) with the
status line and the exposure list. Baseline: the same callback in the same process, asked as
for a new storm, which answers the whole figure (warning lines, the track coloured by grade
with its hover text, forecasts, circles, centre, layout): what every step sent before.
Each variant walks the same hours (HOURS, one per request), alternating.

Server side: bytes on the wire (status line, headers, gzip body, counted in waitress) and the
server's time per request; the figure's own JSON before compression. Browser side (same
Chromium, same page): the page itself fetches the answer and redraws the map with it as
dcc.Graph does (Plotly.react), timed from the request to MapLibre having loaded the new
centre; the answer -> drawn part is the redraw. The whole figure keeps the view on screen,
so neither variant moves the camera. Last, ours as a person does it: an arrow key on the
slider, to the map drawn (Dash's own dispatch, the Patch and the exposure list included).
"""

from __future__ import annotations

import itertools
import json
import time

import requests

from bench import browser, ours
from bench.runner import Context, Result, alternate, compare, log, median
from bench.serve import WireLog, serve, take_when

ID = "B8"
TITLE = "typhoon slider step: Patch vs the whole figure"
STORM = "1521"
HOURS = tuple(range(170, 190))  # 2015-09-28 22:00 to 09-29 17:00 Beijing: landfall 08:50
ENCODING = {"Accept-Encoding": "gzip"}
OUTPUTS = (
    ("typhoon-map", "figure"),
    ("typhoon-status", "children"),
    ("typhoon-exposure", "children"),
)
STEP = ["typhoon-time.value"]
NEW_STORM = ["typhoon-storm.value"]

# Fetch one answer in the page and redraw the map with it as dcc.Graph does (Plotly.react):
# a Patch replaces the moving traces in the figure on screen, the rest stay the same objects;
# the whole figure is all new objects, keeping the view on screen. Resolves once MapLibre has
# loaded the new centre (then one frame more): {fetched, drawn} in page ms from t0.
STEP_JS = """
const [body, done] = arguments;
const g = document.querySelector('#typhoon-map .js-plotly-plot');
const map = () => g._fullLayout.map._subplot.map;
const token = (document.cookie.match(/(?:^|; )_csrf_token=([^;]*)/) || [])[1] || '';
const t0 = performance.now();
fetch('/_dash-update-component', {
  method: 'POST', credentials: 'same-origin',
  headers: {'Content-Type': 'application/json', 'X-CSRFToken': decodeURIComponent(token)},
  body: JSON.stringify(body),
}).then(r => r.json()).then(answer => {
  const fetched = performance.now() - t0;
  const figure = answer.response['typhoon-map'].figure;
  let data, layout;
  if (figure.operations) {
    data = g.data.slice();
    for (const op of figure.operations) data[data.length + op.location[1]] = op.params.value;
    layout = g.layout;
  } else {
    data = figure.data;
    layout = figure.layout;
    layout.map.zoom = g.layout.map.zoom;
    layout.map.center = g.layout.map.center;
  }
  const lon = data[data.length - 1].lon[0];
  const look = () => {
    if (g.data[g.data.length - 1].lon[0] === lon && map().loaded()) {
      requestAnimationFrame(() => done({fetched: fetched, drawn: performance.now() - t0}));
    } else {
      requestAnimationFrame(look);
    }
  };
  Plotly.react(g, data, layout).then(() => requestAnimationFrame(look));
}).catch(error => done({error: String(error)}));
"""
# An arrow key on the slider, as a person moves it: to the new centre drawn.
KEY_JS = """
const done = arguments[0];
const g = document.querySelector('#typhoon-map .js-plotly-plot');
const before = g.data[g.data.length - 1].lon[0];
const t0 = performance.now();
const look = () => {
  const centre = g.data[g.data.length - 1];
  if (centre.lon && centre.lon[0] !== before && !g.classList.contains('dash-graph--pending')
      && g._fullLayout.map._subplot.map.loaded()
      && !document.querySelector('[data-dash-is-loading="true"]')) {
    requestAnimationFrame(() => done(performance.now() - t0));
  } else {
    requestAnimationFrame(look);
  }
};
const thumb = document.querySelector("#typhoon-time [role='slider']");
thumb.focus();
thumb.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
requestAnimationFrame(look);
"""
DRAWN_JS = """
const g = document.querySelector('#typhoon-map .js-plotly-plot');
const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
  && g._fullLayout.map._subplot.map;
return !!(m && m.loaded() && g.layout.meta && g.layout.meta.fitted
  && !document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending'));
"""


def body(hour: int, changed: list[str]) -> dict:
    """The render callback's request, field for field as dash-renderer builds it."""
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
        "inputs": [
            {"id": "typhoon-storm", "property": "value", "value": STORM},
            {"id": "typhoon-time", "property": "value", "value": hour},
            {"id": "typhoon-replay", "property": "value", "value": []},
        ],
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }


def start(ctx: Context) -> tuple[str, WireLog]:
    """Our app on a scratch SQLite file with every module's demo data, served."""
    url = ours.demo_database(ctx, "b8.sqlite")
    log(f"B8: our app with the demo data on {url}")
    app = ours.make_app(url)
    return ctx.resources.enter_context(serve(app.server))


def call(client: requests.Session, base: str, wire: WireLog, payload: dict) -> dict:
    wire.clear()
    started = time.perf_counter()
    response = client.post(base + "/_dash-update-component", json=payload, headers=ENCODING)
    elapsed = (time.perf_counter() - started) * 1000
    sent = take_when(wire)
    if response.status_code != 200 or "typhoon-map" not in response.text:
        raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")
    figure = response.json()["response"]["typhoon-map"]["figure"]
    return {
        "bytes": sum(s.bytes for s in sent),
        "figure_bytes": len(json.dumps(figure, separators=(",", ":")).encode()),
        "answer_bytes": len(response.content),
        "server_ms": sum(s.server_ms for s in sent),
        "round_trip_ms": elapsed,
    }


def walker(changed: list[str], do):
    """A variant that asks for the next hour of HOURS each time it runs."""
    hours = itertools.cycle(HOURS)
    return lambda: do(body(next(hours), changed))


def wait_drawn(driver, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while not driver.execute_script(DRAWN_JS):
        if time.monotonic() > deadline:
            raise browser.NotDrawn(f"the typhoon map was not drawn in {timeout_s:.0f} s")
        time.sleep(0.1)


def in_browser(ctx: Context, base: str) -> tuple[dict, list[float], str]:
    """(samples per variant, arrow-key steps in ms, renderer) in one Chromium."""
    with browser.chromium() as driver:
        driver.set_script_timeout(60)
        browser.log_in(driver, base, ours.LOGIN, ours.PASSWORD)
        driver.get(base + "/typhoon")
        wait_drawn(driver)

        def step(payload: dict) -> dict:
            result = driver.execute_async_script(STEP_JS, payload)
            if "error" in result:
                raise RuntimeError(f"in-page step failed: {result['error']}")
            return {
                "total_ms": result["drawn"],
                "redraw_ms": result["drawn"] - result["fetched"],
                "fetch_ms": result["fetched"],
            }

        samples = alternate(
            {
                "patch": walker(STEP, step),
                "whole": walker(NEW_STORM, step),
            },
            ctx.repetitions * 2,
            ctx.warmup,
        )
        driver.get(base + "/typhoon")  # Dash's figure again the one on screen
        wait_drawn(driver)
        keys = [float(driver.execute_async_script(KEY_JS)) for _ in range(ctx.repetitions * 2)]
        return samples, keys, browser.renderer(driver)


def run(ctx: Context) -> list[Result]:
    base, wire = ctx.shared("b8-app", lambda: start(ctx))
    client = ours.http_session(base)
    http = alternate(
        {
            "patch": walker(STEP, lambda payload: call(client, base, wire, payload)),
            "whole": walker(NEW_STORM, lambda payload: call(client, base, wire, payload)),
        },
        ctx.repetitions * 4,  # one request each: cheap, so more of them
        ctx.warmup,
    )
    p, w = http["patch"], http["whole"]
    no_browser = "n/a (HTTP, no browser)"
    where = (
        f"1521 杜鹃, hours {HOURS[0]}–{HOURS[-1]} after its first fix, one per request; a city "
        "leader (the whole city in scope) on every module's demo data"
    )
    rows = [
        compare(
            ID,
            "step response bytes",
            "B",
            p["bytes"],
            w["bytes"],
            "report",
            ctx,
            notes=f"{where}. One /_dash-update-component answer as sent (gzip, counted in "
            "waitress): the map, the status line and the exposure list. Uncompressed answer: "
            f"ours {median(p['answer_bytes']):,.0f} B, baseline {median(w['answer_bytes']):,.0f} B "
            "(the exposure list, the same in both, is most of it).",
            renderer=no_browser,
        ),
        compare(
            ID,
            "step figure JSON bytes",
            "B",
            p["figure_bytes"],
            w["figure_bytes"],
            "report",
            ctx,
            notes="the map's part of the answer, compact JSON before compression: ours a Patch "
            "of the 7/10/12-level circles and the centre (replaced by position from the end), "
            "the baseline the whole figure",
            renderer=no_browser,
        ),
        compare(
            ID,
            "step server time",
            "ms",
            p["server_ms"],
            w["server_ms"],
            "report",
            ctx,
            notes="from waitress starting the request to its last byte handed to the socket "
            "(session, scope, storm load, exposure at that time, JSON, gzip); round trip on "
            f"loopback: ours {median(p['round_trip_ms']):.0f} ms, baseline "
            f"{median(w['round_trip_ms']):.0f} ms",
            renderer=no_browser,
        ),
    ]
    try:
        samples, keys, renderer = in_browser(ctx, base)
    except browser.BrowserUnavailable as error:
        log(f"B8: no browser rows ({error})")
        return rows
    bp, bw = samples["patch"], samples["whole"]
    method = (
        "in one Chromium (1280×900) on the page itself: the answer fetched, then the map "
        "redrawn with Plotly.react as dcc.Graph does (ours: the figure on screen with the "
        "Patch's traces replaced, the others the same objects; baseline: the whole figure, "
        "all new objects, the view kept), to MapLibre loaded with the new centre (page clock, "
        "checked every frame)"
    )
    rows += [
        compare(
            ID,
            "step redraw in the browser",
            "ms",
            bp["redraw_ms"],
            bw["redraw_ms"],
            "report",
            ctx,
            notes=f"from the answer parsed to drawn (the map only: the status line and the "
            f"exposure list, the same in both, are not redrawn here); {method}",
            renderer=renderer,
        ),
        compare(
            ID,
            "step in the browser, request to drawn",
            "ms",
            bp["total_ms"],
            bw["total_ms"],
            "report",
            ctx,
            notes=f"{method}; the fetch alone: ours {median(bp['fetch_ms']):.0f} ms, baseline "
            f"{median(bw['fetch_ms']):.0f} ms",
            renderer=renderer,
        ),
        compare(
            ID,
            "step by the arrow key, to drawn",
            "ms",
            keys,
            [],
            "report",
            ctx,
            notes="ours as a person moves it: a keydown on the slider's thumb (one hour on), "
            "Dash's dispatch, the Patch answer, to the new centre drawn and no callback pending",
            renderer=renderer,
        ),
    ]
    return rows
