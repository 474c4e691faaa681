"""The registry of recurring reports a town files (报表清单): which are generated from the
table (a template names them) and the hours a town no longer spends on them, from each
report's frequency × its hand-filling time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger.reports.catalog import TIMES_A_YEAR
from modules.ledger.reports.models import LedgerReportEntry, LedgerReportTemplate

NOT_TEMPLATED = "未模板化"


@dataclass(frozen=True)
class Entry:
    name: str
    department: str
    frequency: str
    minutes: int
    template_key: str | None  # None: 未模板化
    demo: bool

    @property
    def hours_a_year(self) -> float:
        return self.minutes * TIMES_A_YEAR[self.frequency] / 60


@dataclass(frozen=True)
class Coverage:
    reports: int
    templated: int
    hours_a_month: float  # a town's filling time now generated from the table
    hours_a_year: float
    hours_left_a_year: float  # still filled by hand (未模板化)

    @property
    def share(self) -> float:
        return self.templated / self.reports if self.reports else 0.0


def entries(session: Session) -> list[Entry]:
    """The registry, a row whose template no longer exists counting as 未模板化."""
    keys = set(session.scalars(select(LedgerReportTemplate.key)))
    query = select(LedgerReportEntry).order_by(LedgerReportEntry.position, LedgerReportEntry.id)
    return [
        Entry(
            row.name,
            row.department,
            row.frequency,
            row.minutes,
            row.template_key if row.template_key in keys else None,
            row.demo,
        )
        for row in session.scalars(query)
    ]


def coverage(found: list[Entry]) -> Coverage:
    saved = sum(e.hours_a_year for e in found if e.template_key)
    left = sum(e.hours_a_year for e in found if not e.template_key)
    return Coverage(
        reports=len(found),
        templated=sum(1 for e in found if e.template_key),
        hours_a_month=saved / 12,
        hours_a_year=saved,
        hours_left_a_year=left,
    )
