"""A unit's main figures over twelve months: each tag's value in every month up to this one,
kept (the unit's own) or rolled up from the villages inside it by the tag's rule, as the
ledger's roll-ups compute them. One read of the cells' rows (stored only when they change)
and the carry-forward done per month in Python: a town's few hundred rows, not twelve
queries per tag."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.tags import readable
from modules.sdk import LEVELS, DivisionCode, Viewer, prefix_range

MONTHS = 12
# The figures a file opens with, kept at the village (rolled up above it) ...
MAIN_TAGS = ("RK002", "RK001", "RK008", "MZ001", "MZ003", "MZ005", "DJ001", "YJ001", "YJ004")
# ... and those a town keeps itself.
TOWN_TAGS = ("YJ008", "MZ010", "NY012")
NUMERIC = ("integer", "decimal", "percent")


@dataclass(frozen=True)
class Series:
    """One tag's figure for a unit in each of `months` (None: nothing held), and whether a
    demo value is in the latest one."""

    tag: LedgerTag
    months: tuple[int, ...]
    points: tuple[float | None, ...]
    rolled: bool
    demo: bool

    @property
    def latest(self) -> float | None:
        return self.points[-1]


def window(month: int, length: int = MONTHS) -> tuple[int, ...]:
    """The `length` months ending with `month`, oldest first."""
    return tuple(periods.shift(month, offset) for offset in range(1 - length, 1))


def main_tags(session: Session, viewer: Viewer, level: str) -> list[LedgerTag]:
    """The main tags the viewer may read that give a figure at `level`."""
    known = readable(session, viewer)
    wanted = [*MAIN_TAGS, *(TOWN_TAGS if level == "town" else ())]
    found = []
    for code in wanted:
        tag = known.get(code)
        if tag is None or tag.value_type not in NUMERIC:
            continue
        if tag.level == level or (
            LEVELS.index(level) < LEVELS.index(tag.level) and tag.rollup != "none"
        ):
            found.append(tag)
    return found


def unit_series(
    session: Session, viewer: Viewer, unit: DivisionCode, month: int, tags: list[LedgerTag]
) -> list[Series]:
    """Each tag's twelve months for `unit` (a code the caller checked the viewer covers)."""
    months = window(month)
    kept = [t for t in tags if t.level == unit.level]
    below = [t for t in tags if t.level != unit.level]
    found: dict[str, Series] = {}
    if kept:
        cells = _cells(session, viewer, [t.code for t in kept], unit, month, exact=True)
        for tag in kept:
            points = [_at(cells.get((tag.code, unit), []), m) for m in months]
            found[tag.code] = Series(
                tag,
                months,
                tuple(None if p is None else p[0] for p in points),
                False,
                bool(points[-1] and points[-1][1]),
            )
    if below:
        weights = {t.weight_code for t in below if t.rollup == "mean" and t.weight_code}
        codes = sorted({t.code for t in below} | weights)
        cells = _cells(session, viewer, codes, unit, month, exact=False)
        by_tag: dict[str, dict[str, list]] = defaultdict(dict)
        for (tag_code, member), rows in cells.items():
            by_tag[tag_code][member] = rows
        for tag in below:
            points, demo = [], False
            for m in months:
                figure, made_of_demo = _rolled(tag, by_tag, m)
                points.append(figure)
                demo = made_of_demo  # the latest month's
            found[tag.code] = Series(tag, months, tuple(points), True, demo)
    return [found[t.code] for t in tags if t.code in found]


def _cells(session, viewer, tag_codes, unit, month, exact: bool) -> dict:
    """(tag, unit) → its rows [(period, number, demo)] up to `month`, oldest first: the
    unit's own (`exact`) or those of every unit inside it."""
    where = LedgerValue.unit_code == unit if exact else prefix_range(LedgerValue.unit_code, unit)
    query = (
        select(
            LedgerValue.tag_code,
            LedgerValue.unit_code,
            LedgerValue.period,
            LedgerValue.number,
            LedgerValue.demo,
        )
        .where(
            LedgerValue.tag_code.in_(tag_codes),
            LedgerValue.period <= month,
            where,
            viewer.code_filter(LedgerValue.unit_code),
        )
        .order_by(LedgerValue.period)
    )
    found: dict[tuple[str, str], list] = defaultdict(list)
    for row in session.execute(query):
        found[(row.tag_code, row.unit_code)].append((row.period, row.number, bool(row.demo)))
    return found


def _at(rows: list, month: int) -> tuple[float, bool] | None:
    """(number, demo) the cell reads in `month` (its latest row at or before), or None."""
    index = bisect_right([r[0] for r in rows], month)
    if not index or rows[index - 1][1] is None:
        return None
    return rows[index - 1][1], rows[index - 1][2]


def _rolled(tag: LedgerTag, by_tag: dict, month: int) -> tuple[float | None, bool]:
    """The tag's roll-up over the units inside in `month`, by its rule (rollup.rolled's)."""
    values = {}
    for member, rows in by_tag.get(tag.code, {}).items():
        found = _at(rows, month)
        if found is not None:
            values[member] = found
    if not values:
        return None, False
    demo = any(d for _, d in values.values())
    numbers = [n for n, _ in values.values()]
    if tag.rollup == "mean" and tag.weight_code:
        pairs = []
        for member, (number, _) in values.items():
            weight = _at(by_tag.get(tag.weight_code, {}).get(member, []), month)
            if weight is not None and weight[0] > 0:
                pairs.append((number, weight[0]))
                demo = demo or weight[1]
        total = sum(w for _, w in pairs)
        return (sum(n * w for n, w in pairs) / total if total else None), demo
    if tag.rollup == "max":
        return max(numbers), demo
    if tag.rollup == "mean":
        return sum(numbers) / len(numbers), demo
    return sum(numbers), demo
