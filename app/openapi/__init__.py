"""The OpenAPI document of /api/v1 and /ogc/ (`/api/openapi.json`) and its page (`/api/docs`).

Both are readable without logging in: they describe the routes, never data, and OGC API
clients (QGIS, GDAL) follow the landing page's `service-desc` link before authenticating.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, jsonify

from app.openapi import page
from app.openapi.document import build_document

_lock = threading.Lock()


def document() -> dict:
    """This app's document, built once (routes do not change while it runs)."""
    cache = current_app.extensions.setdefault("onemap_openapi", {})
    with _lock:
        if "document" not in cache:
            cache["document"] = build_document(
                current_app.extensions["onemap"].modules,
                current_app.url_map,
                current_app.view_functions,
            )
    return cache["document"]


def openapi_json():
    response = jsonify(document())
    response.headers["Cache-Control"] = "no-cache"
    return response


def openapi_page():
    return page.render(document())


def install(server: Flask) -> None:
    """Serve the document and its page (public: the auth gate lets them through)."""
    for view in (openapi_json, openapi_page):
        view.onemap_public = True  # as modules.sdk.public marks a route
    server.add_url_rule("/api/openapi.json", "openapi_json", openapi_json, methods=["GET"])
    server.add_url_rule("/api/docs", "openapi_page", openapi_page, methods=["GET"])
