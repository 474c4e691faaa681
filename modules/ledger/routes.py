"""HTTP routes under /api/v1/ledger/: the catalogue, values (JSON or CSV) and saving values,
scoped by the core's viewer (403 outside the scope, 404 unknown, 400 with the reason)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from modules.ledger import periods, replies
from modules.ledger.approval import ACTIONS, act
from modules.ledger.catalogue_admin import (
    catalogue_csv,
    catalogue_xlsx,
    import_catalogue,
    retire,
    save_tag,
)
from modules.ledger.checks import Refused
from modules.ledger.completeness import by_town, of_units
from modules.ledger.demo import remember_core
from modules.ledger.demo_label import demo_units
from modules.ledger.duties.routes import add_routes as add_duty_routes
from modules.ledger.entry import ACCEPTED, Change, save
from modules.ledger.reading import BadRequest, cells, parse_months, parse_tags, parse_units
from modules.ledger.reports.routes import add_routes as add_report_routes
from modules.ledger.requests.routes import add_routes as add_request_routes
from modules.ledger.settings import ledger_settings
from modules.ledger.sheet import build, parse_within
from modules.ledger.sheetfile import MAX_BYTES, import_file, to_csv, to_xlsx
from modules.ledger.tags import CATALOGUE, READ, ROLLUP_ZH, TYPE_ZH, readable, required_tags
from modules.sdk import (
    LEVELS,
    CoreServices,
    Forbidden,
    InvalidCode,
    Unreadable,
    check_size,
    csv_bytes,
    record_audit,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MAX_ITEMS = 5_000
CSV_HEADER = ("单位代码", "单位", "标签编码", "标签", "计量单位", "期间", "数值", "汇总", "演示")


def _month_asked() -> int:
    """`?period=2026-11`, else the current month (BadPeriod for anything else)."""
    text = request.args.get("period") or ""
    return periods.parse(text) if text else periods.current()


def _within_asked() -> str | None:
    """The unit a read is narrowed to: `?within=`, or `?unit=` as every route names it."""
    return request.args.get("within") or request.args.get("unit")


def tag_json(tag) -> dict:
    return {
        "code": tag.code,
        "name": tag.name,
        "measure": tag.measure,
        "value_type": tag.value_type,
        "value_type_label": TYPE_ZH[tag.value_type],
        "domain": tag.domain,
        "department": tag.department,
        "level": tag.level,
        "period_type": tag.period_type,
        "required": tag.required,
        "min": tag.min_value,
        "max": tag.max_value,
        "choices": [c for c in tag.choices.split("/") if c],
        "rule": tag.rule or None,
        "rollup": tag.rollup,
        "rollup_label": ROLLUP_ZH[tag.rollup],
        "weight": tag.weight_code or None,
        "sensitivity": tag.sensitivity,
        "retired": tag.retired_at is not None,
    }


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    remember_core(core)
    add_report_routes(blueprint, core)
    add_request_routes(blueprint, core)  # /requests (申请调阅)
    add_duty_routes(blueprint, core)  # /duties (村级事务准入)

    @blueprint.get("/tags")
    def tags():
        """The catalogue the viewer may read (retired tags with `?retired=1`); with `?unit=`,
        the tags that unit has figures for (kept there, or rolled up from below it)."""
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        with core.sessions() as session:
            found = list(
                readable(session, viewer, retired=request.args.get("retired") == "1").values()
            )
            if request.args.get("unit"):
                try:
                    [(_, _, level)] = parse_units(session, viewer, request.args.get("unit"))
                except BadRequest as bad:
                    return replies.json_error(bad.reason, bad.reason_zh)
                except ValueError:
                    return replies.json_error("give one unit", "请只给出一个单位")
                found = [t for t in found if LEVELS.index(t.level) >= LEVELS.index(level)]
            return jsonify({"tags": [tag_json(t) for t in found]})

    @blueprint.get("/values")
    @blueprint.get("/values.csv")
    def values():
        """?tags=RK001,RK002&units=350304100001&periods=2026-11[&level=village][&format=csv];
        without periods, the current month; without units, the viewer's own."""
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        as_csv = request.path.endswith(".csv") or request.args.get("format") == "csv"
        with core.sessions() as session, session.begin():
            try:
                months = parse_months(request.args.get("periods"))
                asked = parse_tags(session, viewer, request.args.get("tags"))
                # `unit=` (one unit, as every route of the API names it) or `units=` (several).
                asked_units = request.args.get("units") or request.args.get("unit")
                unit_rows = parse_units(session, viewer, asked_units, request.args.get("level"))
                found = cells(session, viewer, asked, unit_rows, months)
            except BadRequest as bad:
                return replies.json_error(bad.reason, bad.reason_zh)
            if as_csv:
                record_audit(
                    session,
                    "export",
                    viewer,
                    target="ledger.values.csv",
                    address=request.remote_addr,
                    detail={"cells": len(found)},
                )
        if as_csv:
            rows = [
                (
                    c.unit,
                    c.name,
                    c.tag.code,
                    c.tag.name,
                    c.tag.measure,
                    c.as_json()["period"],
                    c.value,
                    "是" if c.rolled else "",
                    "演示" if c.demo else "",
                )
                for c in found
            ]
            return Response(
                csv_bytes(CSV_HEADER, rows),
                mimetype="text/csv; charset=utf-8",
                headers={"Content-Disposition": "attachment; filename=ledger-values.csv"},
            )
        return jsonify({"values": [c.as_json() for c in found]})

    @blueprint.post("/values")
    def save_values():
        """A JSON list of {unit, tag, period, value}: each answered accepted, unchanged or
        refused with the reason; the accepted ones are saved (channel api)."""
        viewer = core.viewer()
        items = request.get_json(silent=True)
        if isinstance(items, dict) and isinstance(items.get("values"), list):
            items = items["values"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return replies.json_error(
                "send a JSON list of {unit, tag, period, value}",
                "请提交 JSON 数组，每项包含 unit、tag、period、value",
            )
        if len(items) > MAX_ITEMS:
            return replies.json_error(
                f"at most {MAX_ITEMS} items", f"一次最多提交 {MAX_ITEMS} 项，请分批提交"
            )
        changes = [
            Change(i.get("unit"), i.get("tag"), i.get("period"), i.get("value")) for i in items
        ]
        with core.sessions() as session, session.begin():
            saved = save(session, viewer, changes, "api")
            accepted = sum(o.status == ACCEPTED for o in saved.outcomes)
            if accepted:
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target="ledger.values",
                    address=request.remote_addr,
                    detail={"accepted": accepted, "refused": len(saved.refused)},
                )
        return jsonify(
            {
                "accepted": accepted,
                "refused": len(saved.refused),
                "results": [o.as_json() for o in saved.outcomes],
            }
        )

    def sheet_file(kind: str):
        """The sheet a clerk sees, as a file: ?period=2026-11&level=village&within=CODE."""
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        level = request.args.get("level") or "village"
        try:
            month = _month_asked()
        except periods.BadPeriod as bad:
            return replies.json_error(str(bad), bad.reason_zh)
        if level not in ("village", "town"):
            return replies.json_error(
                "level must be village or town", "level 只能是 village 或 town"
            )
        with core.sessions() as session, session.begin():
            try:
                within = parse_within(session, viewer, _within_asked())
            except InvalidCode:
                return replies.json_error("within is not a division code", "within 不是区划代码")
            sheet = build(session, viewer, month, level, within)
            body = to_xlsx(sheet) if kind == "xlsx" else to_csv(sheet)
            record_audit(
                session,
                "export",
                viewer,
                target=f"ledger.sheet.{kind}",
                address=request.remote_addr,
                detail={"period": periods.label(month), "units": len(sheet.units)},
            )
        name = f"ledger-{periods.label(month)}.{kind}"
        return Response(
            body,
            mimetype=XLSX if kind == "xlsx" else "text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    blueprint.add_url_rule("/sheet.xlsx", "sheet_xlsx", lambda: sheet_file("xlsx"))
    blueprint.add_url_rule("/sheet.csv", "sheet_csv", lambda: sheet_file("csv"))

    @blueprint.post("/sheet")
    def import_sheet():
        """A sheet file (multipart `file`) for ?period=2026-11: all or nothing."""
        viewer = core.viewer()
        upload = request.files.get("file")
        try:
            month = periods.parse(request.args.get("period") or request.form.get("period") or "")
        except periods.BadPeriod as bad:
            return replies.json_error(str(bad), bad.reason_zh)
        if upload is None:
            return replies.json_error(
                "send the file as multipart field 'file'", "请以 file 字段上传文件"
            )
        try:
            check_size(upload.content_length or 0, MAX_BYTES)
            data = upload.read(MAX_BYTES + 1)
            check_size(len(data), MAX_BYTES)
        except Unreadable as refused:
            return replies.json_error(refused.reason, refused.reason_zh)
        with core.sessions() as session, session.begin():
            report = import_file(session, viewer, data, upload.filename or "", month)
            if report.ok:
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target="ledger.sheet.import",
                    address=request.remote_addr,
                    detail={"accepted": report.accepted, "period": periods.label(month)},
                )
        if not report.ok:
            body = {
                "error": "; ".join(report.errors_en[:20]),
                "error_zh": report.summary(),
                "errors": report.errors,
                "status": 400,
            }
            return jsonify(body), 400
        return jsonify(
            {"accepted": report.accepted, "unchanged": report.unchanged, "note": report.note}
        )

    @blueprint.post("/periods/<action>")
    def period_action(action: str):
        """{units: [...], period: "2026-11", reason: "..."}: 提交, 审核通过, 退回, 重新打开."""
        viewer = core.viewer()
        if action not in ACTIONS:
            return replies.json_error(
                f"no action {action!r}: submit, approve, return or reopen",
                "操作只能是 submit（提交）、approve（审核通过）、return（退回）"
                "或 reopen（重新打开）",
                404,
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("units"), list):
            return replies.json_error(
                "send {units: [...], period: '2026-11', reason: '...'}",
                "请提交 JSON：units（单位代码列表）、period（如 2026-11）、reason（退回时必填）",
            )
        try:
            month = periods.parse(body.get("period"))
        except periods.BadPeriod as bad:
            return replies.json_error(str(bad), bad.reason_zh)
        reason = body.get("reason") if isinstance(body.get("reason"), str) else ""
        with core.sessions() as session, session.begin():
            steps = act(session, viewer, action, body["units"][:2000], month, reason)
        return jsonify(
            {
                "results": [
                    {"unit": s.unit, "status": s.status, "state": s.state}
                    | ({"error_zh": s.reason_zh} if s.status != "done" else {})
                    for s in steps
                ]
            }
        )

    @blueprint.get("/completeness")
    def completeness():
        """?period=2026-11[&level=village|town][&within=CODE][&by=town]"""
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        try:
            month = _month_asked()
        except periods.BadPeriod as bad:
            return replies.json_error(str(bad), bad.reason_zh)
        due_day = ledger_settings().due_day
        with core.sessions() as session:
            if request.args.get("by") == "town":
                towns = by_town(session, viewer, month, due_day=due_day)
                required = required_tags(session, "village")
                demo = demo_units(session, viewer, required, month, length=9)
                return jsonify({"towns": [t.as_json() | {"demo": t.code in demo} for t in towns]})
            level = request.args.get("level") or "village"
            if level not in ("village", "town"):
                return replies.json_error(
                    "level must be village or town", "level 只能是 village 或 town"
                )
            try:
                within = parse_within(session, viewer, _within_asked())
            except InvalidCode:
                return replies.json_error("within is not a division code", "within 不是区划代码")
            found = of_units(session, viewer, month, level, within, due_day=due_day)
            demo = demo_units(session, viewer, required_tags(session, level), month, within)
            return jsonify({"units": [u.as_json() | {"demo": u.code in demo} for u in found]})

    def catalogue_file(kind: str):
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        with core.sessions() as session, session.begin():
            try:  # the catalogue is the whole city's; a unit named must still be the viewer's
                parse_within(session, viewer, request.args.get("unit"))
            except InvalidCode:
                return replies.json_error("unit is not a division code", "unit 不是区划代码")
            body = catalogue_xlsx(session) if kind == "xlsx" else catalogue_csv(session)
            record_audit(
                session,
                "export",
                viewer,
                target=f"ledger.catalogue.{kind}",
                address=request.remote_addr,
            )
        return Response(
            body,
            mimetype=XLSX if kind == "xlsx" else "text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename=ledger-tags.{kind}"},
        )

    blueprint.add_url_rule("/catalogue.xlsx", "catalogue_xlsx", lambda: catalogue_file("xlsx"))
    blueprint.add_url_rule("/catalogue.csv", "catalogue_csv", lambda: catalogue_file("csv"))

    @blueprint.post("/catalogue")
    def catalogue_import():
        """A catalogue file (multipart `file`): tags added, edited, retired; all or nothing."""
        viewer = core.viewer()
        if not viewer.can(CATALOGUE):
            raise Forbidden("managing the catalogue needs ledger.catalogue")
        upload = request.files.get("file")
        if upload is None:
            return replies.json_error(
                "send the file as multipart field 'file'", "请以 file 字段上传文件"
            )
        data = upload.read(MAX_BYTES + 1)
        with core.sessions() as session, session.begin():
            report = import_catalogue(session, viewer, data, upload.filename or "")
        if not report.ok:
            body = {
                "error": "catalogue refused",
                "error_zh": "未导入：请改正后重新导入",
                "errors": report.errors,
                "status": 400,
            }
            return jsonify(body), 400
        return jsonify(
            {"added": report.added, "changed": report.changed, "retired": report.retired}
        )

    def one_tag(code: str, create: bool):
        viewer = core.viewer()
        if not viewer.can(CATALOGUE):
            raise Forbidden("managing the catalogue needs ledger.catalogue")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return replies.json_error(
                "send the tag as a JSON object", "请提交 JSON 对象：name、value_type ..."
            )
        with core.sessions() as session:
            try:
                tag, state = save_tag(
                    session, viewer, code or str(body.get("code", "")), body, create
                )
                session.commit()
            except Refused as refused:
                session.rollback()  # an edit refused half-way leaves the tag as it was
                return replies.json_error(refused.reason, refused.reason_zh)
            return jsonify({"tag": tag_json(tag), "result": state}), 201 if create else 200

    blueprint.add_url_rule("/tags", "tag_add", lambda: one_tag("", True), methods=["POST"])
    blueprint.add_url_rule(
        "/tags/<code>", "tag_edit", lambda code: one_tag(code, False), methods=["PATCH"]
    )

    def retire_tag(code: str, retired: bool):
        viewer = core.viewer()
        if not viewer.can(CATALOGUE):
            raise Forbidden("managing the catalogue needs ledger.catalogue")
        with core.sessions() as session, session.begin():
            try:
                result = retire(session, viewer, code, retired)
            except Refused as refused:
                return replies.json_error(refused.reason, refused.reason_zh)
        return jsonify({"tag": code, "result": result})

    blueprint.add_url_rule(
        "/tags/<code>/retire", "tag_retire", lambda code: retire_tag(code, True), methods=["POST"]
    )
    blueprint.add_url_rule(
        "/tags/<code>/restore",
        "tag_restore",
        lambda code: retire_tag(code, False),
        methods=["POST"],
    )
