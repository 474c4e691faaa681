"""No graph offers plotly's logo link, cloud sharing or Chart Studio editing: every page's
layout (the core's and the modules'), as each role sees it, is checked as it is served."""

from __future__ import annotations

import json

import dash
from dash import dcc, html

from app.graph_config import SAFE_GRAPH_CONFIG, make_safe
from tests.dash_client import call_callback, response_json

ROUTER = ".._pages_content.children..._pages_store.data.."
VIEWERS = ("city.leader", "xitianwei.staff", "city.coordinator", "city.admin")


def served_layout(client, path: str) -> dict:
    """The page's layout as Dash's page router sends it to the browser."""
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", "")],
        output_key=ROUTER,
    )
    return response_json(response)["response"]["_pages_content"]["children"]


def graphs_in(tree) -> list[dict]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == "Graph" and tree.get("namespace") == "dash_core_components":
            found.append(tree)
        for value in tree.values():
            found.extend(graphs_in(value))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(graphs_in(item))
    return found


def test_every_graph_of_every_page_sends_nothing_off_the_server(onemap_app, client_as):
    onemap_app.server.test_client().get("/login")  # Dash completes its routes on a request
    paths = [page["relative_path"] for page in dash.page_registry.values()]
    assert {"/", "/admin", "/typhoon"} <= set(paths), paths
    graphs = 0
    for login in VIEWERS:
        client = client_as(login)
        for path in paths:
            for graph in graphs_in(served_layout(client, path)):
                graphs += 1
                config = graph["props"].get("config") or {}
                for key, value in SAFE_GRAPH_CONFIG.items():
                    assert config.get(key) == value, (login, path, graph["props"].get("id"), key)
    assert graphs >= len(VIEWERS), "the map's own graph should be found on every walk"


def test_a_graph_asking_for_plotly_s_links_still_gets_none():
    layout = html.Div(
        [dcc.Graph(id="g", config={"displaylogo": True, "showSendToCloud": True, "locale": "zh"})]
    )
    graph = make_safe(layout).children[0]
    assert graph.config["displaylogo"] is False and graph.config["showSendToCloud"] is False
    assert graph.config["showEditInChartStudio"] is False and graph.config["locale"] == "zh"
    assert json.dumps(graph.to_plotly_json(), default=str)
