"""The page 标签目录's callbacks, top-level functions wired in `register`. Each takes the
viewer from the server and acts only for admins (ledger.catalogue); every value it is sent
may be forged, so a tag is looked up by its code and nothing sent is echoed unchecked."""

from __future__ import annotations

import dash
from dash import Input, Output, State, html
from sqlalchemy import select

from modules.ledger import replies
from modules.ledger.catalogue_admin import CODE, import_catalogue, retire, save_tag
from modules.ledger.catalogue_page import FORM, GRID, PREFIX, field_id
from modules.ledger.checks import Refused
from modules.ledger.models import LedgerTag
from modules.ledger.sheetfile import MAX_BYTES
from modules.ledger.tags import (
    CATALOGUE,
    LEVEL_ZH,
    PERIOD_ZH,
    ROLLUP_ZH,
    SENSITIVITY_ZH,
    TYPE_ZH,
)
from modules.sdk import Unreadable, current_core, record_audit, upload_bytes

DENIED = "只有管理员可以管理共享标签。"
BAD_CODE = "编码应为两个大写字母加三位数字，如 RK016。"
PICK_FIRST = "请先在表中选择一个标签。"
ACTIVE, RETIRED = "在用", "已停用"


def _code(value: object) -> str | None:
    """A tag code as sent, if it is one (never echoed otherwise)."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if CODE.match(code) else None


def _next(refresh: object) -> int:
    """The grid's reload counter, one on (whatever a forger sent)."""
    return (refresh if isinstance(refresh, int) else 0) + 1


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def tag_row(tag: LedgerTag) -> dict:
    return {
        "code": tag.code,
        "name": tag.name,
        "measure": tag.measure,
        "value_type": TYPE_ZH[tag.value_type],
        "domain": tag.domain,
        "department": tag.department,
        "level": LEVEL_ZH[tag.level],
        "period_type": PERIOD_ZH[tag.period_type],
        "required": "是" if tag.required else "否",
        "min_value": _number(tag.min_value),
        "max_value": _number(tag.max_value),
        "choices": tag.choices,
        "rule": tag.rule,
        "rollup": ROLLUP_ZH[tag.rollup],
        "weight_code": tag.weight_code,
        "sensitivity": SENSITIVITY_ZH[tag.sensitivity],
        "state": RETIRED if tag.retired_at else ACTIVE,
        "retired": tag.retired_at is not None,
    }


def catalogue_rows(show, search, _refresh=None):
    """The catalogue's rows: all, the tags in use or the retired ones, matching `search`."""
    core = current_core()
    if not core.viewer().can(CATALOGUE):
        return []
    text = search.strip()[:50] if isinstance(search, str) else ""
    with core.sessions() as session:
        tags = session.scalars(select(LedgerTag).order_by(LedgerTag.position, LedgerTag.code))
        rows = [tag_row(tag) for tag in tags]
    if show == "active":
        rows = [r for r in rows if not r["retired"]]
    elif show == "retired":
        rows = [r for r in rows if r["retired"]]
    if text:
        rows = [r for r in rows if text in r["name"] or text.upper() in r["code"]]
    return rows


def form_values(tag: LedgerTag | None) -> list:
    """The form's values for `tag` (blank without one), in FORM's order."""
    if tag is None:
        return [[] if kind == "flag" else None for kind in FORM.values()]
    values = []
    for name, kind in FORM.items():
        if kind == "flag":
            values.append(["yes"] if tag.required else [])
        elif name in ("min_value", "max_value"):
            values.append(_number(getattr(tag, name)))
        else:
            values.append(getattr(tag, name))
    return values


def fill_form(selected, _clear):
    """The selected tag into the form (looked up by its code), with the retire and restore
    confirmations naming it; 清空表单 empties it."""
    core = current_core()
    if not core.viewer().can(CATALOGUE):
        raise dash.exceptions.PreventUpdate
    tag = None
    if dash.ctx.triggered_id != PREFIX + "clear" and isinstance(selected, list) and selected:
        first = selected[0] if isinstance(selected[0], dict) else {}
        code = _code(first.get("code"))
        if code is not None:
            with core.sessions() as session:
                tag = session.scalar(select(LedgerTag).where(LedgerTag.code == code))
                if tag is not None:
                    session.expunge(tag)
    if tag is None:
        return [*form_values(None), None, PICK_FIRST, PICK_FIRST]
    what = f"「{tag.name}」（{tag.code}）"
    return [
        *form_values(tag),
        tag.code,
        f"确定停用{what}？停用后保留全部历史数据，但不再填报。",
        f"确定恢复{what}？恢复后可以重新填报。",
    ]


def form_fields(values: tuple) -> dict:
    """The form's values as catalogue_admin.save_tag reads them (it checks each one)."""
    raw: dict = {}
    for (name, kind), value in zip(list(FORM.items())[1:], values, strict=True):
        if kind == "flag":
            raw[name] = "是" if isinstance(value, list) and "yes" in value else "否"
        else:
            raw[name] = value
    return raw


def save_form(_add, _save, refresh, code, *values):
    """新增标签 or 保存修改: the form checked on the server, each refusal in Chinese with the
    field it concerns; nothing is written when anything is refused."""
    core = current_core()
    viewer = core.viewer()
    create = dash.ctx.triggered_id == PREFIX + "add"
    if dash.ctx.triggered_id not in (PREFIX + "add", PREFIX + "save"):
        raise dash.exceptions.PreventUpdate
    if not viewer.can(CATALOGUE):
        return replies.refused(DENIED), dash.no_update
    checked = _code(code)
    if checked is None:
        return replies.refused(BAD_CODE), dash.no_update
    with core.sessions() as session:
        try:
            tag, state = save_tag(session, viewer, checked, form_fields(values), create)
            name = tag.name
            session.commit()
        except Refused as refused:
            session.rollback()  # an edit refused half-way leaves the tag as it was
            return replies.refused(f"未保存：{refused.reason_zh}"), dash.no_update
    if state == "unchanged":
        return html.P(f"「{name}」（{checked}）没有改动。"), dash.no_update
    said = "已新增" if state == "added" else "已保存"
    return replies.done(f"{said}「{name}」（{checked}）。"), _next(refresh)


def retire_or_restore(_retire, _restore, selected, refresh):
    """停用 or 恢复 the selected tag, after the browser's confirmation."""
    core = current_core()
    viewer = core.viewer()
    retired = dash.ctx.triggered_id == PREFIX + "retire"
    if dash.ctx.triggered_id not in (PREFIX + "retire", PREFIX + "restore"):
        raise dash.exceptions.PreventUpdate
    if not viewer.can(CATALOGUE):
        return replies.refused(DENIED), dash.no_update
    code = _code(selected)
    if code is None:
        return replies.refused(PICK_FIRST), dash.no_update
    with core.sessions() as session, session.begin():
        try:
            result = retire(session, viewer, code, retired)
        except Refused as refused:
            return replies.refused(refused.reason_zh), dash.no_update
    if result == "unchanged":
        already = RETIRED if retired else "在用"
        return html.P(f"{code} 已是{already}状态。"), dash.no_update
    said = "已停用" if retired else "已恢复"
    return replies.done(f"{said} {code}（历史数据保留）。"), _next(refresh)


def import_upload(contents, filename, refresh):
    """A catalogue file (the export's columns): tags added, edited, retired, all or nothing;
    every bad cell listed."""
    core = current_core()
    viewer = core.viewer()
    if contents is None:
        raise dash.exceptions.PreventUpdate
    if not viewer.can(CATALOGUE):
        return replies.refused(DENIED), dash.no_update
    try:
        data = upload_bytes(contents, MAX_BYTES)
    except Unreadable as refused:
        return replies.refused(refused.reason_zh), dash.no_update
    name = filename if isinstance(filename, str) else ""
    with core.sessions() as session, session.begin():
        report = import_catalogue(session, viewer, data, name)
        if report.ok:
            record_audit(
                session,
                "data.change",
                viewer,
                target="ledger.catalogue.import",
                detail={"added": report.added, "changed": report.changed},
            )
    if not report.ok:
        items = [html.Li(line) for line in report.errors[:200]]
        if len(report.errors) > len(items):
            items.append(html.Li(f"……另有 {len(report.errors) - len(items)} 处错误"))
        head = f"未导入：共 {len(report.errors)} 处错误，请改正后重新导入（整份文件都未保存）。"
        return html.Div([replies.refused(head), html.Ul(items)]), dash.no_update
    summary = (
        f"已导入：新增 {report.added} 个、修改 {report.changed} 个、停用 {report.retired} 个标签。"
    )
    return replies.done(summary), _next(refresh)


def register(app: dash.Dash) -> None:
    """Wire the callbacks above (called from callbacks.register)."""
    app.callback(
        Output(GRID, "rowData"),
        Input(PREFIX + "show", "value"),
        Input(PREFIX + "search", "value"),
        Input(PREFIX + "refresh", "data"),
    )(catalogue_rows)
    app.callback(
        *(Output(field_id(name), "value") for name in FORM),
        Output(PREFIX + "selected", "data"),
        Output(PREFIX + "retire", "message"),
        Output(PREFIX + "restore", "message"),
        Input(GRID, "selectedRows"),
        Input(PREFIX + "clear", "n_clicks"),
        prevent_initial_call=True,
    )(fill_form)
    app.callback(
        Output(PREFIX + "message", "children"),
        Output(PREFIX + "refresh", "data"),
        Input(PREFIX + "add", "n_clicks"),
        Input(PREFIX + "save", "n_clicks"),
        State(PREFIX + "refresh", "data"),
        State(field_id("code"), "value"),
        *(State(field_id(name), "value") for name in list(FORM)[1:]),
        prevent_initial_call=True,
    )(save_form)
    app.callback(
        Output(PREFIX + "message", "children", allow_duplicate=True),
        Output(PREFIX + "refresh", "data", allow_duplicate=True),
        Input(PREFIX + "retire", "submit_n_clicks"),
        Input(PREFIX + "restore", "submit_n_clicks"),
        State(PREFIX + "selected", "data"),
        State(PREFIX + "refresh", "data"),
        prevent_initial_call=True,
    )(retire_or_restore)
    app.callback(
        Output(PREFIX + "report", "children"),
        Output(PREFIX + "refresh", "data", allow_duplicate=True),
        Input(PREFIX + "upload", "contents"),
        State(PREFIX + "upload", "filename"),
        State(PREFIX + "refresh", "data"),
        prevent_initial_call=True,
    )(import_upload)
