"""The page's form for a duty forecaster's hand correction (人工订正) of the radii of the
advisory in force, and its callback: one level, four quadrants, the analysis point."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from modules.sdk import current_core
from modules.typhoon import corrections
from modules.typhoon.owners import NotYours
from modules.typhoon.track import QUADRANTS, Bad
from modules.typhoon.transactions import Busy, retried

QUADRANT_LABELS = {"ne": "东北", "se": "东南", "sw": "西南", "nw": "西北"}


def form() -> list:
    """Shown to viewers with `consult`; the route and the callback check the scope."""
    inputs = [
        dcc.Input(
            id=f"typhoon-correct-{q}",
            type="number",
            min=0,
            max=corrections.MAX_RADIUS_KM,
            placeholder=f"{QUADRANT_LABELS[q]}（公里）",
            style={"width": "110px"},
        )
        for q in QUADRANTS
    ]
    return [
        html.H3("人工订正现行报文的风圈"),
        html.P(
            "报文滞后时，值班预报员可按象限订正现行报文实况点的风圈半径；订正记入审计，"
            "并在报文记录中标为人工订正，影响范围随之重算。",
            style={"fontSize": "13px"},
        ),
        html.Div(
            [
                dcc.Dropdown(
                    id="typhoon-correct-level",
                    options=[{"label": f"{lv}级风圈", "value": lv} for lv in (7, 10, 12)],
                    value=7,
                    clearable=False,
                    style={"minWidth": "110px"},
                ),
                *inputs,
                html.Button("订正", id="typhoon-correct", n_clicks=0),
            ],
            style={"display": "flex", "gap": "8px", "flexWrap": "wrap", "alignItems": "center"},
        ),
        html.Div(id="typhoon-correct-message", role="status"),
    ]


def _said(text: str, ok: bool) -> html.P:
    return html.P(
        text,
        className="typhoon-ok" if ok else "typhoon-refused",
        style={"color": "#2ca02c" if ok else "#d62728"},
    )


def correct(n_clicks, storm_value, level, ne, se, sw, nw):
    if not isinstance(n_clicks, int) or n_clicks < 1:
        raise dash.exceptions.PreventUpdate
    core = current_core()
    viewer = core.viewer()
    if not viewer.can("consult"):
        return _said("只有应急会商人员可以订正风圈。", False)
    storm_id = storm_value if isinstance(storm_value, str) and storm_value.isalnum() else ""
    radii = dict(zip(QUADRANTS, (ne, se, sw, nw), strict=True))

    def work():
        with core.sessions() as session, session.begin():
            return corrections.correct(session, viewer, storm_id, level, radii)

    try:
        done = retried(work, f"typhoon radii correction of {storm_id}")
    except Bad as error:
        return _said(error.reason_zh, False)
    except NotYours as error:
        return _said(error.reason_zh, False)
    except corrections.NoAdvisory as error:
        return _said(error.reason_zh, False)
    except LookupError:
        return _said("请先选择台风。", False)
    except Busy:
        return _said(Busy.reason_zh, False)
    values = "、".join(f"{QUADRANT_LABELS[q]}{v:g}" for q, v in done.after.items())
    return _said(
        f"已订正：台风 {done.storm} 现行 {done.agency} 报文 {done.level}级风圈（{values} 公里），"
        "已标记为人工订正并记入审计；影响范围已按订正后的风圈重算。",
        True,
    )


def register(app) -> None:
    app.callback(
        Output("typhoon-correct-message", "children"),
        Input("typhoon-correct", "n_clicks"),
        State("typhoon-storm", "value"),
        State("typhoon-correct-level", "value"),
        *(State(f"typhoon-correct-{q}", "value") for q in QUADRANTS),
        prevent_initial_call=True,
    )(correct)
