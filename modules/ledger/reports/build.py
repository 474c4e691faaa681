"""A report as rows and columns, read from the ledger the way the sheet and the API read it
(`reading.cells`: each unit's kept value, carried forward, or its roll-up above the level a
tag is kept at). Rows are the units one level below the chosen one (two levels with a 小计
for each unit between, when the template asks), closed by the chosen unit's own figure as
合计; or the months of a range. Over a range of months, a 本月… figure is summed and any
other is read at the range's last month."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.models import LedgerTag
from modules.ledger.reading import BadRequest, Cell, cells
from modules.ledger.reports.catalog import FOOTER, Column, Template, template_tags
from modules.ledger.reports.grant import ReportGrant
from modules.ledger.tags import READ, all_tags, may_read
from modules.sdk import (
    DivisionCode,
    Forbidden,
    Viewer,
    child_level,
    require_unit,
    unit_names,
    units,
)

BEIJING = timezone(timedelta(hours=8))
MAX_MONTHS = 24
FLOW = "本月"  # a tag named 本月… counts one month's events: a range sums them
NUMBER_FORMATS = {"integer": "#,##0", "decimal": "#,##0.00", "percent": "0.0"}


class ReportRefused(ValueError):
    """A report that cannot be made as asked, with the reason for a person (zh-CN)."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


@dataclass(frozen=True)
class Heading:
    title: str  # with the unit of measure: 低保户数（户）
    group: str
    number_format: str  # Excel's
    numeric: bool


@dataclass(frozen=True)
class ReportRow:
    kind: str  # "unit", "subtotal", "total" or "period"
    code: str  # a unit's code, or a month as 2026-11
    name: str
    values: tuple  # one per heading: a number, a text or None


@dataclass(frozen=True)
class Report:
    template: Template
    unit: str
    unit_name: str
    months: tuple[int, ...]
    first: str  # the heading of the names' column: 单位 or 月份
    headings: tuple[Heading, ...]
    rows: tuple[ReportRow, ...]
    lines: tuple[str, ...]  # under the title: 填报单位, 统计时间, 计量单位
    stamp: tuple[str, ...]  # a department's download: requester, request number, time
    footer: tuple[str, ...]  # 制表人, 审核人, 日期
    demo: bool

    @property
    def title(self) -> str:
        return self.template.title + ("（演示）" if self.demo else "")

    @property
    def period_label(self) -> str:
        first, last = self.months[0], self.months[-1]
        if first == last:
            return periods.label(first)
        return f"{periods.label(first)}_{periods.label(last)}"


def period_zh(months: tuple[int, ...] | list[int]) -> str:
    first, last = months[0], months[-1]
    if first == last:
        return periods.label_zh(first)
    return f"{periods.label_zh(first)}—{periods.label_zh(last)}"


def now_beijing() -> datetime:
    return datetime.now(UTC).astimezone(BEIJING)


def build_report(
    session: Session,
    viewer: Viewer,
    template: Template,
    unit: str,
    months: list[int],
    grant: ReportGrant | None = None,
) -> Report:
    """The report of `template` for `unit` over `months`, read as the viewer may (or, with a
    grant, only inside it). Forbidden / NotFound for the unit, ReportRefused otherwise."""
    months = _checked_months(months)
    tags = _tags(session, viewer, template, grant)
    reader = _reader(viewer, grant, months)
    code = require_unit(session, reader, unit)
    name = unit_names(session, reader, [code]).get(code, code)
    if template.row_kind == "periods":
        rows = _period_rows(session, reader, template, tags, (code, name, code.level), months)
    else:
        rows = _unit_rows(session, reader, template, tags, (code, name, code.level), months)
    rows, demo = rows
    measures = dict.fromkeys(
        tags[c.tag].measure
        for c in template.columns
        if c.tag and tags[c.tag].measure not in ("", "—")
    )
    lines = (
        f"填报单位：{name}",
        f"统计时间：{period_zh(months)}",
        f"计量单位：{'、'.join(measures) or '见各栏'}",
    )
    stamp: tuple[str, ...] = ()
    if grant is not None:
        stamp = (
            f"申请单位：{grant.requester}",
            f"申请编号：{grant.request_no}",
            f"下载时间：{now_beijing():%Y-%m-%d %H:%M}（北京时间）",
        )
    today = now_beijing().date()
    footer = (
        f"{FOOTER[0]}：{viewer.name}",
        f"{FOOTER[1]}：",
        f"{FOOTER[2]}：{today.year}年{today.month}月{today.day}日",
    )
    return Report(
        template=template,
        unit=code,
        unit_name=name,
        months=tuple(months),
        first="月份" if template.row_kind == "periods" else "单位",
        headings=tuple(_heading(c, tags) for c in template.columns),
        rows=tuple(rows),
        lines=lines,
        stamp=stamp,
        footer=footer,
        demo=demo,
    )


def _checked_months(months: list[int]) -> list[int]:
    found = sorted(set(months))
    if not found:
        raise ReportRefused("no period asked", "请选择统计期间")
    if len(found) > MAX_MONTHS:
        raise ReportRefused(
            f"at most {MAX_MONTHS} months", f"一次最多生成 {MAX_MONTHS} 个月，请缩短期间"
        )
    this = periods.of_date(now_beijing().date())
    if found[-1] > this:
        raise ReportRefused(
            f"period {periods.label(found[-1])} has not begun",
            f"期间「{periods.label_zh(found[-1])}」尚未开始",
        )
    return found


def _tags(
    session: Session, viewer: Viewer, template: Template, grant: ReportGrant | None
) -> dict[str, LedgerTag]:
    """The template's tags, each one the viewer (or the grant) may read."""
    known = all_tags(session, retired=True)
    needed = sorted(template_tags(template))
    missing = [c for c in needed if c not in known]
    if missing:
        raise ReportRefused(
            f"template {template.key} reads unknown tags {', '.join(missing)}",
            f"报表「{template.title}」用到的标签不存在：{'、'.join(missing)}",
        )
    if grant is not None:
        refused = [c for c in needed if c not in grant.tags]
        reason = "were not granted"
        why = "不在批准的调阅范围内"
    else:
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        refused = [c for c in needed if not may_read(viewer, known[c])]
        reason, why = "may not be read by this viewer", "您无权查看（个人敏感）"
    if refused:
        names = "、".join(known[c].name for c in refused)
        raise ReportRefused(
            f"template {template.key} reads tags that {reason}: {', '.join(refused)}",
            f"报表「{template.title}」需要的标签{why}：{names}",
        )
    return {c: known[c] for c in needed}


def _reader(viewer: Viewer, grant: ReportGrant | None, months: list[int]) -> Viewer:
    """Who the values are read as: the viewer, or over a grant the department inside the
    granted units only (and the granted months)."""
    if grant is None:
        return viewer
    expires = grant.expires_at if grant.expires_at.tzinfo else grant.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        raise ReportRefused(
            f"request {grant.request_no} expired", f"申请 {grant.request_no} 已过有效期"
        )
    outside = [m for m in months if m not in grant.periods]
    if outside:
        raise ReportRefused(
            "periods outside the grant: " + ", ".join(periods.label(m) for m in outside),
            "这些月份不在批准的调阅范围内：" + "、".join(periods.label_zh(m) for m in outside),
        )
    granted = sorted({DivisionCode.parse(u) for u in grant.units})
    outer = tuple(u for u in granted if not any(o != u and o.covers(u) for o in granted))
    return dataclasses.replace(viewer, scopes=outer, permissions=frozenset({READ}))


def _heading(column: Column, tags: dict[str, LedgerTag]) -> Heading:
    if column.ratio:
        return Heading(column.title, column.group, column.number_format or "0.00", True)
    tag = tags[column.tag]
    measure = f"（{tag.measure}）" if tag.measure not in ("", "—") else ""
    numeric = tag.value_type in NUMBER_FORMATS
    return Heading(
        f"{column.title or tag.name}{measure}",
        column.group,
        column.number_format or NUMBER_FORMATS.get(tag.value_type, "@"),
        numeric,
    )


class _Figures:
    """The cells read, and each column's value for a unit over the months."""

    def __init__(self, found: list[Cell], tags: dict[str, LedgerTag], months: list[int]):
        self.by = {(c.unit, c.tag.code, c.month): c for c in found}
        self.tags, self.months = tags, months
        self.demo = False

    def flows(self, code: str) -> bool:
        return self.tags[code].name.startswith(FLOW)

    def tag(self, unit: str, code: str, months: list[int] | None = None):
        months = months or self.months
        if not self.flows(code):
            months = months[-1:]
        held = [self.by.get((unit, code, m)) for m in months]
        held = [c for c in held if c is not None and c.value is not None]
        if not held:
            return None
        self.demo = self.demo or any(c.demo for c in held)
        if len(held) == 1:
            value = held[0].value
        else:
            value = sum(c.value for c in held if isinstance(c.value, int | float))
        if isinstance(value, float):
            value = round(value, 4)
        return value

    def column(self, unit: str, column: Column, months: list[int] | None = None):
        if not column.ratio:
            return self.tag(unit, column.tag, months)
        top, bottom = (self.tag(unit, c, months) for c in column.ratio)
        if not isinstance(top, int | float) or not isinstance(bottom, int | float) or not bottom:
            return None
        return round(top / bottom, 6)

    def row(self, kind: str, unit: str, name: str, columns, months=None, label=None):
        values = tuple(self.column(unit, c, months) for c in columns)
        return ReportRow(kind, label or unit, name, values)


def _read(session, reader, tags, unit_rows, months) -> list[Cell]:
    """The cells of every tag at the range's last month, and of the 本月… tags at each."""
    tag_list = list(tags.values())
    flows = [t for t in tag_list if t.name.startswith(FLOW)]
    try:
        found = cells(session, reader, tag_list, unit_rows, months[-1:])
        if flows and len(months) > 1:
            found += cells(session, reader, flows, unit_rows, months[:-1])
    except BadRequest as bad:
        raise ReportRefused(bad.reason, bad.reason_zh) from None
    return found


def _unit_rows(session, reader, template, tags, chosen, months):
    code, name, level = chosen
    below = child_level(level)
    if below is None:  # a village: its own row
        figures = _Figures(_read(session, reader, tags, [chosen], months), tags, months)
        return [figures.row("unit", code, name, template.columns)], figures.demo
    middle = [(u.code, u.name, below) for u in units(session, reader, below, within=code)]
    deepest = child_level(below) if template.depth > 1 else None
    groups: dict[str, list[tuple[str, str, str]]] = {}
    if deepest:
        for u in units(session, reader, deepest, within=code):
            parent = DivisionCode.parse(u.code).parent
            groups.setdefault(str(parent), []).append((u.code, u.name, deepest))
    asked = [chosen, *middle, *(row for rows in groups.values() for row in rows)]
    figures = _Figures(_read(session, reader, tags, asked, months), tags, months)
    rows: list[ReportRow] = []
    for m_code, m_name, _ in middle:
        if deepest:
            for v_code, v_name, _ in groups.get(str(m_code), []):
                rows.append(figures.row("unit", v_code, v_name, template.columns))
            rows.append(figures.row("subtotal", m_code, f"{m_name} 小计", template.columns))
        else:
            rows.append(figures.row("unit", m_code, m_name, template.columns))
    rows.append(figures.row("total", code, "合计", template.columns))
    return rows, figures.demo


def _period_rows(session, reader, template, tags, chosen, months):
    code, name, _ = chosen
    try:
        found = cells(session, reader, list(tags.values()), [chosen], months)
    except BadRequest as bad:
        raise ReportRefused(bad.reason, bad.reason_zh) from None
    figures = _Figures(found, tags, months)
    rows = [
        figures.row("period", code, periods.label_zh(m), template.columns, [m], periods.label(m))
        for m in months
    ]
    # 合计: the 本月… figures summed over the months; a stock has no sum (left blank).
    total = []
    for column in template.columns:
        summed = all(figures.flows(c) for c in column.reads)
        total.append(figures.column(code, column) if summed else None)
    rows.append(ReportRow("total", "", "合计", tuple(total)))
    return rows, figures.demo
