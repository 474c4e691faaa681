"""Small helpers for the ledger's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from modules.ledger.entry import Change, Saved, save

XTW = "350304100000"  # 西天尾镇
XTW_VILLAGES = ("350304100001", "350304100002", "350304100003")
XIUYU_VILLAGE = "350305101001"
TODAY = datetime(2026, 12, 2, tzinfo=UTC)


def put(session, viewer, items, channel="api", all_or_nothing=False) -> Saved:
    """Save [(unit, tag, period, value), ...] as `viewer` on 2 December 2026."""
    changes = [Change(*item) for item in items]
    return save(session, viewer, changes, channel, all_or_nothing, today=TODAY)


def statuses(saved: Saved) -> list[str]:
    return [o.status for o in saved.outcomes]
