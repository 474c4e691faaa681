"""Key points as values for a viewer: GeoJSON features, with the phone shown per the rule."""

from __future__ import annotations

from layers.viewer import Viewer
from modules.flood.models import FloodKeyPoint
from modules.flood.points import RISK_LABELS, phone_for

# Until patrols and live risk arrive, the live level is the base level and nobody has patrolled.
NOT_PATROLLED = "未巡查"


def properties(viewer: Viewer, point: FloodKeyPoint) -> dict:
    return {
        "id": point.id,
        "name": point.name,
        "category": point.category,
        "risk_level": point.risk_level,
        "risk_level_label": RISK_LABELS[point.risk_level],
        "live_risk_level": point.risk_level,
        "live_risk_reason": None,
        "village_code": point.village_code,
        "patrol_status": NOT_PATROLLED,
        "patrol_every_days": point.patrol_every_days,
        "responsible_name": point.responsible_name,
        "responsible_phone": phone_for(viewer, point),
    }


def feature_collection(viewer: Viewer, points: list[FloodKeyPoint]) -> dict:
    """A GeoJSON FeatureCollection (WGS84) of these points, as this viewer may see them."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": point.id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.lon, 6), round(point.lat, 6)],
                },
                "properties": properties(viewer, point),
            }
            for point in points
        ],
    }
