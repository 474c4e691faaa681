"""一张图: the drill-down map 市 → 区县 → 镇街 → 村居 with a breadcrumb and a side panel.

Every callback takes its scope from the logged-in viewer (app.auth.current_viewer) and reads
divisions through access.scoped: codes in the stores or in a forged request are only wishes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import dash
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, dcc, html

from access import scoped
from access.viewer import Forbidden, NotFound, Viewer
from app.auth import current_viewer
from app.callback_inputs import require, text, texts
from app.context import current
from app.graph_config import SAFE_GRAPH_CONFIG
from app.map_figure import SHADES, build_figure, shading
from layers import codes
from layers.display import cache_token
from layers.load import boundaries_stamp
from modules.sdk import MAP_FOCUS, MAP_GRAPH, MAP_SELECTED, LayerSpec, MeasureSpec, PanelSpec

LOGGER = logging.getLogger(__name__)

ROOT = ""  # the focus value of a viewer's virtual root (several jurisdictions)
DEFAULT_OUTLINES = ["city", "county"]
MEASURE_PREFIX = "measure:"
# Module traces carry values; polygons only ever travel by URL.
MODULE_TRACE_TYPES = frozenset({"scattermap", "densitymap", "choroplethmap"})


def _measures(viewer: Viewer) -> list[MeasureSpec]:
    return current().modules.collect("register_measures", MeasureSpec, viewer=viewer)


def _module_panels(viewer: Viewer) -> list:
    with current().sessions() as session:
        panels = current().modules.collect(
            "register_panels", PanelSpec, viewer=viewer, session=session, core=current().core
        )
    return [
        html.Section(
            [html.H3(panel.title), panel.component],
            id=f"panel-{panel.id}",
            className="module-panel",
        )
        for panel in panels
    ]


def _module_traces(session, viewer: Viewer, unit: str | None) -> list[dict]:
    traces = []
    layers = current().modules.collect(
        "register_layers",
        LayerSpec,
        viewer=viewer,
        moment=datetime.now(UTC),
        session=session,
        unit=unit,
        core=current().core,
    )
    for layer in layers:
        for trace in layer.traces:
            inline_geometry = isinstance(trace.get("geojson"), dict)
            if trace.get("type") not in MODULE_TRACE_TYPES or inline_geometry:
                LOGGER.error("layer %s: refused a %s trace", layer.id, trace.get("type"))
                continue
            traces.append({**trace, "meta": {"layer": layer.id}})
    return traces


def _measure_shading(session, viewer: Viewer, shade: str, children: list[dict]):
    """(values by code, title) for a module's measure, or None for the core's shades."""
    if not shade or not shade.startswith(MEASURE_PREFIX):
        return None
    wanted = shade[len(MEASURE_PREFIX) :]
    for measure in _measures(viewer):
        if measure.id == wanted:
            codes_shown = [c["code"] for c in children if viewer.covers(c["code"])]
            values = measure.values(session, viewer, codes_shown)
            return {c: v for c, v in values.items() if c in codes_shown}, (
                f"{measure.title}（{measure.unit}）"
            )
    return None


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


def layout(unit: str | None = None, layers: str | None = None, **_query) -> html.Div:
    viewer = current_viewer()
    if viewer.is_anonymous:
        return html.Div(html.A("请先登录", href="/login"), className="notice")
    start, refused = _start(viewer, unit)
    notice = (
        html.Div("您无权查看该单位：它不在您的辖区内。", className="notice-denied", id="notice")
        if refused
        else None
    )
    return html.Div(
        className="map-page",
        children=[
            dcc.Store(id=MAP_FOCUS, data=start),
            dcc.Store(id=MAP_SELECTED, data=start),
            dcc.Store(id="map-figure"),
            dcc.Store(id="map-live"),
            dcc.Interval(
                id="map-live-tick",
                interval=max(current().settings.live_seconds, 1) * 1000,
                disabled=not current().settings.live_seconds,
            ),
            html.Div(
                className="map-area",
                children=dcc.Graph(
                    id=MAP_GRAPH,
                    config={**SAFE_GRAPH_CONFIG, "scrollZoom": True, "locale": "zh-CN"},
                    responsive=True,
                    style={"height": "100%"},
                ),
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
                                    for m in _measures(viewer)
                                ],
                                value="zone",
                                clearable=False,
                                searchable=False,
                            ),
                        ],
                        className="shade-picker",
                    ),
                    html.Div(id="unit-children", className="unit-children"),
                    *_module_panels(viewer),
                ],
            ),
        ],
    )


def _focus_and_children(session, viewer: Viewer, code: str | None) -> tuple[dict, list[dict]]:
    """The unit to show and its children, inside the scope; home when `code` is not."""
    if code and viewer.covers(code):
        try:
            focus = scoped.profile(session, viewer, code)
        except (Forbidden, NotFound):
            focus = None
        if focus is not None:
            if not focus["children_count"] and focus["parent_code"]:
                # A village as the focus (from a URL): show its town, the village selected.
                focus = scoped.profile(session, viewer, focus["parent_code"])
            return focus, scoped.children(session, viewer, focus["code"])
    home = scoped.home(session, viewer)
    if home is None:
        raise dash.exceptions.PreventUpdate
    if home.get("virtual"):
        return home, scoped.home_children(session, viewer)
    return home, scoped.children(session, viewer, home["code"])


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
        measure = _measure_shading(session, viewer, shade, children)
        module_traces = _module_traces(session, viewer, focus["code"] or None)
        token = cache_token(boundaries_stamp(session), viewer.scopes)
    # Outlines are a filter of the levels the viewer may see: anything else is none.
    wanted = outlines if texts(outlines) and outlines else []
    allowed = [level for level in wanted if level in _levels_for(viewer)]
    figure = build_figure(
        focus, children, selected, allowed, app_context.settings, shade or "zone", measure, token
    )
    figure["data"].extend(module_traces)
    return (
        figure,
        _breadcrumb(viewer, selected),
        _profile_panel(selected),
        _children_list(children),
    )


def recolour(shade, focus_code):
    """Only the colours change: send a Patch of the children trace, never the geometry."""
    require(text(shade), text(focus_code))
    viewer = current_viewer()
    with current().sessions() as session:
        _, children = _focus_and_children(session, viewer, focus_code)
        if not children:
            raise dash.exceptions.PreventUpdate
        first_level = [c for c in children if c["level"] == children[0]["level"]]
        measure = _measure_shading(session, viewer, shade, first_level)
    patch = Patch()
    for key, value in shading(first_level, shade, *(measure or ())).items():
        patch["data"][0][key] = value
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
        return {"traces": _module_traces(session, viewer, unit)}


def register(app: dash.Dash) -> None:
    """Attach this page's callbacks to one app.

    Not `dash.callback`: Dash moves its global callback list into the first app that serves
    a request and clears it, so a second app from `create_app` would get none.
    """
    app.clientside_callback(
        ClientsideFunction(namespace="onemap", function_name="chooseUnit"),
        Output(MAP_FOCUS, "data"),
        Output(MAP_SELECTED, "data"),
        Input(MAP_GRAPH, "clickData"),
        Input({"role": "crumb", "code": ALL}, "n_clicks"),
        Input({"role": "child", "code": ALL}, "n_clicks"),
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
        Input("map-shade", "value"),
        State(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )(recolour)
    app.clientside_callback(
        ClientsideFunction(namespace="onemap", function_name="fitFigure"),
        Output(MAP_GRAPH, "figure"),
        Input("map-figure", "data"),
    )
    app.callback(
        Output("map-live", "data"),
        Input("map-live-tick", "n_intervals"),
        State(MAP_FOCUS, "data"),
        prevent_initial_call=True,
    )(refresh_live)
    app.clientside_callback(
        ClientsideFunction(namespace="onemap", function_name="swapLiveTraces"),
        Output(MAP_GRAPH, "figure", allow_duplicate=True),
        Input("map-live", "data"),
        State(MAP_GRAPH, "figure"),
        prevent_initial_call=True,
    )
