"""HTTP routes under /api/v1/flood/, scoped by the core's viewer."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from modules.contract import CoreServices
from modules.flood.features import feature_collection
from modules.flood.points import points_for


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/points")
    def key_points():
        """The viewer's key points as GeoJSON; `?unit=CODE` narrows to one unit (403 outside
        the scope, 404 unknown: the core maps Forbidden and NotFound)."""
        viewer = core.viewer()
        with core.sessions() as session:
            points = points_for(session, viewer, request.args.get("unit") or None)
            body = feature_collection(viewer, points)
        return jsonify(body)
