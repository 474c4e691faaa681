"""A duty forecaster's hand correction (人工订正) of the wind radii of the advisory in force,
when the bulletin lags: one level of one point, all four quadrants, audited, marked with who
and when. The forecast's owner scope must be covered (as for replacing it), and the storm gets
a new version, so exposure is computed again from the corrected radii."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.sdk import Viewer, record_audit
from modules.typhoon import owners, storage
from modules.typhoon.models import TyphoonPoint, TyphoonStorm
from modules.typhoon.track import LEVELS, QUADRANTS, Bad

MAX_RADIUS_KM = 2000
QUADRANT_ZH = {"ne": "东北", "se": "东南", "sw": "西南", "nw": "西北"}


class NoAdvisory(LookupError):
    """The storm has no forecast to correct (HTTP 409)."""

    reason = "the storm has no advisory (forecast) to correct"
    reason_zh = "该台风没有预报报文，无可订正的风圈；请先导入报文。"


@dataclass
class Correction:
    storm: str
    agency: str
    issued_at: datetime
    time: datetime
    level: int
    before: dict[str, float] | None
    after: dict[str, float]
    edited_by: str
    edited_at: datetime


def radii_of(level, radii) -> tuple[int, dict[str, float]]:
    """The level (7, 10 or 12) and four quadrant radii (km) as sent; Bad naming what is wrong."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level not in LEVELS:
        raise Bad("level should be 7, 10 or 12", "风圈等级应为 7、10 或 12")
    if not isinstance(radii, dict):
        raise Bad(
            "radii should be an object with ne, se, sw and nw in km",
            "风圈半径应给出东北、东南、西南、西北四个象限（公里）",
        )
    found = {}
    for quadrant in QUADRANTS:
        value = radii.get(quadrant)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Bad(
                f"the {quadrant} radius is missing or not a number",
                f"{QUADRANT_ZH[quadrant]}象限半径未填写或不是数字",
            )
        if not 0 <= value <= MAX_RADIUS_KM:
            raise Bad(
                f"the {quadrant} radius {value} km is outside 0-{MAX_RADIUS_KM} km",
                f"{QUADRANT_ZH[quadrant]}象限半径 {value} 公里不合理"
                f"（应在 0–{MAX_RADIUS_KM} 之间）",
            )
        found[quadrant] = float(value)
    return level, found


def in_force(data, agency: str | None = None):
    """The advisory in force: the latest issued forecast (of `agency` when given), or None."""
    forecasts = [f for f in data.forecasts if agency is None or f.agency == agency]
    return max(forecasts, key=lambda f: f.issued_at) if forecasts else None


def correct(
    session: Session,
    viewer: Viewer,
    storm_id: str,
    level,
    radii,
    agency: str | None = None,
    time: datetime | None = None,
    now: datetime | None = None,
) -> Correction:
    """Set one level's radii of one point (its analysis by default) of the advisory in force.
    LookupError: no such storm; NoAdvisory; Bad: the values or the time; NotYours: the
    forecast's owner scope is not the viewer's. The caller commits."""
    level, after = radii_of(level, radii)
    found = storage.load(session, storm_id)
    if found is None:
        raise LookupError(storm_id)
    storm, data = found
    forecast = in_force(data, agency or None)
    if forecast is None:
        raise NoAdvisory()
    point = forecast.points[0] if time is None else None
    if time is not None:
        point = next((p for p in forecast.points if p.time == time), None)
        if point is None:
            raise Bad(
                f"the advisory in force has no point at {time:%Y-%m-%d %H:%M} UTC",
                f"现行报文在 {time:%Y-%m-%d %H:%M} UTC 没有预报点，请选择报文中的时刻",
            )
    rows = list(
        session.scalars(
            select(TyphoonPoint).where(
                TyphoonPoint.storm_id == storm.id,
                TyphoonPoint.kind == "forecast",
                TyphoonPoint.agency == forecast.agency,
                TyphoonPoint.issued_at == forecast.issued_at,
                TyphoonPoint.time == point.time,
            )
        )
    )
    owner = rows[0].owner_scope if rows else owners.CITY
    if not owners.covers(viewer, owner or owners.CITY):
        raise owners.refuse(
            session,
            viewer,
            owner,
            f"the {forecast.agency} advisory of storm {storm.id}",
            f"台风 {storm.id} 的 {forecast.agency} 报文",
        )
    now = now or datetime.now(UTC)
    before_radii = point.radii.get(level)
    before = None if before_radii is None else dict(zip(QUADRANTS, before_radii, strict=True))
    who = viewer.name or viewer.login or ""
    for row in rows:
        for quadrant, value in after.items():
            setattr(row, f"r{level}_{quadrant}", value)
        given = storage.given_of(row.radii_given)
        given[level] = 4
        row.radii_given = storage.given_text(given)
        row.edited_by, row.edited_at = who, now
    session.get(TyphoonStorm, storm.id).updated_at = now  # a new version: exposure again
    correction = Correction(
        storm.id, forecast.agency, forecast.issued_at, point.time, level, before, after, who, now
    )
    record_audit(
        session,
        "data.change",
        viewer,
        target="typhoon.radii",
        detail={
            "storm": storm.id,
            "agency": forecast.agency,
            "issued_at": forecast.issued_at.isoformat(),
            "time": point.time.isoformat(),
            "level": level,
            "before": before,
            "after": after,
        },
    )
    session.flush()
    return correction
