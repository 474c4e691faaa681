"""Where figures are made from demo values (演示), for the views that do not read values one
by one: completeness (per unit, per town) and the map's shading by it. Demo values are
seeded into every cell at once, so one bounded probe tells whether a database holds any,
and only then are the units holding them looked up."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.sheet import DEMO
from modules.sdk import DivisionCode, MeasureSpec, Viewer, current_core


def holds_demo(session: Session) -> bool:
    """Whether the database holds demo values: probed on the first tag of the catalogue,
    which the seed fills for every unit (an index range, not a scan of every value)."""
    first = session.scalar(select(LedgerTag.code).order_by(LedgerTag.position, LedgerTag.code))
    if first is None:
        return False
    probe = select(LedgerValue.id).where(LedgerValue.tag_code == first, LedgerValue.demo)
    return session.scalar(probe.limit(1)) is not None


def demo_units(
    session: Session,
    viewer: Viewer,
    tag_codes: list[str],
    month: int,
    within: str | None = None,
    length: int = 12,
) -> set[str]:
    """The units (12-digit codes; with `length` 9, the towns holding them) inside the
    viewer's scope whose values of `tag_codes` at or before `month` include a demo one."""
    if not tag_codes or not holds_demo(session):
        return set()
    scope = viewer.code_filter(LedgerValue.unit_code)
    if within:
        scope = scope & LedgerValue.unit_code.startswith(DivisionCode.parse(within).prefix)
    prefix = func.substr(LedgerValue.unit_code, 1, length)
    query = (
        select(prefix)
        .where(
            LedgerValue.tag_code.in_(tag_codes),
            LedgerValue.period <= month,
            LedgerValue.demo,
            scope,
        )
        .distinct()
    )
    return {str(code).ljust(12, "0") for code in session.scalars(query)}


def labelled(measure: MeasureSpec) -> MeasureSpec:
    """The map's shading by completeness, titled 含演示数据 when the database holds demo
    values (asked in the request being served; unchanged outside one)."""
    try:
        core = current_core()
        with core.sessions() as session:
            demo = holds_demo(session)
    except RuntimeError:  # no app context: nothing to ask
        return measure
    if not demo:
        return measure
    return dataclasses.replace(measure, title=f"{measure.title}（含{DEMO}数据）")
