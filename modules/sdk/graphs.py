"""The config every dcc.Graph carries: no plotly.js control that links or sends data off the
server (its logo, "share chart" to Plotly Cloud, "edit in Chart Studio"), and the zh-CN
locale (toolbar tooltips and dates in Chinese; assets/zh.plotly.js defines it). The core
applies it to every page's graphs; a module gives it to the graphs its callbacks return."""

from __future__ import annotations

from typing import Any

# Forced on every graph, whatever config it was given.
NO_SENDING_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    # plotly.js 4 defaults to Plotly Cloud's URL; with the button gone, nothing may name it.
    "plotlyServerURL": "",
}
GRAPH_LOCALE = "zh-CN"

SAFE_GRAPH_CONFIG: dict[str, Any] = {**NO_SENDING_CONFIG, "locale": GRAPH_LOCALE}
