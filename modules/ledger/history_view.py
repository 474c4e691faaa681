"""A cell's history as the page shows it: who, when (Beijing time), old → new, channel; a
value that was demo (演示) is labelled so."""

from __future__ import annotations

from datetime import timedelta, timezone

from dash import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerHistory, LedgerValue
from modules.ledger.sheet import DEMO
from modules.ledger.tags import READ, all_tags, may_read
from modules.ledger.values import history
from modules.sdk import DivisionCode, InvalidCode, Viewer, unit_names

BEIJING = timezone(timedelta(hours=8))
CHANNEL_ZH = {"grid": "表格", "import": "导入", "api": "接口", "demo": "演示"}


def cell_history(session: Session, viewer: Viewer, unit: object, tag: object) -> list[dict]:
    """The cell's changes, newest first; empty for a cell the viewer may not read (another
    town's, a sensitive tag's, or none at all: they answer alike)."""
    found = _readable_cell(session, viewer, unit, tag)
    if found is None:
        return []
    code, tag_code = found
    changes = history(session, tag_code, code)
    demo_old = _demo_old_values(session, tag_code, code, changes)
    return [
        {
            "at": h.changed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            "period": f"{h.period // 100}-{h.period % 100:02d}",
            "who": h.changed_by_name or h.changed_by,
            "login": h.changed_by,
            "old": h.old_value,
            "old_demo": h.id in demo_old,
            "new": h.new_value,
            "channel": h.channel,
        }
        for h in changes
    ]


def _readable_cell(session, viewer, unit, tag) -> tuple[str, str] | None:
    if not viewer.can(READ) or not isinstance(unit, str) or not isinstance(tag, str):
        return None
    try:
        code = DivisionCode.parse(unit)
    except InvalidCode:
        return None
    found = all_tags(session, retired=True).get(tag)
    if found is None or not viewer.covers(code) or not may_read(viewer, found):
        return None
    return str(code), found.code


def _demo_old_values(session, tag: str, unit: str, changes: list[LedgerHistory]) -> set[int]:
    """The changes whose old value was a demo value. A value row is written either by the
    demo seed, before anyone changes anything (no history), or with a history row, so a
    change read a demo row when no earlier change of the cell touched its month or one
    before it, or when a demo row still stored lies between the latest such month and its
    own: exact whenever it says so, silent only where a later change overwrote that row."""
    demo_months = set(
        session.scalars(
            select(LedgerValue.period).where(
                LedgerValue.tag_code == tag, LedgerValue.unit_code == unit, LedgerValue.demo
            )
        )
    )
    found: set[int] = set()
    earlier: list[int] = []
    for change in sorted(changes, key=lambda h: (h.changed_at, h.id)):
        touched = [month for month in earlier if month <= change.period]
        latest = max(touched, default=None)
        if change.old_value is not None and (
            latest is None or any(latest < month <= change.period for month in demo_months)
        ):
            found.add(change.id)
        earlier.append(change.period)
    return found


def _held_is_demo(session: Session, tag: str, unit: str) -> bool:
    """Whether the cell holds demo values (the seed writes no history)."""
    return (
        session.scalar(
            select(LedgerValue.id)
            .where(LedgerValue.tag_code == tag, LedgerValue.unit_code == unit, LedgerValue.demo)
            .limit(1)
        )
        is not None
    )


def _shown(value: str | None, demo: bool) -> str:
    text = "空" if value is None else value
    return f"{text}（{DEMO}）" if demo and value is not None else text


def history_table(session: Session, viewer: Viewer, unit: object, tag: object):
    changes = cell_history(session, viewer, unit, tag)
    if not changes:
        found = _readable_cell(session, viewer, unit, tag)
        if found is not None and _held_is_demo(session, *reversed(found)):
            return html.P(
                f"这一格是{DEMO}数据，还没有修改记录（{DEMO}数据不记入修改记录）。",
                className="ledger-history-empty",
            )
        return html.P("这一格还没有修改记录。", className="ledger-history-empty")
    names = unit_names(session, viewer, [unit])
    title = f"{names.get(unit, unit)} · {tag} 的修改记录"
    head = html.Tr([html.Th(t) for t in ("时间", "期间", "修改人", "原值 → 新值", "来源")])
    rows = [
        html.Tr(
            [
                html.Td(c["at"]),
                html.Td(c["period"]),
                html.Td(c["who"]),
                html.Td(f"{_shown(c['old'], c['old_demo'])} → {_shown(c['new'], False)}"),
                html.Td(CHANNEL_ZH.get(c["channel"], c["channel"])),
            ]
        )
        for c in changes
    ]
    return html.Div([html.H4(title), html.Table([head, *rows], className="ledger-history-table")])
