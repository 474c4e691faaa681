"""Load dist/plotly-map.min.js and the full plotly.min.js in headless Chromium.

For each bundle and each of RUNS fresh browser sessions (cache disabled),
page.html is served from a temporary folder on 127.0.0.1, draws a
choroplethmap + scattermap + a geojson map layer on style 'white-bg', and
reports: script evaluation time (performance.now() before/after the script
tag), time from Plotly.newPlot to the map's first 'idle', whether
plotly_afterplot fires (on a Plotly.react round), and the fill/circle/line
features found by map.queryRenderedFeatures().

    .venv/bin/python tools/plotly-bundle/verify/verify_chromium.py [RUNS]

Needs Debian's chromium + chromedriver and selenium (in the project venv).
Runs offline: nothing on the page needs the network.
"""

import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import plotly
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = Path(__file__).resolve().parent
BUNDLES = {
    "map": HERE.parent / "dist" / "plotly-map.min.js",
    "full": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
}
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--window-size=900,700",
]
KEYS = ("evalMs", "evalAfterFetchMs", "firstRenderMs")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        o.add_argument(flag)
    d = webdriver.Chrome(options=o, service=Service("/usr/bin/chromedriver"))
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return d


def load(url):
    d = browser()  # fresh browser each load: no HTTP, memory or code cache
    try:
        d.get(url)
        deadline = time.time() + 60
        while time.time() < deadline:
            r = d.execute_script("return window.__result")
            if r and r.get("done"):
                return r
            time.sleep(0.2)
        return {"errors": ["timeout"], **(r or {})}
    finally:
        d.quit()


def ok(r):
    return bool(
        r.get("hasPlotly")
        and r.get("afterplot", 0) >= 1
        and r.get("fillFeatures", 0) > 0
        and r.get("circleFeatures", 0) > 0
        and not r.get("errors")
    )


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    page = (HERE / "page.html").read_text()
    with tempfile.TemporaryDirectory() as www:
        for name, path in BUNDLES.items():
            shutil.copy(path, Path(www) / path.name)
            (Path(www) / f"{name}.html").write_text(page.replace("__SRC__", path.name))
        port = free_port()
        srv = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=www,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1)
            rows = {name: [] for name in BUNDLES}
            for _ in range(runs):  # interleaved, so machine-load drift hits both bundles
                for name in BUNDLES:
                    rows[name].append(load(f"http://127.0.0.1:{port}/{name}.html"))
        finally:
            srv.terminate()
            srv.wait()
    report = {}
    for name, rs in rows.items():
        good = [r for r in rs if ok(r)]
        entry = {
            "bundle": str(BUNDLES[name].name),
            "bytes": BUNDLES[name].stat().st_size,
            "ok": f"{len(good)}/{len(rs)}",
        }
        for k in KEYS:
            vals = [r[k] for r in good]
            entry[k] = [round(v) for v in vals]
            entry["median_" + k] = round(statistics.median(vals)) if vals else None
        entry["sample"] = {
            k: rs[0].get(k)
            for k in (
                "version",
                "afterplot",
                "fillFeatures",
                "circleFeatures",
                "lineFeatures",
                "styleInjected",
                "errors",
            )
        }
        report[name] = entry
    print(json.dumps(report, indent=1))
    return 0 if all(r["ok"] == f"{runs}/{runs}" for r in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
