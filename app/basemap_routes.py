"""Routes for names and basemaps on the map: label points (under /api/v1, scoped and audited
like the layers), glyphs and basemap data (under /map, the same for everyone logged in).

- `GET /api/v1/labels/{level}.geojson[?parent=CODE][&crs=gcj02][&v=TOKEN]` (app/labels.py)
- `GET /map/glyphs/{fontstack}/{start}-{end}.pbf`: MapLibre SDF glyphs (app/glyphs.py), the
  app's one font whatever fontstack is named, only the characters the app's texts use.
- `GET /map/basemap/offline.geojson`: the offline basemap built by tools/basemap.
- `GET /map/basemap/tiles/{z}/{x}/{y}`: a tile of the `basemap_mbtiles` file.

Anonymous requests are refused by the auth gate before these run (401 under /api/, a
redirect to the login page elsewhere).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, request

from access import scoped
from app import basemap, glyphs, labels
from app.auth import current_viewer
from app.context import current
from app.encodings import accepts_gzip, etag_for
from layers import codes
from layers.display import DISPLAY_CRS, cache_token
from layers.load import boundaries_stamp, boundaries_version

LOGGER = logging.getLogger(__name__)

IMMUTABLE_SECONDS = 365 * 24 * 3600
PBF = "application/x-protobuf"
TILE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def _error(status: int, message: str, message_zh: str) -> tuple[Response, int]:
    return jsonify({"error": message, "message": message_zh, "status": status}), status


def _answer(
    raw: bytes, packed: bytes | None, etag: str, mimetype: str, cache: str, vary: str
) -> Response:
    """The body, gzip when accepted (and `packed` given), with its ETag; 304 when unchanged."""
    gzip_ok = packed is not None and accepts_gzip()
    tag = etag_for(etag, gzip_ok)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        response = Response(packed if gzip_ok else raw, mimetype=mimetype)
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(response.get_data()))
    response.set_etag(tag)
    response.headers["Vary"] = vary
    response.headers["Cache-Control"] = cache
    return response


# --- label points --------------------------------------------------------------------------


def label_points(level: str):
    if level not in codes.LEVELS:
        return _error(404, f"unknown level {level!r}", f"未知层级：{level}")
    crs = request.args.get("crs", "wgs84").lower()
    if crs not in DISPLAY_CRS:
        return _error(400, f"unknown crs {crs!r}", f"不支持的坐标系：{crs}")
    parent = request.args.get("parent") or None
    if parent is not None:
        try:
            parent = codes.normalize(parent)
        except codes.InvalidCode:
            return _error(400, f"not a division code: {parent!r}", f"区划代码无效：{parent}")
    viewer = current_viewer()
    with current().sessions() as session:
        if parent is not None:
            scoped.require_unit(session, viewer, parent)  # 403 / 404 before anything else
        body = labels.label_body(session, viewer, level, parent, crs)
        token = cache_token(boundaries_stamp(session), viewer.scopes)
    # The layers' rule: a URL carrying this viewer's current token names this body for good.
    if request.args.get("v") == token:
        cache = f"private, max-age={IMMUTABLE_SECONDS}, immutable"
    else:
        cache = "private, no-cache"
    vary = "Accept-Encoding, Cookie, Authorization"
    return _answer(body.raw, body.gzipped, body.etag, "application/geo+json", cache, vary)


# --- glyphs --------------------------------------------------------------------------------


class _Charsets:
    """The characters of every unit name and module title, per boundaries version (names
    change on import)."""

    def __init__(self) -> None:
        self._by_version: dict[int, frozenset[str]] = {}
        self._lock = threading.Lock()

    def get(self) -> frozenset[str]:
        context = current()
        with context.sessions() as session:
            version = boundaries_version(session)
            with self._lock:
                if version in self._by_version:
                    return self._by_version[version]
            # Every unit's name, whoever asks: a glyph set says which characters exist,
            # never which unit bears them, and one set serves every viewer's cache.
            everyone = scoped.system_viewer(session, context.modules.grants)
            names = [
                u.name for level in codes.LEVELS for u in scoped.units(session, everyone, level)
            ]
        titles = [info.title for info in context.modules.info()]
        found = glyphs.charset([*names, *(labels.short_name(n) for n in names), *titles])
        with self._lock:
            self._by_version = {version: found}
        return found


class _Encoded:
    """Encoded range answers (PBF, gzip, ETag) by fontstack, range and character set."""

    LIMIT = 1024  # a few KB each

    def __init__(self) -> None:
        self._answers: dict[tuple, tuple[bytes, bytes, str]] = {}
        self._lock = threading.Lock()

    def get(self, fontstack: str, start: int, found: list[glyphs.Glyph]):
        key = (fontstack, start, tuple(g.id for g in found))
        with self._lock:
            if key in self._answers:
                return self._answers[key]
        raw = glyphs.range_pbf(fontstack, start, found)
        answer = (raw, gzip.compress(raw, mtime=0), hashlib.sha256(raw).hexdigest()[:20])
        with self._lock:
            if len(self._answers) >= self.LIMIT:
                self._answers.clear()
            self._answers[key] = answer
        return answer


def _glyph_range(
    store: glyphs.GlyphStore, charsets: _Charsets, encoded: _Encoded, fontstack: str, span: str
):
    try:
        start = glyphs.range_start(span)
    except ValueError:
        return _error(404, f"no glyph range {span!r}", f"字形范围不存在：{span}")
    if len(fontstack) > 200:
        return _error(404, "fontstack name too long", "字体名称过长")
    try:
        found = store.glyphs(start, charsets.get())
    except glyphs.NoFont as error:
        LOGGER.error("map labels: %s", error)
        return _error(503, str(error), "服务器未安装中文字体，地图注记无法显示。")
    raw, packed, etag = encoded.get(fontstack, start, found)
    # Revalidated each time: an import may bring new characters under the same URL.
    return _answer(raw, packed, etag, PBF, "private, no-cache", "Accept-Encoding")


# --- the offline basemap and local tiles -----------------------------------------------------


class _BuiltFile:
    """A file built at install time, read again only when it changes on disk."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._value: tuple[bytes, bytes, str] | None = None
        self._lock = threading.Lock()

    def read(self, path: Path) -> tuple[bytes, bytes, str] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key != self._key:
                raw = path.read_bytes()
                self._value = (
                    raw,
                    gzip.compress(raw, 6, mtime=0),
                    hashlib.sha256(raw).hexdigest()[:20],
                )
                self._key = key
            return self._value


def _offline(built: _BuiltFile):
    found = built.read(basemap.offline_file(current().settings))
    if found is None:
        return _error(404, "the offline basemap is not built (make install)", "离线底图尚未生成。")
    raw, packed, etag = found
    return _answer(
        raw, packed, etag, "application/geo+json", "private, max-age=86400", "Accept-Encoding"
    )


def _local_tile(z: int, x: int, y: int):
    settings = current().settings
    path = settings.basemap_mbtiles
    if not path or not 0 <= z <= 24 or not (0 <= x < 2**z and 0 <= y < 2**z):
        return _error(404, f"no tile {z}/{x}/{y}", f"瓦片 {z}/{x}/{y} 不存在。")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as tiles:
            # MBTiles count rows from the south (TMS); XYZ from the north.
            row = tiles.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, 2**z - 1 - y),
            ).fetchone()
            kind = tiles.execute("SELECT value FROM metadata WHERE name='format'").fetchone()
    except sqlite3.Error as error:
        LOGGER.error("basemap_mbtiles %s unreadable: %s", path, error)
        return _error(503, "the local tile file cannot be read", "本地瓦片文件无法读取。")
    if row is None:
        return _error(404, f"no tile {z}/{x}/{y}", f"瓦片 {z}/{x}/{y} 不存在。")
    data = bytes(row[0])
    mimetype = TILE_TYPES.get((kind[0] if kind else "png").lower(), "image/png")
    etag = hashlib.sha256(data).hexdigest()[:20]
    return _answer(data, None, etag, mimetype, "private, max-age=86400", "Accept-Encoding")


def _map_blueprint(app: Flask) -> Blueprint:
    settings = app.extensions["onemap"].settings
    store = glyphs.GlyphStore(settings.glyphs_font, Path(settings.var_dir) / "glyphs")
    charsets = _Charsets()
    encoded = _Encoded()
    built = _BuiltFile()
    blueprint = Blueprint("onemap_map", __name__, url_prefix="/map")
    blueprint.add_url_rule(
        "/glyphs/<fontstack>/<span>.pbf",
        "glyphs",
        lambda fontstack, span: _glyph_range(store, charsets, encoded, fontstack, span),
    )
    blueprint.add_url_rule("/basemap/offline.geojson", "offline", lambda: _offline(built))
    blueprint.add_url_rule("/basemap/tiles/<int:z>/<int:x>/<int:y>", "local_tile", _local_tile)
    return blueprint


def register(api: Blueprint) -> None:
    """Add the label route to the /api/v1 blueprint, and the /map routes to its app."""
    api.add_url_rule("/labels/<level>.geojson", "labels", label_points, methods=["GET"])
    api.record_once(lambda state: state.app.register_blueprint(_map_blueprint(state.app)))
