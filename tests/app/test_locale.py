"""zh-CN in what Dash and its libraries draw: every page's graphs carry the zh-CN locale and
no address of Plotly Cloud, every dropdown and data grid its Chinese texts, and a path that
is no page is answered in Chinese by the page router. Checked on the layouts as each role is
served them (the browser side is tests/browser/test_locale.py)."""

from __future__ import annotations

import json

import dash
from dash import dcc, html

from app.graph_config import DROPDOWN_LABELS, GRID_LOCALE_TEXT, make_safe, safe_config
from tests.app.test_graph_config import VIEWERS, served_layout


def components_in(tree, kind: str, namespace: str) -> list[dict]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == kind and tree.get("namespace") == namespace:
            found.append(tree)
        for value in tree.values():
            found.extend(components_in(value, kind, namespace))
    elif isinstance(tree, list):
        for item in tree:
            found.extend(components_in(item, kind, namespace))
    return found


def page_paths(onemap_app) -> list[str]:
    onemap_app.server.test_client().get("/login")  # Dash completes its routes on a request
    return [page["relative_path"] for page in dash.page_registry.values()]


def test_a_graph_without_a_locale_gets_zh_cn_and_no_cloud_address():
    config = safe_config({"scrollZoom": True, "plotlyServerURL": "https://cloud.plotly.com/x"})
    assert config["locale"] == "zh-CN" and config["plotlyServerURL"] == ""
    assert config["scrollZoom"] is True and config["showSendToCloud"] is False


def test_dropdowns_and_grids_keep_the_texts_they_chose_and_get_chinese_for_the_rest():
    import dash_ag_grid as dag

    chosen = dcc.Dropdown(id="d", options=[], labels={"search": "查找单位"})
    grid = dag.AgGrid(id="g", dashGridOptions={"localeText": {"noRowsToShow": "本月无数据"}})
    make_safe(html.Div([chosen, grid, dcc.Dropdown(id="plain", options=[])]))
    assert chosen.labels["search"] == "查找单位"
    assert chosen.labels["select_all"] == DROPDOWN_LABELS["select_all"] == "全选"
    assert grid.dashGridOptions["localeText"]["noRowsToShow"] == "本月无数据"
    assert grid.dashGridOptions["localeText"]["filterOoo"] == GRID_LOCALE_TEXT["filterOoo"]


def test_every_graph_of_every_page_speaks_zh_cn(onemap_app, client_as):
    paths = page_paths(onemap_app)
    graphs = 0
    for login in VIEWERS:
        client = client_as(login)
        for path in paths:
            layout = served_layout(client, path)
            for graph in components_in(layout, "Graph", "dash_core_components"):
                graphs += 1
                config = graph["props"].get("config") or {}
                assert config.get("locale") == "zh-CN", (login, path, graph["props"].get("id"))
                assert config.get("plotlyServerURL") == "", (login, path, graph["props"].get("id"))
    assert graphs >= len(VIEWERS)


def test_every_dropdown_and_grid_of_every_page_speaks_chinese(onemap_app, client_as):
    paths = page_paths(onemap_app)
    dropdowns = grids = 0
    for login in VIEWERS:
        client = client_as(login)
        for path in paths:
            layout = served_layout(client, path)
            for dropdown in components_in(layout, "Dropdown", "dash_core_components"):
                dropdowns += 1
                labels = dropdown["props"].get("labels") or {}
                assert set(DROPDOWN_LABELS) <= set(labels), (login, path, dropdown["props"]["id"])
                assert labels["search"] == "搜索" and labels["select_all"] == "全选"
            for grid in components_in(layout, "AgGrid", "dash_ag_grid"):
                grids += 1
                text = (grid["props"].get("dashGridOptions") or {}).get("localeText") or {}
                assert text.get("noRowsToShow") == "没有数据", (login, path, grid["props"]["id"])
                assert text.get("ariaRowToggleSelection"), (login, path)
    assert dropdowns >= len(VIEWERS)  # the map's shading picker, at least
    assert grids >= 1  # the ledger's sheet


def test_a_path_that_is_no_page_is_answered_in_chinese_by_the_page_router(client_as):
    client = client_as("xitianwei.staff")
    layout = served_layout(client, "/no-such-page")
    text = str(layout)
    assert "页面不存在" in text and "返回地图" in text
    assert "Page not found" not in text


def test_the_not_found_page_is_not_in_the_header(client_as):
    shell = json.dumps(client_as("city.admin").get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "管理" in shell and '"/admin"' in shell  # the header's links are in the shell
    assert "页面不存在" not in shell and '"/404"' not in shell
