"""No graph offers a control that sends data off the server.

plotly.js's modebar can show its logo (a link to plotly.com), a "send to cloud" button and
an "edit in Chart Studio" link. Every dcc.Graph a page lays out, the core's and the
modules', gets SAFE_GRAPH_CONFIG over whatever config it was given, so a module that forgets
one of the keys still sends nothing away.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dash
from dash import dcc
from dash.development.base_component import Component

from modules.sdk import SAFE_GRAPH_CONFIG

_GUARDED = "_onemap_safe_graphs"


def graphs(layout: Any) -> Iterator[dcc.Graph]:
    """Every dcc.Graph in a layout (a component, or a list of them)."""
    for item in layout if isinstance(layout, list | tuple) else [layout]:
        if not isinstance(item, Component):
            continue
        if isinstance(item, dcc.Graph):
            yield item
        for _path, child in item._traverse_with_paths():
            if isinstance(child, dcc.Graph):
                yield child


def make_safe(layout: Any) -> Any:
    """The layout with SAFE_GRAPH_CONFIG over every graph's own config."""
    for graph in graphs(layout):
        graph.config = {**(getattr(graph, "config", None) or {}), **SAFE_GRAPH_CONFIG}
    return layout


def _guarded(layout: Any) -> Any:
    if getattr(layout, _GUARDED, False):
        return layout
    if not callable(layout):
        return make_safe(layout)

    def safe_layout(**query: Any) -> Any:
        return make_safe(layout(**query))

    setattr(safe_layout, _GUARDED, True)
    return safe_layout


def guard_pages() -> None:
    """Make every registered page's layout safe (call once all pages are registered)."""
    for entry in dash.page_registry.values():
        entry["layout"] = _guarded(entry["layout"])
