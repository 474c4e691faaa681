"""Twelve months of a figure as a row of small bars: plain HTML with inline styles (no
chart library, no external resource, nothing the CSP must allow), each bar titled with its
month and value, for a screen reader too."""

from __future__ import annotations

from dash import html

from modules.ledger import periods

BOX = {
    "display": "inline-flex",
    "alignItems": "flex-end",
    "gap": "1px",
    "height": "18px",
    "width": "72px",
    "verticalAlign": "middle",
}
BAR = {"flex": "1 1 0", "background": "#4a7bb7", "minHeight": "1px"}
EMPTY = {**BAR, "background": "#d0d0d0"}


def number_text(value: float | None, measure: str = "") -> str:
    """1,234 人 / 12.5 % / — for nothing held."""
    if value is None:
        return "—"
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return f"{shown} {measure}".strip() if measure not in ("", "—") else shown


def sparkline(months: tuple[int, ...], points: tuple[float | None, ...], measure: str = ""):
    """One bar per month, scaled between the lowest and the highest value shown (a flat
    series is drawn at full height); a month holding nothing is a grey stub."""
    present = [p for p in points if p is not None]
    low, high = (min(present), max(present)) if present else (0.0, 0.0)
    bars = []
    for month, point in zip(months, points, strict=True):
        if point is None:
            height, style = 8.0, EMPTY
        else:
            height = 100.0 if high == low else 20.0 + 80.0 * (point - low) / (high - low)
            style = BAR
        bars.append(
            html.Span(
                className="ledger-spark-bar",
                title=f"{periods.label_zh(month)}：{number_text(point, measure)}",
                style={**style, "height": f"{height:.0f}%"},
            )
        )
    first, last = number_text(points[0], measure), number_text(points[-1], measure)
    return html.Span(
        bars,
        className="ledger-spark",
        role="img",
        style=BOX,
        **{"aria-label": f"近{len(months)}个月：{first} → {last}"},
    )
