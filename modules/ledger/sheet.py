"""The sheet a viewer sees (一张表): rows are the units of their scope at one level, columns
the tags kept at that level (and, on the towns' sheet, the villages' tags rolled up, and
beside a town's own figure that has a rule against a village tag, its villages' roll-up of
that tag), one month at a time. Used by the page, the XLSX/CSV export and the API alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from modules.ledger.approval import states
from modules.ledger.checks import figure
from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.rollup import rolled
from modules.ledger.rules import Rule, comparisons
from modules.ledger.tags import WRITE, readable
from modules.ledger.values import Held, carried
from modules.sdk import DivisionCode, InvalidCode, NotFound, Viewer, require_unit, units

DEMO = "演示"


@dataclass
class Sheet:
    month: int
    level: str  # "village" or "town": the rows
    within: str | None
    units: list[tuple[str, str]]  # (code, name)
    tags: list[LedgerTag]  # the columns, in catalogue order
    rolled: set[str] = field(default_factory=set)  # columns that are roll-ups of villages
    values: dict[tuple[str, str], Held] = field(default_factory=dict)
    sums: dict[str, dict[str, float]] = field(default_factory=dict)  # tag → unit → figure
    editable: bool = False
    states: dict[str, str] = field(default_factory=dict)  # unit → approval state
    rolled_demo: set[str] = field(default_factory=set)  # units with a roll-up of demo values
    # A town-level tag → its rule against a village tag and that tag, and unit → the
    # villages' roll-up of it (the towns' sheet only).
    compared: dict[str, tuple[Rule, LedgerTag]] = field(default_factory=dict)
    villages: dict[str, dict[str, float]] = field(default_factory=dict)

    def cell(self, unit: str, tag: LedgerTag) -> str | float | None:
        if tag.code in self.rolled:
            total = self.sums.get(tag.code, {}).get(unit)
            if total is not None and tag.value_type == "integer":
                return int(round(total))
            return None if total is None else round(total, 2)
        held = self.values.get((unit, tag.code))
        return None if held is None else figure(tag, held.value, held.number)

    def villages_figure(self, unit: str, tag: LedgerTag) -> int | float | None:
        """The villages' roll-up compared with the town's own figure of `tag`."""
        _, other = self.compared[tag.code]
        total = self.villages.get(tag.code, {}).get(unit)
        if total is None:
            return None
        return int(round(total)) if other.value_type == "integer" else round(total, 2)

    def mismatch(self, unit: str, tag: LedgerTag) -> bool:
        """Whether the town's own figure breaks its rule against its villages' roll-up
        (never when either is blank)."""
        rule, _ = self.compared[tag.code]
        held = self.values.get((unit, tag.code))
        total = self.villages.get(tag.code, {}).get(unit)
        if held is None or held.number is None or total is None:
            return False
        return rule.broken(held.number, total)

    @property
    def demo_units(self) -> set[str]:
        """Units whose kept values include a demo value (labelled 演示 wherever shown)."""
        return {unit for (unit, _), held in self.values.items() if held.demo}

    @property
    def demo_shown(self) -> set[str]:
        """Units showing a demo value, kept or rolled up from demo values."""
        return self.demo_units | self.rolled_demo


def towns_of(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in units(session, viewer, "town")]


def parse_within(session: Session, viewer: Viewer, within: object) -> str | None:
    """A unit code the browser sent, checked against the viewer's scope (Forbidden,
    NotFound or InvalidCode otherwise); None for "the viewer's whole scope"."""
    if within in (None, ""):
        return None
    if not isinstance(within, str):
        raise InvalidCode(repr(within))
    return str(require_unit(session, viewer, DivisionCode.parse(within)))


def build(
    session: Session,
    viewer: Viewer,
    month: int,
    level: str = "village",
    within: str | None = None,
    search: str = "",
    domain: str = "",
    tag_codes: list[str] | None = None,
) -> Sheet:
    """The sheet for `viewer`: units of `level` inside `within` (already checked with
    parse_within) and the viewer's scope; tags matching `search` (name or code) and
    `domain`, or exactly `tag_codes`."""
    if level not in ("village", "town"):
        raise NotFound(f"no sheet of level {level!r}")
    rows = [(u.code, u.name) for u in units(session, viewer, level, within=within)]
    tags = [
        tag
        for tag in readable(session, viewer).values()
        if (tag.level == level or (level == "town" and tag.rollup != "none"))
        and (not domain or tag.domain == domain)
        and (not search or search in tag.name or search.upper() in tag.code)
        and (tag_codes is None or tag.code in tag_codes)
    ]
    sheet = Sheet(month, level, within, rows, tags, editable=viewer.can(WRITE))
    sheet.rolled = {t.code for t in tags if t.level != level}
    kept = [t.code for t in tags if t.level == level]
    codes = [code for code, _ in rows]
    if kept and codes:
        sheet.values = carried(session, kept, month, _units_filter(codes))
    sheet.states = {code: row.state for code, row in states(session, codes, month).items()}
    for tag in tags:
        if tag.code in sheet.rolled:
            _add_rollup(sheet, tag.code, rolled(session, viewer, tag, month, level, within))
    if level == "town":
        _compare(session, viewer, sheet, [t for t in tags if t.level == "town"])
    return sheet


def _add_rollup(sheet: Sheet, code: str, found: dict) -> None:
    sheet.sums[code] = {unit: r.figure for unit, r in found.items()}
    sheet.rolled_demo.update(unit for unit, r in found.items() if r.demo)


def _compare(session: Session, viewer: Viewer, sheet: Sheet, kept: list[LedgerTag]) -> None:
    """The villages' roll-up beside each town-level tag with a rule against a village tag."""
    known = readable(session, viewer)
    for code, rule in comparisons(known).items():
        tag = next((t for t in kept if t.code == code), None)
        if tag is None:
            continue
        other = known[rule.right]
        sheet.compared[code] = (rule, other)
        if rule.right not in sheet.sums:
            found = rolled(session, viewer, other, sheet.month, "town", sheet.within)
            _add_rollup(sheet, rule.right, found)
        sheet.villages[code] = sheet.sums[rule.right]


def _units_filter(codes: list[str]):
    # A town's villages share its 9-digit prefix: one range instead of a long IN list.
    prefixes = {code[:9] for code in codes}
    if len(prefixes) == 1 and len(codes) > 1:
        prefix = next(iter(prefixes))
        return LedgerValue.unit_code.between(prefix + "000", prefix + "999")
    return LedgerValue.unit_code.in_(codes)


def header(tag: LedgerTag, rolled: bool = False) -> str:
    measure = f"（{tag.measure}）" if tag.measure else ""
    return f"{tag.name}{measure}" + ("·村汇总" if rolled else "")
