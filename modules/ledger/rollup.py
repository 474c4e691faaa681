"""Figures above the level a tag is kept at, computed from the kept values by the tag's
rule (sum, mean weighted by another tag, max), grouped by the code prefix in SQL. Never
stored, so never typed twice and never out of step. A figure made from any demo value is
itself demo (演示)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.values import carried_query
from modules.sdk import LEVELS, DivisionCode, Viewer

PREFIX = {"city": 4, "county": 6, "town": 9, "village": 12}


@dataclass(frozen=True)
class Rolled:
    figure: float
    demo: bool  # made from at least one demo value


def rollup(
    session: Session,
    viewer: Viewer,
    tag: LedgerTag,
    month: int,
    level: str,
    within: str | None = None,
) -> dict[str, float]:
    """Unit code at `level` → the tag's figure for `month` (see `rolled`)."""
    return {
        code: found.figure
        for code, found in rolled(session, viewer, tag, month, level, within).items()
    }


def rolled(
    session: Session,
    viewer: Viewer,
    tag: LedgerTag,
    month: int,
    level: str,
    within: str | None = None,
) -> dict[str, Rolled]:
    """Unit code at `level` → the tag's figure for `month` and whether a demo value is in
    it, for the units of that level the viewer's scope holds whole (a partial sum of
    another unit would mislead), inside `within` (a 12-digit code) when given. Empty for a
    tag that does not roll up."""
    if tag.rollup == "none" or LEVELS.index(level) >= LEVELS.index(tag.level):
        return {}
    scope = viewer.code_filter(LedgerValue.unit_code)
    if within:
        scope = scope & LedgerValue.unit_code.startswith(DivisionCode.parse(within).prefix)
    length = PREFIX[level]
    if tag.rollup == "mean" and tag.weight_code:
        figures = _weighted_mean(session, tag, month, scope, length)
    else:
        _, latest = carried_query([tag.code], month, scope)
        group = func.substr(latest.c.unit_code, 1, length)
        how = {"sum": func.sum, "max": func.max, "mean": func.avg}[tag.rollup]
        query = (
            select(
                group.label("prefix"),
                how(latest.c.number).label("figure"),
                _any(latest.c.demo).label("demo"),
            )
            .where(latest.c.rank == 1, latest.c.number.is_not(None))
            .group_by(group)
        )
        figures = {row.prefix: (row.figure, row.demo) for row in session.execute(query)}
    return {
        code: Rolled(float(figure), bool(demo))
        for prefix, (figure, demo) in figures.items()
        if figure is not None and viewer.covers(code := prefix.ljust(12, "0"))
    }


def _any(*flags):
    """SQL: 1 when any row of the group has one of `flags` set (the same on both engines)."""
    return func.max(case((or_(*(flag.is_(True) for flag in flags)), 1), else_=0))


def _weighted_mean(session, tag, month, scope, length) -> dict[str, tuple[float | None, int]]:
    """Σ(value × weight) / Σ(weight) per prefix. Both tags are read in one carried query and
    paired per unit by conditional aggregation: joining two window subqueries made
    PostgreSQL loop one over the other (seconds for a city)."""
    _, latest = carried_query([tag.code, tag.weight_code], month, scope)

    def of(code):
        return func.max(case((latest.c.tag_code == code, latest.c.number)))

    units = (
        select(
            latest.c.unit_code.label("unit_code"),
            of(tag.code).label("value"),
            of(tag.weight_code).label("weight"),
            _any(latest.c.demo).label("demo"),
        )
        .where(latest.c.rank == 1)
        .group_by(latest.c.unit_code)
        .subquery()
    )
    group = func.substr(units.c.unit_code, 1, length)
    query = (
        select(
            group.label("prefix"),
            func.sum(units.c.value * units.c.weight).label("product"),
            func.sum(units.c.weight).label("weight"),
            func.max(units.c.demo).label("demo"),
        )
        .where(units.c.value.is_not(None), units.c.weight > 0)
        .group_by(group)
    )
    return {
        row.prefix: (row.product / row.weight if row.weight else None, row.demo)
        for row in session.execute(query)
    }
