"""The map view as a picture to keep: an SVG drawn on the server from the same values the map
shows (the units of the focus with their shading, the module layers switched on), with a
title, the legend, a scale bar, a north arrow, the time and the viewer's unit. The PDF is
that SVG on an A4 page (WeasyPrint, nothing fetched); the PNG is drawn from it by the browser
(assets/map-export.js). Both routes answer only inside the viewer's scope and are audited.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape

from flask import Flask, Response, request

from access import audit, scoped
from access.viewer import Forbidden, NotFound, Viewer
from app.auth import client_address, current_viewer
from app.context import current
from app.map_figure import PALETTE, SEQUENTIAL, SHADES, shading
from app.map_legend import module_groups, shade_group
from app.map_panels import layers_off
from app.map_view import MEASURE_PREFIX, focus_and_children, measure_shading, module_layers
from layers import codes

BEIJING = timezone(timedelta(hours=8))
WIDTH, HEIGHT = 1123, 794  # A4 landscape at 96 dpi
MAP_BOX = (24, 92, 820, 740)  # left, top, right, bottom of the map on the page
LEGEND_X = 840
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
EARTH_M_PER_DEG = 111_320.0


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _scale_colour(value: float, low: float, high: float) -> str:
    """The sequential colour of `value` between `low` and `high` (app.map_figure.SEQUENTIAL)."""
    share = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    for (a, ca), (b, cb) in zip(SEQUENTIAL, SEQUENTIAL[1:], strict=False):
        if share <= b:
            t = (share - a) / (b - a) if b > a else 0.0
            rgb = [round(x + (y - x) * t) for x, y in zip(_hex(ca), _hex(cb), strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return SEQUENTIAL[-1][1]


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


class Frame:
    """Lon/lat to page pixels for a bounding box fitted into MAP_BOX (Web Mercator)."""

    def __init__(self, bbox: list[float]) -> None:
        min_lon, min_lat, max_lon, max_lat = bbox
        left, top, right, bottom = MAP_BOX
        width, height = right - left, bottom - top
        span_x = max(max_lon - min_lon, 1e-6)
        span_y = max(_mercator_y(max_lat) - _mercator_y(min_lat), 1e-6)
        self.k = min(width / span_x, height / span_y)
        self.x0 = left + (width - span_x * self.k) / 2 - min_lon * self.k
        self.y0 = top + (height - span_y * self.k) / 2 + _mercator_y(max_lat) * self.k
        self.centre_lat = (min_lat + max_lat) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return round(self.x0 + lon * self.k, 1), round(self.y0 - _mercator_y(lat) * self.k, 1)

    def metres_per_px(self) -> float:
        return EARTH_M_PER_DEG * math.cos(math.radians(self.centre_lat)) / self.k


def parse_bbox(text, fallback: list[float]) -> list[float]:
    """The view's bounds sent by the browser ("w,s,e,n"), if they make sense; else fallback."""
    try:
        values = [float(v) for v in str(text).split(",")]
    except ValueError:
        return fallback
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return fallback
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        return fallback
    return values


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _path(frame: Frame, rings: list[list]) -> str:
    parts = []
    for ring in rings:
        points = [frame.xy(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
    return "".join(parts)


def _unit_colours(children: list[dict], colours: dict) -> dict[str, str]:
    """code → fill colour, as the map shades the units (zones or a measure's scale)."""
    z = colours.get("z") or []
    if colours.get("showscale"):
        low, high = colours.get("zmin") or 0, colours.get("zmax") or 0
        return {
            c["code"]: _scale_colour(v, low, high) if v is not None else "#eeeeee"
            for c, v in zip(children, z, strict=False)
        }
    return {c["code"]: PALETTE[int(v) % len(PALETTE)] for c, v in zip(children, z, strict=False)}


def _units_svg(session, viewer: Viewer, frame: Frame, focus: dict, children, colours) -> list:
    shapes = []
    fills = _unit_colours(children, colours)
    for level in dict.fromkeys(c["level"] for c in children):
        body = scoped.layer(session, viewer, level, focus["code"] or None, "wgs84")
        for feature in json.loads(body.raw)["features"]:
            code = feature["properties"].get("code")
            if code not in fills:
                continue
            path = _path(frame, _rings(feature["geometry"]))
            shapes.append(
                f'<path d="{path}" fill="{fills[code]}" fill-opacity="0.6" '
                'stroke="#ffffff" stroke-width="1" fill-rule="evenodd"/>'
            )
    return shapes


def _listed(value, count: int) -> list:
    return value if isinstance(value, list) else [value] * count


def _trace_svg(frame: Frame, trace: dict) -> list:
    lons, lats = trace.get("lon") or [], trace.get("lat") or []
    if not lons:
        return []
    points = [frame.xy(lon, lat) for lon, lat in zip(lons, lats, strict=False)]
    mode = str(trace.get("mode") or "markers")
    line = trace.get("line") or {}
    shapes = []
    if trace.get("fill") == "toself":
        path = "M" + "L".join(f"{x},{y}" for x, y in points) + "Z"
        shapes.append(
            f'<path d="{path}" fill="{escape(str(trace.get("fillcolor", "none")))}" '
            f'stroke="{escape(str(line.get("color", "#666")))}" stroke-width="1"/>'
        )
    elif "lines" in mode:
        path = "M" + "L".join(f"{x},{y}" for x, y in points)
        shapes.append(
            f'<path d="{path}" fill="none" stroke="{escape(str(line.get("color", "#666")))}" '
            f'stroke-width="{line.get("width", 2)}"/>'
        )
    if "markers" in mode:
        marker = trace.get("marker") or {}
        colours = _listed(marker.get("color", "#555555"), len(points))
        sizes = _listed(marker.get("size", 8), len(points))
        opacity = marker.get("opacity", 1)
        for (x, y), colour, size in zip(points, colours, sizes, strict=False):
            shapes.append(
                f'<circle cx="{x}" cy="{y}" r="{float(size) / 2:.1f}" '
                f'fill="{escape(str(colour))}" fill-opacity="{opacity}" '
                'stroke="#ffffff" stroke-width="0.8"/>'
            )
    return shapes


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not longer than `metres`."""
    power = 10 ** math.floor(math.log10(max(metres, 1)))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


def _scale_bar(frame: Frame) -> list:
    left, _, _, bottom = MAP_BOX
    length = _nice_length(frame.metres_per_px() * 150)
    px = length / frame.metres_per_px()
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    x, y = left + 12, bottom - 16
    return [
        f'<rect x="{x - 6}" y="{y - 22}" width="{px + 60}" height="30" fill="#ffffff" '
        'fill-opacity="0.8"/>',
        f'<path d="M{x},{y - 6}V{y}H{x + px:.1f}V{y - 6}" fill="none" stroke="#222" '
        'stroke-width="2"/>',
        f'<text x="{x}" y="{y - 10}" font-size="12">0</text>',
        f'<text x="{x + px:.1f}" y="{y - 10}" font-size="12" text-anchor="middle">'
        f"{escape(label)}</text>",
        f'<text x="{x + px + 8:.1f}" y="{y}" font-size="11" fill="#555">比例尺</text>',
    ]


def _north_arrow() -> list:
    _, top, right, _ = MAP_BOX
    x, y = right - 30, top + 14
    return [
        f'<path d="M{x},{y}L{x + 11},{y + 34}L{x},{y + 26}L{x - 11},{y + 34}Z" fill="#222"/>',
        f'<text x="{x}" y="{y + 52}" font-size="14" text-anchor="middle">北</text>',
    ]


def _legend_svg(groups: list[dict]) -> list:
    shapes = [
        f'<text x="{LEGEND_X}" y="{MAP_BOX[1] + 14}" font-size="16" font-weight="bold">图例</text>'
    ]
    y = MAP_BOX[1] + 40
    for group in groups:
        if y > HEIGHT - 70:
            break
        shapes.append(
            f'<text x="{LEGEND_X}" y="{y}" font-size="13" font-weight="bold">'
            f"{escape(group['title'])}</text>"
        )
        y += 20
        for entry in group["entries"]:
            shapes.extend(_legend_entry(entry, y))
            y += 19
        y += 6
    return shapes


def _legend_entry(entry: dict, y: float) -> list:
    x = LEGEND_X + 4
    kind, colour = entry["kind"], escape(str(entry.get("colour", "#666")))
    if kind == "dot":
        r = min(float(entry.get("size", 10)), 16) / 2
        swatch = f'<circle cx="{x + 8}" cy="{y - 4}" r="{r:.1f}" fill="{colour}"/>'
    elif kind == "line":
        swatch = (
            f'<path d="M{x},{y - 4}H{x + 18}" stroke="{colour}" '
            f'stroke-width="{min(float(entry.get("width", 2)), 4)}"/>'
        )
    elif kind == "scale":
        stops = entry.get("colours") or ["#fff", "#000"]
        width = 60
        cells = "".join(
            f'<rect x="{x + i * width / len(stops):.1f}" y="{y - 10}" '
            f'width="{width / len(stops) + 0.5:.1f}" height="10" fill="{escape(c)}"/>'
            for i, c in enumerate(stops)
        )
        text = f"{entry.get('min', '')} – {entry.get('max', '')}"
        return [
            cells,
            f'<text x="{x + width + 6}" y="{y}" font-size="12">{escape(text)}</text>',
        ]
    else:
        edge = escape(str(entry.get("edge", "#666")))
        swatch = (
            f'<rect x="{x}" y="{y - 11}" width="18" height="12" fill="{colour}" stroke="{edge}"/>'
        )
    return [swatch, f'<text x="{x + 26}" y="{y}" font-size="12">{escape(entry["label"])}</text>']


def _viewer_units(session, viewer: Viewer) -> str:
    names = scoped.unit_names(session, viewer, set(viewer.scopes))
    return "、".join(names.get(code, code) for code in viewer.scopes)


def view_svg(session, viewer: Viewer, args, moment: datetime | None = None) -> tuple[str, dict]:
    """(the SVG, what it shows) for the map view named by `args` (unit, layers, shade, bbox)."""
    moment = moment or datetime.now(UTC)
    unit = args.get("unit") or None
    if unit is not None:
        unit = scoped.require_unit(session, viewer, str(unit))  # 404 unknown, 403 outside
    found = focus_and_children(session, viewer, unit)
    if found is None:
        raise LookupError("the viewer has no unit")
    focus, children = found
    shade = args.get("shade") or "zone"
    measure = measure_shading(session, viewer, shade, children)
    if shade not in SHADES and not (shade.startswith(MEASURE_PREFIX) and measure):
        shade = "zone"
    first = [c for c in children if children and c["level"] == children[0]["level"]]
    colours = shading(first, shade, *(measure or ()))
    off = set(layers_off(args.get("layers")))
    layers = [
        layer
        for layer in module_layers(session, viewer, focus["code"] or None)
        if layer["id"] not in off
    ]
    frame = Frame(parse_bbox(args.get("bbox"), focus["bbox"]))
    level_label = codes.LEVEL_LABELS.get(first[0]["level"], "单位") if first else "单位"
    groups = [shade_group(colours, level_label, PALETTE), *module_groups(layers)]
    title = f"{focus['name']} · 一张图"
    stamp = moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    who = viewer.name or viewer.login
    mine = _viewer_units(session, viewer)
    left, top, right, bottom = MAP_BOX
    body = [
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{left}" y="44" font-size="26" font-weight="bold">{escape(title)}</text>',
        f'<text x="{left}" y="74" font-size="14" fill="#444">'
        f"制图：{escape(who)}（{escape(mine)}） · 时间：{stamp}（北京时间）</text>",
        '<clipPath id="map-clip">'
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"/></clipPath>',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
        'fill="#f4f7fb" stroke="#8a99ad"/>',
        '<g clip-path="url(#map-clip)">',
        *_units_svg(session, viewer, frame, focus, first, colours),
        *[shape for layer in layers for t in layer["traces"] for shape in _trace_svg(frame, t)],
        "</g>",
        *_scale_bar(frame),
        *_north_arrow(),
        *_legend_svg(groups),
        f'<text x="{left}" y="{HEIGHT - 20}" font-size="11" fill="#666">'
        f"{escape(focus['name'])} · 边界与数据来自本系统，仅限辖区内使用</text>",
    ]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}">' + "".join(body) + "</svg>"
    )
    return svg, {"unit": focus["code"], "name": focus["name"], "layers": [x["id"] for x in layers]}


def view_pdf(svg: str) -> bytes:
    """The SVG on one A4 landscape page. Nothing is fetched (the page names no file)."""
    from weasyprint import HTML  # loads Pango and fonts: only a PDF pays for it
    from weasyprint.urls import URLFetcher

    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        "@page { size: A4 landscape; margin: 0 } body { margin: 0 } svg { width: 297mm; "
        "height: 210mm; display: block }</style></head><body>" + svg + "</body></html>"
    )
    return HTML(string=page, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def _answer(kind: str) -> Response:
    viewer = current_viewer()
    with current().sessions() as session:
        try:
            svg, shown = view_svg(session, viewer, request.args)
        except Forbidden:
            return Response("无权导出该单位的地图。", status=403, mimetype="text/plain")
        except (NotFound, LookupError):
            return Response("未找到该单位。", status=404, mimetype="text/plain")
    # A write transaction of its own: SQLite refuses to turn a reading one into a writer
    # while another request writes (an export of the other kind, at the same moment).
    with current().sessions() as session, session.begin():
        audit.record(
            session,
            "export",
            viewer,
            target=f"map.view.{kind}",
            address=client_address(),
            detail=shown,
        )
    if kind == "pdf":
        return Response(
            view_pdf(svg),
            mimetype="application/pdf",
            headers={"Content-Disposition": "attachment; filename=map-view.pdf"},
        )
    return Response(svg, mimetype="image/svg+xml")


def view_svg_route() -> Response:
    return _answer("svg")


def view_pdf_route() -> Response:
    return _answer("pdf")


def install(server: Flask) -> None:
    """GET /map/view.svg and /map/view.pdf (the auth gate answers anonymous requests)."""
    server.add_url_rule("/map/view.svg", "map_view_svg", view_svg_route, methods=["GET"])
    server.add_url_rule("/map/view.pdf", "map_view_pdf", view_pdf_route, methods=["GET"])
