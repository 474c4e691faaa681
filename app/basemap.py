"""The map's basemaps and its MapLibre style: what lies under the units, and their names.

`style(settings)` is the complete style (version 8) a map's `layout.map.style` takes: every
basemap the settings offer (one shown), a symbol layer per level for the units' names,
drawn with the app's own glyphs (`glyphs` points at this server). It is the same for every
view; `view(settings, label_sources, basemap_id)` is what one figure shows on it (the
basemap chosen, the names), carried in `layout.meta["basemap"]` and applied in the browser
by assets/basemap.js. The default basemap needs no request outside the app:

- `offline` 离线底图: land, sea, the coastline and rivers from GSHHG, built at install time
  (tools/basemap) and served by the app; `blank` 空白底图 always.
- `custom` 自定义瓦片: `tiles_url` (a local tile server, or any XYZ template), `tiles_crs`.
- `local` 本地瓦片: a raster MBTiles file (`basemap_mbtiles`) served by the app.
- `tianditu-vec` 天地图矢量 / `tianditu-img` 天地图影像 with their annotation layer, when
  `tianditu_key` is set; `osm` OpenStreetMap and `amap` 高德地图 (GCJ-02) when named in
  `basemaps_online`. These reach outside servers: only when configured, and only the one
  shown loads tiles.

`choices(settings)` lists what a viewer may switch to (names in Chinese), `chosen()` turns a
value the browser sent into one of them (an unknown one falls back to the default), and
`origins(settings)` are the outside origins the Content-Security-Policy must allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from app import labels
from layers.shipped import PROJECT_ROOT

DEFAULT_FILE = PROJECT_ROOT / "tools" / "basemap" / "dist" / "basemap.geojson"
GLYPHS_URL = "/map/glyphs/{fontstack}/{range}.pbf"
OFFLINE_URL = "/map/basemap/offline.geojson"
LOCAL_TILES_URL = "/map/basemap/tiles/{z}/{x}/{y}"
OFFLINE_ATTRIBUTION = "底图：GSHHG 2.3.7（LGPL-3.0）"
STYLE_ID = "onemap"
# plotly.js puts a choroplethmap just above the style's top-most layer whose id starts with
# "water" (its default `below`): this invisible one sits right under the names, so the
# figure's fills go between the basemap and the names.
OVERLAY_ANCHOR = {
    "id": "water-onemap-overlays",
    "type": "background",
    "paint": {"background-opacity": 0},
}

SEA = "#cfe2f0"
LAND = "#f4f1ea"
COAST = "#8fb3cf"
RIVER = "#9cc3e4"
BLANK = "#ffffff"

_TIANDITU = (
    "https://t{n}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_AMAP = (
    "https://webrd0{n}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={{x}}&y={{y}}&z={{z}}"
)
ONLINE = ("osm", "amap")
IDS = ("offline", "blank", "custom", "local", "tianditu-vec", "tianditu-img", *ONLINE)


@dataclass(frozen=True)
class Basemap:
    """One basemap a viewer may choose.

    `crs` is the datum its tiles are drawn in: overlays (layers, labels) are shifted to it for
    display (`gcj02` for Amap). `tiles` are raster layers drawn in order, each a tuple of
    equivalent URL templates (a server's subdomains)."""

    id: str
    name: str
    crs: str = "wgs84"
    attribution: str = ""
    tiles: tuple[tuple[str, ...], ...] = ()
    tile_size: int = 256


def offline_file(settings) -> Path:
    return Path(settings.basemap_file) if settings.basemap_file else DEFAULT_FILE


def available(settings) -> list[Basemap]:
    """Every basemap these settings make available, the default first."""
    found: list[Basemap] = []
    if offline_file(settings).is_file():
        found.append(Basemap("offline", "离线底图", attribution=OFFLINE_ATTRIBUTION))
    found.append(Basemap("blank", "空白底图"))
    if settings.tiles_url:
        found.append(
            Basemap(
                "custom",
                "自定义瓦片",
                settings.tiles_crs,
                settings.tiles_attribution,
                ((settings.tiles_url,),),
            )
        )
    if settings.basemap_mbtiles:
        found.append(
            Basemap(
                "local",
                "本地瓦片",
                settings.basemap_mbtiles_crs,
                settings.tiles_attribution,
                ((LOCAL_TILES_URL,),),
            )
        )
    if settings.tianditu_key:
        key = settings.tianditu_key
        for layer, notes, name in (("vec", "cva", "天地图矢量"), ("img", "cia", "天地图影像")):
            found.append(
                Basemap(
                    f"tianditu-{layer}",
                    name,
                    attribution="© 天地图 国家地理信息公共服务平台",
                    tiles=(
                        tuple(_TIANDITU.format(n=n, layer=layer, key=key) for n in range(8)),
                        tuple(_TIANDITU.format(n=n, layer=notes, key=key) for n in range(8)),
                    ),
                )
            )
    if "osm" in settings.basemaps_online:
        found.append(
            Basemap(
                "osm",
                "OpenStreetMap",
                attribution="© OpenStreetMap contributors",
                tiles=(("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),),
            )
        )
    if "amap" in settings.basemaps_online:
        found.append(
            Basemap(
                "amap",
                "高德地图",
                "gcj02",
                "© 高德地图 AutoNavi",
                (tuple(_AMAP.format(n=n) for n in range(1, 5)),),
            )
        )
    default = default_id(settings, found)
    return sorted(found, key=lambda b: b.id != default)


def default_id(settings, found: list[Basemap] | None = None) -> str:
    """The configured `basemap` when available; else the custom tiles when `tiles_url` is
    set (as before the switcher), else the offline basemap, else the blank one."""
    ids = [b.id for b in (found if found is not None else available(settings))]
    for wanted in (settings.basemap, "custom" if settings.tiles_url else "", "offline"):
        if wanted and wanted in ids:
            return wanted
    return "blank"


def chosen(settings, basemap_id: object = None) -> Basemap:
    """The basemap to draw: `basemap_id` when it is one of the available ones (the browser
    may send anything), else the default."""
    found = available(settings)
    for basemap in found:
        if basemap.id == basemap_id:
            return basemap
    return found[0]


def choices(settings) -> list[dict]:
    """Options for a switcher control (dcc.RadioItems / Dropdown): label and value."""
    return [{"label": b.name, "value": b.id} for b in available(settings)]


def attribution(settings, basemap_id: object = None) -> str:
    """What the map must credit for the basemap it shows (empty when nothing)."""
    return chosen(settings, basemap_id).attribution


def origins(settings) -> list[str]:
    """The outside origins the available basemaps fetch tiles from (for the CSP)."""
    found: set[str] = set()
    for basemap in available(settings):
        for templates in basemap.tiles:
            for template in templates:
                parts = urlsplit(template)
                if parts.scheme and parts.netloc:
                    found.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(found)


def _basemap_layers(basemap: Basemap) -> tuple[dict, list[dict]]:
    """The sources and layers of one basemap, their ids prefixed with its own."""
    prefix = f"onemap-{basemap.id}"
    if basemap.id == "offline":
        source = f"{prefix}-data"
        sources = {
            source: {
                "type": "geojson",
                "data": OFFLINE_URL,
                "attribution": basemap.attribution,
                # GSHHG is no finer than ~100 m: tiles past zoom 12 only re-cut the same lines.
                "maxzoom": 12,
                "tolerance": 0.5,
            }
        }
        land = ["==", ["get", "kind"], "land"]
        width = ["interpolate", ["linear"], ["zoom"], 6, 0.5, 12, 1.4]
        layers = [
            {"id": f"{prefix}-sea", "type": "background", "paint": {"background-color": SEA}},
            {
                "id": f"{prefix}-land",
                "type": "fill",
                "source": source,
                "filter": land,
                "paint": {"fill-color": LAND},
            },
            {
                "id": f"{prefix}-river",
                "type": "line",
                "source": source,
                "filter": ["==", ["get", "kind"], "river"],
                "paint": {"line-color": RIVER, "line-width": width},
            },
            {
                "id": f"{prefix}-coast",
                "type": "line",
                "source": source,
                "filter": land,
                "paint": {"line-color": COAST, "line-width": width},
            },
        ]
        return sources, layers
    layers = [{"id": f"{prefix}-paper", "type": "background", "paint": {"background-color": BLANK}}]
    sources = {}
    for index, templates in enumerate(basemap.tiles):
        source = f"{prefix}-{index}"
        sources[source] = {
            "type": "raster",
            "tiles": list(templates),
            "tileSize": basemap.tile_size,
        }
        if index == 0 and basemap.attribution:
            sources[source]["attribution"] = basemap.attribution
        layers.append({"id": source, "type": "raster", "source": source})
    return sources, layers


def style(settings) -> dict:
    """The complete MapLibre style for these settings: every basemap they offer (the
    default shown, the others hidden until chosen), a layer per level for the units' names
    (empty until a view fills it), and `glyphs` on this server.

    It depends on the settings only, never on the view: plotly.js gives a changed style to
    MapLibre's setStyle, whose diff drops the layers plotly added itself (the map's
    outlines), and the next update then fails. What changes with the view goes in the
    figure's `layout.meta` (`view`), which assets/basemap.js applies.

    A figure's choroplethmap fills go between the basemap and the names (OVERLAY_ANCHOR);
    scattermap markers and `layout.map.layers` go above everything."""
    shown = chosen(settings).id
    sources: dict[str, dict] = {}
    layers: list[dict] = []
    for option in available(settings):
        option_sources, option_layers = _basemap_layers(option)
        sources.update(option_sources)
        for layer in option_layers:
            layer["metadata"] = {"onemap:basemap": option.id}
            layer["layout"] = {"visibility": "visible" if option.id == shown else "none"}
        layers += option_layers
    label_sources, label_layers = labels.symbol_layers()
    return {
        "version": 8,
        "id": STYLE_ID,
        "name": "OneMap",
        "glyphs": GLYPHS_URL,
        "sources": {**sources, **label_sources},
        "layers": [*layers, OVERLAY_ANCHOR, *label_layers],
    }


META_KEY = "basemap"


def view(
    settings, label_sources: list[labels.LabelSource] | tuple = (), basemap_id: object = None
) -> dict:
    """What one figure shows on `style(settings)`, for its `layout.meta[META_KEY]`: the
    basemap chosen (an unknown id is the default) and the names of `label_sources`."""
    return {"basemap": chosen(settings, basemap_id).id, "labels": labels.view(list(label_sources))}
