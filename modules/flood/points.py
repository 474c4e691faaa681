"""Key points as a viewer may see them, and adding one. Every function takes the viewer: the
scope comes only from `viewer.code_filter` / `viewer.covers` (and `access.scoped` for a unit).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.flood.models import RISK_LEVELS, FloodKeyPoint
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    Viewer,
    VillageIndex,
    assign_villages,
    phone_as_seen,
    prefix_range,
    require_unit,
)

LOGGER = logging.getLogger(__name__)

RISK_LABELS: dict[str, str] = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}
RISK_COLOURS: dict[str, str] = {
    "red": "#d62728",
    "orange": "#ff7f0e",
    "yellow": "#f2c400",
    "blue": "#1f77b4",
}
CATEGORIES: tuple[str, ...] = (
    "低洼易涝点",
    "山洪灾害危险区",
    "地质灾害隐患点",
    "水库山塘",
    "海堤/河堤",
    "在建工地",
    "危房",
    "下穿通道/涵洞",
    "避灾安置点",
    "其他",
)
# Who may register a key point (inside their scope).
EDIT_PERMISSIONS = ("record", "admin")


class PointRefused(ValueError):
    """A key point that cannot be saved (bad value, or outside the city)."""


def phone_for(viewer: Viewer, point: FloodKeyPoint) -> str:
    """The responsible person's phone as this viewer may see it (the SDK's policy)."""
    return phone_as_seen(viewer, point.village_code, point.responsible_phone)


def _risk_key(risk_level: str) -> str:
    by_label = {label: key for key, label in RISK_LABELS.items()}
    key = by_label.get(risk_level, risk_level)
    if key not in RISK_LEVELS:
        raise PointRefused(
            f"unknown risk level {risk_level!r}; expected one of {', '.join(RISK_LEVELS)}"
        )
    return key


def add_point(
    session: Session,
    viewer: Viewer,
    *,
    name: str,
    category: str,
    risk_level: str,
    lon: float,
    lat: float,
    responsible_name: str = "",
    responsible_phone: str = "",
    patrol_every_days: int = 7,
    index: VillageIndex | None = None,
) -> FloodKeyPoint:
    """Save a key point (WGS84 lon/lat) in the village it lies in, found by point-in-polygon.

    Refuses (PointRefused) a bad value or a point outside every village of the city, and
    (Forbidden) a viewer who may not record or whose scope does not hold the point.
    """
    if not any(viewer.can(permission) for permission in EDIT_PERMISSIONS):
        raise Forbidden("the viewer may not register key points")
    name = (name or "").strip()
    if not name:
        raise PointRefused("a key point needs a name")
    if category not in CATEGORIES:
        raise PointRefused(f"unknown category {category!r}; expected one of {CATEGORIES}")
    risk = _risk_key(risk_level)
    if int(patrol_every_days) < 1:
        raise PointRefused("patrol_every_days must be at least 1")
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise PointRefused(f"coordinates must be numbers, got ({lon}, {lat})")
    village = assign_villages(index if index is not None else session, [lon], [lat])[0]
    if village is None:
        raise PointRefused(f"the point ({lon}, {lat}) lies outside every village of the city")
    if not viewer.covers(village):
        raise Forbidden(
            f"the point ({lon}, {lat}) lies in village {village}, outside the viewer's scope",
            village,
        )
    point = FloodKeyPoint(
        name=name,
        category=category,
        risk_level=risk,
        responsible_name=(responsible_name or "").strip(),
        responsible_phone=(responsible_phone or "").strip(),
        patrol_every_days=int(patrol_every_days),
        lon=lon,
        lat=lat,
        village_code=village,
    )
    session.add(point)
    session.flush()
    LOGGER.info("key point %s saved in village %s by %s", point.id, village, viewer.login)
    return point


def scope_condition(viewer: Viewer, session: Session, unit: str | None):
    """The SQL condition for the viewer's scope, narrowed to `unit` (checked by access.scoped:
    Forbidden outside the scope, NotFound for an unknown code)."""
    condition = viewer.code_filter(FloodKeyPoint.village_code)
    if unit:
        full = require_unit(session, viewer, unit)
        condition = condition & prefix_range(FloodKeyPoint.village_code, full)
    return condition


def points_for(session: Session, viewer: Viewer, unit: str | None = None) -> list[FloodKeyPoint]:
    """The key points inside the viewer's scope (and inside `unit`, when given)."""
    statement = (
        select(FloodKeyPoint)
        .where(scope_condition(viewer, session, unit))
        .order_by(FloodKeyPoint.village_code, FloodKeyPoint.id)
    )
    return list(session.scalars(statement))


def counts_by_village(session: Session, viewer: Viewer) -> dict[str, int]:
    """{village code: number of key points} inside the viewer's scope."""
    statement = (
        select(FloodKeyPoint.village_code, func.count())
        .where(viewer.code_filter(FloodKeyPoint.village_code))
        .group_by(FloodKeyPoint.village_code)
    )
    return {code: int(n) for code, n in session.execute(statement)}


def counts_in(session: Session, viewer: Viewer, units: Iterable[str]) -> dict[str, int]:
    """Key points inside each unit (any level), counting only those in the viewer's scope."""
    by_village = counts_by_village(session, viewer)
    result = {}
    for unit in units:
        try:
            full = DivisionCode.parse(unit)
        except InvalidCode:
            continue
        result[unit] = sum(
            n for code, n in by_village.items() if DivisionCode.parse(full).covers(code)
        )
    return result


def summary(session: Session, viewer: Viewer) -> dict:
    """Counts inside the scope: total, by risk level (all four) and by category."""
    statement = (
        select(FloodKeyPoint.risk_level, FloodKeyPoint.category, func.count())
        .where(viewer.code_filter(FloodKeyPoint.village_code))
        .group_by(FloodKeyPoint.risk_level, FloodKeyPoint.category)
    )
    by_risk: Counter[str] = Counter({risk: 0 for risk in RISK_LEVELS})
    by_category: Counter[str] = Counter()
    for risk, category, n in session.execute(statement):
        by_risk[risk] += n
        by_category[category] += n
    return {
        "total": sum(by_risk.values()),
        "by_risk": {risk: by_risk[risk] for risk in RISK_LEVELS},
        "by_category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
