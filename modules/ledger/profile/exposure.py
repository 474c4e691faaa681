"""The people exposed in a unit's file: when an `exposure` signal in force (the typhoon
module's wind circles) lists villages of the unit, their 常住人口, 60岁以上老人 and 独居老人
as the ledger holds them this month. A drill's signal is published with the storm's times
shifted to now, so reading the entries at now serves drills and live storms alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from modules.ledger.models import LedgerValue
from modules.ledger.tags import readable
from modules.ledger.values import carried
from modules.sdk import EXPOSURE, DivisionCode, InvalidCode, Viewer, iso_moment, unit_names

FIGURES = ("RK002", "RK008", "MZ001")  # 常住人口, 60岁以上老人, 独居老人


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    level: int  # the highest wind-circle level
    coming: bool  # every entry still to come: about to be reached
    figures: dict  # tag code → number (None: not held)


@dataclass(frozen=True)
class Exposure:
    events: tuple[str, ...]
    drill: bool
    villages: tuple[Village, ...]
    totals: dict  # tag code → the villages' sum
    names: dict  # tag code → name (unit of measure)
    demo: bool


def exposure_for(
    session: Session, viewer: Viewer, core, unit: DivisionCode, month: int, now: datetime
) -> Exposure | None:
    """The villages of `unit` inside a footprint in force now, with their people; None when
    there is none (or the viewer sees none of them)."""
    found: dict[str, list] = {}  # code → [level, coming]
    events, drill = [], False
    for signal in core.signals(session, EXPOSURE, at=now):
        payload = signal.payload or {}
        listed = False
        for entry in payload.get("units") or []:
            place = _entry(entry, unit, now)
            if place is None or not viewer.covers(place[0]):
                continue
            code, level, coming = place
            held = found.setdefault(code, [level, coming])
            held[0], held[1] = max(held[0], level), held[1] and coming
            listed = True
        if listed:
            event = str(payload.get("event") or payload.get("hazard") or "")
            if event and event not in events:
                events.append(event)
            drill = drill or payload.get("drill") is True
    names = unit_names(session, viewer, list(found))
    codes = sorted(c for c in found if c in names)
    if not codes:
        return None
    known = readable(session, viewer)
    tags = [known[c] for c in FIGURES if c in known]
    held = carried(session, [t.code for t in tags], month, LedgerValue.unit_code.in_(codes))
    villages = []
    for code in codes:
        figures = {}
        for tag in tags:
            value = held.get((code, tag.code))
            figures[tag.code] = None if value is None or value.number is None else value.number
        villages.append(Village(code, names[code], found[code][0], found[code][1], figures))
    villages.sort(key=lambda v: (-v.level, -(v.figures.get("RK002") or 0), v.code))
    totals = {t.code: sum(v.figures.get(t.code) or 0 for v in villages) for t in tags}
    return Exposure(
        tuple(events),
        drill,
        tuple(villages),
        totals,
        {t.code: t.name for t in tags},
        any(h.demo for h in held.values()),
    )


def _entry(entry: object, unit: DivisionCode, now: datetime) -> tuple[str, int, bool] | None:
    """(village code, level, still to come) of one entry inside `unit` not yet over."""
    if not isinstance(entry, dict):
        return None
    try:
        code = DivisionCode.parse(str(entry.get("code")))
        level = int(entry.get("level"))
    except (InvalidCode, TypeError, ValueError):
        return None
    if code.level != "village" or not unit.covers(code):
        return None
    start, until = iso_moment(entry.get("from")), iso_moment(entry.get("until"))
    if until is not None and until < now:
        return None
    return str(code), level, start is not None and start > now
