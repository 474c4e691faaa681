"""A static map of the snapshot as inline SVG, for the printable page and its PDF: no script
and no tiles, so a printer and WeasyPrint draw it as it is. The scope's outlines and every
item's features in Web Mercator, framed on the outlines, with town names, a scale bar, a
north arrow and a legend. Features beyond the frame are clipped by it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely

from modules.consult.briefing.sections import FONT_STACK, esc
from modules.consult.briefing.shapes import Shape, bounds, item_shapes, outline_shapes

WIDTH, HEIGHT = 680, 470
PADDING = 0.04  # of the frame, around the outlines
MIN_STEP = 0.4  # px: closer vertices add size, not detail
EARTH_KM = 6371.0
DEFAULT_BOX = (118.3, 24.9, 119.7, 25.9)  # Putian, for a document with no geometry
POINT_LABELS_UP_TO = 12  # more points than this and their names would cover the map
SVG_FONT = FONT_STACK.replace('"', "'")


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


class Frame:
    """Lon/lat to the SVG's pixels, the box fitted and centred in width × height."""

    def __init__(self, box: tuple[float, float, float, float], width: int, height: int):
        west, south, east, north = box
        self.left, self.right = math.radians(west), math.radians(east)
        self.bottom, self.top = _mercator_y(south), _mercator_y(north)
        span_x = max(self.right - self.left, 1e-6)
        span_y = max(self.top - self.bottom, 1e-6)
        inner_w, inner_h = width * (1 - 2 * PADDING), height * (1 - 2 * PADDING)
        self.scale = min(inner_w / span_x, inner_h / span_y)
        self.offset_x = (width - span_x * self.scale) / 2
        self.offset_y = (height - span_y * self.scale) / 2
        self.mid_lat = (south + north) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.offset_x + (math.radians(lon) - self.left) * self.scale
        y = self.offset_y + (self.top - _mercator_y(lat)) * self.scale
        return x, y

    def km_per_px(self) -> float:
        return EARTH_KM * math.cos(math.radians(self.mid_lat)) / self.scale


def _run(positions: list, frame: Frame, closed: bool) -> str:
    points: list[tuple[float, float]] = []
    for position in positions:
        x, y = frame.xy(position[0], position[1])
        if not points or abs(x - points[-1][0]) + abs(y - points[-1][1]) >= MIN_STEP:
            points.append((x, y))
    if len(points) < 2:
        return ""
    text = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return text + "Z" if closed else text


def path_data(geometry: dict, frame: Frame) -> str:
    """An SVG path's `d` for a line or area geometry."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return _run(coordinates, frame, closed=False)
    if kind == "MultiLineString":
        return "".join(_run(line, frame, closed=False) for line in coordinates)
    polygons = [coordinates] if kind == "Polygon" else coordinates
    return "".join(_run(ring, frame, closed=True) for polygon in polygons for ring in polygon)


def _points(geometry: dict) -> list:
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "Point" else list(coordinates)


def _frame(doc: dict, outlines: list[Shape], features: list[Shape], width, height) -> Frame:
    box = bounds(outlines) or bounds(features)
    if box is None:
        view = doc.get("view") if isinstance(doc.get("view"), dict) else {}
        center = view.get("center") if isinstance(view.get("center"), dict) else {}
        try:
            lon, lat = float(center["lon"]), float(center["lat"])
            box = (lon - 0.6, lat - 0.45, lon + 0.6, lat + 0.45)
        except (KeyError, TypeError, ValueError):
            box = DEFAULT_BOX
    return Frame(box, width, height)


def _shape_svg(shape: Shape, frame: Frame) -> str:
    colour = shape.colour
    title = f"<title>{esc(shape.name)}</title>"
    if shape.kind == "point":
        return "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6" fill="{colour}" stroke="#ffffff" '
            f'stroke-width="1">{title}</circle>'
            for x, y in (frame.xy(p[0], p[1]) for p in _points(shape.geometry))
        )
    d = path_data(shape.geometry, frame)
    if not d:
        return ""
    if shape.kind == "line":
        dash = ' stroke-dasharray="6 4"' if shape.dash else ""
        return (
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"'
            f' stroke-linejoin="round"{dash}>{title}</path>'
        )
    return (
        f'<path d="{d}" fill="{colour}" fill-opacity="0.16" fill-rule="evenodd" '
        f'stroke="{colour}" stroke-width="1.3">{title}</path>'
    )


def _town_labels(outlines: list[Shape], frame: Frame) -> str:
    labels = []
    for shape in outlines:
        if not shape.name:
            continue
        try:
            spot = shapely.geometry.shape(shape.geometry).representative_point()
        except (ValueError, TypeError, shapely.errors.ShapelyError):
            continue
        x, y = frame.xy(spot.x, spot.y)
        labels.append(f'<text x="{x:.1f}" y="{y:.1f}" class="town">{esc(shape.name)}</text>')
    return "".join(labels)


def _point_labels(points: list[Shape], frame: Frame) -> str:
    if len(points) > POINT_LABELS_UP_TO:
        return ""
    labels = []
    for shape in points:
        for position in _points(shape.geometry)[:1]:
            x, y = frame.xy(position[0], position[1])
            labels.append(
                f'<text x="{x + 5:.1f}" y="{y - 4:.1f}" class="point">{esc(shape.name)}</text>'
            )
    return "".join(labels)


def _nice_km(target: float) -> float:
    """A round length (1, 2, 5 × 10^n km) no longer than `target`."""
    if target <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(target))
    return max(step * base for step in (1, 2, 5) if step * base <= target)


def _scale_bar(frame: Frame, height: int) -> str:
    km = _nice_km(frame.km_per_px() * 120)
    length = km / frame.km_per_px()
    x, y = 14, height - 16
    shown = f"{km:g} 公里"
    return (
        f'<g class="scale"><rect x="{x - 4}" y="{y - 16}" width="{length + 8:.1f}" height="24" '
        f'fill="#ffffff" fill-opacity="0.8"/>'
        f'<path d="M{x},{y - 4}V{y}H{x + length:.1f}V{y - 4}" fill="none" stroke="#223" '
        f'stroke-width="1.5"/><text x="{x}" y="{y - 7}" class="scale">{shown}</text></g>'
    )


def _north_arrow(width: int) -> str:
    x, y = width - 22, 16
    return (
        f'<g class="north"><path d="M{x},{y}L{x + 6},{y + 16}L{x},{y + 12}L{x - 6},{y + 16}Z" '
        f'fill="#223"/><text x="{x}" y="{y + 28}" class="north">北</text></g>'
    )


def svg_map(doc: dict, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The map as an <svg> element (text), to place in an HTML page."""
    outlines = outline_shapes(doc)
    drawn = [shape for _, shapes in item_shapes(doc) for shape in shapes]
    frame = _frame(doc, outlines, drawn, width, height)
    # Areas under lines under points, whatever the items' order: a wide wind circle drawn
    # late must not hide a station.
    layers = [
        [s for s in drawn if s.kind == "area"],
        [s for s in drawn if s.kind == "line"],
        [s for s in drawn if s.kind == "point"],
    ]
    outline_paths = "".join(
        f'<path d="{d}" class="outline">{f"<title>{esc(s.name)}</title>" if s.name else ""}</path>'
        for s in outlines
        if (d := path_data(s.geometry, frame))
    )
    features = "".join(_shape_svg(shape, frame) for layer in layers for shape in layer)
    style = (
        f"text {{ font-family: {SVG_FONT}; fill: #223; }}"
        " text.town { font-size: 7.5px; text-anchor: middle; fill: #4a5560; }"
        " text.point { font-size: 8px; fill: #0b3d6e; }"
        " text.scale { font-size: 9px; } text.north { font-size: 9px; text-anchor: middle; }"
        " path.outline { fill: #ffffff; stroke: #6b7780; stroke-width: 0.7; }"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="briefing-map" role="img" '
        f'aria-label="态势图" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<style>{style}</style>"
        f'<defs><clipPath id="briefing-frame"><rect width="{width}" height="{height}"/>'
        "</clipPath></defs>"
        f'<rect width="{width}" height="{height}" fill="#eef2f5"/>'
        f'<g clip-path="url(#briefing-frame)">{outline_paths}{features}'
        f"{_town_labels(outlines, frame)}{_point_labels(layers[2], frame)}</g>"
        f"{_scale_bar(frame, height)}{_north_arrow(width)}"
        f'<rect width="{width}" height="{height}" fill="none" stroke="#8a949c"/></svg>'
    )


@dataclass(frozen=True)
class LegendEntry:
    name: str
    colour: str
    kind: str
    dash: bool


def legend(doc: dict) -> list[LegendEntry]:
    """One entry per distinct feature name, kind and colour, in the board's order (points of
    one item, such as stations, are one entry under the item's title)."""
    entries: dict[tuple, LegendEntry] = {}
    for _, shapes in item_shapes(doc):
        points = [s for s in shapes if s.kind == "point"]
        for shape in shapes:
            name = shape.layer if shape.kind == "point" and len(points) > 1 else shape.name
            entry = LegendEntry(name, shape.colour, shape.kind, shape.dash)
            entries.setdefault((entry.name, entry.kind, entry.colour, entry.dash), entry)
    return list(entries.values())


def legend_html(doc: dict) -> str:
    swatches = []
    for entry in legend(doc):
        if entry.kind == "point":
            mark = f'<circle cx="9" cy="6" r="4" fill="{entry.colour}"/>'
        elif entry.kind == "line":
            dash = ' stroke-dasharray="4 3"' if entry.dash else ""
            mark = f'<path d="M1,6H17" stroke="{entry.colour}" stroke-width="2"{dash}/>'
        else:
            mark = (
                f'<rect x="1" y="1" width="16" height="10" fill="{entry.colour}" '
                f'fill-opacity="0.25" stroke="{entry.colour}"/>'
            )
        swatches.append(
            f'<li><svg xmlns="http://www.w3.org/2000/svg" width="18" height="12" '
            f'viewBox="0 0 18 12">{mark}</svg>{esc(entry.name)}</li>'
        )
    return f'<ul class="legend">{"".join(swatches)}</ul>' if swatches else ""
