"""What a snapshot document says, read once for every renderer: plain text (never HTML),
times in Beijing time, tolerant of the parts an early or partial document leaves out.

Each renderer (the offline map, the workbook, the printable page) escapes or guards this
text for its own format; nothing here is trusted markup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
DEFAULT_TITLE = "第{number}期防汛防台会商简报"
DRILL_PREFIX = "【演练】"
SEVERITY_ZH = {"alarm": "告警", "warn": "注意", "info": "提示"}
# An ISO 8601 moment with a zone, as the document stores every time (rows may carry some).
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def moment_of(text: object) -> datetime | None:
    """The document's ISO text as an aware datetime (a naive one is UTC), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def beijing(text: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO moment in Beijing time ("" when there is none)."""
    moment = moment_of(text)
    return moment.astimezone(BEIJING).strftime(fmt) if moment else ""


def beijing_long(text: object) -> str:
    """A headline moment: 2015年09月28日 20:00（北京时间）."""
    shown = beijing(text, "%Y年%m月%d日 %H:%M")
    return f"{shown}（北京时间）" if shown else "—"


def cell_value(value: object) -> object:
    """A row's value for a table: numbers stay numbers, ISO moments become Beijing time,
    anything structured becomes its JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return beijing(value) if ISO_MOMENT.match(value) else value
    return json.dumps(value, ensure_ascii=False)


def figure_text(value: object) -> str:
    """A headline figure as text: 123, 1.5, 16级 超强台风; — for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(cell_value(value))


def is_drill(doc: dict) -> bool:
    return bool(event_of(doc).get("drill"))


def event_of(doc: dict) -> dict:
    event = doc.get("event")
    return event if isinstance(event, dict) else {}


def heading(doc: dict) -> str:
    """第N期防汛防台会商简报, prefixed 【演练】 for a drill."""
    title = str(doc.get("title") or DEFAULT_TITLE.format(number=doc.get("number") or "—"))
    if is_drill(doc) and not title.startswith(DRILL_PREFIX):
        title = DRILL_PREFIX + title
    return title


def event_line(doc: dict) -> str:
    """台风 · 1521 杜鹃 · 莆田市 · Ⅲ级（三级）应急响应."""
    event = event_of(doc)
    parts = [
        event.get("kind_label"),
        event.get("title"),
        event.get("scope_name") or event.get("scope"),
        event.get("level_label"),
    ]
    return " · ".join(str(p) for p in parts if p)


def columns_of(item: dict) -> list[tuple[str, str]]:
    """An item's (key, heading) pairs; from its rows' keys when it declares none."""
    pairs = [
        (str(c[0]), str(c[1]))
        for c in item.get("columns") or []
        if isinstance(c, list | tuple) and len(c) == 2
    ]
    if pairs:
        return pairs
    keys: dict[str, None] = {}
    for row in rows_of(item):
        keys.update(dict.fromkeys(str(k) for k in row))
    return [(k, k) for k in keys]


def rows_of(item: dict) -> list[dict]:
    return [row for row in item.get("rows") or [] if isinstance(row, dict)]


def items_of(doc: dict) -> list[dict]:
    """The items in the board's order (each item's `order`, then its id)."""
    items = [i for i in doc.get("items") or [] if isinstance(i, dict)]
    return sorted(items, key=lambda i: (_number(i.get("order"), 100), str(i.get("id", ""))))


def _number(value: object, default: float) -> float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else default


def row_label(row: dict, columns: list[tuple[str, str]], key: str) -> str:
    """A member as a person names it: its first two text columns other than the key and
    other than times (村居名 西天尾镇, 站名 镇街), else the key's value (a code)."""
    shown = [
        row[name]
        for name, _ in columns
        if name != key
        and isinstance(row.get(name), str)
        and row[name]
        and not ISO_MOMENT.match(row[name])
    ]
    return " ".join(shown[:2]) or str(row.get(key, ""))


@dataclass(frozen=True)
class Figure:
    """One key figure of the board."""

    title: str
    value: str
    unit: str
    source: str
    as_of: str
    severity: str
    cell: object = ""  # the value for a workbook: a number stays a number


def figures(doc: dict) -> list[Figure]:
    return [
        Figure(
            title=str(item.get("title") or item.get("id") or ""),
            value=figure_text(item.get("value")),
            unit=str(item.get("unit") or ""),
            source=str(item.get("source") or ""),
            as_of=beijing(item.get("as_of")),
            severity=str(item.get("severity") or ""),
            cell=cell_value(item.get("value")),
        )
        for item in items_of(doc)
    ]


@dataclass(frozen=True)
class Members:
    """Members that entered or left an item (villages into a wind circle...)."""

    label: str
    names: list[str]
    keys: list[str]


@dataclass(frozen=True)
class ItemChange:
    """One item's change: its figure before and after as text (and as table cells, numbers
    kept numbers), the members that entered or left, the members whose figures changed."""

    title: str
    unit: str
    before: str
    after: str
    delta: str
    cells: tuple = ()  # (before, after, difference) for a workbook
    members: list[Members] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Changes:
    """The diff to the previous snapshot, as text."""

    against: str  # 与第1期（…）相比 / 首期，无上期可比
    first: bool
    level: str  # Ⅳ级（四级）应急响应 → Ⅲ级（三级）应急响应, or ""
    items: list[ItemChange]
    new_decisions: set


def _difference(before: object, after: object) -> int | float | None:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before, after))
    return after - before if numbers else None


def _delta(before: object, after: object) -> str:
    change = _difference(before, after)
    if change is None:
        return ""
    return "±0" if change == 0 else f"{'+' if change > 0 else '−'}{figure_text(abs(change))}"


def changes(doc: dict) -> Changes:
    diff = doc.get("diff") if isinstance(doc.get("diff"), dict) else {}
    previous = diff.get("previous") if isinstance(diff.get("previous"), dict) else None
    if previous:
        moment = beijing(previous.get("moment")) or "—"
        against = f"与第{previous.get('number', '—')}期（态势 {moment}）相比"
    else:
        against = "首期简报，无上期可比"
    level = diff.get("level") if isinstance(diff.get("level"), dict) else None
    level_text = ""
    if level:
        before = level.get("before_label") or str(level.get("before", "—"))
        after = level.get("after_label") or str(level.get("after", "—"))
        level_text = f"{before} → {after}"
    columns = {str(i.get("id")): columns_of(i) for i in items_of(doc)}
    items = []
    for change in diff.get("items") or []:
        if not isinstance(change, dict):
            continue
        key = str(change.get("key") or "")
        shown_columns = columns.get(str(change.get("id"))) or columns_of(change)
        members = []
        for side, label in (("entered", "entered_label"), ("left", "left_label")):
            rows = [r for r in change.get(side) or [] if isinstance(r, dict)]
            if rows:
                members.append(
                    Members(
                        label=str(
                            change.get(label) or ("新进入" if side == "entered" else "已离开")
                        ),
                        names=[row_label(r, shown_columns, key) for r in rows],
                        keys=[str(r.get(key, "")) for r in rows],
                    )
                )
        items.append(
            ItemChange(
                title=str(change.get("title") or change.get("id") or ""),
                unit=str(change.get("unit") or ""),
                before=figure_text(change.get("before")),
                after=figure_text(change.get("after")),
                delta=_delta(change.get("before"), change.get("after")),
                cells=(
                    cell_value(change.get("before")),
                    cell_value(change.get("after")),
                    cell_value(_difference(change.get("before"), change.get("after"))),
                ),
                members=members,
                changed=_changed_rows(change, shown_columns, key),
            )
        )
    decisions = {d for d in diff.get("decisions") or [] if isinstance(d, int | str)}
    return Changes(against, previous is None, level_text, items, decisions)


def _shown(value: object) -> str:
    return str(cell_value(value)) or "—"


def _changed_rows(change: dict, columns: list[tuple[str, str]], key: str) -> list[str]:
    """Members still there whose figures changed: 西天尾镇：到达 20:00 → 18:00."""
    headings = dict(columns)
    lines = []
    for entry in change.get("changed") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            continue
        row = entry.get("row") if isinstance(entry.get("row"), dict) else {}
        fields = [
            f"{headings.get(name, name)} {_shown(pair[0])} → {_shown(pair[1])}"
            for name, pair in entry["fields"].items()
            if isinstance(pair, list | tuple) and len(pair) == 2
        ]
        if fields:
            who = row_label(row, columns, key) or str(entry.get("key", ""))
            lines.append(f"{who}：{'，'.join(fields)}")
    return lines


@dataclass(frozen=True)
class Decision:
    """One entry of the decision log."""

    ref: str  # 第3条, or #12 when the entry carries no number
    kind: str
    author: str
    at: str
    text: str
    units: str
    acks: str
    corrects: str
    new: bool


def decisions(doc: dict) -> list[Decision]:
    entries = [d for d in doc.get("decisions") or [] if isinstance(d, dict)]
    refs = {d.get("id"): _ref(d) for d in entries}
    new = changes(doc).new_decisions
    listed = []
    for entry in entries:
        units = [u for u in entry.get("units") or [] if isinstance(u, dict)]
        corrects = entry.get("corrects")
        listed.append(
            Decision(
                ref=refs[entry.get("id")],
                kind=str(entry.get("kind_label") or entry.get("kind") or ""),
                author=str(entry.get("author") or ""),
                at=beijing(entry.get("at")),
                text=str(entry.get("text") or ""),
                units="、".join(str(u.get("name") or u.get("code") or "") for u in units),
                acks=_acks(entry.get("acks")),
                corrects=f"更正{refs.get(corrects, f'#{corrects}')}" if corrects else "",
                new=entry.get("id") in new,
            )
        )
    return listed


def _ref(entry: dict) -> str:
    number = entry.get("number")
    return f"第{number}条" if number else f"#{entry.get('id', '')}"


def _acks(acks: object) -> str:
    if not isinstance(acks, dict) or not acks.get("total"):
        return ""
    return f"已确认 {acks.get('acknowledged', 0)}/{acks['total']}"


def taken_line(doc: dict) -> str:
    """冻结于 2026-12-06 18:00 · 市应急指挥 (when and by whom the round was frozen)."""
    parts = [beijing(doc.get("taken_at")), str(doc.get("taken_by") or "")]
    shown = " · ".join(p for p in parts if p)
    return f"冻结于 {shown}" if shown else ""
