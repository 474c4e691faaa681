"""HTTP API under /api/v1 for the map and other departments' systems.

Session or `Authorization: Bearer TOKEN`; the scope is the viewer's. 401 without
credentials (answered by the auth gate), 403 for a unit outside the scope, 404 for a code
that does not exist. Every read is audited.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from access import audit, scoped
from access.viewer import Forbidden, NotFound
from app import basemap_routes, tiles, topo
from app.auth import client_address, current_viewer
from app.context import current
from app.encodings import accepts_gzip, etag_for
from layers import codes
from layers.display import DETAILS, DISPLAY_CRS, cache_token, layer_etag
from layers.load import boundaries_stamp, boundaries_version

LOGGER = logging.getLogger(__name__)


IMMUTABLE_SECONDS = 365 * 24 * 3600


def _error(status: int, message: str, message_zh: str) -> tuple[Response, int]:
    return jsonify({"error": message, "message": message_zh, "status": status}), status


def _forbidden(exc: Forbidden):
    return _error(403, str(exc), f"区划 {exc.code} 不在您的辖区内，无权查看。")


def _not_found(exc: NotFound):
    return _error(404, str(exc), f"未找到区划：{exc.code}")


def _audit_read(response: Response) -> Response:
    viewer = current_viewer()
    if viewer.is_anonymous:
        return response
    with current().sessions() as db, db.begin():
        audit.record(
            db,
            "api.read" if response.status_code < 400 else "access.denied",
            viewer,
            target=request.full_path.rstrip("?"),
            outcome=str(response.status_code),
            address=client_address(),
        )
    return response


def layer(level: str, packed: bool = False):
    """A level's GeoJSON; `packed`: the same features as TopoJSON on a grid (app/topo.py),
    the form the map page asks for."""
    if level not in codes.LEVELS:
        return _error(404, f"unknown level {level!r}", f"未知层级：{level}")
    parent = request.args.get("parent") or None
    crs = request.args.get("crs", "wgs84").lower()
    if crs not in DISPLAY_CRS:
        return _error(400, f"unknown crs {crs!r}", f"不支持的坐标系：{crs}")
    detail = request.args.get("detail", "full")
    if detail not in DETAILS:
        return _error(400, f"unknown detail {detail!r}", f"不支持的精度：{detail}")
    shape = request.args.get("as", "polygons")
    if shape not in ("polygons", "lines"):
        return _error(400, f"unknown shape {shape!r}", f"不支持的形式：{shape}")
    lines = shape == "lines"
    if parent is not None:
        try:
            parent = codes.normalize(parent)
        except codes.InvalidCode:
            return _error(400, f"not a division code: {parent!r}", f"区划代码无效：{parent}")
    viewer = current_viewer()
    with current().sessions() as session:
        if parent is not None:
            scoped.require_unit(session, viewer, parent)  # 403 / 404 before anything else
        version = boundaries_version(session)
        gzip_ok = accepts_gzip()
        etag = layer_etag(version, level, parent, crs, viewer.scopes, detail, lines)
        etag = etag_for(f"{etag}-topo" if packed else etag, gzip_ok)
        token = cache_token(boundaries_stamp(session), viewer.scopes)
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            body = scoped.layer(session, viewer, level, parent, crs, detail, lines)
            if packed:
                body = topo.packed_body(body, level, detail)
            response = Response(
                body.gzipped if gzip_ok else body.raw,
                mimetype=topo.MIMETYPE if packed else "application/geo+json",
            )
            if gzip_ok:
                response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(response.get_data()))
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding, Cookie, Authorization"
    # Private: the body depends on who asks. A URL carrying this viewer's current token (the
    # map's figures do) names this body for good: kept without asking again, no 304 round
    # trip on every drill-down. Any other URL is revalidated every time.
    if request.args.get("v") == token:
        response.headers["Cache-Control"] = f"private, max-age={IMMUTABLE_SECONDS}, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def division(code: str):
    try:
        full = codes.normalize(code)
    except codes.InvalidCode:
        return _error(400, f"not a division code: {code!r}", f"区划代码无效：{code}")
    with current().sessions() as session:
        return jsonify(scoped.profile(session, current_viewer(), full))


def build_api(module_blueprints: list[Blueprint]) -> Blueprint:
    """The /api/v1 blueprint of one app, with each module's routes under /api/v1/<id>/.

    Built per app (not at import) so two apps never share a blueprint; module routes get
    the same error mapping (403/404) and audit as the core's.
    """
    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    api.register_error_handler(Forbidden, _forbidden)
    api.register_error_handler(NotFound, _not_found)
    api.after_request(_audit_read)
    api.add_url_rule("/layers/<level>.geojson", "layer", layer, methods=["GET"])
    api.add_url_rule(
        "/layers/<level>.topo", "layer_topo", layer, methods=["GET"], defaults={"packed": True}
    )
    api.add_url_rule("/divisions/<code>", "division", division, methods=["GET"])
    tiles.register(api)
    basemap_routes.register(api)
    for blueprint in module_blueprints:
        api.register_blueprint(blueprint)
    return api
