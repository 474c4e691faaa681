"""B3: drill down city -> 荔城区 (6 towns) -> 西天尾镇 (17 villages) from the side panel.

Ours: the real app at `/`, clicking the side-panel buttons 荔城区 then 西天尾镇 (the same
clientside `chooseUnit` a map click drives, then the `render` callback); each step ends when
MapLibre has rendered exactly the children's fills. Geometry comes by URL (`?parent=`), the
callbacks carry values.
Baseline: a Dash app whose button callback rebuilds the whole figure with `px.choropleth_map`
and the children's shipped GeoJSON inline (bench.baselines.drilldown_app).
Time per step: from the click event (page clock) to drawn. Bytes per step: every response the
server sent between the click and the page going quiet (callbacks, GeoJSON, revalidations).
"""

from __future__ import annotations

from contextlib import ExitStack

from selenium.webdriver.common.by import By

from bench import baselines, browser, ours
from bench.runner import Context, Result, alternate, compare, median
from bench.serve import serve, settle

ID = "B3"
TITLE = "drill-down county -> towns -> villages"
CITY, COUNTY, TOWN = "350300000000", "350304000000", "350304100000"
STEPS = ((COUNTY, "荔城区", "towns"), (TOWN, "西天尾镇", "villages"))


def child_codes(parent: str) -> list[str]:
    return sorted(f["properties"]["code"] for f in baselines.children_of(parent))


CAMERA_JS = """
const m = document.querySelector(arguments[0])._fullLayout.map._subplot.map;
const c = m.getCenter();
return {center: [c.lng, c.lat], zoom: m.getZoom()};
"""
# A camera move alone, no data and no plotly: the renderer's share of any drill-down step.
JUMP_JS = """
const done = arguments[arguments.length - 1];
const m = document.querySelector(arguments[0])._fullLayout.map._subplot.map;
let frames = 0;
const count = () => { frames += 1; };
m.on('render', count);
m.once('idle', () => { m.off('render', count); done([performance.now() - t0, frames]); });
const t0 = performance.now();
m.jumpTo(arguments[1]);
"""


def camera_floor(driver, selector: str, camera: dict) -> tuple[float, float]:
    """(ms, frames) from jumpTo(camera) to MapLibre idle: every source re-tiled for the new
    view and the frames drawn, with nothing else asked of the page."""
    ms, frames = driver.execute_async_script(JUMP_JS, selector, camera)
    return float(ms), float(frames)


def drill(driver, base: str, wire, selector: str) -> dict:
    """Empty the HTTP cache, open the city, then click through the steps: a first visit.
    Last, from the town's view, a camera move alone back to the county's view (the floor)."""
    metrics: dict[str, float] = {}
    browser.cold_start(driver)
    driver.get(base + "/")
    browser.wait_reached(driver, "city")
    settle(wire)
    for parent, name, label in STEPS:
        browser.expect(
            driver,
            {
                "name": label,
                "selector": selector,
                "since": "click",
                "fill": {"codes": child_codes(parent), "exact": True},
            },
        )
        button = driver.find_element(
            By.XPATH, f"//ul[@id='children-list']//button[normalize-space()='{name}']"
        )
        wire.clear()
        button.click()
        reached = browser.wait_reached(driver, label)
        sent = settle(wire)
        metrics[f"{label}_ms"] = reached["t"] - reached["t0"]
        metrics[f"{label}_bytes"] = sum(s.bytes for s in sent)
        metrics[f"{label}_requests"] = len(sent)
        if label == "towns":
            county_view = driver.execute_script(CAMERA_JS, selector)
    metrics["floor_ms"], metrics["floor_frames"] = camera_floor(driver, selector, county_view)
    settle(wire)
    metrics["time_ms"] = sum(metrics[f"{label}_ms"] for *_, label in STEPS)
    metrics["bytes"] = sum(metrics[f"{label}_bytes"] for *_, label in STEPS)
    return metrics


def open_browser(stack: ExitStack, base: str, login: bool, selector: str):
    """One Chromium per variant for all its repetitions (only the steps are timed)."""
    start = {"name": "city", "selector": selector, "fill": {"codes": child_codes(CITY)}}
    driver = stack.enter_context(browser.chromium(start))
    if login:
        browser.log_in(driver, base, ours.LOGIN, ours.PASSWORD)
    return driver


def steps(samples: dict[str, list[float]]) -> str:
    return ", ".join(
        f"{label} {median(samples[f'{label}_ms']):,.0f} ms / "
        f"{median(samples[f'{label}_bytes']):,.0f} B "
        f"({median(samples[f'{label}_requests']):.0f} resp.)"
        for *_, label in STEPS
    )


def run(ctx: Context) -> list[Result]:
    our_base, our_wire = ours.served(ctx)
    ours_map, base_map = "#map .js-plotly-plot", ".js-plotly-plot"
    with (
        serve(baselines.drilldown_app(CITY, compress=False).server) as (plain_url, plain_wire),
        serve(baselines.drilldown_app(CITY, compress=True).server) as (packed_url, packed_wire),
        ExitStack() as stack,
    ):
        our_driver = open_browser(stack, our_base, True, ours_map)
        base_driver = open_browser(stack, plain_url, False, base_map)
        samples = alternate(
            {
                "ours": lambda: drill(our_driver, our_base, our_wire, ours_map),
                "baseline": lambda: drill(base_driver, plain_url, plain_wire, base_map),
            },
            ctx.repetitions,
            ctx.warmup,
        )
        packed = drill(base_driver, packed_url, packed_wire, base_map)
    o, b = samples["ours"], samples["baseline"]
    method = (
        "sum of the two steps (city -> 荔城区 -> 西天尾镇), each from the click event to the "
        "children's fills rendered, exactly (page clock, probe every 25 ms); one Chromium per "
        "variant, its HTTP cache emptied (CDP) before each run opens the city: a first visit"
    )
    step_ms = median(b["time_ms"]) / len(STEPS)
    floor_note = (
        "what stops the time goal: from the town's view, MapLibre's jumpTo to the county's "
        "view, timed to its idle event: no plotly, no server, no new data, only the renderer "
        "re-tiling the sources already loaded and drawing the frames (SwiftShader). Ours "
        f"{median(o['floor_frames']):.0f} frames, baseline {median(b['floor_frames']):.0f}. "
        f"0.3 x the baseline's mean step is {0.3 * step_ms:,.0f} ms"
    )
    return [
        compare(
            ID,
            "floor: a camera move alone, time to idle",
            "ms",
            o["floor_ms"],
            b["floor_ms"],
            "report",
            ctx,
            notes=f"{floor_note}; the camera move alone takes {median(o['floor_ms']):,.0f} ms "
            f"(ours) / {median(b['floor_ms']):,.0f} ms (baseline).",
        ),
        compare(
            ID,
            "drill-down time, 2 steps",
            "ms",
            o["time_ms"],
            b["time_ms"],
            "<= 0.3",
            ctx,
            notes=f"{method}. Per step, ours: {steps(o)}; baseline: {steps(b)}.",
        ),
        compare(
            ID,
            "drill-down bytes, 2 steps",
            "B",
            o["bytes"],
            b["bytes"],
            "<= 0.1",
            ctx,
            notes="every response between each click and quiet (callbacks, GeoJSON, 304 "
            "revalidations): status line, headers and body as sent, counted at the server; "
            "baseline as first written (Dash's default, no compression).",
        ),
        compare(
            ID,
            "drill-down bytes vs compressed baseline",
            "B",
            o["bytes"],
            [packed["bytes"]],
            "<= 0.1",
            ctx,
            notes="the same baseline with compress=True (zstd to Chromium), one run: bytes do "
            f"not vary between runs. Its steps: {steps({k: [v] for k, v in packed.items()})}.",
        ),
    ]
