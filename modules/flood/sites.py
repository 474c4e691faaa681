"""Key points as core Sites, for other modules (typhoon exposure, SMS audiences)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.flood.patrol import statuses
from modules.flood.points import phone_for, points_for
from modules.sdk import Site, Viewer

MODULE_ID = "flood"


def site_id(point_id: int) -> str:
    return f"{MODULE_ID}:{point_id}"


def key_point_sites(session: Session, viewer: Viewer, unit: str | None) -> list[Site]:
    """The viewer's key points (inside `unit`), phones as the viewer may see them, each with
    its patrol state in the campaign that holds it."""
    points = points_for(session, viewer, unit)
    patrols = statuses(session, points)
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
            status=patrol_words(patrols[point.id]),
        )
        for point in points
    ]


def patrol_words(state) -> str:
    return f"{state.status} · 已逾期" if state.overdue else state.status
