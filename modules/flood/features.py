"""Key points as values for a viewer: GeoJSON features, with the phone shown per the rule and
the live risk and patrol status computed by modules.flood.live."""

from __future__ import annotations

from modules.flood.live import PointNow
from modules.flood.models import FloodKeyPoint
from modules.flood.points import RISK_LABELS, phone_for
from modules.sdk import Viewer

# What an import stores (about 1 cm): so an export reads back as the same position.
COORDINATE_DECIMALS = 7


def properties(viewer: Viewer, point: FloodKeyPoint, now: PointNow) -> dict:
    return {
        "id": point.id,
        "name": point.name,
        "category": point.category,
        "risk_level": point.risk_level,
        "risk_level_label": RISK_LABELS[point.risk_level],
        "live_risk_level": now.live_risk_level,
        "live_risk_level_label": RISK_LABELS[now.live_risk_level],
        "live_risk_reason": now.live_risk_reason,
        "village_code": point.village_code,
        "patrol_status": now.patrol.status,
        "patrol_overdue": now.patrol.overdue,
        "patrol_every_days": point.patrol_every_days,
        "responsible_name": point.responsible_name,
        "responsible_phone": phone_for(viewer, point),
    }


def feature_collection(
    viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]
) -> dict:
    """A GeoJSON FeatureCollection (WGS84) of these points, as this viewer may see them."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": point.id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(point.lon, COORDINATE_DECIMALS),
                        round(point.lat, COORDINATE_DECIMALS),
                    ],
                },
                "properties": properties(viewer, point, now[point.id]),
            }
            for point in points
        ],
    }
