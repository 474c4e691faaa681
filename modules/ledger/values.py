"""Values stored long, one row per (tag, unit, period) from which the value holds until a
later row: reading a month takes the latest row at or before it, so a figure that does
not change is stored once. Every change appends to the history, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerHistory, LedgerValue
from modules.ledger.periods import shift


@dataclass(frozen=True)
class Held:
    """The value a cell reads for a month, and the month it was kept from."""

    value: str | None
    number: float | None
    since: int
    demo: bool = False


def carried_query(tag_codes: Iterable[str], month: int, unit_filter=None):
    """SQL: each (tag, unit)'s latest row at or before `month` (a window function, the same
    on SQLite and PostgreSQL; the unique index (tag, unit, period) serves it)."""
    rank = (
        func.row_number()
        .over(
            partition_by=(LedgerValue.tag_code, LedgerValue.unit_code),
            order_by=LedgerValue.period.desc(),
        )
        .label("rank")
    )
    inner = select(
        LedgerValue.tag_code,
        LedgerValue.unit_code,
        LedgerValue.value,
        LedgerValue.number,
        LedgerValue.period,
        LedgerValue.demo,
        rank,
    ).where(LedgerValue.tag_code.in_(list(tag_codes)), LedgerValue.period <= month)
    if unit_filter is not None:
        inner = inner.where(unit_filter)
    latest = inner.subquery()
    return select(latest).where(latest.c.rank == 1), latest


def carried(
    session: Session, tag_codes: Iterable[str], month: int, unit_filter=None
) -> dict[tuple[str, str], Held]:
    """(unit, tag) → what it reads in `month`; `unit_filter` is SQL on LedgerValue.unit_code
    (the viewer's scope, a town's prefix, a list of units)."""
    query, _ = carried_query(tag_codes, month, unit_filter)
    return {
        (row.unit_code, row.tag_code): Held(row.value, row.number, row.period, bool(row.demo))
        for row in session.execute(query)
    }


@dataclass(frozen=True)
class Write:
    tag: str
    unit: str
    month: int  # the month the value is kept from (periods.start_of)
    value: str | None
    number: float | None
    old: str | None  # what the cell read before, for the history


def apply(
    session: Session, writes: list[Write], login: str, name: str, channel: str, demo=False
) -> None:
    """Store checked changes: update or insert the row at the month (or drop it when the
    value equals what was carried into that month), and append one history row each. In
    bulk: a few statements per month whatever the number of cells."""
    if not writes:
        return
    now = datetime.now(UTC)
    existing: dict[tuple[str, str, int], int] = {}  # (tag, unit, month) → row id
    before: dict[tuple[str, str, int], Held] = {}  # what was carried into the month
    by_month: dict[int, list[Write]] = {}
    for write in writes:
        by_month.setdefault(write.month, []).append(write)
    for month, group in by_month.items():
        tags, units = {w.tag for w in group}, {w.unit for w in group}
        wanted = {(w.tag, w.unit) for w in group}
        rows = session.execute(
            select(LedgerValue.id, LedgerValue.tag_code, LedgerValue.unit_code).where(
                LedgerValue.period == month,
                LedgerValue.tag_code.in_(sorted(tags)),
                LedgerValue.unit_code.in_(sorted(units)),
            )
        )
        for row in rows:
            if (row.tag_code, row.unit_code) in wanted:
                existing[(row.tag_code, row.unit_code, month)] = row.id
        if any(key[2] == month for key in existing):
            held = carried(
                session, tags, shift(month, -1), LedgerValue.unit_code.in_(sorted(units))
            )
            for (unit, tag), value in held.items():
                before[(tag, unit, month)] = value
    dropped, updated, inserted = [], [], []
    stamp = {"changed_by": login, "changed_at": now, "channel": channel, "demo": demo}
    for write in writes:
        key = (write.tag, write.unit, write.month)
        row_id = existing.get(key)
        carried_in = before.get(key)
        if row_id is not None and carried_in is not None and carried_in.value == write.value:
            dropped.append(row_id)  # the month reads forward again: one row fewer
        elif row_id is not None:
            updated.append({"id": row_id, "value": write.value, "number": write.number, **stamp})
        else:
            inserted.append(
                {
                    "tag_code": write.tag,
                    "unit_code": write.unit,
                    "period": write.month,
                    "value": write.value,
                    "number": write.number,
                    **stamp,
                }
            )
    if dropped:
        session.execute(delete(LedgerValue).where(LedgerValue.id.in_(dropped)))
    if updated:
        session.execute(update(LedgerValue), updated)  # the ORM's bulk UPDATE by primary key
    if inserted:
        session.execute(insert(LedgerValue.__table__), inserted)
    session.execute(
        insert(LedgerHistory.__table__),
        [
            {
                "tag_code": w.tag,
                "unit_code": w.unit,
                "period": w.month,
                "old_value": w.old,
                "new_value": w.value,
                "changed_by": login,
                "changed_by_name": name,
                "changed_at": now,
                "channel": channel,
            }
            for w in writes
        ],
    )
    # Objects loaded earlier in this session must not show the values from before.
    session.expire_all()


def history(session: Session, tag: str, unit: str) -> list[LedgerHistory]:
    """Every change of one cell, newest first (the caller has checked the viewer)."""
    return list(
        session.scalars(
            select(LedgerHistory)
            .where(LedgerHistory.tag_code == tag, LedgerHistory.unit_code == unit)
            .order_by(LedgerHistory.changed_at.desc(), LedgerHistory.id.desc())
        )
    )


def stored_rows(session: Session) -> int:
    """How many value rows are kept (carry-forward keeps this far below cells × months)."""
    return session.scalar(select(func.count()).select_from(LedgerValue)) or 0
