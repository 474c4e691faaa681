"""一张图: the drill-down map 市 → 区县 → 镇街 → 村居 with a breadcrumb and a side panel."""

from __future__ import annotations

import dash
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html

from app.context import current
from app.map_figure import SHADES, build_figure, shading
from layers import codes
from layers.profile import children_summary, division_profile

ROOT_CODE = "350300000000"  # until accounts exist (issue 3), every viewer starts at the city
DEFAULT_OUTLINES = ["city", "county"]


def _initial_unit(unit: str | None) -> str:
    """The unit named in the URL (`?unit=350304100`), else the root. Only a starting point:
    every callback re-reads the unit from the database and ignores unknown codes."""
    try:
        return codes.normalize(unit) if unit else ROOT_CODE
    except codes.InvalidCode:
        return ROOT_CODE


def _initial_outlines(layers: str | None) -> list[str]:
    """Outline layers named in the URL (`?layers=county,town`), else the defaults."""
    if layers is None:
        return DEFAULT_OUTLINES
    return [level for level in codes.LEVELS if level in layers.split(",")]


def layout(unit: str | None = None, layers: str | None = None, **_query) -> html.Div:
    start = _initial_unit(unit)
    return html.Div(
        className="map-page",
        children=[
            dcc.Store(id="map-focus", data=start),
            dcc.Store(id="map-selected", data=start),
            dcc.Store(id="map-figure"),
            html.Div(
                className="map-area",
                children=dcc.Graph(
                    id="map",
                    config={"displaylogo": False, "scrollZoom": True, "locale": "zh-CN"},
                    responsive=True,
                    style={"height": "100%"},
                ),
            ),
            html.Aside(
                className="side-panel",
                children=[
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
                                    for level in codes.LEVELS
                                ],
                                value=_initial_outlines(layers),
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
                                ],
                                value="zone",
                                clearable=False,
                                searchable=False,
                            ),
                        ],
                        className="shade-picker",
                    ),
                    html.Div(id="unit-children", className="unit-children"),
                ],
            ),
        ],
    )


def _navigate(code: str, session) -> tuple[str, str]:
    """(focus, selected) after choosing `code`: units with children become the focus."""
    profile = division_profile(session, code)
    if profile is None:
        raise dash.exceptions.PreventUpdate
    if profile["children_count"]:
        return profile["code"], profile["code"]
    return profile["parent_code"] or profile["code"], profile["code"]


def choose_unit(click_data, _crumbs, _children):
    trigger = ctx.triggered_id
    if trigger == "map":
        points = (click_data or {}).get("points") or []
        if not points or "location" not in points[0]:
            raise dash.exceptions.PreventUpdate
        code = points[0]["location"]
    elif isinstance(trigger, dict) and ctx.triggered[0]["value"]:
        code = trigger["code"]
    else:
        raise dash.exceptions.PreventUpdate
    try:
        code = codes.normalize(code)
    except codes.InvalidCode as exc:
        raise dash.exceptions.PreventUpdate from exc
    with current().sessions() as session:
        return _navigate(code, session)


def _breadcrumb(profile: dict) -> list:
    trail = [*profile["ancestors"], {"code": profile["code"], "name": profile["name"]}]
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
    rows = [
        ("代码", profile["code"]),
        ("层级", profile["level_label"]),
        ("上级", profile["parent_name"] or "—"),
        (
            f"下级{codes.LEVEL_LABELS.get(profile['children_level'] or '', '')}数",
            str(profile["children_count"]) if profile["children_level"] else "—",
        ),
        ("面积", f"{profile['area_km2']:.2f} km²"),
        ("边界来源", profile["geometry_source_label"]),
    ]
    badge = (
        [html.Span("示意", className="badge-approx", title="边界为自动生成的示意范围")]
        if (profile["approximate"])
        else []
    )
    return [
        html.H2([profile["name"], *badge], id="unit-name"),
        html.Dl([part for label, value in rows for part in (html.Dt(label), html.Dd(value))]),
    ]


def _children_list(profile: dict, children: list[dict]) -> list:
    if not children:
        return []
    label = codes.LEVEL_LABELS[profile["children_level"]]
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
    app_context = current()
    with app_context.sessions() as session:
        focus = division_profile(session, focus_code or ROOT_CODE)
        if focus is None:
            focus = division_profile(session, ROOT_CODE)
        if focus is None:
            return {"data": [], "layout": {}}, [], html.P("尚未加载行政区划数据。"), []
        if not focus["children_count"] and focus["parent_code"]:
            # A village as the focus (from a URL): show its town with the village selected.
            selected_code, focus = focus["code"], division_profile(session, focus["parent_code"])
        selected = division_profile(session, selected_code) if selected_code else None
        selected = selected or focus
        children = children_summary(session, focus["code"])
    figure = build_figure(
        focus, children, selected, outlines or [], app_context.settings, shade or "zone"
    )
    return figure, _breadcrumb(selected), _profile_panel(selected), _children_list(focus, children)


def recolour(shade, focus_code):
    """Only the colours change: send a Patch of the children trace, never the geometry."""
    with current().sessions() as session:
        children = children_summary(session, focus_code or ROOT_CODE)
    if not children:
        raise dash.exceptions.PreventUpdate
    patch = Patch()
    for key, value in shading(children, shade).items():
        patch["data"][0][key] = value
    return patch


def register(app: dash.Dash) -> None:
    """Attach this page's callbacks to one app.

    Not `dash.callback`: Dash moves its global callback list into the first app that serves
    a request and clears it, so a second app from `create_app` would get none.
    """
    app.callback(
        Output("map-focus", "data"),
        Output("map-selected", "data"),
        Input("map", "clickData"),
        Input({"role": "crumb", "code": ALL}, "n_clicks"),
        Input({"role": "child", "code": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(choose_unit)
    app.callback(
        Output("map-figure", "data"),
        Output("breadcrumb", "children"),
        Output("unit-profile", "children"),
        Output("unit-children", "children"),
        Input("map-focus", "data"),
        Input("map-selected", "data"),
        Input("layer-toggles", "value"),
        State("map-shade", "value"),
    )(render)
    app.callback(
        Output("map-figure", "data", allow_duplicate=True),
        Input("map-shade", "value"),
        State("map-focus", "data"),
        prevent_initial_call=True,
    )(recolour)
    app.clientside_callback(
        ClientsideFunction(namespace="onemap", function_name="fitFigure"),
        Output("map", "figure"),
        Input("map-figure", "data"),
    )
