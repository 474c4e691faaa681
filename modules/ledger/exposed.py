"""The ledger's part of a consultation's board (the `situation` hook): the people exposed
where the ledger holds population. The villages come from the `exposure` signals in force
(a hazard's footprint, e.g. the typhoon module's wind circles), the figures from the
ledger's values for the month, as the viewer may read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import figure
from modules.ledger.models import LedgerValue
from modules.ledger.sheet import DEMO
from modules.ledger.tags import READ, readable
from modules.ledger.values import carried
from modules.sdk import (
    EXPOSURE,
    DivisionCode,
    InvalidCode,
    SituationEvent,
    SituationItem,
    Viewer,
    in_storm_time,
    iso_moment,
    unit_names,
)

ITEM_ID = "ledger.exposed_people"
RESIDENTS = "RK002"  # 常住人口: the headline figure
# The population figures shown per village, in this order (those the catalogue holds and
# the viewer may read; a 个人敏感 tag never, whoever asks).
FIGURES = ("RK002", "RK008", "RK009", "MZ001", "MZ005", "MZ006", "MZ007")
BEIJING = timezone(timedelta(hours=8))


def exposed_people(
    session: Session,
    viewer: Viewer,
    event: SituationEvent,
    moment: datetime,
    core,
    now: datetime | None = None,
) -> list[SituationItem]:
    """One item: the 常住人口 of the exposed villages inside the viewer's scope (and the
    event's), with each village's wind level and population figures; [] for a viewer who
    may not read the ledger."""
    if not viewer.can(READ):
        return []
    now = now or datetime.now(UTC)
    clock, exposed = _exposed(session, core, event, moment, now)
    inside = _inside(event.scope)
    codes = sorted(c for c in exposed if viewer.covers(c) and inside(c))
    names = unit_names(session, viewer, codes)
    codes = [c for c in codes if c in names]
    known = readable(session, viewer)
    tags = [known[c] for c in FIGURES if c in known and known[c].sensitivity != "personal"]
    month, held, missing = _figures(session, [t.code for t in tags], codes, moment, now)
    demo_units = {unit for (unit, _), found in held.items() if found.demo}
    rows = []
    for code in codes:
        row = {"unit": code, "name": names[code], "level": exposed[code]}
        for tag in tags:
            found = held.get((code, tag.code))
            row[tag.code] = None if found is None else figure(tag, found.value, found.number)
        row["source"] = DEMO if code in demo_units else ""
        rows.append(row)
    rows.sort(key=lambda r: (-r["level"], -(r.get(RESIDENTS) or 0), r["unit"]))
    total = sum(r.get(RESIDENTS) or 0 for r in rows) if RESIDENTS in known else None
    demo = any(r["source"] for r in rows)
    source = f"一张表 · {periods.label_zh(month)}" + (f" ({DEMO})" if demo else "")
    if missing is not None:
        source += f"；{periods.label_zh(missing)}无数据，取本月"
    columns = (
        ("unit", "单位代码"),
        ("name", "村（社区）"),
        ("level", "风圈（级）"),
        *((t.code, f"{t.name}（{t.measure}）" if t.measure else t.name) for t in tags),
        ("source", "数据"),
    )
    return [
        SituationItem(
            ITEM_ID,
            "ledger",
            "影响范围内常住人口",
            total,
            source,
            as_of=clock,
            unit="人",
            columns=columns,
            rows=tuple(rows),
            key="unit",
            entered="新进入影响范围的村（社区）",
            left="已离开影响范围的村（社区）",
            severity="warn" if total else "",
            order=60,
        )
    ]


def _exposed(session, core, event, moment, now) -> tuple[datetime, dict[str, int]]:
    """(the clock the exposure was read at, village code → highest wind level)."""
    found = _villages(core.signals(session, EXPOSURE, at=moment), event, moment)
    if found or not event.drill:
        return moment, found
    # A drill replays a past storm: the typhoon module publishes it with the storm's times
    # shifted to the publish time, so it is in force now, not at the replay's clock. Its
    # entries are shifted back and read at the replay's clock (as the flood module does);
    # a live storm's signal never enters a drill.
    drills = [
        in_storm_time(signal)
        for signal in core.signals(session, EXPOSURE, at=now)
        if (signal.payload or {}).get("drill") is True
    ]
    return moment, _villages(drills, event, moment)


def _villages(signals, event: SituationEvent, at: datetime) -> dict[str, int]:
    """The villages the signals list with an entry not over at `at` (one still to come
    counts: its people are about to be exposed), each with its highest level."""
    found: dict[str, int] = {}
    for signal in signals:
        if not _about(signal, event):
            continue
        for entry in (signal.payload or {}).get("units") or []:
            try:
                code = DivisionCode.parse(str(entry.get("code")))
                level = int(entry.get("level"))
            except (InvalidCode, TypeError, ValueError, AttributeError):
                continue
            until = iso_moment(entry.get("until"))
            if code.level != "village" or (until is not None and until <= at):
                continue
            found[str(code)] = max(found.get(str(code), 0), level)
    return found


def _about(signal, event: SituationEvent) -> bool:
    """A typhoon's consultation counts its own storm's footprint only; other events count
    every footprint in force."""
    if event.kind != "typhoon" or not event.ref:
        return True
    payload = signal.payload or {}
    storm = payload.get("storm")
    if not isinstance(storm, str):
        key = signal.key or ""
        storm = key.split(":", 1)[1].split("@", 1)[0] if key.startswith("storm:") else None
    return storm == event.ref


def _inside(scope: object):
    try:
        event_scope = DivisionCode.parse(str(scope))
    except InvalidCode:
        return lambda code: True
    return event_scope.covers


def _figures(session, tag_codes, codes, moment, now):
    """(month, (unit, tag) → Held, the month asked for when it held nothing): the values
    of the month of `moment` (Beijing time); a storm from before the ledger's first month
    (a drill on a past storm) reads this month's instead, and says so."""
    month = periods.of_date(moment.astimezone(BEIJING).date())
    if not tag_codes or not codes:
        return month, {}, None
    within = LedgerValue.unit_code.in_(codes)
    held = carried(session, tag_codes, month, within)
    this_month = periods.of_date(now.astimezone(BEIJING).date())
    if held or month >= this_month:
        return month, held, None
    return this_month, carried(session, tag_codes, this_month, within), month
