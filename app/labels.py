"""Unit names on the map: label points the app serves, scoped, the style's symbol layers that
draw them with the app's own glyphs (app/glyphs.py), and which names a view shows.

`GET /api/v1/labels/{level}.geojson[?parent=CODE][&crs=gcj02][&v=TOKEN]` answers the units of
`level` inside the viewer's scope (and inside `parent`) as Points at their label point (a
pole of inaccessibility, inside the unit), with `code`, `name`, `level` and `label` (the
name as a map shows it: 村委会 → 村). Gzip, ETag, and the layers' caching rule: a URL with
the viewer's current token is immutable, any other is revalidated.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from access import scoped
from access.viewer import Viewer
from layers import codes
from layers.crs import from_wgs84_arrays
from layers.load import boundaries_version

FONTSTACK = "OneMap Sans"
# How each level's names are drawn: bigger and darker for the bigger units.
TEXT = {
    "city": {"size": 18, "color": "#1a1a1a"},
    "county": {"size": 16, "color": "#222222"},
    "town": {"size": 13, "color": "#333333"},
    "village": {"size": 11, "color": "#444444"},
}
HALO = {"text-halo-color": "rgba(255,255,255,0.92)", "text-halo-width": 1.6}
# Committee suffixes of village-level names, and what a map shows instead.
SUFFIXES = (("村民委员会", "村"), ("居民委员会", "社区"), ("村委会", "村"), ("居委会", "社区"))


def short_name(name: str) -> str:
    """The name as a map labels it: 木兰村委会 → 木兰村, 太平社区居委会 → 太平社区."""
    for suffix, kind in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith(kind) else base + kind
    return name


@dataclass(frozen=True)
class LabelBody:
    etag: str
    raw: bytes
    gzipped: bytes
    feature_count: int


_cache: dict[tuple, LabelBody] = {}
_lock = threading.Lock()
CACHE_LIMIT = 256  # bodies kept per process (each a few KB to ~100 KB)


def label_etag(
    version: int, level: str, parent: str | None, crs: str, scopes: tuple[str, ...]
) -> str:
    key = f"labels|{version}|{level}|{parent}|{crs}|{' '.join(scopes)}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def label_body(
    session: Session, viewer: Viewer, level: str, parent: str | None, crs: str
) -> LabelBody:
    """The label points of `level` the viewer may see (inside `parent`): Forbidden / NotFound
    for a parent outside the scope or unknown, as every scoped read."""
    version = boundaries_version(session)
    etag = label_etag(version, level, parent, crs, viewer.scopes)
    with _lock:
        if etag in _cache:
            return _cache[etag]
    units = scoped.units(session, viewer, level, within=parent)
    lons = [unit.label_lon for unit in units]
    lats = [unit.label_lat for unit in units]
    if crs != "wgs84" and units:
        lons, lats = (list(map(float, v)) for v in from_wgs84_arrays(lons, lats, crs))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "code": unit.code,
                "name": unit.name,
                "label": short_name(unit.name),
                "level": unit.level,
            },
        }
        for unit, lon, lat in zip(units, lons, lats, strict=True)
    ]
    raw = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    body = LabelBody(etag, raw, gzip.compress(raw, mtime=0), len(features))
    with _lock:
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[etag] = body
    return body


def label_url(
    level: str, parent: str | None = None, crs: str = "wgs84", token: str | None = None
) -> str:
    """Where a level's label points come from (`token`: layers.display.cache_token, as the
    layer URLs carry, so the browser keeps the body)."""
    params = {}
    if parent:
        params["parent"] = codes.prefix(parent)
    if crs != "wgs84":
        params["crs"] = crs
    if token:
        params["v"] = token
    query = f"?{urlencode(params)}" if params else ""
    return f"/api/v1/labels/{level}.geojson{query}"


@dataclass(frozen=True)
class LabelSource:
    """One set of names to draw: a level's label points from `url`, and when `codes` is given,
    only those units (the virtual root's, which span levels and parents)."""

    level: str
    url: str
    codes: tuple[str, ...] | None = None


def sources_for(
    focus: dict, children: list[dict], crs: str = "wgs84", token: str | None = None
) -> list[LabelSource]:
    """The names a view of `focus` shows: its children's (county names at city view, town
    names in a county, village names in a town); a village shows its own name.

    `focus` and `children` are what the map page already holds (access.scoped.profile /
    home, and children / home_children)."""
    if focus.get("level") == "root" or not focus.get("code"):
        by_level: dict[str, list[str]] = {}
        for child in children:
            by_level.setdefault(child["level"], []).append(child["code"])
        return [
            LabelSource(level, label_url(level, None, crs, token), tuple(sorted(found)))
            for level, found in sorted(by_level.items(), key=lambda i: codes.LEVELS.index(i[0]))
        ]
    child_level = codes.child_level(focus["level"])
    if child_level is None or not children:
        return [LabelSource(focus["level"], label_url(focus["level"], focus["code"], crs, token))]
    return [LabelSource(child_level, label_url(child_level, focus["code"], crs, token))]


EMPTY = {"type": "FeatureCollection", "features": []}


def source_id(level: str) -> str:
    """The style's source (and symbol layer) holding one level's names."""
    return f"onemap-labels-{level}"


def symbol_layers() -> tuple[dict, list[dict]]:
    """(MapLibre sources, symbol layers): one per level, empty until a view fills it
    (assets/basemap.js, from `view`), so the style itself never changes with the view."""
    style_sources: dict[str, dict] = {}
    layers: list[dict] = []
    for rank, level in enumerate(codes.LEVELS):
        text = TEXT[level]
        style_sources[source_id(level)] = {"type": "geojson", "data": EMPTY}
        layers.append(
            {
                "id": source_id(level),
                "type": "symbol",
                "source": source_id(level),
                "layout": {
                    "text-field": ["get", "label"],
                    "text-font": [FONTSTACK],
                    "text-size": text["size"],
                    "text-max-width": 8,
                    "text-padding": 2,
                    "symbol-sort-key": rank,  # bigger units first when names collide
                },
                "paint": {"text-color": text["color"], **HALO},
            }
        )
    return style_sources, layers


def view(sources: list[LabelSource]) -> list[dict]:
    """What a figure tells the style's label layers to show (JSON): for each level named,
    where its points come from and, when given, the only units to name."""
    return [
        {
            "source": source_id(source.level),
            "url": source.url,
            "codes": list(source.codes) if source.codes is not None else None,
        }
        for source in sources
    ]
