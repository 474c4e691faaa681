"""The config every dcc.Graph carries: no plotly.js control that links or sends data off the
server (its logo, "send to cloud", "edit in Chart Studio"). The core applies it to every
page's graphs; a module gives it to the graphs its callbacks return."""

from __future__ import annotations

from typing import Any

SAFE_GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
}
