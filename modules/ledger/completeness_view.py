"""Completeness as the page 一张表 shows it, below the sheet: the month by town for everyone
who reads the sheet, and, on a town's villages' sheet, each village of it (required tags
filled, state, on time or late); 演示 where the figures are made from demo values."""

from __future__ import annotations

from dash import html
from sqlalchemy.orm import Session

from modules.ledger.approval import STATE_ZH
from modules.ledger.completeness import by_town, of_units
from modules.ledger.demo_label import demo_units
from modules.ledger.sheet import DEMO, parse_within
from modules.ledger.tags import required_tags
from modules.sdk import Forbidden, InvalidCode, NotFound, Viewer, unit_names

TOWNS_HEAD = ("镇街", "数据", "村（社区）", "已提交", "已审核", "按时", "逾期", "必填完成率")
VILLAGES_HEAD = ("村（社区）", "数据", "状态", "必填已填", "完成率", "报送")


def _table(head: tuple[str, ...], rows: list[list]) -> html.Table:
    return html.Table(
        [html.Tr([html.Th(h) for h in head]), *(html.Tr([html.Td(v) for v in r]) for r in rows)],
        className="ledger-completeness",
    )


def towns_table(session: Session, viewer: Viewer, month: int, due_day: int) -> html.Table:
    towns = by_town(session, viewer, month, due_day=due_day)
    demo = demo_units(session, viewer, required_tags(session, "village"), month, length=9)
    rows = [
        [
            t.name,
            DEMO if t.code in demo else "",
            t.villages,
            t.submitted,
            t.approved,
            t.on_time,
            t.late,
            f"{t.rate}%",
        ]
        for t in towns
    ]
    return _table(TOWNS_HEAD, rows)


def villages_table(
    session: Session, viewer: Viewer, month: int, within: object, due_day: int
) -> html.Div | None:
    """The villages of the town on screen (None for a unit outside the scope or none)."""
    try:
        town = parse_within(session, viewer, within)
    except (Forbidden, NotFound, InvalidCode):
        return None
    if town is None:
        return None
    villages = of_units(session, viewer, month, "village", within=town, due_day=due_day)
    required = required_tags(session, "village")
    demo = demo_units(session, viewer, required, month, within=town)
    rows = [
        [
            v.name,
            DEMO if v.code in demo else "",
            STATE_ZH[v.state],
            f"{v.filled}/{v.required}",
            f"{v.rate}%",
            v.timeliness,
        ]
        for v in villages
    ]
    name = unit_names(session, viewer, [town]).get(town, town)
    return html.Div([html.H4(f"{name} 各村（社区）"), _table(VILLAGES_HEAD, rows)])
