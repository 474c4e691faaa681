"""A cell's history as the page shows it: who, when (Beijing time), old → new, channel."""

from __future__ import annotations

from datetime import timedelta, timezone

from dash import html
from sqlalchemy.orm import Session

from modules.ledger.tags import READ, all_tags, may_read
from modules.ledger.values import history
from modules.sdk import DivisionCode, InvalidCode, Viewer, unit_names

BEIJING = timezone(timedelta(hours=8))
CHANNEL_ZH = {"grid": "表格", "import": "导入", "api": "接口", "demo": "演示"}


def cell_history(session: Session, viewer: Viewer, unit: object, tag: object) -> list[dict]:
    """The cell's changes, newest first; empty for a cell the viewer may not read (another
    town's, a sensitive tag's, or none at all: they answer alike)."""
    if not viewer.can(READ) or not isinstance(unit, str) or not isinstance(tag, str):
        return []
    try:
        code = DivisionCode.parse(unit)
    except InvalidCode:
        return []
    found = all_tags(session, retired=True).get(tag)
    if found is None or not viewer.covers(code) or not may_read(viewer, found):
        return []
    return [
        {
            "at": h.changed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            "period": f"{h.period // 100}-{h.period % 100:02d}",
            "who": h.changed_by_name or h.changed_by,
            "login": h.changed_by,
            "old": h.old_value,
            "new": h.new_value,
            "channel": h.channel,
        }
        for h in history(session, found.code, str(code))
    ]


def history_table(session: Session, viewer: Viewer, unit: object, tag: object):
    changes = cell_history(session, viewer, unit, tag)
    if not changes:
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
                html.Td(
                    f"{c['old'] if c['old'] is not None else '空'} → "
                    f"{c['new'] if c['new'] is not None else '空'}"
                ),
                html.Td(CHANNEL_ZH.get(c["channel"], c["channel"])),
            ]
        )
        for c in changes
    ]
    return html.Div([html.H4(title), html.Table([head, *rows], className="ledger-history-table")])
