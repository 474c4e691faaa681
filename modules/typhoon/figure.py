"""The storm as Chinese typhoon maps draw it: a plotly scattermap figure of the track
coloured by CMA grade, the wind circles at the selected time, the 24/48-hour warning lines,
forecast tracks with their cone, and the viewer's division outlines (by URL)."""

from __future__ import annotations

import math
from datetime import datetime

import shapely

from modules.typhoon.circles import interpolate, ring
from modules.typhoon.service import beijing, forecast_track, latest_forecasts, warning_lines
from modules.typhoon.track import GRADE_COLOURS, GRADES, Fix, StormData

CIRCLE_STYLE = {
    7: ("7级风圈", "rgba(255, 214, 0, 0.22)", "#f9a825"),
    10: ("10级风圈", "rgba(255, 112, 67, 0.28)", "#e64a19"),
    12: ("12级风圈", "rgba(198, 40, 40, 0.32)", "#b71c1c"),
}
AGENCY_COLOURS = {"CMA": "#d32f2f", "JMA": "#388e3c", "JTWC": "#1976d2"}
# Cone of uncertainty: radius (km) by forecast lead time (hours), about the 70% position
# error of recent official forecasts in the Western North Pacific (a stated approximation).
CONE_KM = ((0, 0), (12, 50), (24, 70), (48, 120), (72, 180), (96, 240), (120, 300))
PUTIAN = {"lon": 119.2, "lat": 25.3}


def cone_radius(hours: float) -> float:
    for (h0, r0), (h1, r1) in zip(CONE_KM, CONE_KM[1:], strict=False):
        if hours <= h1:
            return r0 + (r1 - r0) * max(hours - h0, 0) / (h1 - h0)
    return CONE_KM[-1][1]


def cone(issued: datetime, points: list[Fix]) -> shapely.Geometry | None:
    """The union of the hulls of consecutive uncertainty circles along a forecast track."""
    circles = []
    for fix in points:
        radius = cone_radius((fix.time - issued).total_seconds() / 3600)
        if radius <= 0:
            circles.append(shapely.Point(fix.lon, fix.lat).buffer(1e-4))
        else:
            circles.append(shapely.Polygon(ring(fix.lon, fix.lat, (radius,) * 4, step=10)))
    if len(circles) < 2:
        return None
    hulls = [shapely.union(a, b).convex_hull for a, b in zip(circles, circles[1:], strict=False)]
    return shapely.union_all(hulls)


def hover(fix: Fix) -> str:
    pressure = f"{fix.pressure:.0f} hPa" if fix.pressure is not None else "—"
    wind = f"{fix.wind:.0f} m/s" if fix.wind is not None else "—"
    return (
        f"{beijing(fix.time, '%Y-%m-%d %H:%M')}（北京时）<br>"
        f"{fix.lat:.1f}°N {fix.lon:.1f}°E<br>{GRADES.get(fix.grade, '')}<br>"
        f"中心气压 {pressure}　最大风速 {wind}"
    )


def _polygon_trace(geom: shapely.Geometry, name: str, fill: str, line: str) -> dict:
    lons: list = []
    lats: list = []
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        xs, ys = part.exterior.coords.xy
        lons += list(xs) + [None]
        lats += list(ys) + [None]
    return {
        "type": "scattermap",
        "lon": lons,
        "lat": lats,
        "mode": "lines",
        "fill": "toself",
        "fillcolor": fill,
        "line": {"color": line, "width": 1},
        "name": name,
        "hoverinfo": "name",
    }


def figure(
    data: StormData,
    time: datetime,
    replay: bool,
    outline_urls: list[str],
    style,
) -> dict:
    traces: list[dict] = []
    for line in warning_lines()["lines"]:
        lons, lats = zip(*line["coordinates"], strict=True)
        traces.append(
            {
                "type": "scattermap",
                "lon": list(lons),
                "lat": list(lats),
                # Map text needs a glyph server the offline base map does not have: the name
                # goes in the legend and on hover instead.
                "mode": "lines",
                "line": {"color": line["colour"], "width": 1.5},
                "name": line["name"],
                "hoverinfo": "name",
            }
        )
    fixes = [f for f in data.fixes if not replay or f.time <= time]
    current = interpolate(data.fixes, time) if data.fixes else None
    path = fixes + ([current] if replay and current is not None else [])
    if path:
        traces.append(
            {
                "type": "scattermap",
                "lon": [f.lon for f in path],
                "lat": [f.lat for f in path],
                "mode": "lines",
                "line": {"color": "#616161", "width": 2},
                "name": "路径",
                "hoverinfo": "skip",
            }
        )
    for grade, name in GRADES.items():
        chosen = [f for f in fixes if f.grade == grade]
        if not chosen:
            continue
        traces.append(
            {
                "type": "scattermap",
                "lon": [f.lon for f in chosen],
                "lat": [f.lat for f in chosen],
                "mode": "markers",
                "marker": {"size": 8, "color": GRADE_COLOURS[grade]},
                "text": [hover(f) for f in chosen],
                "hovertemplate": "%{text}<extra></extra>",
                "name": name,
            }
        )
    if current is not None:
        for level, (name, fill, edge) in CIRCLE_STYLE.items():
            radii = current.radii.get(level)
            if radii is None or max(radii) <= 0:
                continue
            traces.append(
                _polygon_trace(
                    shapely.Polygon(ring(current.lon, current.lat, radii)), name, fill, edge
                )
            )
        traces.append(
            {
                "type": "scattermap",
                "lon": [current.lon],
                "lat": [current.lat],
                "mode": "markers",
                "marker": {"size": 16, "color": "#c62828"},
                "text": [hover(current)],
                "hovertemplate": "%{text}<extra>当前位置</extra>",
                "name": "台风中心",
            }
        )
    if not replay:
        traces += forecast_traces(data)
    layers = [
        {
            "sourcetype": "geojson",
            "source": url,
            "type": "line",
            "color": "#455a64",
            "line": {"width": 1},
        }
        for url in outline_urls
    ]
    centre, zoom = fit_view([(f.lon, f.lat) for f in data.fixes] + [(PUTIAN["lon"], PUTIAN["lat"])])
    return {
        "data": traces,
        "layout": {
            "map": {"style": style, "center": centre, "zoom": zoom, "layers": layers},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "showlegend": True,
            "legend": {
                "x": 0.99,
                "xanchor": "right",
                "y": 0.01,
                "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.8)",
            },
            # The first view holds the whole track and Putian; after that the viewer's own
            # zoom and pan stay while the slider moves the storm.
            "uirevision": data.id,
        },
    }


def fit_view(points: list[tuple[float, float]], width: int = 800, height: int = 560):
    """Centre and zoom (Web Mercator, 512 px tiles) showing every point on a map of about
    the page's size."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    lon_span = max(max(lons) - min(lons), 0.5) * 1.15

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y_span = max(merc(max(lats)) - merc(min(lats)), 0.01) * 1.15
    zoom = min(
        math.log2(360 * width / (512 * lon_span)), math.log2(2 * math.pi * height / (512 * y_span))
    )
    centre = {"lon": (min(lons) + max(lons)) / 2, "lat": (min(lats) + max(lats)) / 2}
    return centre, round(max(min(zoom, 9.0), 1.0), 2)


def forecast_traces(data: StormData) -> list[dict]:
    """The latest forecast of each agency: its track and cone."""
    traces = []
    for forecast in latest_forecasts(data):
        agency = forecast.agency
        colour = AGENCY_COLOURS.get(agency, "#7b1fa2")
        points = forecast_track(data, forecast)
        shape = cone(forecast.issued_at, points)
        if shape is not None:
            traces.append(
                _polygon_trace(shape, f"{agency} 预报不确定性", "rgba(120,120,120,0.15)", colour)
            )
        traces.append(
            {
                "type": "scattermap",
                "lon": [f.lon for f in points],
                "lat": [f.lat for f in points],
                "mode": "lines+markers",
                "line": {"color": colour, "width": 2},
                "marker": {"size": 6, "color": colour},
                "text": [
                    f"{agency} {beijing(forecast.issued_at)} 发布<br>{hover(f)}" for f in points
                ],
                "hovertemplate": "%{text}<extra></extra>",
                "name": f"{agency} 预报路径（{beijing(forecast.issued_at)} 发布）",
            }
        )
    return traces
