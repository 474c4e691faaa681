"""Key points as core Sites, for other modules (typhoon exposure, SMS audiences)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.flood.points import phone_for, points_for
from modules.sdk import Site, Viewer

MODULE_ID = "flood"


def site_id(point_id: int) -> str:
    return f"{MODULE_ID}:{point_id}"


def key_point_sites(session: Session, viewer: Viewer, unit: str | None) -> list[Site]:
    """The viewer's key points (inside `unit`), phones as the viewer may see them."""
    return [
        Site(
            id=site_id(point.id),
            module=MODULE_ID,
            name=point.name,
            kind=point.category,
            lon=point.lon,
            lat=point.lat,
            village_code=point.village_code,
            level=point.risk_level,
            contact_name=point.responsible_name,
            contact_phone=phone_for(viewer, point),
        )
        for point in points_for(session, viewer, unit)
    ]
