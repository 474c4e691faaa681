"""一张图: the drill-down map 市 → 区县 → 镇街 → 村居 with a breadcrumb and a side panel, a layer
list, a legend, search by name or pinyin initials, and exports of the view.

Every callback takes its scope from the logged-in viewer (app.auth.current_viewer) and reads
divisions through access.scoped: codes in the stores or in a forged request are only wishes.
What only changes how the figure looks (layers on and off, the legend, the search's
highlight, the URL) is done in the browser by assets/map-view.js.
"""

from __future__ import annotations

import logging

import dash
import flask
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, dcc, html

from access import scoped
from access.viewer import Forbidden, NotFound, Viewer
from app import basemap, map_export, map_search
from app.auth import current_viewer
from app.callback_inputs import require, text, texts
from app.context import current
from app.graph_config import SAFE_GRAPH_CONFIG
from app.map_figure import PALETTE, SHADES, build_figure, shading
from app.map_legend import module_groups, shade_group
from app.map_panels import (
    export_section,
    layer_list,
    layers_off,
    legend_box,
    module_panels,
    search_box,
)
from app.map_view import (
    MEASURE_PREFIX,
    focus_and_children,
    measure_shading,
    measures,
    module_layers,
)
from layers import codes
from layers.display import cache_token
from layers.load import boundaries_stamp
from modules.sdk import MAP_FOCUS, MAP_GRAPH, MAP_SELECTED

LOGGER = logging.getLogger(__name__)

ROOT = ""  # the focus value of a viewer's virtual root (several jurisdictions)
DEFAULT_OUTLINES = ["city", "county"]


def _focus_and_children(session, viewer: Viewer, code) -> tuple[dict, list[dict]]:
    found = focus_and_children(session, viewer, code)
    if found is None:
        raise dash.exceptions.PreventUpdate
    return found


def _start(viewer: Viewer, unit: str | None) -> tuple[str, bool]:
    """(focus, refused): the unit named in the URL if the viewer may see it, else home."""
    home = viewer.home or ROOT
    if not unit:
        return home, False
    try:
        full = codes.normalize(unit)
    except codes.InvalidCode:
        return home, True
    return (full, False) if viewer.covers(full) else (home, True)


def _levels_for(viewer: Viewer) -> list[str]:
    """Outline levels a viewer can see whole: their own level and below."""
    top = viewer.top_level
    return list(codes.LEVELS[codes.LEVELS.index(top) :]) if top else []


def _initial_outlines(viewer: Viewer, layers: str | None) -> list[str]:
    allowed = _levels_for(viewer)
    wanted = DEFAULT_OUTLINES if layers is None else layers.split(",")
    chosen = [level for level in allowed if level in wanted]
    return chosen or allowed[:1]


def _initial_shade(viewer: Viewer, shade: str | None) -> str:
    known = set(SHADES) | {MEASURE_PREFIX + m.id for m in measures(viewer)}
    return shade if shade in known else "zone"


def layout(
    unit: str | None = None,
    layers: str | None = None,
    shade: str | None = None,
    basemap: str | None = None,
    **_query,
) -> html.Div:
    return _layout(unit, layers, shade, basemap)


def _layout(unit, layers, shade, basemap_asked) -> html.Div:
    if basemap_asked:  # ?basemap= in a link: the viewer's choice from now on
        flask.session[BASEMAP_KEY] = basemap.chosen(current().settings, basemap_asked).id
    viewer = current_viewer()
    if viewer.is_anonymous:
        return html.Div(html.A("请先登录", href="/login"), className="notice")
    start, refused = _start(viewer, unit)
    notice = (
        html.Div("您无权查看该单位：它不在您的辖区内。", className="notice-denied", id="notice")
        if refused
        else None
    )
    with current().sessions() as session:
        panels = module_panels(session, viewer, start or None)
    return html.Div(
        className="map-page",
        children=[
            dcc.Store(id=MAP_FOCUS, data=start),
            dcc.Store(id=MAP_SELECTED, data=start),
            dcc.Store(id="map-figure"),
            dcc.Store(id="map-live"),
            # A key point found by the search: {lon, lat, name, village}, drawn while in view.
            dcc.Store(id="map-highlight"),
            dcc.Store(id="map-url-sink"),
            dcc.Interval(
                id="map-live-tick",
                interval=max(current().settings.live_seconds, 1) * 1000,
                disabled=not current().settings.live_seconds,
            ),
            html.Div(
                className="map-area",
                children=[
                    dcc.Graph(
                        id=MAP_GRAPH,
                        config={**SAFE_GRAPH_CONFIG, "scrollZoom": True, "locale": "zh-CN"},
                        responsive=True,
                        style={"height": "100%"},
                    ),
                    search_box(),
                    legend_box(),
                ],
            ),
            html.Aside(
                className="side-panel",
                children=[
                    notice,
                    html.Nav(id="breadcrumb", className="breadcrumb", **{"aria-label": "层级"}),
                    html.Div(id="unit-profile", className="unit-profile"),
                    html.Fieldset(
                        className="layer-toggles",
                        children=[
                            html.Legend("图层"),
                            dcc.Checklist(
                                id="layer-toggles",
                                options=[
                                    {"label": f"{codes.LEVEL_LABELS[level]}界线", "value": level}
                                    for level in _levels_for(viewer)
                                ],
                                value=_initial_outlines(viewer, layers),
                                inline=True,
                            ),
                        ],
                    ),
                    layer_list(layers_off(layers)),
                    html.Label(
                        [
                            "着色 ",
                            dcc.Dropdown(
                                id="map-shade",
                                options=[
                                    {"label": label, "value": key} for key, label in SHADES.items()
                                ]
                                + [
                                    {"label": m.title, "value": MEASURE_PREFIX + m.id}
                                    for m in measures(viewer)
                                ],
                                value=_initial_shade(viewer, shade),
                                clearable=False,
                                # Modules may offer many measures (the ledger: one a tag).
                                searchable=True,
                            ),
                        ],
                        className="shade-picker",
                    ),
                    html.Label(
                        [
                            "底图 ",
                            dcc.Dropdown(
                                id="map-basemap",
                                options=basemap.choices(current().settings),
                                value=basemap.chosen(
                                    current().settings,
                                    basemap_asked or flask.session.get(BASEMAP_KEY),
                                ).id,
                                clearable=False,
                                searchable=False,
                            ),
                        ],
                        className="basemap-picker",
                    ),
                    html.Div(id="unit-children", className="unit-children"),
                    html.Div(panels, id="map-panels"),
                    export_section(),
                ],
            ),
        ],
    )


def _breadcrumb(viewer: Viewer, profile: dict) -> list:
    trail = [*profile["ancestors"], {"code": profile["code"], "name": profile["name"]}]
    if viewer.home is None and not profile.get("virtual"):
        trail.insert(0, {"code": ROOT, "name": scoped.ROOT_NAME})
    items: list = []
    for index, unit in enumerate(trail):
        if index:
            items.append(html.Span("›", className="crumb-sep"))
        if index == len(trail) - 1:
            items.append(html.Span(unit["name"], className="crumb current", id="crumb-current"))
        else:
            items.append(
                html.Button(
                    unit["name"],
                    id={"role": "crumb", "code": unit["code"]},
                    className="crumb",
                    n_clicks=0,
                )
            )
    return items


def _profile_panel(profile: dict) -> list:
    children_label = codes.LEVEL_LABELS.get(profile["children_level"] or "", "单位")
    rows = [
        ("代码", profile["code"] or "—"),
        ("层级", profile["level_label"]),
        ("上级", profile["parent_name"] or "—"),
        (f"下级{children_label}数", str(profile["children_count"] or "—")),
        ("面积", f"{profile['area_km2']:.2f} km²"),
        ("边界来源", profile["geometry_source_label"] or "—"),
    ]
    badge = (
        [html.Span("示意", className="badge-approx", title="边界为自动生成的示意范围")]
        if profile["approximate"]
        else []
    )
    return [
        html.H2([profile["name"], *badge], id="unit-name"),
        html.Dl([part for label, value in rows for part in (html.Dt(label), html.Dd(value))]),
    ]


def _children_list(children: list[dict]) -> list:
    if not children:
        return []
    levels = {c["level"] for c in children}
    label = codes.LEVEL_LABELS[levels.pop()] if len(levels) == 1 else "单位"
    return [
        html.H3(f"下辖{label}（{len(children)}）"),
        html.Ul(
            [
                html.Li(
                    html.Button(
                        child["name"],
                        id={"role": "child", "code": child["code"]},
                        className="child-link",
                        n_clicks=0,
                    )
                )
                for child in children
            ],
            id="children-list",
        ),
    ]


def render(focus_code, selected_code, outlines, shade):
    require(text(focus_code), text(selected_code), text(shade))
    basemap_id = flask.session.get(BASEMAP_KEY)  # the viewer's choice (see rebase)
    viewer = current_viewer()
    app_context = current()
    with app_context.sessions() as session:
        focus, children = _focus_and_children(session, viewer, focus_code)
        selected = focus
        if selected_code and selected_code != focus["code"] and viewer.covers(selected_code):
            try:
                selected = scoped.profile(session, viewer, selected_code)
            except (Forbidden, NotFound):
                selected = focus
        measure = measure_shading(session, viewer, shade, children)
        layers_shown = module_layers(session, viewer, focus["code"] or None)
        token = cache_token(boundaries_stamp(session), viewer.scopes)
    # Outlines are a filter of the levels the viewer may see: anything else is none.
    wanted = outlines if texts(outlines) and outlines else []
    allowed = [level for level in wanted if level in _levels_for(viewer)]
    figure = build_figure(
        focus,
        children,
        selected,
        allowed,
        app_context.settings,
        shade or "zone",
        measure,
        token,
        basemap_id,
    )
    for layer in layers_shown:
        figure["data"].extend(layer["traces"])
    meta = figure["layout"]["meta"]
    meta["legend"].extend(module_groups(layers_shown))
    meta["layers"] = [{"id": layer["id"], "title": layer["title"]} for layer in layers_shown]
    return (
        figure,
        _breadcrumb(viewer, selected),
        _profile_panel(selected),
        _children_list(children),
    )


BASEMAP_KEY = "map_basemap"


def rebase(basemap_id, focus_code, selected_code, outlines, shade):
    """Another basemap: kept as the viewer's choice for this session (checked against the
    basemaps the settings offer), and the same view drawn again (Amap's datum moves every
    overlay)."""
    require(text(basemap_id))
    settings = current().settings
    wanted = basemap.chosen(settings, basemap_id).id
    if wanted == basemap.chosen(settings, flask.session.get(BASEMAP_KEY)).id:
        # The dropdown restating the basemap on screen (e.g. when it mounts): redrawing
        # would re-fit the view and lose the viewer's zoom.
        raise dash.exceptions.PreventUpdate
    flask.session[BASEMAP_KEY] = wanted
    return render(focus_code, selected_code, outlines, shade)[0]


def recolour(shade, focus_code):
    """Only the colours change: send a Patch of the children trace, never the geometry."""
    require(text(shade), text(focus_code))
    viewer = current_viewer()
    with current().sessions() as session:
        _, children = _focus_and_children(session, viewer, focus_code)
        if not children:
            raise dash.exceptions.PreventUpdate
        first_level = [c for c in children if c["level"] == children[0]["level"]]
        measure = measure_shading(session, viewer, shade, first_level)
    patch = Patch()
    colours = shading(first_level, shade, *(measure or ()))
    for key, value in colours.items():
        patch["data"][0][key] = value
    # The legend's first group is the units' shading (app/map_figure.py).
    level_label = codes.LEVEL_LABELS[first_level[0]["level"]]
    patch["layout"]["meta"]["legend"][0] = shade_group(colours, level_label, PALETTE)
    return patch


def refresh_live(_tick, focus_code):
    """The modules' layers again (live risk, stations) for the focus; the browser swaps them
    into the figure it shows, so the viewer's zoom, pan and selection stay as they are."""
    require(text(focus_code))
    viewer = current_viewer()
    if viewer.is_anonymous:
        raise dash.exceptions.PreventUpdate
    unit = focus_code if focus_code and viewer.covers(focus_code) else None
    if focus_code and unit is None:  # a forged or stale focus: nothing rather than home
        raise dash.exceptions.PreventUpdate
    with current().sessions() as session:
        layers = module_layers(session, viewer, unit)
    return {"traces": [trace for layer in layers for trace in layer["traces"]]}


def focus_panels(focus_code):
    """The modules' side-panel sections again for the new focus: every figure follows it."""
    require(text(focus_code))
    viewer = current_viewer()
    if viewer.is_anonymous:
        raise dash.exceptions.PreventUpdate
    if focus_code and not viewer.covers(focus_code):
        raise dash.exceptions.PreventUpdate  # a forged or stale focus: the panel stays
    try:
        unit = codes.normalize(focus_code) if focus_code else None
    except codes.InvalidCode as exc:
        raise dash.exceptions.PreventUpdate from exc
    with current().sessions() as session:
        return module_panels(session, viewer, unit)


def _hit_button(hit: map_search.Hit) -> html.Li:
    return html.Li(
        html.Button(
            [
                html.Span(hit.name, className="hit-name"),
                html.Span(hit.detail, className="hit-detail"),
            ],
            id={"role": "search-hit", "code": hit.code, "site": hit.site},
            className=f"search-hit search-hit-{hit.kind}",
            n_clicks=0,
        )
    )


def find(query):
    """Units and key points in the viewer's scope matching the search box."""
    require(text(query))
    viewer = current_viewer()
    if viewer.is_anonymous or not map_search.normalise(query):
        return []
    with current().sessions() as session:
        hits = map_search.search(session, viewer, current().core, query)
    if not hits:
        return html.P("辖区内未找到匹配的单位或重点部位。", className="search-none")
    return html.Ul([_hit_button(hit) for hit in hits], id="map-search-list")


def pick(_clicks):
    """A key point picked in the search: where to draw its highlight (checked in scope)."""
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not dash.ctx.triggered[0].get("value"):
        raise dash.exceptions.PreventUpdate
    site, village = trigger.get("site"), trigger.get("code")
    if not site:
        return None  # a unit: nothing to mark but the unit itself
    viewer = current_viewer()
    with current().sessions() as session:
        found = map_search.site_position(session, viewer, current().core, site, village)
    if found is None:
        raise dash.exceptions.PreventUpdate
    return found


def _clientside(app: dash.Dash, name: str, *spec, **options) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="onemap_map", function_name=name), *spec, **options
    )


def register(app: dash.Dash) -> None:
    """Attach this page's callbacks to one app.

    Not `dash.callback`: Dash moves its global callback list into the first app that serves
    a request and clears it, so a second app from `create_app` would get none.
    """
    _clientside(
        app,
        "chooseUnit",
        Output(MAP_FOCUS, "data"),
        Output(MAP_SELECTED, "data"),
        Input(MAP_GRAPH, "clickData"),
        Input({"role": "crumb", "code": ALL}, "n_clicks"),
        Input({"role": "child", "code": ALL}, "n_clicks"),
        Input({"role": "search-hit", "code": ALL, "site": ALL}, "n_clicks"),
        State(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output("map-figure", "data"),
        Output("breadcrumb", "children"),
        Output("unit-profile", "children"),
        Output("unit-children", "children"),
        Input(MAP_FOCUS, "data"),
        Input(MAP_SELECTED, "data"),
        Input("layer-toggles", "value"),
        State("map-shade", "value"),
    )(render)
    app.callback(
        Output("map-figure", "data", allow_duplicate=True),
        Input("map-basemap", "value"),
        State(MAP_FOCUS, "data"),
        State(MAP_SELECTED, "data"),
        State("layer-toggles", "value"),
        State("map-shade", "value"),
        prevent_initial_call=True,
    )(rebase)
    app.callback(
        Output("map-figure", "data", allow_duplicate=True),
        Input("map-shade", "value"),
        State(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )(recolour)
    _clientside(
        app,
        "showFigure",
        Output(MAP_GRAPH, "figure"),
        Input("map-figure", "data"),
        State("map-layers-off", "data"),
        State("map-highlight", "data"),
    )
    _clientside(
        app,
        "previewFocus",
        Output(MAP_GRAPH, "figure", allow_duplicate=True),
        Input(MAP_FOCUS, "data"),
        State("map-shade", "value"),
        State("layer-toggles", "value"),
        State(MAP_GRAPH, "figure"),
        prevent_initial_call=True,
    )
    _clientside(
        app,
        "applyLayers",
        Output(MAP_GRAPH, "figure", allow_duplicate=True),
        Input("map-layers-off", "data"),
        Input("map-highlight", "data"),
        State(MAP_GRAPH, "figure"),
        prevent_initial_call=True,
    )
    app.callback(
        Output("map-live", "data"),
        Input("map-live-tick", "n_intervals"),
        State(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )(refresh_live)
    _clientside(
        app,
        "swapLive",
        Output(MAP_GRAPH, "figure", allow_duplicate=True),
        Input("map-live", "data"),
        State("map-layers-off", "data"),
        State(MAP_GRAPH, "figure"),
        prevent_initial_call=True,
    )
    _clientside(
        app,
        "layerOptions",
        Output("map-layer-list", "options"),
        Output("map-layer-list", "value"),
        Input("map-figure", "data"),
        State("map-layers-off", "data"),
    )
    _clientside(
        app,
        "layersOff",
        Output("map-layers-off", "data"),
        Input("map-layer-list", "value"),
        State("map-layer-list", "options"),
        State("map-layers-off", "data"),
        prevent_initial_call=True,
    )
    _clientside(
        app,
        "drawLegend",
        Output("map-legend-body", "children"),
        Input(MAP_GRAPH, "figure"),
    )
    _clientside(
        app,
        "rememberView",
        Output("map-url-sink", "data"),
        Input(MAP_FOCUS, "data"),
        Input(MAP_SELECTED, "data"),
        Input("layer-toggles", "value"),
        Input("map-layers-off", "data"),
        Input("map-shade", "value"),
    )
    app.callback(
        Output("map-panels", "children"),
        Input(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )(focus_panels)
    app.callback(Output("map-search-hits", "children"), Input("map-search", "value"))(find)
    app.callback(
        Output("map-highlight", "data"),
        Input({"role": "search-hit", "code": ALL, "site": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(pick)
    map_export.install(app.server)
