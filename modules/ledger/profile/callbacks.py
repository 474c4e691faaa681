"""The file follows the unit picked on the map (a click, a child in the list, a search hit):
the map's focus stays on a village's town, the file shows the village."""

from __future__ import annotations

import dash
from dash import Input, Output, State

from modules.ledger.profile.panel import BODY, SHOWN, file_view
from modules.ledger.tags import READ
from modules.sdk import MAP_SELECTED, DivisionCode, InvalidCode, current_core


def follow_selection(selected, shown):
    """The file of the selected unit; nothing changes for a forged or stale code (outside
    the scope or none), for a viewer who may not read the ledger, or when it is shown."""
    core = current_core()
    viewer = core.viewer()
    if viewer.is_anonymous or not viewer.can(READ) or not isinstance(selected, str):
        raise dash.exceptions.PreventUpdate
    if selected:
        try:
            selected = str(DivisionCode.parse(selected))
        except InvalidCode as exc:
            raise dash.exceptions.PreventUpdate from exc
        if not viewer.covers(selected):
            raise dash.exceptions.PreventUpdate
    if selected == shown:
        raise dash.exceptions.PreventUpdate
    with core.sessions() as session:
        return file_view(session, viewer, core, selected or None)


def register(app: dash.Dash) -> None:
    """Not prevent_initial_call: a file the focus panel brings in is replaced by the
    selected unit's when they differ (a village picked in another town)."""
    app.callback(
        Output(BODY, "children"),
        Input(MAP_SELECTED, "data"),
        State(SHOWN, "data"),
    )(follow_selection)
