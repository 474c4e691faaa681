"""GET /api/v1/tiles/<level>/<z>/<x>/<y>.mvt: division boundaries as vector tiles.

Scoped like the GeoJSON layers: a tile holds only units inside the viewer's scope (an empty
tile where none lie); `?parent=CODE` narrows it to one unit's children (403 outside the
scope, 404 unknown). Gzip when accepted, an ETag bound to the boundaries version, private and
revalidated like the layers. 501 on SQLite, which cannot make tiles (the GeoJSON layers serve
the map there). Anonymous requests get 401 from the auth gate before reaching this.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from access import scoped
from app.auth import current_viewer
from app.context import current
from app.encodings import accepts_gzip, etag_for
from layers import codes, tiles
from layers.load import boundaries_version


def _error(status: int, message: str, message_zh: str) -> tuple[Response, int]:
    return jsonify({"error": message, "message": message_zh, "status": status}), status


def vector_tile(level: str, z: int, x: int, y: int):
    if level not in codes.LEVELS:
        return _error(404, f"unknown level {level!r}", f"未知层级：{level}")
    try:
        tiles.check_address(z, x, y)
    except tiles.BadTile as exc:
        return _error(404, str(exc), f"瓦片 {z}/{x}/{y} 不存在。")
    parent = request.args.get("parent") or None
    viewer = current_viewer()
    with current().sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return _error(
                501,
                "vector tiles need PostGIS; use /api/v1/layers/<level>.geojson",
                "矢量瓦片需要 PostGIS 数据库；当前数据库请使用 GeoJSON 图层。",
            )
        if parent is not None:
            parent = scoped.require_unit(session, viewer, parent)  # 403 / 404
        gzip_ok = accepts_gzip()
        etag = tiles.tile_etag(boundaries_version(session), level, parent, viewer.scopes, z, x, y)
        etag = etag_for(etag, gzip_ok)
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            made = tiles.tile(session, viewer.scopes, level, z, x, y, parent)
            response = Response(made.gzipped if gzip_ok else made.raw, mimetype=tiles.MEDIA_TYPE)
            if gzip_ok:
                response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(response.get_data()))
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding, Cookie, Authorization"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def register(api) -> None:
    """Add the tile route to the /api/v1 blueprint."""
    api.add_url_rule(
        "/tiles/<level>/<int:z>/<int:x>/<int:y>.mvt", "vector_tile", vector_tile, methods=["GET"]
    )
