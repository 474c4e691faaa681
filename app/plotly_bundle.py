"""Serve the map-only plotly.js bundle (tools/plotly-bundle) in place of the full one.

dcc.Graph loads plotly.js from a fixed path under /_dash-component-suites/plotly/ when the
page has no `window.Plotly`. The full bundle is 4.8 MB; ours carries only the traces the
app draws (scatter, bar, choroplethmap, scattermap: 2.9 MB, 0.87 MB gzip), which halves the
script's evaluation time before the first map. Without a built bundle (no Node.js at install
time) Dash's full plotly.js is served as before.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from app import built_assets
from layers.shipped import PROJECT_ROOT

LOGGER = logging.getLogger(__name__)

BUNDLE = PROJECT_ROOT / "tools" / "plotly-bundle" / "dist" / "plotly-map.min.js"
DASH_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def install(server: Flask, bundle: Path = BUNDLE) -> bool:
    """Route Dash's plotly.js path to the map-only bundle; False when it is not built."""
    if not built_assets.serve(server, DASH_PATH, "plotly_map_bundle", bundle):
        LOGGER.warning("map-only plotly.js bundle not built (%s): serving the full one", bundle)
        return False
    return True


def preload(app) -> None:
    """Ask for plotly.js from the page's head. dcc.Graph asks for it only once the layout has
    arrived and rendered; fetched from the head, it downloads and compiles while Dash's own
    scripts run, and the graph's request finds it already there (one fetch)."""
    href = app.get_relative_path(DASH_PATH)
    app.index_string = app.index_string.replace(
        "{%css%}", f'<link rel="preload" href="{href}" as="script">{{%css%}}'
    )
