"""HTTP routes under /api/v1/flood/, scoped by the core's viewer; the readings route is
public (devices) and checks the station's own token."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from modules.flood import live, patrol, readings_api, stations
from modules.flood.export import to_csv, to_xlsx
from modules.flood.features import feature_collection
from modules.flood.points import points_for
from modules.sdk import CoreServices, public, record_audit


def _geojson(viewer, points, now) -> bytes:
    body = feature_collection(viewer, points, now)
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "geojson": ("application/geo+json", _geojson),
}


def station_features(found, state) -> dict:
    """Stations as GeoJSON with their thresholds, latest reading and state."""
    features = []
    for s in found:
        now = state[s.id]
        features.append(
            {
                "type": "Feature",
                "id": s.code,
                "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
                "properties": {
                    "station": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "kind_label": stations.KIND_LABELS[s.kind],
                    "river": s.river,
                    "village_code": s.village_code,
                    "state": now.state,
                    "state_label": now.label,
                    "reason": now.reason or None,
                    "latest_value": now.value,
                    "latest_time": now.at.isoformat() if now.at else None,
                    "rain_mm": now.rain,
                    "thresholds": {
                        "rain_1h": s.rain_1h,
                        "rain_3h": s.rain_3h,
                        "rain_24h": s.rain_24h,
                        "warning_level": s.warning_level,
                        "guarantee_level": s.guarantee_level,
                    },
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/points")
    def key_points():
        """The viewer's key points as GeoJSON; `?unit=CODE` narrows to one unit (403 outside
        the scope, 404 unknown: the core maps Forbidden and NotFound)."""
        viewer = core.viewer()
        with core.sessions() as session:
            points = points_for(session, viewer, request.args.get("unit") or None)
            body = feature_collection(viewer, points, live.annotate(session, core, points))
        return jsonify(body)

    def export(kind: str):
        """A download of the viewer's key points (narrowed by `?unit=`), audited."""
        viewer = core.viewer()
        unit = request.args.get("unit") or None
        mimetype, render = EXPORTS[kind]
        with core.sessions() as session, session.begin():
            points = points_for(session, viewer, unit)
            body = render(viewer, points, live.annotate(session, core, points))
            record_audit(
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
    blueprint.add_url_rule("/points.geojson", "points_geojson", lambda: export("geojson"))

    @blueprint.get("/stations")
    def station_list():
        """The viewer's stations as GeoJSON with the latest reading and state (`?unit=`)."""
        viewer = core.viewer()
        with core.sessions() as session:
            found = stations.stations_for(session, viewer, request.args.get("unit") or None)
            body = station_features(found, stations.states(session, found, datetime.now(UTC)))
        return jsonify(body)

    @blueprint.get("/campaigns")
    def campaigns():
        """Open campaigns over the viewer's scope (or `?unit=`) with the progress inside it;
        an inspection counts in the campaign it was made in (`moved_on`: points inspected
        there before a newer campaign took them)."""
        viewer = core.viewer()
        with core.sessions() as session:
            body = patrol.campaigns_in(session, viewer, request.args.get("unit") or None)
        return jsonify({"campaigns": body})

    @blueprint.get("/campaigns/moves")
    def campaign_moves():
        """What a campaign opened now over `?unit=` (default: the whole scope) would take
        from the open campaigns: per campaign the points, their towns and how many were
        inspected there (they stay counted there)."""
        viewer = core.viewer()
        with core.sessions() as session:
            moves = patrol.moves_into(session, viewer, request.args.get("unit") or None)
        return jsonify(
            {"points": sum(m.points for m in moves), "moves": [m.as_dict() for m in moves]}
        )

    @blueprint.get("/inspections")
    def inspections():
        """The latest 500 inspections of the viewer's points (`?unit=` narrows)."""
        viewer = core.viewer()
        with core.sessions() as session:
            rows = patrol.inspections_for(session, viewer, request.args.get("unit") or None)
            body = [
                {
                    "id": inspection.id,
                    "point_id": point.id,
                    "point_name": point.name,
                    "village_code": point.village_code,
                    "campaign": campaign.name,
                    "inspector": inspection.inspector,
                    "inspected_at": inspection.inspected_at.isoformat(),
                    "result": inspection.result,
                    "result_label": patrol.STATUS_OF_RESULT[inspection.result],
                    "hazard": inspection.hazard,
                    "measures": inspection.measures,
                    "photo_type": inspection.photo_type,
                }
                for inspection, point, campaign in rows
            ]
        return jsonify({"inspections": body})

    @blueprint.post("/readings")
    @public
    def readings():
        """Readings from devices: `Authorization: Bearer <a station's or a source's token>`, a
        JSON list of {"station", "time", "value"}; answers per item (readings_api)."""
        return readings_api.handle(core)
