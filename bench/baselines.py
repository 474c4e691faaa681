"""The naive way, as a Dash user first writes it: `px.choropleth_map` with the raw GeoJSON inline.

Each baseline is a minimal Dash app over the same shipped files our app loads
(`data/boundaries/*.geojson`, full resolution, as shipped), in the same page frame as ours
(48 px header, 340 px side panel) so the map paints as many pixels in both.

`compress=False` is Dash's default and what a first attempt runs with; `compress=True` (as in
our app) is the stronger baseline, so a byte ratio against it is about the design alone, not
about remembering a flag. The benchmarks report both.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import dash
import pandas as pd
import plotly.express as px
from dash import ALL, Input, Output, ctx, dcc, html

from layers.shipped import PROJECT_ROOT

BOUNDARIES = PROJECT_ROOT / "data" / "boundaries"
LEVELS = ("city", "county", "town", "village")
HEADER_PX, PANEL_PX = 48, 341  # as assets/onemap.css: header, side panel and its border
VIEWPORT = (1280, 757)  # inside the headless window of bench.browser.FLAGS (1280x900)
MAP_PX = (VIEWPORT[0] - PANEL_PX, VIEWPORT[1] - HEADER_PX)


@cache
def raw_features(level: str) -> tuple[dict, ...]:
    """The shipped features of one level, exactly as in the file."""
    path = Path(BOUNDARIES) / f"{level}.geojson"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["features"])


def children_of(parent_code: str) -> list[dict]:
    """The raw features one level below `parent_code`."""
    return [
        feature
        for level in LEVELS
        for feature in raw_features(level)
        if feature["properties"].get("parent_code") == parent_code
    ]


def _bbox(features: list[dict]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(value) -> None:
        if isinstance(value[0], int | float):
            xs.append(value[0])
            ys.append(value[1])
        else:
            for item in value:
                walk(item)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def fit(features: list[dict]) -> tuple[dict, float]:
    """Centre and zoom showing all features on the map area (as assets/onemap.js fits ours)."""
    min_lon, min_lat, max_lon, max_lat = _bbox(features)

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(max_lon - min_lon, 1e-4) * 1.1
    y_span = max(merc_y(max_lat) - merc_y(min_lat), 1e-6) * 1.1
    zoom = min(
        math.log2(360 * MAP_PX[0] / (512 * lon_span)),
        math.log2(2 * math.pi * MAP_PX[1] / (512 * y_span)),
    )
    centre = {"lon": (min_lon + max_lon) / 2, "lat": (min_lat + max_lat) / 2}
    return centre, round(zoom, 2)


def naive_figure(features: list[dict], color: str = "area_km2"):
    """`px.choropleth_map` with the features inline: what the tutorials show."""
    frame = pd.DataFrame([f["properties"] for f in features])
    frame["zone"] = range(len(frame))
    frame["zone"] = frame["zone"] % 8
    centre, zoom = fit(features)
    figure = px.choropleth_map(
        frame,
        geojson={"type": "FeatureCollection", "features": list(features)},
        locations="code",
        featureidkey="properties.code",
        color=color,
        hover_name="name",
        hover_data=["code", "level"],
        map_style="white-bg",
        center=centre,
        zoom=zoom,
        opacity=0.6,
    )
    # The colour bar goes inside the map area: plotly.js 4 reserves a right margin for an
    # outside one (105 px here), which would shrink the map below ours and clip the units the
    # fit put at its edges.
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        coloraxis_colorbar={"x": 0.99, "xanchor": "right", "y": 0.5, "len": 0.6},
    )
    return figure


def _dash(name: str, compress: bool, server=True) -> dash.Dash:
    # No assets folder: the project's assets/ (our CSS and JS) must not leak into a baseline.
    app = dash.Dash(name, server=server, compress=compress, include_assets_files=False, title=name)
    # The one rule of our stylesheet that sizes the map: no body margin, no scrollbar.
    app.index_string = app.index_string.replace(
        "{%css%}", "{%css%}<style>html, body { margin: 0; height: 100%; }</style>"
    )
    return app


def _frame(graph: dcc.Graph, side: list) -> html.Div:
    return html.Div(
        style={"margin": 0, "fontFamily": "sans-serif"},
        children=[
            html.Header("baseline", style={"height": f"{HEADER_PX}px", "background": "#0b3d91"}),
            html.Div(
                style={"display": "flex", "height": f"calc(100vh - {HEADER_PX}px)"},
                children=[
                    html.Div(graph, style={"flex": 1, "minWidth": 0, "height": "100%"}),
                    html.Aside(
                        side,
                        style={
                            "width": f"{PANEL_PX - 1}px",
                            "borderLeft": "1px solid #d9e2ec",
                            "overflowY": "auto",
                        },
                    ),
                ],
            ),
        ],
    )


def _graph(figure) -> dcc.Graph:
    return dcc.Graph(id="graph", figure=figure, style={"height": "100%"}, responsive=True)


def first_render_app(compress: bool = False) -> dash.Dash:
    """B1: all 1,042 units of the four levels, one combined FeatureCollection, in the layout."""
    features = [f for level in LEVELS for f in raw_features(level)]
    app = _dash("baseline-b1", compress)
    figure = naive_figure(features)
    app.layout = html.Div(_frame(_graph(figure), []))
    return app


def recolour_app(parent_code: str, compress: bool = False) -> dash.Dash:
    """B2: the towns of one county; changing the shade returns the whole figure again."""
    features = children_of(parent_code)
    app = _dash("baseline-b2", compress)
    shade = dcc.Dropdown(
        id="shade",
        options=[{"label": "分区", "value": "zone"}, {"label": "面积", "value": "area"}],
        value="zone",
        clearable=False,
    )
    app.layout = html.Div(_frame(_graph(naive_figure(features, "zone")), [shade]))

    @app.callback(Output("graph", "figure"), Input("shade", "value"), prevent_initial_call=True)
    def recolour(value):
        return naive_figure(features, "area_km2" if value == "area" else "zone")

    return app


def _child_buttons(features: list[dict]) -> html.Ul:
    return html.Ul(
        [
            html.Li(
                html.Button(
                    f["properties"]["name"],
                    id={"role": "child", "code": f["properties"]["code"]},
                    n_clicks=0,
                )
            )
            for f in features
        ],
        id="children-list",
    )


def drilldown_app(root_code: str, compress: bool = False) -> dash.Dash:
    """B3: the units below `root_code`; a child's button rebuilds the whole figure for its
    children, their GeoJSON inline."""
    counties = children_of(root_code)
    app = _dash("baseline-b3", compress)
    app.layout = html.Div(
        _frame(_graph(naive_figure(counties)), [html.Div(_child_buttons(counties), id="side")])
    )

    @app.callback(
        Output("graph", "figure"),
        Output("side", "children"),
        Input({"role": "child", "code": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def drill(_clicks):
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise dash.exceptions.PreventUpdate
        children = children_of(ctx.triggered_id["code"])
        if not children:
            raise dash.exceptions.PreventUpdate
        return naive_figure(children), _child_buttons(children)

    return app
