"""Parts of the map page around the map: the modules' side-panel sections for the unit in
focus, the layer list, the search box, the legend box and the export buttons."""

from __future__ import annotations

from dash import dcc, html

from access.viewer import Viewer
from app.context import current
from modules.sdk import PanelSpec

# The `layers=` URL parameter: outline levels switched on, and `-<layer id>` for a module
# layer switched off (module layers are on unless named so, and a new one shows up on).
OFF_MARK = "-"


def layers_off(param: str | None) -> list[str]:
    """The module layers a `layers=` parameter switches off."""
    if not isinstance(param, str):
        return []
    return sorted({t[1:] for t in param.split(",") if t.startswith(OFF_MARK) and len(t) > 1})


def module_panels(session, viewer: Viewer, unit: str | None) -> list:
    """Every module's side-panel sections for `unit` (None: the viewer's whole scope)."""
    panels = current().modules.collect(
        "register_panels",
        PanelSpec,
        viewer=viewer,
        session=session,
        core=current().core,
        unit=unit,
    )
    return [
        html.Section(
            [html.H3(panel.title), panel.component],
            id=f"panel-{panel.id}",
            className="module-panel",
        )
        for panel in panels
    ]


def layer_list(off: list[str]) -> html.Fieldset:
    """Module layers on and off; the options come with each figure (the layers it holds)."""
    return html.Fieldset(
        className="layer-toggles module-layers",
        children=[
            html.Legend("专题图层"),
            dcc.Checklist(id="map-layer-list", options=[], value=[], inline=True),
            dcc.Store(id="map-layers-off", data=off),
        ],
    )


def search_box() -> html.Div:
    return html.Div(
        className="map-search",
        role="search",
        title="搜索单位或重点部位",
        children=[
            dcc.Input(
                id="map-search",
                type="search",
                placeholder="搜索单位或重点部位，如 西天尾 或 xtw",
                debounce=0.3,
                autoComplete="off",
            ),
            html.Div(id="map-search-hits", className="map-search-hits"),
        ],
    )


def legend_box() -> html.Details:
    return html.Details(
        [html.Summary("图例"), html.Div(id="map-legend-body")],
        id="map-legend",
        className="map-legend",
        open=True,
    )


def export_section() -> html.Section:
    """PNG/PDF of the view on screen (assets/map-export.js adds the view's bounds)."""
    return html.Section(
        className="map-export",
        children=[
            html.H3("导出当前视图"),
            html.Button("图片 PNG", id="map-export-png", className="export-button", n_clicks=0),
            html.Button("文档 PDF", id="map-export-pdf", className="export-button", n_clicks=0),
            html.P(id="map-export-status", className="map-export-status"),
        ],
    )
