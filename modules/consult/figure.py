"""The board's map, drawn from a document only (live or frozen): the jurisdiction's outlines,
wind circles and other areas as GeoJSON layers, tracks as lines, points as markers. No
tiles: nothing leaves the server. A live board's outlines are a layer URL (the browser
fetches it once and keeps it across refreshes); a snapshot's are embedded."""

from __future__ import annotations

import math
from collections import defaultdict

DEFAULT_VIEW = {"center": {"lon": 119.05, "lat": 25.4}, "zoom": 8.0}
DEFAULT_COLOUR = "#1565c0"


def _features(document: dict) -> list[dict]:
    found = []
    for item in document.get("items", []):
        for feature in item.get("features", []):
            if isinstance(feature, dict) and isinstance(feature.get("geometry"), dict):
                found.append(feature)
    return found


def _line_trace(feature: dict) -> dict:
    properties = feature.get("properties") or {}
    geometry = feature["geometry"]
    parts = (
        geometry["coordinates"]
        if geometry["type"] == "MultiLineString"
        else [geometry["coordinates"]]
    )
    lons: list = []
    lats: list = []
    for part in parts:
        lons += [c[0] for c in part] + [None]
        lats += [c[1] for c in part] + [None]
    return {
        "type": "scattermap",
        "mode": "lines",
        "lon": lons,
        "lat": lats,
        "line": {"color": properties.get("colour") or DEFAULT_COLOUR, "width": 2},
        "name": str(properties.get("name") or "路径"),
        "hoverinfo": "name",
    }


def _point_traces(points: list[dict]) -> list[dict]:
    """One trace per colour and name, so the legend reads like the map."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for feature in points:
        properties = feature.get("properties") or {}
        groups[(properties.get("colour") or DEFAULT_COLOUR, properties.get("kind") or "")].append(
            feature
        )
    traces = []
    for (colour, kind), members in groups.items():
        traces.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [f["geometry"]["coordinates"][0] for f in members],
                "lat": [f["geometry"]["coordinates"][1] for f in members],
                "text": [str((f.get("properties") or {}).get("name") or "") for f in members],
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {"size": 9, "color": colour},
                "name": kind or str((members[0].get("properties") or {}).get("name") or "点位"),
            }
        )
    return traces


def _coordinates(geometry: dict):
    """Every (lon, lat) pair of a GeoJSON geometry."""
    stack = [geometry.get("coordinates")]
    while stack:
        part = stack.pop()
        if isinstance(part, list | tuple) and part and isinstance(part[0], int | float):
            yield part[0], part[1]
        elif isinstance(part, list | tuple):
            stack.extend(part)


def _bbox_of(collection: dict | None) -> list[float] | None:
    pairs = [
        pair
        for feature in (collection or {}).get("features", [])
        for pair in _coordinates(feature.get("geometry") or {})
    ]
    if not pairs:
        return None
    lons, lats = [p[0] for p in pairs], [p[1] for p in pairs]
    return [min(lons), min(lats), max(lons), max(lats)]


def view_of(document: dict) -> dict:
    """The view holding the jurisdiction (a frozen view when the round has one): from the
    embedded outlines' extent, else from the jurisdiction's bbox."""
    if document.get("view"):
        return document["view"]
    bbox = _bbox_of(document.get("outlines")) or document.get("bbox")
    if not bbox or len(bbox) != 4:
        return DEFAULT_VIEW
    min_lon, min_lat, max_lon, max_lat = bbox
    span = max(max_lon - min_lon, (max_lat - min_lat) * 1.3, 0.01)
    zoom = max(3.0, min(13.0, math.log2(360.0 / span) - 0.6))
    return {
        "center": {
            "lon": round((max_lon + min_lon) / 2, 5),
            "lat": round((max_lat + min_lat) / 2, 5),
        },
        "zoom": round(zoom, 2),
    }


def _outline_source(document: dict) -> dict | str | None:
    """The embedded outlines (a snapshot), or their layer URL (the live board)."""
    outlines = document.get("outlines")
    if outlines and outlines.get("features"):
        return outlines
    return document.get("outlines_url") or None


def figure(document: dict, view: dict | None = None, revision: str = "board") -> dict:
    features = _features(document)
    areas = [f for f in features if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    lines = [f for f in features if f["geometry"]["type"] in ("LineString", "MultiLineString")]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    layers = []
    outlines = _outline_source(document)
    if outlines:
        layers.append(
            {
                "sourcetype": "geojson",
                "source": outlines,
                "type": "line",
                "color": "#607d8b",
                "line": {"width": 1},
            }
        )
    for area in areas:
        colour = (area.get("properties") or {}).get("colour") or "#f9a825"
        single = {"type": "FeatureCollection", "features": [area]}
        layers.append(
            {
                "sourcetype": "geojson",
                "source": single,
                "type": "fill",
                "color": colour,
                "opacity": 0.18,
            }
        )
        layers.append(
            {
                "sourcetype": "geojson",
                "source": single,
                "type": "line",
                "color": colour,
                "line": {"width": 2},
            }
        )
    traces = [_line_trace(f) for f in lines] + _point_traces(points)
    if not traces:  # plotly draws no map without a trace
        traces = [
            {"type": "scattermap", "lon": [], "lat": [], "mode": "markers", "showlegend": False}
        ]
    shown = view or view_of(document)
    return {
        "data": traces,
        "layout": {
            "map": {
                "style": "white-bg",
                "center": shown["center"],
                "zoom": shown["zoom"],
                "layers": layers,
            },
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "showlegend": True,
            "legend": {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"},
            # Refreshes keep the viewer's own zoom and pan (the wall display too).
            "uirevision": revision,
        },
    }
