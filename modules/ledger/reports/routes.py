"""HTTP routes of the report templates: `GET /api/v1/ledger/templates` and
`GET /api/v1/ledger/reports/<key>.xlsx|.csv?unit=&period=` (a month, or a range
2026-01..2026-06; this month when left out), scoped like every ledger route (403 outside,
404 unknown, 400 JSON)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from modules.ledger import periods, replies
from modules.ledger.reading import BadRequest, parse_units
from modules.ledger.reports.catalog import list_templates
from modules.ledger.reports.generate import ReportRefused, generate, parse_periods
from modules.ledger.tags import READ
from modules.sdk import CoreServices, Forbidden, NotFound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/templates")
    def templates():
        """Every report template: department, frequency, minutes it saves, columns; with
        `?unit=`, for a unit the viewer may generate them for (403 outside, 404 unknown)."""
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        with core.sessions() as session:
            if request.args.get("unit"):
                try:
                    parse_units(session, viewer, request.args.get("unit"))
                except BadRequest as bad:
                    return replies.json_error(bad.reason, bad.reason_zh)
            return jsonify({"templates": [t.as_json() for t in list_templates(session)]})

    def report(key: str, fmt: str):
        viewer = core.viewer()
        if not viewer.can(READ):
            raise Forbidden("reading the ledger needs ledger.read")
        unit = request.args.get("unit") or (viewer.home or "")
        if not unit:
            return replies.json_error("give unit=<division code>", "请给出单位（unit=区划代码）")
        try:
            # No period: this month, as every ledger route reads.
            asked = request.args.get("period") or periods.label(periods.current())
            months = parse_periods(asked)
        except ReportRefused as refused:
            return replies.json_error(refused.reason, refused.reason_zh)
        with core.sessions() as session, session.begin():
            try:
                body, name = generate(
                    session, viewer, key, unit, months, fmt, address=request.remote_addr
                )
            except ReportRefused as refused:
                return replies.json_error(refused.reason, refused.reason_zh)
            except NotFound as missing:
                if missing.code == key:
                    return replies.json_error(str(missing), f"没有这个报表模板：{key}", 404)
                raise
        return Response(
            body,
            mimetype=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    blueprint.add_url_rule("/reports/<key>.xlsx", "report_xlsx", lambda key: report(key, "xlsx"))
    blueprint.add_url_rule("/reports/<key>.csv", "report_csv", lambda key: report(key, "csv"))
