"""The callbacks of 申请调阅 and 待审批, top-level functions wired in `register`. Each takes
the viewer from the server; every value sent may be forged, so it goes through the same
checks as the API (service.submit / service.decide) and only the viewer's own requests,
or those of its scope, are ever shown."""

from __future__ import annotations

import dash
from dash import Input, Output, State, html

from modules.ledger import periods, replies
from modules.ledger.checks import Refused
from modules.ledger.requests.departments import department_of
from modules.ledger.requests.rights import GRANT, REQUEST
from modules.ledger.requests.service import (
    ACTION_ZH,
    STATE_ZH,
    Ask,
    _aware,
    decide,
    downloadable,
    history,
    may_decide,
    now_utc,
    overdue,
    state_of,
    submit,
    visible,
)
from modules.ledger.tags import all_tags
from modules.sdk import Forbidden, NotFound, current_core, record_audit, unit_names, units

OVERDUE_STYLE = {"color": "#a8071a", "fontWeight": "bold", "marginLeft": "4px"}


def form_options(_refresh):
    """The department's choices: templates and tags of its domains, units of its scope."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(REQUEST):
        return [], [], []
    with core.sessions() as session:
        department = department_of(session, viewer.login)
        domains = department.domain_list if department else []
        tags = [t for t in all_tags(session).values() if t.domain in domains]
        codes = {t.code for t in tags}
        from modules.ledger.reports.catalog import list_templates, template_tags

        templates = [t for t in list_templates(session) if template_tags(t) <= codes]
        choices = []
        for scope in viewer.scopes:
            choices += [(str(scope), None)]
        for level in ("county", "town"):
            for scope in viewer.scopes:
                choices += [(u.code, u.name) for u in units(session, viewer, level, within=scope)]
        names = unit_names(session, viewer, [c for c, _ in choices], above=True)
    return (
        [{"label": f"{t.title}（{t.department}）", "value": t.key} for t in templates],
        [{"label": f"{t.code} {t.name}", "value": t.code} for t in tags],
        [
            {"label": name or names.get(code, code), "value": code}
            for code, name in dict.fromkeys(choices)
        ],
    )


def submit_request(_clicks, template, tags, unit, first, last, purpose, refresh):
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(REQUEST):
        return replies.refused("只有部门账号可以申请调阅。"), dash.no_update
    asked = tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()
    ask = Ask(
        unit=replies.text_of(unit),
        period_from=replies.text_of(first),
        period_to=replies.text_of(last),
        purpose=replies.text_of(purpose),
        template=replies.text_of(template),
        tags=() if replies.text_of(template) else asked,
    )
    if not ask.unit:
        return replies.refused("请选择辖区。"), dash.no_update
    try:
        with core.sessions() as session, session.begin():
            made = submit(session, viewer, ask, now_utc())
            record_audit(
                session,
                "data.change",
                viewer,
                target=f"ledger.request.{made.number}",
                detail={"op": "submit", "unit": made.unit_code},
            )
            text = f"已提交 {made.number}：{STATE_ZH[made.state]}"
    except (Refused, periods.BadPeriod) as refused:
        return replies.refused(getattr(refused, "reason_zh", str(refused))), dash.no_update
    except (Forbidden, NotFound):
        return replies.refused("该辖区不在本账号的范围内。"), dash.no_update
    return replies.done(text), replies.next_refresh(refresh)


def _history(session, request) -> html.Details:
    steps = [
        html.Li(
            f"{_aware(e.at):%Y-%m-%d %H:%M} {e.actor_name or e.actor} {ACTION_ZH[e.action]}"
            + (f"：{e.note}" if e.note else "")
        )
        for e in history(session, request)
    ]
    return html.Details([html.Summary(f"{len(steps)} 条记录"), html.Ul(steps)])


def _downloads(request, now) -> list:
    if not downloadable(request, now):
        return []
    base = f"/api/v1/ledger/requests/{request.number}/download?format="
    return [
        html.A("下载 XLSX", href=base + "xlsx", className="button ledger-req-xlsx"),
        " ",
        html.A("下载 CSV", href=base + "csv", className="button"),
    ]


def requests_table(session, viewer, found, now, approver: bool) -> html.Table | html.P:
    if not found:
        return html.P("暂无申请。")
    names = unit_names(session, viewer, [r.unit_code for r in found], above=True)
    header = ["编号", "部门", "内容", "辖区", "期间", "用途", "状态", "有效至", "历史"]
    header.append("审批" if approver else "下载")
    rows = []
    for request in found:
        state = state_of(request, now)
        status = [STATE_ZH[state]]
        if state == "pending" and request.granted_list:
            status.append("（公开标签已授予）")
        if approver and overdue(request, now):
            status.append(html.Span("逾期", className="ledger-overdue", style=OVERDUE_STYLE))
        if request.reason:
            status.append(f"：{request.reason}")
        until = _aware(request.valid_until)
        last = (
            html.Span("可审批" if may_decide(viewer, request) and state == "pending" else "")
            if approver
            else html.Span(_downloads(request, now))
        )
        rows.append(
            html.Tr(
                [
                    html.Td(request.number),
                    html.Td(request.department),
                    html.Td(request.title),
                    html.Td(names.get(request.unit_code, request.unit_code)),
                    html.Td(
                        f"{periods.label(request.period_from)} 至 "
                        f"{periods.label(request.period_to)}"
                    ),
                    html.Td(request.purpose),
                    html.Td(status, className=f"ledger-req-state-{state}"),
                    html.Td(f"{until:%Y-%m-%d}" if until and state != "pending" else ""),
                    html.Td(_history(session, request)),
                    html.Td(last),
                ],
                id=f"ledger-req-row-{request.number}",
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
        className="ledger-req-table",
    )


def request_list(refresh):
    """The department's own requests."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(REQUEST):
        return ""
    with core.sessions() as session:
        return requests_table(session, viewer, visible(session, viewer), now_utc(), False)


def approval_list(refresh):
    """The requests about units of the admin's scope; the pending ones it decides listed
    for the dropdown, overdue ones marked."""
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(GRANT):
        return "", []
    now = now_utc()
    with core.sessions() as session:
        found = visible(session, viewer)
        waiting = [r for r in found if r.state == "pending" and may_decide(viewer, r)]
        options = [
            {"label": f"{r.number} {r.department} {r.title}", "value": r.number} for r in waiting
        ]
        return requests_table(session, viewer, found, now, True), options


def decide_request(_approve, _refuse, number, days, reason, refresh):
    approve = dash.ctx.triggered_id == "ledger-appr-approve"
    core = current_core()
    viewer = core.viewer()
    if not viewer.can(GRANT):
        return replies.refused("只有管理员可以审批调阅申请。"), dash.no_update
    if not isinstance(number, str) or not number:
        return replies.refused("请先选择申请编号。"), dash.no_update
    if isinstance(days, float) and days.is_integer():
        days = int(days)
    try:
        with core.sessions() as session, session.begin():
            made = decide(
                session,
                viewer,
                number,
                approve,
                now_utc(),
                days if approve else None,
                replies.text_of(reason),
            )
            record_audit(
                session,
                "data.change",
                viewer,
                target=f"ledger.request.{made.number}",
                detail={"op": "approve" if approve else "refuse"},
            )
            text = f"{made.number} {STATE_ZH[made.state]}"
    except Refused as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    except (Forbidden, NotFound):
        return replies.refused("没有这个申请，或不由您审批。"), dash.no_update
    return replies.done(text), replies.next_refresh(refresh)


def register(app: dash.Dash) -> None:
    app.callback(
        Output("ledger-req-template", "options"),
        Output("ledger-req-tags", "options"),
        Output("ledger-req-unit", "options"),
        Input("ledger-req-refresh", "data"),
    )(form_options)
    app.callback(
        Output("ledger-req-message", "children"),
        Output("ledger-req-refresh", "data"),
        Input("ledger-req-submit", "n_clicks"),
        State("ledger-req-template", "value"),
        State("ledger-req-tags", "value"),
        State("ledger-req-unit", "value"),
        State("ledger-req-from", "value"),
        State("ledger-req-to", "value"),
        State("ledger-req-purpose", "value"),
        State("ledger-req-refresh", "data"),
        prevent_initial_call=True,
    )(submit_request)
    app.callback(
        Output("ledger-req-list", "children"),
        Input("ledger-req-refresh", "data"),
    )(request_list)
    app.callback(
        Output("ledger-appr-list", "children"),
        Output("ledger-appr-number", "options"),
        Input("ledger-appr-refresh", "data"),
    )(approval_list)
    app.callback(
        Output("ledger-appr-message", "children"),
        Output("ledger-appr-refresh", "data"),
        Input("ledger-appr-approve", "n_clicks"),
        Input("ledger-appr-refuse", "n_clicks"),
        State("ledger-appr-number", "value"),
        State("ledger-appr-days", "value"),
        State("ledger-appr-reason", "value"),
        State("ledger-appr-refresh", "data"),
        prevent_initial_call=True,
    )(decide_request)
