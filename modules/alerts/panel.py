"""The map's side panel 联系人: the contacts of the unit in focus, and of the unit picked on
the map or in the search (a village keeps its town in focus), so a unit's file (the ledger's
一村一档) sits beside its people. Phones as the viewer may see them, as the contacts export
gives them; only units inside the viewer's scope."""

from __future__ import annotations

from collections import Counter

import dash
from dash import Input, Output, State, dcc, html
from sqlalchemy.orm import Session

from modules.alerts.contacts import GROUPS, READ_CONTACTS, contacts_count, contacts_in
from modules.sdk import (
    MAP_SELECTED,
    DivisionCode,
    InvalidCode,
    PanelSpec,
    Viewer,
    current_core,
    phone_as_seen,
    unit_names,
)

PANEL_ID = "alerts-contacts"
TITLE = "联系人"
BODY = {"module": "alerts", "role": "contacts"}
SHOWN = {"module": "alerts", "role": "contacts-shown"}
MAX_SHOWN = 12
WIDE = ("city", "county")  # levels whose contacts are counted, not listed
HINT = "点选镇街或村（社区），查看其联系人。"


def contacts_panel(session: Session, viewer: Viewer, unit: str | None) -> PanelSpec | None:
    """The panel, for a role that may read the contacts (None: no panel)."""
    if not viewer.can(READ_CONTACTS):
        return None
    body = html.Div(contacts_view(session, viewer, unit), id=BODY)
    return PanelSpec(id=PANEL_ID, title=TITLE, component=body, order=45)


def _unit(viewer: Viewer, asked: object) -> DivisionCode | None:
    if not isinstance(asked, str) or not asked:
        return None
    try:
        code = DivisionCode.parse(asked)
    except InvalidCode:
        return None
    return code if viewer.covers(code) else None


def contacts_view(session: Session, viewer: Viewer, unit: str | None) -> list:
    """The contacts of `unit` (the viewer's home when None): a count by group, then the
    people, village contacts first by village."""
    code = _unit(viewer, unit or viewer.home)
    if code is None or not viewer.can(READ_CONTACTS):
        return [dcc.Store(id=SHOWN, data=""), html.P(HINT)]
    names = unit_names(session, viewer, [code])
    if code not in names:
        return [dcc.Store(id=SHOWN, data=str(code)), html.P(HINT)]
    shown = [dcc.Store(id=SHOWN, data=str(code))]
    if code.level in WIDE:  # thousands of people: the count, and where to see them
        count = contacts_count(session, viewer, code)
        return [
            *shown,
            html.P(f"{names[code]} 共 {count} 人；{HINT}", id="alerts-contacts-count"),
        ]
    people = contacts_in(session, viewer, code)
    if not people:
        return [*shown, html.P(f"{names[code]} 暂无联系人", id="alerts-contacts-count")]
    groups = Counter(g for person in people for g in person.group_list)
    order = [g for g in GROUPS if groups[g]] + sorted(set(groups) - set(GROUPS))
    by_group = "、".join(f"{g} {groups[g]}" for g in order)
    places = unit_names(session, viewer, {p.village_code for p in people})
    rows = [
        html.Li(
            [
                html.B(person.name),
                f" {'、'.join(person.group_list) or '—'} ",
                html.Span(phone_as_seen(viewer, person.village_code, person.phone)),
                f" · {places.get(person.village_code, '')}" if person.village_code != code else "",
            ]
        )
        for person in people[:MAX_SHOWN]
    ]
    if len(people) > MAX_SHOWN:
        rows.append(html.Li(f"另有 {len(people) - MAX_SHOWN} 人，见「短信提醒」页或导出"))
    return [
        *shown,
        html.P(
            f"{names[code]} 共 {len(people)} 人" + (f"：{by_group}" if by_group else ""),
            id="alerts-contacts-count",
        ),
        html.Ul(rows, className="alerts-contacts-list"),
    ]


def follow_selection(selected, shown):
    """The contacts of the unit picked; nothing changes for a forged or stale code."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(READ_CONTACTS) or not isinstance(selected, str):
        raise dash.exceptions.PreventUpdate
    code = _unit(viewer, selected)
    if selected and code is None:
        raise dash.exceptions.PreventUpdate
    if (str(code) if code else "") == shown:
        raise dash.exceptions.PreventUpdate
    with core.sessions() as session:
        return contacts_view(session, viewer, code)


def register(app: dash.Dash) -> None:
    """Not prevent_initial_call: a panel the focus brings in is replaced by the selected
    unit's when they differ."""
    app.callback(
        Output(BODY, "children"),
        Input(MAP_SELECTED, "data"),
        State(SHOWN, "data"),
    )(follow_selection)
