"""Dash components drawn from a board document (live or frozen): the header, the figure
cards, the list behind a figure, the diff and the decision log. Pure functions of the
document, so a snapshot's page shows exactly what was frozen."""

from __future__ import annotations

from datetime import datetime

from dash import html

from modules.consult import styles
from modules.consult.events import beijing

MAX_ROWS_SHOWN = 500


def when(text: str | None) -> str:
    return beijing(datetime.fromisoformat(text)) if text else ""


def _value(item: dict) -> str:
    value = item.get("value")
    if isinstance(value, float):
        value = round(value, 1)
    return f"{value}{(' ' + item['unit']) if item.get('unit') else ''}"


def header(document: dict) -> html.Div:
    event = document["event"]
    badges = (
        [html.Span("演练", className="badge-drill", style=styles.DRILL_BADGE)]
        if event["drill"]
        else []
    )
    return html.Div(
        className="consult-header",
        children=[
            html.H2([event["title"], " ", *badges]),
            html.P(
                f"{event['kind_label']} · {event['scope_name']} · {event['level_label']} · "
                f"态势时刻 {when(document['moment'])}（北京时间）"
            ),
        ],
    )


def card(
    item: dict, index: int, card_type: str = "consult-card", wall: bool = False
) -> html.Button:
    return html.Button(
        id={"type": card_type, "index": index},
        className=f"consult-card {item.get('severity', '')}".strip(),
        style=styles.card(item.get("severity", ""), wall),
        title=f"{item['source']} · {when(item.get('as_of'))}",
        children=[
            html.Div(item["title"], className="card-title", style=styles.CARD_TITLE),
            html.Div(_value(item), className="card-value", style=styles.CARD_VALUE),
            html.Div(
                f"{item['source']} · {when(item.get('as_of'))}",
                className="card-source",
                style=styles.CARD_SOURCE,
            ),
        ],
    )


def cards(document: dict, card_type: str = "consult-card", wall: bool = False) -> list:
    items = document.get("items", [])
    if not items:
        return [html.P("各模块暂无该事件的态势数据。", className="notice")]
    return [card(item, i, card_type, wall) for i, item in enumerate(items)]


def table(columns: list, rows: list[dict], caption: str = "") -> html.Table:
    heads = [c[1] for c in columns] or (sorted(rows[0]) if rows else [])
    keys = [c[0] for c in columns] or heads
    shown = rows[:MAX_ROWS_SHOWN]
    body = [
        html.Tr([html.Td("" if r.get(k) is None else str(r.get(k))) for k in keys]) for r in shown
    ]
    more = (
        [html.Caption(f"共 {len(rows)} 行，仅显示前 {MAX_ROWS_SHOWN} 行")]
        if len(rows) > len(shown)
        else []
    )
    return html.Table(
        className="consult-table",
        children=([html.Caption(caption)] if caption else [])
        + more
        + [html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(body)],
    )


def detail(item: dict) -> html.Div:
    return html.Div(
        className="consult-detail",
        children=[
            html.H3(f"{item['title']}：{_value(item)}"),
            html.P(f"来源：{item['source']}（{when(item.get('as_of'))}）", className="card-source"),
            table(item.get("columns", []), item.get("rows", []))
            if item.get("rows")
            else html.P("（无明细）"),
        ],
    )


def _names(rows: list[dict]) -> str:
    return "、".join(
        str(r.get("name") or r.get("title") or next(iter(r.values()), "")) for r in rows[:30]
    ) + (f" 等 {len(rows)} 个" if len(rows) > 30 else "")


def diff_view(document: dict) -> html.Div:
    change = document.get("diff")
    if not change or change.get("previous") is None:
        return html.Div(className="consult-diff", children=[html.P("第1期：无上一期可对比。")])
    previous = change["previous"]
    lines = []
    if change.get("level"):
        level = change["level"]
        verb = "提升" if level["raised"] else "调整"
        lines.append(
            html.Li(
                f"应急响应{verb}：{level['before_label']} → {level['after_label']}",
                className="diff-level",
            )
        )
    for item in change.get("items", []):
        parts = [html.Strong(item["title"]), f"：{item['before']} → {item['after']}"]
        sub = []
        if item["entered"]:
            sub.append(
                html.Li(
                    f"{item['entered_label']}（{len(item['entered'])}）：{_names(item['entered'])}",
                    className="diff-entered",
                )
            )
        if item["left"]:
            sub.append(
                html.Li(
                    f"{item['left_label']}（{len(item['left'])}）：{_names(item['left'])}",
                    className="diff-left",
                )
            )
        if item.get("changed"):
            sub.append(
                html.Li(
                    f"数值变化（{len(item['changed'])}）："
                    + _names([c["row"] for c in item["changed"]]),
                    className="diff-changed",
                )
            )
        lines.append(html.Li([*parts, html.Ul(sub)] if sub else parts))
    if change.get("decisions"):
        lines.append(html.Li(f"新增会商记录 {len(change['decisions'])} 条"))
    return html.Div(
        className="consult-diff",
        children=[
            html.H3(f"与第{previous['number']}期（{when(previous.get('moment'))}）相比"),
            html.Ul(lines) if lines else html.P("态势无变化。"),
        ],
    )


def decision_item(entry: dict, actions: list | None = None) -> html.Li:
    units = "、".join(u["name"] for u in entry["units"])
    acks = entry.get("acks")
    status = []
    if entry["kind"] == "instruction":
        if entry.get("sent_at"):
            ack = f"（回执 {acks['acknowledged']}/{acks['total']}）" if acks else "（等待发送结果）"
            status.append(html.Span(f"已发短信 {when(entry['sent_at'])}{ack}", className="sent"))
        else:
            status.append(html.Span("未发短信", className="unsent"))
    corrects = (
        [html.Span(f"更正第{entry['corrects']}号", className="corrects")]
        if entry.get("corrects")
        else []
    )
    return html.Li(
        className=f"consult-entry kind-{entry['kind']}",
        children=[
            html.Span(f"#{entry['number']} {entry['kind_label']}", className="entry-kind"),
            html.Span(f" {when(entry['at'])} {entry['author']}", className="entry-meta"),
            *([html.Span(f" → {units}", className="entry-units")] if units else []),
            *corrects,
            html.Div(entry["text"], className="entry-text"),
            *([html.Span("（已修改）", className="edited")] if entry.get("edited_at") else []),
            *status,
            *(actions or []),
        ],
    )


def decisions(document: dict) -> html.Ol:
    entries = document.get("decisions", [])
    if not entries:
        return html.P("暂无会商记录。")
    return html.Ol([decision_item(e) for e in entries], className="consult-log")
