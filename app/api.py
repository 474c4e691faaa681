"""HTTP API under /api/v1: boundary layers as GeoJSON, and unit profiles."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from app.context import current
from layers import codes
from layers.display import DISPLAY_CRS, layer_body, layer_etag
from layers.load import boundaries_version
from layers.profile import division_profile

LOGGER = logging.getLogger(__name__)

api = Blueprint("api_v1", __name__, url_prefix="/api/v1")


def _error(status: int, message: str, message_zh: str) -> tuple[Response, int]:
    return jsonify({"error": message, "message": message_zh, "status": status}), status


def _session():
    return current().sessions()


@api.get("/layers/<level>.geojson")
def layer(level: str):
    if level not in codes.LEVELS:
        return _error(404, f"unknown level {level!r}", f"未知层级：{level}")
    parent = request.args.get("parent") or None
    crs = request.args.get("crs", "wgs84").lower()
    if crs not in DISPLAY_CRS:
        return _error(400, f"unknown crs {crs!r}", f"不支持的坐标系：{crs}")
    if parent is not None:
        try:
            parent = codes.normalize(parent)
        except codes.InvalidCode:
            return _error(400, f"not a division code: {parent!r}", f"区划代码无效：{parent}")
    with _session() as session:
        etag = layer_etag(boundaries_version(session), level, parent, crs)
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            body = layer_body(session, level, parent, crs)
            gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
            response = Response(
                body.gzipped if gzip_ok else body.raw, mimetype="application/geo+json"
            )
            if gzip_ok:
                response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(response.get_data()))
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding"
    # Revalidate every time: an import changes the version, and a 304 costs a few bytes.
    response.headers["Cache-Control"] = "no-cache"
    return response


@api.get("/divisions/<code>")
def division(code: str):
    try:
        full = codes.normalize(code)
    except codes.InvalidCode:
        return _error(400, f"not a division code: {code!r}", f"区划代码无效：{code}")
    with _session() as session:
        profile = division_profile(session, full)
    if profile is None:
        return _error(404, f"no division with code {full}", f"未找到区划：{full}")
    return jsonify(profile)
