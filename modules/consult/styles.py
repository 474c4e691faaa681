"""Inline styles of the consultation's pages (a module ships no stylesheet of its own): the
figure cards, the wall display's large type for a command-centre screen read at 3 m."""

from __future__ import annotations

WALL_TYPE = "28px"  # ≥ 24 px reads at 3 m on a command-centre screen
SEVERITY_BORDER = {"alarm": "#c62828", "warn": "#ef6c00", "info": "#1565c0", "": "#90a4ae"}

CARDS = {"display": "flex", "flexWrap": "wrap", "gap": "8px", "margin": "8px 0"}


def card(severity: str, wall: bool = False) -> dict:
    return {
        "border": "none",
        "borderLeft": f"6px solid {SEVERITY_BORDER.get(severity, '#90a4ae')}",
        "background": "#132f40" if wall else "#f7f9fa",
        "color": "#ffffff" if wall else "#1b2631",
        "padding": "12px 16px" if wall else "6px 10px",
        "minWidth": "260px" if wall else "170px",
        "textAlign": "left",
        "cursor": "pointer",
        "borderRadius": "4px",
        # A button does not inherit the page's type size: the wall's is set on the card.
        "fontSize": WALL_TYPE if wall else "inherit",
    }


CARD_TITLE = {"fontSize": "0.85em", "opacity": 0.8}
CARD_VALUE = {"fontSize": "1.5em", "fontWeight": 600}
CARD_SOURCE = {"fontSize": "0.7em", "opacity": 0.65}

WALL = {
    "position": "fixed",
    "inset": 0,
    "zIndex": 2000,
    "background": "#0b1d2a",
    "color": "#ffffff",
    "fontSize": WALL_TYPE,
    "padding": "16px 24px",
    "overflow": "auto",
    "display": "grid",
    "gridTemplateColumns": "minmax(0, 3fr) minmax(0, 2fr)",
    "gridTemplateRows": "auto 1fr",
    "gap": "16px",
}
WALL_MAP = {"height": "80vh"}
PAGE_MAP = {"height": "460px"}
TWO_COLUMNS = {
    "display": "grid",
    "gridTemplateColumns": "minmax(0, 3fr) minmax(0, 2fr)",
    "gap": "12px",
    "alignItems": "start",
}
CONTROLS = {
    "display": "flex",
    "gap": "8px",
    "flexWrap": "wrap",
    "alignItems": "center",
    "margin": "6px 0",
}
DRILL_BADGE = {
    "background": "#6a1b9a",
    "color": "#fff",
    "padding": "0 8px",
    "borderRadius": "4px",
    "fontSize": "0.6em",
}
