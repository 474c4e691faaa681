"""The map layer: one scattermap trace of the viewer's key points, coloured by risk level."""

from __future__ import annotations

from sqlalchemy.orm import Session

from layers.viewer import Viewer
from modules.contract import LayerSpec
from modules.flood.points import RISK_COLOURS, RISK_LABELS, phone_for, points_for

LAYER_ID = "flood-key-points"
TITLE = "重点部位"
# ~1 m: enough for a marker, and it keeps the city leader's figure small.
DECIMALS = 5


def key_points_layer(session: Session, viewer: Viewer, unit: str | None = None) -> LayerSpec:
    """The points inside the map's focus unit: a drill-down sends only the unit's points."""
    points = points_for(session, viewer, unit=unit)
    trace = {
        "type": "scattermap",
        "mode": "markers",
        "name": TITLE,
        "lon": [round(p.lon, DECIMALS) for p in points],
        "lat": [round(p.lat, DECIMALS) for p in points],
        "marker": {"size": 9, "color": [RISK_COLOURS[p.risk_level] for p in points]},
        "text": [
            f"{p.name}<br>{p.category} · 风险等级 {RISK_LABELS[p.risk_level]}"
            f"<br>{p.responsible_name} {phone_for(viewer, p)}"
            for p in points
        ],
        "hoverinfo": "text",
        "showlegend": True,
    }
    return LayerSpec(id=LAYER_ID, title=TITLE, traces=(trace,), order=50)
