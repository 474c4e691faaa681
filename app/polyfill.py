"""Every page: Dash's babel-polyfill 7 replaced by the one piece of it Dash's scripts use.

Dash loads babel-polyfill (99 KB of core-js) before its own scripts so that they run in old
browsers. Its scripts need only `regeneratorRuntime`, babel's helper for async functions; the
browsers that can draw the map (MapLibre 5) have the rest natively, and core-js's stand-ins
cost them: evaluating it and its slower `String.prototype.trim` took 100-190 ms of the main
thread before the first map (B1 A/B, median of 8). regenerator-runtime alone is 7 KB,
built by `make install` (tools/plotly-bundle); without it the page keeps Dash's polyfill.
"""

from __future__ import annotations

import re

from app import built_assets
from layers.shipped import PROJECT_ROOT

RUNTIME = PROJECT_ROOT / "tools" / "plotly-bundle" / "dist" / "regenerator-runtime.min.js"
ROUTE = "/_dash-component-suites/onemap/regenerator-runtime.min.js"  # public, like Dash's own
POLYFILL_TAG = re.compile(r'<script src="[^"]*/polyfill@[^"]*"></script>')


def install(app, runtime=RUNTIME) -> bool:
    """Serve the runtime and put it in the polyfill's place on every page; False (the page
    unchanged) when it is not built."""
    if not built_assets.serve(app.server, ROUTE, "regenerator_runtime", runtime):
        return False
    tag = f'<script src="{app.get_relative_path(ROUTE)}"></script>'
    interpolate = app.interpolate_index

    def interpolate_index(**parts):
        parts["scripts"] = POLYFILL_TAG.sub(tag, parts.get("scripts", ""), count=1)
        return interpolate(**parts)

    app.interpolate_index = interpolate_index
    return True
