"""Queries on administrative divisions. Every function takes an open Session first.

Functions that take a code accept its 4-, 6-, 9- or 12-digit form and raise
`layers.codes.InvalidCode` for anything else. Results are ordered by code, which is also
top-down order (a unit's code sorts before every code inside it).
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from layers import codes
from store.engine import dialect_name
from store.geometry import BBox, intersects_bbox, intersects_bbox_clause
from store.models import Division

LOGGER = logging.getLogger(__name__)


def get_division(session: Session, code: str) -> Division | None:
    """The division with this code, or None."""
    return session.get(Division, codes.normalize(code))


def by_level(session: Session, level: str, within: str | None = None) -> list[Division]:
    """All divisions of a level, optionally only those inside the jurisdiction `within`."""
    statement = level_query(level, within)
    return list(session.scalars(statement))


def children(session: Session, code: str) -> list[Division]:
    """The divisions one level below `code`."""
    statement = (
        select(Division)
        .where(Division.parent_code == codes.normalize(code))
        .order_by(Division.code)
    )
    return list(session.scalars(statement))


def count_children(session: Session, code: str) -> int:
    """How many divisions lie one level below `code`."""
    statement = (
        select(func.count())
        .select_from(Division)
        .where(Division.parent_code == codes.normalize(code))
    )
    return int(session.scalar(statement) or 0)


def by_bbox(session: Session, level: str, bbox: BBox, within: str | None = None) -> list[Division]:
    """Divisions of a level whose boundary (not just its bounding box) meets `bbox`.

    `bbox` is (min_lon, min_lat, max_lon, max_lat) in WGS84 degrees.
    """
    min_lon, min_lat, max_lon, max_lat = (float(value) for value in bbox)
    if min_lon > max_lon or min_lat > max_lat:
        raise ValueError(f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {bbox!r}")
    box = (min_lon, min_lat, max_lon, max_lat)

    # Portable prefilter on the indexed bounding-box columns: cheap and never misses a match.
    statement = level_query(level, within).where(
        Division.min_lon <= max_lon,
        Division.max_lon >= min_lon,
        Division.min_lat <= max_lat,
        Division.max_lat >= min_lat,
    )
    exact = intersects_bbox_clause(Division.geom, box, dialect_name(session))
    if exact is not None:
        return list(session.scalars(statement.where(exact)))

    candidates = list(session.scalars(statement))
    hits = intersects_bbox([division.geom for division in candidates], box)
    return [division for division, hit in zip(candidates, hits, strict=True) if hit]


def ancestors(session: Session, code: str, include_self: bool = False) -> list[Division]:
    """The units above `code`, city first: the breadcrumb trail leading to it.

    Ancestors follow from the code itself, so one query fetches them all. A missing unit
    (not loaded) is simply absent from the list.
    """
    full = codes.normalize(code)
    wanted: list[str] = [full] if include_self else []
    parent = codes.parent_of(full)
    while parent is not None:
        wanted.append(parent)
        parent = codes.parent_of(parent)
    if not wanted:
        return []
    statement = select(Division).where(Division.code.in_(wanted)).order_by(Division.code)
    return list(session.scalars(statement))


def level_query(level: str, within: str | None) -> Select[tuple[Division]]:
    """SELECT the divisions of `level` (inside `within`, when given), by code."""
    if level not in codes.LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(codes.LEVELS)}")
    statement = select(Division).where(Division.level == level).order_by(Division.code)
    if within is not None:
        statement = statement.where(codes.prefix_range(Division.code, within))
    return statement
