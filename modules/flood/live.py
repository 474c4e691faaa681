"""What a key point is now: its live risk (stations and exposure signals) and patrol status,
computed once for a list of points the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modules.flood import patrol, risk, stations
from modules.flood.models import FloodKeyPoint
from modules.sdk import EXPOSURE


@dataclass(frozen=True)
class PointNow:
    live_risk_level: str
    live_risk_reason: str | None
    patrol: patrol.PatrolState


def exposures(session: Session, core, at: datetime) -> list:
    """The `exposure` signals in force, through the core (none without one)."""
    if core is None:
        return []
    return list(core.signals(session, EXPOSURE, at))


def annotate(
    session: Session, core, points: list[FloodKeyPoint], at: datetime | None = None
) -> dict[int, PointNow]:
    at = at or datetime.now(UTC)
    every = stations.all_stations(session)
    levels = risk.live_levels(
        points, every, stations.states(session, every, at), exposures(session, core, at), at
    )
    states = patrol.statuses(session, points, at)
    return {p.id: PointNow(*levels[p.id], states[p.id]) for p in points}
