"""OGC API – Features under /ogc/: every layer for GIS tools (QGIS, GDAL, ArcGIS), scoped to
the reader's jurisdiction. See docs/ogc.md."""

from flask import Flask

from app.ogc.routes import build_blueprint


def register(server: Flask) -> None:
    server.register_blueprint(build_blueprint())
