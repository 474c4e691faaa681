"""The side panel 防汛重点部位: counts by risk level and by category inside the scope."""

from __future__ import annotations

from dash import html
from sqlalchemy.orm import Session

from layers.viewer import Viewer
from modules.contract import PanelSpec
from modules.flood.points import RISK_COLOURS, RISK_LABELS, summary

PANEL_ID = "flood-key-points"
TITLE = "防汛重点部位"


def key_points_panel(session: Session, viewer: Viewer) -> PanelSpec:
    counts = summary(session, viewer)
    risks = [
        html.Li(
            [
                html.Span("●", style={"color": RISK_COLOURS[risk]}),
                f" {RISK_LABELS[risk]} {n}",
            ],
            id={"module": "flood", "role": "risk-count", "level": risk},
        )
        for risk, n in counts["by_risk"].items()
    ]
    categories = [html.Li(f"{category} {n}") for category, n in counts["by_category"].items()]
    component = html.Div(
        [
            html.P(
                f"{counts['total']} 个重点部位",
                id={"module": "flood", "role": "points-total"},
            ),
            html.Ul(risks, className="flood-risk-counts"),
            html.Ul(categories, className="flood-category-counts"),
        ]
    )
    return PanelSpec(id=PANEL_ID, title=TITLE, component=component, order=50)
