"""The briefing as one HTML file that opens offline: a Leaflet map (built with folium) of the
scope's outlines and every item's features at the snapshot's view, beside a panel with the
heading, the key figures, the change since the previous round and the decisions.

Offline means no tiles, no CDN: folium's default links (Leaflet, jQuery, Bootstrap, Font
Awesome on CDNs) are dropped and Leaflet is inlined; the page's own Content-Security-Policy
forbids every request, so a slip would show as a blocked request, not a leak.

Text from the document reaches the page three ways, each made inert: the panel through
`esc`; layer names through `esc` (Leaflet writes them as HTML); feature labels as
HTML-escaped strings inside folium's JSON (its popups write them with innerHTML)."""

from __future__ import annotations

import folium
from branca.element import Element

from modules.consult.briefing.assets import leaflet_css, leaflet_js
from modules.consult.briefing.document import heading
from modules.consult.briefing.sections import (
    FONT_STACK,
    SECTION_CSS,
    body_sections,
    esc,
    header_html,
)
from modules.consult.briefing.shapes import Shape, bounds, item_shapes, outline_shapes

CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
DEFAULT_CENTER = (25.45, 119.0)  # Putian, for a document with no view and no geometry
DEFAULT_ZOOM = 9
LINES_PANE = "briefingLines"  # between the overlay pane (400) and the marker pane (600)
POINTS_PANE = "markerPane"
PAGE_CSS = f"""
body {{ display: flex; font-family: {FONT_STACK}; color: #223; }}
.folium-map {{ flex: 1 1 auto; }}
.leaflet-container {{ background: #eef2f5; font-family: {FONT_STACK}; }}
.briefing-panel {{ flex: 0 0 26rem; max-width: 45%; overflow-y: auto; padding: .8rem 1rem;
  box-sizing: border-box; border-right: 1px solid #ccd; background: #fff; font-size: 14px; }}
/* Figures stacked in the narrow panel: title, value, source, one under the other. */
.briefing-panel .figures thead {{ display: none; }}
.briefing-panel .figures tr {{ display: block; border: 1px solid #ccd; border-top: 0; }}
.briefing-panel .figures tr:first-child {{ border-top: 1px solid #ccd; }}
.briefing-panel .figures td {{ display: block; border: 0; padding: .1em .5em; }}
.briefing-panel .figures td:first-child {{ padding-top: .35em; }}
.briefing-panel .figures td:last-child {{ padding-bottom: .35em; }}
.briefing-panel .figures .value {{ white-space: normal; font-size: 1.1em; }}
.briefing-panel .figures tr.severity-alarm {{ border-left: 4px solid #e03131; }}
.briefing-panel .figures tr.severity-warn {{ border-left: 4px solid #f08c00; }}
.briefing-panel .figures tr.severity-info {{ border-left: 4px solid #1c7ed6; }}
@media (max-width: 800px) {{
  body {{ flex-direction: column; height: auto; }}
  .folium-map {{ flex: 0 0 60vh; height: 60vh; }}
  .briefing-panel {{ max-width: none; border-right: 0; order: 1; }}
}}
"""


class OfflineMap(folium.Map):
    """folium's Map without its CDN links; the page carries Leaflet itself."""

    default_js: list = []
    default_css: list = []


def _style(shape: Shape) -> dict:
    """Leaflet path options; `className` lets a test (or a stylesheet) tell kinds apart."""
    colour = shape.colour
    if shape.layer == "镇街边界":
        return {
            "color": colour,
            "weight": 1,
            "fillColor": "#ffffff",
            "fillOpacity": 0.55,
            "className": "briefing-outline",
        }
    if shape.kind == "point":
        return {
            "color": "#ffffff",
            "weight": 1.5,
            "fill": True,
            "fillColor": colour,
            "fillOpacity": 0.9,
            "className": "briefing-point",
            "pane": POINTS_PANE,  # folium's pointToLayer merges the style into the options
        }
    if shape.kind == "line":
        style = {"color": colour, "weight": 3, "opacity": 0.9, "className": "briefing-line"}
        if shape.dash:
            style["dashArray"] = "8 6"
        return style
    return {
        "color": colour,
        "weight": 2,
        "fillColor": colour,
        "fillOpacity": 0.15,
        "className": "briefing-area",
    }


def _label(shape: Shape) -> str:
    """The popup's and tooltip's content: HTML, every text escaped."""
    label = esc(shape.name)
    if shape.layer and shape.layer != shape.name:
        label += f"<br><small>{esc(shape.layer)}</small>"
    return label


def _geojson(shapes: list[Shape], popups: bool, pane: str | None) -> folium.GeoJson:
    features = [
        {
            "type": "Feature",
            "id": str(index),  # folium keys each feature's style by a unique id
            "properties": {"label": _label(shape)},
            "geometry": shape.geometry,
        }
        for index, shape in enumerate(shapes)
    ]
    styles = {str(index): _style(shape) for index, shape in enumerate(shapes)}
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda feature: styles[feature["id"]],
        marker=folium.CircleMarker(radius=6),
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        popup=folium.GeoJsonPopup(fields=["label"], labels=False) if popups else None,
        **({"pane": pane} if pane else {}),
    )


def _add_layer(fmap: folium.Map, name: str, shapes: list[Shape], popups: bool) -> None:
    """One item's features as one entry of the layer control: areas in the overlay pane,
    lines above every area and points above both, so a wide wind circle drawn later never
    covers a track or a station a person wants to click."""
    group = folium.FeatureGroup(name=esc(name))  # Leaflet writes layer names as HTML
    for kind, pane in (("area", None), ("line", LINES_PANE), ("point", None)):
        chosen = [shape for shape in shapes if shape.kind == kind]
        if chosen:
            _geojson(chosen, popups, pane).add_to(group)
    group.add_to(fmap)


def _place(fmap: folium.Map, doc: dict, shapes: list[Shape]) -> None:
    """The snapshot's view when it has one, else the outlines' (or features') extent."""
    view = doc.get("view") if isinstance(doc.get("view"), dict) else None
    if view:
        return
    box = bounds(shapes)
    if box:
        west, south, east, north = box
        fmap.fit_bounds([[south, west], [north, east]])


def _start(doc: dict) -> tuple[tuple[float, float], float]:
    view = doc.get("view") if isinstance(doc.get("view"), dict) else {}
    center = view.get("center") if isinstance(view.get("center"), dict) else {}
    try:
        return (float(center["lat"]), float(center["lon"])), float(view["zoom"])
    except (KeyError, TypeError, ValueError):
        return DEFAULT_CENTER, DEFAULT_ZOOM


def build_map(doc: dict) -> folium.Map:
    """The folium map of the document, with the panel and inlined assets in its page."""
    location, zoom = _start(doc)
    fmap = OfflineMap(
        location=location,
        zoom_start=zoom,
        tiles=None,
        zoom_snap=0.1,  # the snapshot's fractional zoom, kept
        control_scale=True,
    )
    outlines = outline_shapes(doc)
    layers = [("镇街边界", outlines, False)] if outlines else []
    layers += [(shapes[0].layer, shapes, True) for _, shapes in item_shapes(doc) if shapes]
    if layers:
        folium.map.CustomPane(LINES_PANE, z_index=450, pointer_events=True).add_to(fmap)
    for name, shapes, popups in layers:
        _add_layer(fmap, name, shapes, popups)
    if layers:
        folium.LayerControl(collapsed=False).add_to(fmap)
    drawn = [shape for _, shapes, _ in layers for shape in shapes]
    _place(fmap, doc, outlines or drawn)

    page = fmap.get_root()
    page.title = esc(heading(doc))
    page.header.add_child(
        Element(
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<style>{leaflet_css()}</style><style>{SECTION_CSS}{PAGE_CSS}</style>"
            f"<script>{leaflet_js()}</script>"
        ),
        name="briefing_assets",
    )
    page.html.add_child(
        Element(f'<aside class="briefing-panel">{header_html(doc)}{body_sections(doc)}</aside>'),
        name="briefing_panel",
    )
    return fmap


def briefing_html(doc: dict) -> bytes:
    """The standalone briefing page (UTF-8), from the snapshot document only."""
    page = build_map(doc).get_root().render()
    return page.replace("<html>", '<html lang="zh-CN">', 1).encode("utf-8")
