"""The document's geometry, checked once for both maps (Leaflet and the static SVG): the
scope's outlines and every item's features, each with a name, a colour and a kind.

A geometry whose coordinates are not finite numbers nested as its type says is left out,
so a module's bad feature costs that feature, not the briefing."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from modules.consult.briefing.document import items_of

COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
# Colours for items whose features name none, in the board's order.
PALETTE = ("#d9480f", "#1c7ed6", "#2b8a3e", "#9c36b5", "#e8590c", "#0b7285", "#c2255c")
# How deep each type nests its positions (a position is depth 0).
DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
KIND = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "area",
    "MultiPolygon": "area",
}


@dataclass(frozen=True)
class Shape:
    """One feature to draw: `kind` is area, line or point; `dash` marks a forecast."""

    layer: str  # the item's title, or 镇街边界 for an outline
    name: str
    geometry: dict
    colour: str
    dash: bool
    kind: str


def _position(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) >= 2
        and all(isinstance(v, int | float) and math.isfinite(v) for v in value[:2])
    )


def _nested(value: object, depth: int) -> bool:
    if depth == 0:
        return _position(value)
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(_nested(v, depth - 1) for v in value)
    )


def clean_geometry(geometry: object) -> dict | None:
    """The geometry if it is one we draw and well formed, else None."""
    if not isinstance(geometry, dict) or geometry.get("type") not in DEPTH:
        return None
    if not _nested(geometry.get("coordinates"), DEPTH[geometry["type"]]):
        return None
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


def _features(collection: object) -> list[dict]:
    if isinstance(collection, dict):
        collection = collection.get("features")
    return [f for f in collection or [] if isinstance(f, dict)]


def _properties(feature: dict) -> dict:
    properties = feature.get("properties")
    return properties if isinstance(properties, dict) else {}


def outline_shapes(doc: dict) -> list[Shape]:
    found = []
    for feature in _features(doc.get("outlines")):
        geometry = clean_geometry(feature.get("geometry"))
        if geometry is not None:
            name = str(_properties(feature).get("name") or "")
            found.append(
                Shape("镇街边界", name, geometry, "#5c6770", False, KIND[geometry["type"]])
            )
    return found


def item_shapes(doc: dict) -> Iterator[tuple[dict, list[Shape]]]:
    """Each item with its features, in the board's order (items without features too)."""
    for index, item in enumerate(items_of(doc)):
        title = str(item.get("title") or item.get("id") or "")
        fallback = PALETTE[index % len(PALETTE)]
        found = []
        for feature in _features(item.get("features")):
            geometry = clean_geometry(feature.get("geometry"))
            if geometry is None:
                continue
            properties = _properties(feature)
            colour = str(properties.get("colour") or "")
            found.append(
                Shape(
                    layer=title,
                    name=str(properties.get("name") or title),
                    geometry=geometry,
                    colour=colour if COLOUR.match(colour) else fallback,
                    dash=properties.get("dash") is True,
                    kind=KIND[geometry["type"]],
                )
            )
        yield item, found


def positions(geometry: dict) -> Iterator[tuple[float, float]]:
    """Every (lon, lat) of a clean geometry."""
    depth = DEPTH[geometry["type"]]

    def walk(value, level):
        if level == 0:
            yield float(value[0]), float(value[1])
        else:
            for inner in value:
                yield from walk(inner, level - 1)

    yield from walk(geometry["coordinates"], depth)


def bounds(shapes: list[Shape]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the shapes, or None when there are none."""
    lons, lats = [], []
    for shape in shapes:
        for lon, lat in positions(shape.geometry):
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)
