"""The storm as Chinese typhoon maps draw it: a plotly scattermap figure of the track
coloured by CMA grade, the wind circles at the selected time, the 24/48-hour warning lines,
forecast tracks with their cone, and the viewer's division outlines (by URL)."""

from __future__ import annotations

import math
from datetime import datetime

import shapely
from dash import Patch

from modules.typhoon.circles import interpolate, ring
from modules.typhoon.service import beijing, forecast_track, latest_forecasts, warning_lines
from modules.typhoon.track import GRADE_COLOURS, GRADES, Fix, StormData, observed_label

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
# Outlines drawn to about 10 m: finer digits only add bytes to every slider step.
COORD_DECIMALS = 4
# The map's size when the browser has not said (pages.py draws it 560 px high).
DESKTOP_WIDTH, MAP_HEIGHT = 800, 560
FIT_PAD = 1.15  # the view holds the box and 15% around it
NARROW_WIDTH = 600  # px: a phone, where the legend inside the map would cover half of it
# On a phone the legend goes below the map, three entries a row, leaving the map about two
# thirds of the graph's height: the view is fitted to that.
NARROW_MAP_SHARE = 0.66
WIDE_LEGEND = {
    "x": 0.99,
    "xanchor": "right",
    "y": 0.01,
    "yanchor": "bottom",
    "bgcolor": "rgba(255,255,255,0.8)",
}
NARROW_LEGEND = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 0,
    "yanchor": "top",
    "entrywidth": 0.33,
    "entrywidthmode": "fraction",
    "font": {"size": 11},
}


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
        + (f"<br>{observed_label(fix)}" if fix.advisory else "")
    )


def _polygon_trace(geom: shapely.Geometry, name: str, fill: str, line: str) -> dict:
    lons: list = []
    lats: list = []
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        xs, ys = part.exterior.coords.xy
        lons += [round(x, COORD_DECIMALS) for x in xs] + [None]
        lats += [round(y, COORD_DECIMALS) for y in ys] + [None]
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


def warning_traces() -> list[dict]:
    traces = []
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
    return traces


def track_name(fixes: list[Fix]) -> str:
    """The track's legend entry, naming an advisory's analyses when it holds any."""
    labels = sorted({observed_label(f) for f in fixes if f.advisory})
    return f"路径（含{'、'.join(labels)}）" if labels else "路径"


def track_traces(fixes: list[Fix], current: Fix | None, every_grade: bool) -> list[dict]:
    """The path and its fixes coloured by grade: one trace per grade the fixes hold, or, with
    `every_grade` (a replay, where the track grows), one per known grade, empty ones
    nameless and out of the legend, so the number of traces never changes as time moves."""
    path = fixes + ([current] if current is not None else [])
    traces = [
        {
            "type": "scattermap",
            "lon": [f.lon for f in path],
            "lat": [f.lat for f in path],
            "mode": "lines",
            "line": {"color": "#616161", "width": 2},
            "name": track_name(fixes),
            "hoverinfo": "skip",
        }
    ]
    for grade, name in GRADES.items():
        chosen = [f for f in fixes if f.grade == grade]
        if not chosen:
            if every_grade:
                traces.append(_empty_trace())
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
    return traces


def figure_key(data: StormData, replay: bool) -> str:
    """Which figure a trace belongs to: the storm and the mode (a replay moves more traces)."""
    return f"{data.id}|{'replay' if replay else 'live'}"


def storm_now_traces(current: Fix | None, key: str) -> list[dict]:
    """The wind circles and the centre at one moment: always one trace per circle level and
    one for the centre (empty when there is nothing to draw), so a slider step can replace
    them by position. The centre, last, carries `key`: the page checks that a step landed
    on the figure it was made for (callbacks.CHECK_STEP)."""
    traces = []
    for level, (name, fill, edge) in CIRCLE_STYLE.items():
        radii = current.radii.get(level) if current is not None else None
        if radii is None or max(radii) <= 0:
            traces.append(_empty_trace())
            continue
        traces.append(
            _polygon_trace(shapely.Polygon(ring(current.lon, current.lat, radii)), name, fill, edge)
        )
    if current is None:
        traces.append({**_empty_trace(), "meta": {"key": key}})
        return traces
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
            "meta": {"key": key},
        }
    )
    return traces


def _empty_trace() -> dict:
    """A place kept for a trace with nothing to draw now (no name, not in the legend)."""
    return {
        "type": "scattermap",
        "lon": [],
        "lat": [],
        "mode": "lines",
        "showlegend": False,
        "hoverinfo": "skip",
    }


def moving_traces(data: StormData, time: datetime, replay: bool) -> list[dict]:
    """What a move of the time slider changes, in the order the figure ends with: in a replay
    the track so far too, else only the circles and the centre."""
    current = interpolate(data.fixes, time) if data.fixes else None
    now = storm_now_traces(current, figure_key(data, replay))
    if not replay:
        return now
    fixes = [f for f in data.fixes if f.time <= time]
    return track_traces(fixes, current, every_grade=True) + now


def figure(
    data: StormData,
    time: datetime,
    replay: bool,
    outline_urls: list[str],
    style,
) -> dict:
    """The whole figure: what stays while the slider moves (warning lines, the track unless
        replaying, forecasts, outlines) first, then `moving_traces` last, which `step_patch`
        replaces in place. The view is fitted to a desktop's map here, and again to the map's real
    size in the browser (callbacks.FIT_VIEW, from layout.meta.fit)."""
    traces = warning_traces()
    if not replay:
        traces += track_traces(data.fixes, None, every_grade=False) if data.fixes else []
        traces += forecast_traces(data)
    traces += moving_traces(data, time, replay)
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
    points = [(f.lon, f.lat) for f in data.fixes] + [(PUTIAN["lon"], PUTIAN["lat"])]
    centre, zoom = fit_view(points)
    return {
        "data": traces,
        "layout": {
            "map": {"style": style, "center": centre, "zoom": zoom, "layers": layers},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "showlegend": True,
            "legend": WIDE_LEGEND,
            "meta": {"fit": fit_meta(points), "key": figure_key(data, replay)},
            # The first view holds the whole track and Putian; after that the viewer's own
            # zoom and pan stay while the slider moves the storm.
            "uirevision": data.id,
        },
    }


def step_patch(data: StormData, time: datetime, replay: bool) -> Patch:
    """A slider step as a Patch of the figure `figure` drew for the same storm and mode: the
    moving traces, the last ones, replaced by position from the end; nothing else is sent."""
    moving = moving_traces(data, time, replay)
    patch = Patch()
    for offset, trace in enumerate(moving):
        patch["data"][offset - len(moving)] = trace
    return patch


def fit_meta(points: list[tuple[float, float]]) -> dict:
    """What the browser needs to fit the view to the map's real size (callbacks.FIT_VIEW):
    the box to show, the margin around it, and on a phone the legend below the map."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return {
        "bbox": [min(lons), min(lats), max(lons), max(lats)],
        "pad": FIT_PAD,
        "narrow_width": NARROW_WIDTH,
        "narrow_map_share": NARROW_MAP_SHARE,
        "narrow_legend": NARROW_LEGEND,
    }


def fit_view(
    points: list[tuple[float, float]], width: int = DESKTOP_WIDTH, height: int = MAP_HEIGHT
):
    """Centre and zoom (Web Mercator, 512 px tiles) showing every point on a map of
    `width` × `height` pixels."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    lon_span = max(max(lons) - min(lons), 0.5) * FIT_PAD

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    y_span = max(merc(max(lats)) - merc(min(lats)), 0.01) * FIT_PAD
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
