"""HTTP routes under /api/v1/flood/, scoped by the core's viewer."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from layers import audit
from modules.contract import CoreServices
from modules.flood.export import to_csv, to_xlsx
from modules.flood.features import feature_collection
from modules.flood.points import points_for

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}


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

    def export(kind: str):
        """A download of the viewer's key points (narrowed by `?unit=`), audited."""
        viewer = core.viewer()
        unit = request.args.get("unit") or None
        mimetype, render = EXPORTS[kind]
        with core.sessions() as session, session.begin():
            points = points_for(session, viewer, unit)
            body = render(viewer, points)
            audit.record(
                session,
                "export",
                viewer,
                target=f"flood.points.{kind}",
                address=request.remote_addr,
                detail={"unit": unit, "rows": len(points)},
            )
        return Response(
            body,
            mimetype=mimetype,
            headers={"Content-Disposition": f"attachment; filename=key-points.{kind}"},
        )

    blueprint.add_url_rule("/points.csv", "points_csv", lambda: export("csv"))
    blueprint.add_url_rule("/points.xlsx", "points_xlsx", lambda: export("xlsx"))
