"""The map's 着色 by the ledger: every numeric tag the viewer may read, and a few named
ratios of two (独居老人 per 1,000 常住人口 ...), for this month (Beijing time).

With about 150 numeric tags the choices must stay findable in one dropdown: each tag's
title starts with its domain (人口 · 常住人口), the options follow the catalogue's order
(grouped by domain), and the ratios come first under 比率. A unit at the tag's level shades
by its kept value, a unit above it by the tag's roll-up (sum, weighted mean ...), exactly as
the ledger's API answers; a unit below it (a town's figure for villages) has none. The
legend carries the unit of measure, the month and 演示 for demo data (MeasureSpec)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.demo_label import holds_demo
from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.rollup import rolled
from modules.ledger.tags import READ, readable
from modules.ledger.values import carried
from modules.sdk import LEVELS, DivisionCode, InvalidCode, MeasureSpec, Viewer, current_core

BEIJING = timezone(timedelta(hours=8))
NUMERIC = ("integer", "decimal", "percent")
TAG_PREFIX = "ledger-tag-"
RATIO_PREFIX = "ledger-ratio-"


@dataclass(frozen=True)
class Ratio:
    """`numerator / denominator × scale`, in `measure` (‰ or %)."""

    numerator: str
    denominator: str
    title: str
    scale: int
    measure: str

    @property
    def id(self) -> str:
        return f"{RATIO_PREFIX}{self.numerator}-{self.denominator}"


RATIOS: tuple[Ratio, ...] = (
    Ratio("MZ001", "RK002", "独居老人 / 常住人口", 1000, "‰"),
    Ratio("MZ001", "RK008", "独居老人 / 60岁以上老人", 100, "%"),
    Ratio("RK008", "RK002", "60岁以上老人 / 常住人口", 100, "%"),
    Ratio("MZ003", "RK002", "低保人数 / 常住人口", 1000, "‰"),
    Ratio("MZ005", "RK001", "残疾人数 / 户籍人口", 1000, "‰"),
    Ratio("MZ007", "RK006", "留守儿童 / 0-17岁人口", 100, "%"),
    Ratio("YJ004", "RK002", "避难场所可容纳人数 / 常住人口", 100, "%"),
    Ratio("DJ001", "RK002", "党员人数 / 常住人口", 100, "%"),
)


def this_month(now: datetime | None = None) -> int:
    return periods.of_date((now or datetime.now(BEIJING)).astimezone(BEIJING).date())


def tag_figures(
    session: Session, viewer: Viewer, tag: LedgerTag, month: int, codes: list[str]
) -> dict[str, float]:
    """Code → the tag's figure in `month` for each of `codes` inside the viewer's scope: the
    kept value at the tag's level, the roll-up above it, nothing below it."""
    by_level: dict[str, list[DivisionCode]] = {}
    for text in codes:
        try:
            code = DivisionCode.parse(text)
        except InvalidCode:
            continue
        if viewer.covers(code):
            by_level.setdefault(code.level, []).append(code)
    found: dict[str, float] = {}
    for level, members in by_level.items():
        if level == tag.level:
            held = carried(
                session,
                [tag.code],
                month,
                LedgerValue.unit_code.in_(members) & viewer.code_filter(LedgerValue.unit_code),
            )
            found.update({unit: h.number for (unit, _), h in held.items() if h.number is not None})
        elif LEVELS.index(level) < LEVELS.index(tag.level):
            parents = {code.parent for code in members}
            within = parents.pop() if len(parents) == 1 else None
            if within is not None and not viewer.covers(within):
                within = None
            sums = rolled(session, viewer, tag, month, level, within)
            found.update({code: sums[code].figure for code in members if code in sums})
    return found


def _tag_values(code: str) -> Callable:
    def values(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, float]:
        tag = readable(session, viewer).get(code) if viewer.can(READ) else None
        if tag is None or tag.value_type not in NUMERIC:
            return {}
        return tag_figures(session, viewer, tag, this_month(), codes)

    return values


def ratio_figures(
    session: Session, viewer: Viewer, ratio: Ratio, month: int, codes: list[str]
) -> dict[str, float]:
    """Code → numerator / denominator × scale where both are known and the denominator is
    above 0 (two decimals)."""
    known = readable(session, viewer) if viewer.can(READ) else {}
    if ratio.numerator not in known or ratio.denominator not in known:
        return {}
    above = tag_figures(session, viewer, known[ratio.numerator], month, codes)
    below = tag_figures(session, viewer, known[ratio.denominator], month, codes)
    return {
        code: round(above[code] / below[code] * ratio.scale, 2) for code in above if below.get(code)
    }


def _ratio_values(ratio: Ratio) -> Callable:
    def values(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, float]:
        return ratio_figures(session, viewer, ratio, this_month(), codes)

    return values


def measures_for(session: Session, viewer: Viewer, month: int | None = None) -> list[MeasureSpec]:
    """The ratios, then a measure per numeric tag the viewer may read, in catalogue order;
    none for a viewer who may not read the ledger."""
    if not viewer.can(READ):
        return []
    known = readable(session, viewer)
    period = periods.label_zh(month or this_month())
    demo = holds_demo(session)
    found = [
        MeasureSpec(
            id=ratio.id,
            title=f"比率 · {ratio.title}",
            unit=ratio.measure,
            values=_ratio_values(ratio),
            period=period,
            demo=demo,
        )
        for ratio in RATIOS
        if ratio.numerator in known and ratio.denominator in known
    ]
    found += [
        MeasureSpec(
            id=f"{TAG_PREFIX}{tag.code}",
            title=f"{tag.domain} · {tag.name}",
            unit=tag.measure if tag.measure not in ("", "—") else "",
            values=_tag_values(tag.code),
            period=period,
            demo=demo,
        )
        for tag in known.values()
        if tag.value_type in NUMERIC
    ]
    return found


def ledger_measures(viewer: Viewer) -> list[MeasureSpec]:
    """The register_measures answer: the catalogue is read in the request being served
    (an admin may add tags); outside a request there is nothing to read it from."""
    try:
        core = current_core()
    except RuntimeError:
        return []
    with core.sessions() as session:
        return measures_for(session, viewer)
