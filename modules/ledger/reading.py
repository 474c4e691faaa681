"""Reading values for the API and downloads: tags × units × months, each unit's kept value
where it keeps the tag, the roll-up where it lies above that level. Every code is checked
against the viewer's scope (Forbidden / NotFound) before anything is read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import figure
from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.rollup import rolled
from modules.ledger.tags import READ, readable
from modules.ledger.values import carried
from modules.sdk import (
    LEVELS,
    DivisionCode,
    Forbidden,
    InvalidCode,
    Viewer,
    require_unit,
    unit_names,
    units,
)

MAX_TAGS = 300
MAX_MONTHS = 24
MAX_CELLS = 200_000


class BadRequest(ValueError):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


@dataclass(frozen=True)
class Cell:
    unit: str
    name: str
    tag: LedgerTag
    month: int
    value: str | float | None
    rolled: bool
    demo: bool

    def as_json(self) -> dict:
        return {
            "unit": self.unit,
            "unit_name": self.name,
            "tag": self.tag.code,
            "tag_name": self.tag.name,
            "measure": self.tag.measure,
            "period": periods.label(self.month),
            "value": self.value,
            "rolled_up": self.rolled,
            "demo": self.demo,
        }


def split(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def parse_months(text: object) -> list[int]:
    """The months asked for (`2026-11,2026-10`); none asked means the current month."""
    if not split(text):
        return [periods.current()]
    found = []
    for part in split(text):
        try:
            found.append(periods.parse(part))
        except periods.BadPeriod as bad:
            raise BadRequest(str(bad), bad.reason_zh) from None
    if len(found) > MAX_MONTHS:
        raise BadRequest(
            f"at most {MAX_MONTHS} periods", f"一次最多查询 {MAX_MONTHS} 个月，请分批查询"
        )
    return sorted(set(found))


def parse_tags(session: Session, viewer: Viewer, text: object) -> list[LedgerTag]:
    known = readable(session, viewer, retired=True)
    codes = split(text)
    if not codes:
        return list(known.values())[:MAX_TAGS]
    if len(codes) > MAX_TAGS:
        raise BadRequest(f"at most {MAX_TAGS} tags", f"一次最多查询 {MAX_TAGS} 个标签")
    missing = [c for c in codes if c not in known]
    if missing:
        # A sensitive tag the viewer may not read answers as an unknown one.
        raise BadRequest(
            f"unknown tags: {', '.join(missing)}", f"没有这些标签：{'、'.join(missing)}"
        )
    return [known[c] for c in dict.fromkeys(codes)]


def parse_units(
    session: Session, viewer: Viewer, text: object, level: object = None
) -> list[tuple[str, str, str]]:
    """(code, name, level) of the units asked for (default: the viewer's own), or with
    `level` the units of that level inside each; 403/404 raised for codes outside/unknown."""
    asked = split(text)
    if not asked:
        asked = [str(scope) for scope in viewer.scopes]
    checked = []
    for code in asked:
        try:
            checked.append(require_unit(session, viewer, DivisionCode.parse(code)))
        except InvalidCode:
            raise BadRequest(
                f"{code!r} is not a division code", f"「{code}」不是区划代码（4、6、9 或 12 位）"
            ) from None
    if level not in (None, ""):
        if level not in LEVELS:
            raise BadRequest(
                f"level must be one of {LEVELS}", "level 只能是 city、county、town、village"
            )
        found = {}
        for code in checked:
            for unit in units(session, viewer, level, within=code):
                found[unit.code] = (unit.code, unit.name, level)
        return list(found.values())
    names = unit_names(session, viewer, checked)
    return [(str(c), names.get(c, c), c.level) for c in dict.fromkeys(checked)]


def cells(
    session: Session,
    viewer: Viewer,
    tags: list[LedgerTag],
    unit_rows: list[tuple[str, str, str]],
    months: list[int],
) -> list[Cell]:
    if not viewer.can(READ):
        raise Forbidden("reading the ledger needs ledger.read")
    if len(tags) * len(unit_rows) * len(months) > MAX_CELLS:
        raise BadRequest(
            f"more than {MAX_CELLS} cells asked for",
            f"一次最多查询 {MAX_CELLS:,} 个数，请减少标签、单位或月份",
        )
    found: list[Cell] = []
    by_level: dict[str, list[tuple[str, str]]] = {}
    for code, name, level in unit_rows:
        by_level.setdefault(level, []).append((code, name))
    for month in months:
        for level, members in by_level.items():
            codes = [code for code, _ in members]
            kept = [t for t in tags if t.level == level]
            held = (
                carried(session, [t.code for t in kept], month, LedgerValue.unit_code.in_(codes))
                if kept
                else {}
            )
            for tag in tags:
                above = LEVELS.index(level) < LEVELS.index(tag.level)
                if tag.level == level:
                    for code, name in members:
                        h = held.get((code, tag.code))
                        value = None if h is None else figure(tag, h.value, h.number)
                        found.append(Cell(code, name, tag, month, value, False, bool(h and h.demo)))
                elif above and tag.rollup != "none":
                    sums = rolled(session, viewer, tag, month, level)
                    for code, name in members:
                        total = sums[code].figure if code in sums else None
                        if total is not None and tag.value_type == "integer":
                            total = int(round(total))
                        demo = code in sums and sums[code].demo
                        found.append(Cell(code, name, tag, month, total, True, demo))
    return found
