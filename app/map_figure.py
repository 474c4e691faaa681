"""The map figure for a focus unit: geometry goes by URL, the figure carries only values.

The focus unit's children are drawn as a clickable choroplethmap whose GeoJSON the browser
fetches from `/api/v1/layers/{level}.geojson?parent=...` (and caches); the outlines of the
levels the user switched on are MapLibre line layers fed from the same URLs.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from app import basemap, labels
from app.map_legend import outline_group, selection_group, shade_group
from layers import codes
from layers.crs import from_wgs84_arrays

# A qualitative palette with enough contrast between neighbours on a white map.
PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5"]
SELECTED_COLOUR = "#d62728"
OUTLINE_STYLE = {
    "city": {"color": "#222222", "width": 3.0},
    "county": {"color": "#444444", "width": 2.0},
    "town": {"color": "#666666", "width": 1.2},
    "village": {"color": "#999999", "width": 0.6},
}
# The map's size on a desktop screen, for fitting a unit's bounding box.
MAP_WIDTH_PX, MAP_HEIGHT_PX = 900, 800
# A click picks a module's point only within this many pixels of its marker's edge; anywhere
# else it picks the unit under it (plotly's default, 20 px, let ~1,000 points cover a city).
HIT_PX = 2


def layer_url(
    level: str,
    parent: str | None = None,
    crs: str = "wgs84",
    detail: str = "full",
    lines: bool = False,
    token: str | None = None,
) -> str:
    """The layer's URL; `token` (layers.display.cache_token) lets the browser keep it."""
    params = {}
    if parent:
        params["parent"] = codes.prefix(parent)
    if crs != "wgs84":
        params["crs"] = crs
    if detail != "full":
        params["detail"] = detail
    if lines:
        params["as"] = "lines"
    if token:
        params["v"] = token
    query = f"?{urlencode(params)}" if params else ""
    return f"/api/v1/layers/{level}.geojson{query}"


def fit_view(bbox: list[float], crs: str = "wgs84") -> tuple[dict, float]:
    """Centre and zoom that show the whole bounding box (Web Mercator, 512 px tiles)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    lon, lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    if crs != "wgs84":
        lon, lat = (float(v) for v in from_wgs84_arrays(lon, lat, crs))
    lon_span = max(max_lon - min_lon, 1e-4) * 1.15
    lat_span = max(max_lat - min_lat, 1e-4) * 1.15 / math.cos(math.radians(lat))
    zoom_x = math.log2(360 * MAP_WIDTH_PX / (512 * lon_span))
    zoom_y = math.log2(360 * MAP_HEIGHT_PX / (512 * lat_span))
    return {"lon": round(lon, 5), "lat": round(lat, 5)}, round(min(zoom_x, zoom_y), 2)


def shifted_bbox(bbox: list[float], crs: str) -> list[float]:
    """The bounding box as drawn on a basemap in another datum (display only)."""
    lon, lat = from_wgs84_arrays([bbox[0], bbox[2]], [bbox[1], bbox[3]], crs)
    return [float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])]


SHADES = {"zone": "分区", "area": "面积"}
SEQUENTIAL = [[0.0, "#fff5eb"], [0.5, "#fd8d3c"], [1.0, "#7f2704"]]


def shading(children: list[dict], shade: str, values: dict | None = None, title: str = "") -> dict:
    """The colour properties of the children trace: the only part a recolour has to send.

    `values` (code -> number) come from a module's measure when `shade` names one.
    """
    if shade == "area" and children:
        values, title = {c["code"]: c["area_km2"] for c in children}, "面积 km²"
    if values is not None and children:
        z = [values.get(c["code"]) for c in children]
        present = [v for v in z if v is not None] or [0]
        return {
            "z": z,
            "zmin": min(present),
            "zmax": max(present),
            "colorscale": SEQUENTIAL,
            "showscale": True,
            "colorbar": {"title": {"text": title}, "thickness": 12, "len": 0.5},
        }
    return {
        "z": [i % len(PALETTE) for i in range(len(children))],
        "zmin": 0,
        "zmax": len(PALETTE) - 1,
        "colorscale": [[i / (len(PALETTE) - 1), colour] for i, colour in enumerate(PALETTE)],
        "showscale": False,
        "colorbar": {},
    }


def _outline_url(level: str, focus: dict, crs: str, token: str | None) -> str:
    """Where an outline layer's lines come from, downloading as little as possible.

    A level at or above the view was the filled level one step up the drill-down: reuse
    that very URL, which the browser already holds (a 304). Levels two or more below the
    view are seen small: overview detail. Otherwise the level's shared edges as lines.
    """
    depth = codes.LEVELS.index(level)
    focus_depth = codes.LEVELS.index(focus["level"]) if focus["level"] in codes.LEVELS else -1
    if 0 < depth <= focus_depth:
        above = codes.LEVELS[depth - 1]
        drilled_from = next((a for a in focus["ancestors"] if a["level"] == above), None)
        if drilled_from is not None:
            return layer_url(level, drilled_from["code"], crs, token=token)
    detail = "overview" if depth - focus_depth >= 2 else "full"
    return layer_url(level, None, crs, detail, lines=True, token=token)


def _child_line(level: str, outlines: list[str]) -> dict:
    """White edges between filled units, or the level's outline style when it is switched on
    (the fill trace draws that outline itself: no second download of the same features)."""
    if level in outlines:
        return {"width": OUTLINE_STYLE[level]["width"], "color": OUTLINE_STYLE[level]["color"]}
    return {"width": 1, "color": "#ffffff"}


def build_figure(
    focus: dict,
    children: list[dict],
    selected: dict | None,
    outlines: list[str],
    settings,
    shade: str = "zone",
    measure: tuple[dict, str] | None = None,
    token: str | None = None,
    basemap_id: str | None = None,
) -> dict:
    """A plotly figure (as a dict) for the focus unit, its children and the selection.

    `measure` is (values by code, title) when the units are shaded by a module's measure;
    `token` goes into every layer URL (see layer_url); `basemap_id` is the basemap asked
    for (anything unknown is the default).
    """
    chosen = basemap.chosen(settings, basemap_id)
    crs = chosen.crs  # overlays are drawn in the basemap's datum (GCJ-02 for Amap)
    traces: list[dict] = []
    # One trace per level among the children (a virtual root may hold units of two levels).
    by_level: dict[str, list[dict]] = {}
    for child in children:
        by_level.setdefault(child["level"], []).append(child)
    for level, group in by_level.items():
        traces.append(
            {
                "type": "choroplethmap",
                "name": codes.LEVEL_LABELS[level],
                "geojson": layer_url(level, focus["code"] or None, crs, token=token),
                "featureidkey": "properties.code",
                "locations": [c["code"] for c in group],
                **shading(group, shade, *(measure or ())),
                "marker": {"opacity": 0.6, "line": _child_line(level, outlines)},
                "customdata": [
                    [
                        c["name"],
                        codes.LEVEL_LABELS[c["level"]],
                        c["code"],
                        "示意" if c["geometry_source"] == "generated" else "",
                    ]
                    for c in group
                ],
                "hovertemplate": (
                    "<b>%{customdata[0]}</b> %{customdata[3]}<br>"
                    "%{customdata[1]} · %{customdata[2]}<extra></extra>"
                ),
            }
        )
    if selected and selected["code"] != focus["code"]:
        traces.append(
            {
                "type": "choroplethmap",
                "name": "选中",
                "geojson": layer_url(selected["level"], selected["parent_code"], crs, token=token),
                "featureidkey": "properties.code",
                "locations": [selected["code"]],
                "z": [1],
                "colorscale": [[0, SELECTED_COLOUR], [1, SELECTED_COLOUR]],
                "showscale": False,
                "marker": {"opacity": 0.35, "line": {"width": 3, "color": SELECTED_COLOUR}},
                "customdata": [[selected["name"], selected["level_label"], selected["code"], ""]],
                "hovertemplate": (
                    "<b>%{customdata[0]}</b><br>%{customdata[1]} · %{customdata[2]}<extra></extra>"
                ),
            }
        )
    child_levels = set(by_level)
    layers = [
        {
            "sourcetype": "geojson",
            "source": _outline_url(level, focus, crs, token),
            "type": "line",
            "color": OUTLINE_STYLE[level]["color"],
            "line": {"width": OUTLINE_STYLE[level]["width"]},
            "name": f"outline-{level}",
        }
        for level in codes.LEVELS
        # The children's own level is outlined by their fill trace.
        if level in outlines and level not in child_levels
    ]
    centre, zoom = fit_view(focus["bbox"], crs)
    legend = [
        shade_group(traces[0], traces[0]["name"], PALETTE) if by_level else None,
        outline_group(outlines, OUTLINE_STYLE),
        selection_group(selected["name"], SELECTED_COLOUR)
        if selected and selected["code"] != focus["code"]
        else None,
    ]
    annotations = []
    if any(c["geometry_source"] == "generated" for c in children):
        annotations.append(
            {
                # Two short lines: on a phone it shares the bottom edge with the legend.
                "text": "镇街、村居边界为示意<br>（自动生成，非实测）",
                # Bottom right, above the basemap's attribution: the legend holds the left.
                "x": 0.99,
                "y": 0.06,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "bgcolor": "rgba(255,255,255,0.85)",
                "bordercolor": "#c77c02",
                "font": {"color": "#8a5300", "size": 11},
            }
        )
    return {
        "data": traces,
        "layout": {
            # One style for every view (basemaps and label layers); what a view shows of it
            # is in meta["basemap"], applied by assets/basemap.js (see app/basemap.py).
            "map": {
                "style": basemap.style(settings),
                "center": centre,
                "zoom": zoom,
                "layers": layers,
            },
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "showlegend": False,
            "annotations": annotations,
            # A new focus re-fits the view; a new selection or toggle keeps the user's pan/zoom.
            "uirevision": focus["code"] or "root",
            "clickmode": "event",
            "hovermode": "closest",
            # Down the right edge: the search box holds the top left.
            "modebar": {"orientation": "v"},
            "hoverdistance": HIT_PX,
            "meta": {
                # assets/onemap.js fits the zoom to this box at the map's real size on screen.
                "fit_bbox": focus["bbox"] if crs == "wgs84" else shifted_bbox(focus["bbox"], crs),
                "focus": focus["code"],
                "focus_name": focus["name"],
                # Groups of assets/map-view.js's legend; render() adds the modules' layers.
                "legend": [group for group in legend if group],
                "layers": [],
                basemap.META_KEY: basemap.view(
                    settings, labels.sources_for(focus, children, crs, token), chosen.id
                ),
            },
            "hoverlabel": {"font": {"family": "sans-serif"}},
        },
    }
