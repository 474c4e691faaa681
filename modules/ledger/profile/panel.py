"""The unit's file as the map's side panel: 一村一档 for a village, 一镇一档 for a town (a
county or the city asks to pick one). The panel comes with the map's focus (register_panels)
and follows the unit picked on the map or in the search (callbacks.follow_selection), so a
village clicked shows its own file while the map stays on its town."""

from __future__ import annotations

import importlib
import logging
from collections import Counter
from datetime import UTC, datetime
from types import ModuleType

from dash import dcc, html
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.completeness import of_units
from modules.ledger.measures import this_month
from modules.ledger.profile.exposure import Exposure, exposure_for
from modules.ledger.profile.figures import Series, main_tags, unit_series
from modules.ledger.profile.sparkline import number_text, sparkline
from modules.ledger.settings import ledger_settings
from modules.ledger.sheet import DEMO
from modules.ledger.tags import READ
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    PanelSpec,
    Viewer,
    unit_profile,
)

LOGGER = logging.getLogger(__name__)
PANEL_ID = "ledger-profile"
TITLE = "一村一档 · 一镇一档"
BODY = {"module": "ledger", "role": "profile"}
SHOWN = {"module": "ledger", "role": "profile-shown"}
KIND_ZH = {"village": "一村一档", "town": "一镇一档"}
RISK_ZH = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}
MAX_POINTS = 8
MAX_ITEMS = 6
HINT = "在地图上点选镇街或村（社区），查看其档案。"
# Inline styles: the module brings no stylesheet of its own into the shared assets.
BADGE = {
    "fontSize": "12px",
    "fontWeight": "500",
    "border": "1px solid #c77c02",
    "color": "#a15c00",
    "borderRadius": "3px",
    "padding": "0 4px",
    "marginLeft": "6px",
}
NAME = {"textAlign": "left", "fontWeight": "normal"}
VALUE = {"textAlign": "right", "whiteSpace": "nowrap", "padding": "0 6px"}


def profile_panel(session: Session, viewer: Viewer, core, unit: str | None) -> PanelSpec | None:
    """The panel for the map's focus (None: the viewer's home, if they have one)."""
    if not viewer.can(READ):
        return None
    if not (isinstance(unit, str) and unit and viewer.covers(unit)):
        unit = viewer.home  # the core sends a focus in scope; anything else: home
    body = html.Div(file_view(session, viewer, core, unit), id=BODY)
    return PanelSpec(id=PANEL_ID, title=TITLE, component=body, order=40)


def checked_unit(session: Session, viewer: Viewer, asked: object) -> tuple[DivisionCode, dict]:
    """The unit asked for, parsed and inside the scope (Forbidden / NotFound otherwise)."""
    if not isinstance(asked, str):
        raise NotFound("no unit")
    try:
        code = DivisionCode.parse(asked)
    except InvalidCode:
        raise NotFound("not a division code") from None
    if not viewer.covers(code):
        raise Forbidden("outside the scope")
    return code, unit_profile(session, viewer, code)


def file_view(
    session: Session, viewer: Viewer, core, unit: str | None, now: datetime | None = None
) -> list:
    """The file's sections for `unit` (the viewer's home when None), or a hint."""
    asked = unit or viewer.home
    try:
        code, profile = checked_unit(session, viewer, asked)
    except (Forbidden, NotFound):
        return [dcc.Store(id=SHOWN, data=""), html.P(HINT, className="ledger-hint")]
    if code.level not in KIND_ZH:  # a county's or the city's: too wide for one file
        return [
            dcc.Store(id=SHOWN, data=str(code)),
            html.P(f"{profile['name']}：{HINT}", className="ledger-hint"),
        ]
    now = now or datetime.now(UTC)
    month = this_month(now)
    series = unit_series(session, viewer, code, month, main_tags(session, viewer, code.level))
    exposure = exposure_for(session, viewer, core, code, month, now) if core else None
    demo = any(s.demo for s in series) or bool(exposure and exposure.demo)
    title = [f"{KIND_ZH[code.level]} · {profile['name']}"]
    if demo:
        title.append(html.Span(DEMO, className="badge-demo", title="含演示数据", style=BADGE))
    return [
        dcc.Store(id=SHOWN, data=str(code)),
        html.H4(title, className="ledger-profile-title", id="ledger-profile-title"),
        html.P(f"一张表 · {periods.label_zh(month)}", className="ledger-profile-source"),
        *exposure_block(exposure),
        figures_table(series),
        *completeness_block(session, viewer, code, month, now),
        *key_points_block(session, viewer, core, code),
        *open_items_block(session, viewer, code),
    ]


def figures_table(series: list[Series]) -> html.Table:
    rows = [
        html.Tr(
            [
                html.Th(s.tag.name + ("·汇总" if s.rolled else ""), scope="row", style=NAME),
                html.Td(
                    number_text(s.latest, s.tag.measure),
                    className="ledger-profile-value",
                    style=VALUE,
                    **{"data-tag": s.tag.code},
                ),
                html.Td(sparkline(s.months, s.points, s.tag.measure)),
            ],
            id={"module": "ledger", "role": "profile-figure", "tag": s.tag.code},
        )
        for s in series
    ]
    head = html.Tr([html.Th("指标"), html.Th("最新"), html.Th("近12个月")])
    return html.Table(
        [html.Thead(head), html.Tbody(rows)],
        className="ledger-profile-figures",
        style={"width": "100%", "borderCollapse": "collapse"},
        id="ledger-profile-figures",
    )


def completeness_block(session, viewer, code: DivisionCode, month: int, now) -> list:
    due_day = ledger_settings().due_day
    label = periods.label_zh(month)
    lines = []
    own = [
        u
        for u in of_units(session, viewer, month, code.level, code, due_day, now)
        if u.code == code
    ]
    if own and own[0].required:
        unit = own[0]
        state = {
            "open": "未提交",
            "submitted": "已提交",
            "approved": "已审核",
            "returned": "已退回",
        }
        lines.append(
            f"{label}本级：必填 {unit.filled}/{unit.required} 项（{unit.rate:g}%）· "
            f"{state.get(unit.state, unit.state)} · {unit.timeliness}"
        )
    if code.level != "village":
        villages = of_units(session, viewer, month, "village", code, due_day, now)
        if villages:
            required = sum(v.required for v in villages)
            filled = sum(v.filled for v in villages)
            rate = round(100.0 * filled / required, 1) if required else 0.0
            submitted = sum(v.state in ("submitted", "approved") for v in villages)
            late = sum(v.timeliness in ("逾期", "逾期未报") for v in villages)
            lines.append(
                f"{label}各村（社区）：已提交 {submitted}/{len(villages)} 个，"
                f"必填项填报率 {rate:g}%" + (f"，逾期 {late} 个" if late else "")
            )
    if not lines:
        return []
    return [
        html.H5("填报完成情况"),
        html.Ul([html.Li(line) for line in lines], id="ledger-profile-completeness"),
    ]


def key_points_block(session, viewer, core, code: DivisionCode) -> list:
    """The unit's key points through the sites contract (every module's), by risk."""
    sites = list(core.sites(session, viewer, str(code))) if core else []
    if not sites:
        return [html.H5("重点部位"), html.P("无重点部位", id="ledger-profile-points")]
    by_risk = Counter(site.level for site in sites)
    order = list(RISK_ZH) + sorted(set(by_risk) - set(RISK_ZH))
    summary = "、".join(
        f"{RISK_ZH.get(r, r or '未定级')} {by_risk[r]}" for r in order if by_risk[r]
    )
    ranked = sorted(sites, key=lambda s: (order.index(s.level), s.name))
    items = [
        html.Li(
            f"{site.name}（{site.kind}"
            + (f"，{RISK_ZH[site.level]}色风险" if site.level in RISK_ZH else "")
            + "）"
            + (f" · {site.status}" if site.status else "")
            + (
                f" · 责任人 {site.contact_name} {site.contact_phone}".rstrip()
                if site.contact_name
                else ""
            )
        )
        for site in ranked[:MAX_POINTS]
    ]
    more = len(sites) - MAX_POINTS
    if more > 0:
        items.append(html.Li(f"另有 {more} 个", className="ledger-more"))
    return [
        html.H5("重点部位"),
        html.P(f"共 {len(sites)} 个：{summary}", id="ledger-profile-points"),
        html.Ul(items, className="ledger-profile-point-list"),
    ]


def exposure_block(exposure: Exposure | None) -> list:
    """影响范围内的人口: the villages inside a wind circle, their people from the table."""
    if exposure is None:
        return []
    totals = "、".join(
        f"{exposure.names[code]} {number_text(total, '人')}"
        for code, total in exposure.totals.items()
    )
    event = "、".join(exposure.events) or "灾害"
    villages = [
        html.Li(
            f"{v.name} {v.level}级风圈{'（将进入）' if v.coming else ''}："
            + "、".join(f"{exposure.names[c]} {number_text(n, '人')}" for c, n in v.figures.items())
        )
        for v in exposure.villages[:MAX_ITEMS]
    ]
    if len(exposure.villages) > MAX_ITEMS:
        villages.append(html.Li(f"另有 {len(exposure.villages) - MAX_ITEMS} 个村（社区）"))
    source = "一张表" + (f"（{DEMO}）" if exposure.demo else "")
    return [
        html.Div(
            [
                html.H5(f"{event} 影响"),
                html.P(
                    f"影响范围内 {len(exposure.villages)} 个村（社区）：{totals}",
                    id="ledger-profile-exposed",
                ),
                html.Ul(villages),
                html.P(f"数据：{source}", className="ledger-profile-source"),
            ],
            className="ledger-profile-exposure alarm",
        )
    ]


def _open_items():
    """The requests package's open_items, or None where it is not installed."""
    try:
        package = importlib.import_module("modules.ledger.requests")
    except ImportError:
        return None
    found = getattr(package, "open_items", None)
    if isinstance(found, ModuleType):  # the submodule of that name, not the function
        found = getattr(found, "open_items", None)
    return found if callable(found) else None


def open_items_block(session, viewer, code: DivisionCode) -> list:
    """The open requests and tasks concerning the unit (the requests package's answer)."""
    open_items = _open_items()
    if open_items is None:
        return []
    try:
        items = open_items(session, viewer, str(code))
    except Exception:  # another part's failure must not take the whole file with it
        LOGGER.exception("open_items failed for %s", code)
        return [html.H5("待办申请与任务"), html.P("暂时无法读取", id="ledger-profile-open-items")]
    if not items:
        return [html.H5("待办申请与任务"), html.P("暂无", id="ledger-profile-open-items")]
    shown = [
        html.Li(
            [
                f"{item['title']} · {item['state_zh']} · {item['since']:%Y-%m-%d}",
                html.Span(" 已超期", className="alarm") if item.get("overdue") else "",
            ]
        )
        for item in items[:MAX_ITEMS]
    ]
    if len(items) > MAX_ITEMS:
        shown.append(html.Li(f"另有 {len(items) - MAX_ITEMS} 项", className="ledger-more"))
    return [
        html.H5("待办申请与任务"),
        html.P(f"共 {len(items)} 项", id="ledger-profile-open-items"),
        html.Ul(shown),
    ]
