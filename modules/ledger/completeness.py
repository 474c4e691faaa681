"""Completeness, as in DHIS2: per unit and month, how many of the required tags kept at its
level hold a value, whether the month was submitted, and on time or late (due on a
configurable day of the next month, the 5th by default, Beijing time); summed by town for a
leader, and as a map shading.

Filled cells are counted from ledger_fills (the months in which a cell turns filled or
blank, kept by triggers on ledger_values) rather than from every month's value: at Putian's
scale that is about one row per cell instead of one a month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.approval import STATE_ZH, states
from modules.ledger.models import LedgerFill
from modules.ledger.tags import all_tags
from modules.sdk import DivisionCode, MeasureSpec, Viewer, units

BEIJING = timezone(timedelta(hours=8))
ON_TIME, LATE, MISSING, NOT_DUE = "按时", "逾期", "逾期未报", "未到期"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    required: int
    filled: int
    state: str
    timeliness: str

    @property
    def rate(self) -> float:
        return 100.0 if not self.required else round(100.0 * self.filled / self.required, 1)

    def as_json(self) -> dict:
        return {
            "unit": self.code,
            "unit_name": self.name,
            "required": self.required,
            "filled": self.filled,
            "rate": self.rate,
            "state": self.state,
            "state_label": STATE_ZH[self.state],
            "timeliness": self.timeliness,
        }


def due(month: int, due_day: int) -> datetime:
    """The end of the due day of the month after `month`, Beijing time."""
    following = periods.shift(month, 1)
    day = date(following // 100, following % 100, due_day)
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), BEIJING)


def of_units(
    session: Session,
    viewer: Viewer,
    month: int,
    level: str,
    within: str | None = None,
    due_day: int = 5,
    now: datetime | None = None,
) -> list[Unit]:
    """Completeness of every unit of `level` in the viewer's scope (inside `within`)."""
    now = now or datetime.now(UTC)
    rows = [(u.code, u.name) for u in units(session, viewer, level, within=within)]
    required = [t.code for t in all_tags(session).values() if t.required and t.level == level]
    codes = [code for code, _ in rows]
    scope = viewer.code_filter(LedgerFill.unit_code)
    if within:
        scope = scope & LedgerFill.unit_code.startswith(DivisionCode.parse(within).prefix)
    filled = filled_counts(session, required, month, scope) if required and codes else {}
    current = states(session, codes, month)
    deadline = due(month, due_day)
    found = []
    for code, name in rows:
        row = current.get(code)
        state = row.state if row else "open"
        submitted = row.submitted_at if row else None
        if submitted is not None and state in ("submitted", "approved"):
            timeliness = ON_TIME if submitted < deadline else LATE
        else:
            timeliness = MISSING if now >= deadline else NOT_DUE
        found.append(Unit(code, name, len(required), filled.get(code, 0), state, timeliness))
    return found


def filled_counts(
    session: Session, tag_codes: list[str], month: int, unit_filter
) -> dict[str, int]:
    """Unit → how many of `tag_codes` read a value (not blank) in `month`; `unit_filter` is
    SQL on LedgerFill.unit_code. A cell's fills alternate filled, blank, filled ... from its
    first, so +1 for each filled and -1 for each blank up to `month` is 1 exactly when the
    cell reads a value then."""
    step = func.sum(case((LedgerFill.filled, 1), else_=-1))
    query = (
        select(LedgerFill.unit_code, step)
        .where(LedgerFill.tag_code.in_(tag_codes), LedgerFill.period <= month, unit_filter)
        .group_by(LedgerFill.unit_code)
    )
    return {unit: int(count) for unit, count in session.execute(query) if count}


@dataclass(frozen=True)
class TownSummary:
    code: str
    name: str
    villages: int
    submitted: int
    approved: int
    on_time: int
    late: int
    rate: float  # % of the villages' required cells filled

    def as_json(self) -> dict:
        return dict(vars(self))


def by_town(
    session: Session, viewer: Viewer, month: int, due_day: int = 5, now: datetime | None = None
) -> list[TownSummary]:
    """A leader's view: per town of the scope, its villages' completeness."""
    villages = of_units(session, viewer, month, "village", due_day=due_day, now=now)
    towns = {u.code: u.name for u in units(session, viewer, "town")}
    grouped: dict[str, list[Unit]] = {}
    for village in villages:
        grouped.setdefault(village.code[:9] + "000", []).append(village)
    found = []
    for code, name in towns.items():
        members = grouped.get(code, [])
        required = sum(m.required for m in members)
        found.append(
            TownSummary(
                code,
                name,
                len(members),
                sum(m.state in ("submitted", "approved") for m in members),
                sum(m.state == "approved" for m in members),
                sum(m.timeliness == ON_TIME for m in members),
                sum(m.timeliness in (LATE, MISSING) for m in members),
                round(100.0 * sum(m.filled for m in members) / required, 1) if required else 0.0,
            )
        )
    return found


def _shading(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, float]:
    """% of the required village cells filled this month inside each unit asked for."""
    month = periods.of_date(datetime.now(BEIJING).date())
    wanted = [c for c in codes if viewer.covers(c)]
    if not wanted:
        return {}
    villages = of_units(session, viewer, month, "village")
    found = {}
    for code in wanted:
        prefix = DivisionCode.parse(code).prefix
        inside = [v for v in villages if v.code.startswith(prefix)]
        required = sum(v.required for v in inside)
        if required:
            found[code] = round(100.0 * sum(v.filled for v in inside) / required, 1)
    return found


def completeness_measure() -> MeasureSpec:
    return MeasureSpec(
        id="ledger-completeness", title="一张表本月完成率", unit="%", values=_shading
    )
