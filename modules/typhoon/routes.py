"""HTTP routes under /api/v1/typhoon/, scoped by the core's viewer.

Storm tracks are public meteorology; exposure lists only units and sites inside the viewer's
scope (narrowed by `?unit=CODE`: 403 outside, 404 unknown, through access.scoped).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from modules.sdk import CoreServices, record_audit, require_unit
from modules.typhoon import corrections, export, importing, service, settings, storage
from modules.typhoon.owners import NotYours
from modules.typhoon.publishing import publish_exposure
from modules.typhoon.track import Bad
from modules.typhoon.transactions import Busy, retried

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", export.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.to_xlsx),
}


def _error(status: int, message: str, message_zh: str):
    body = {"error": message, "error_zh": message_zh, "message": message_zh, "status": status}
    return jsonify(body), status


def _unit(session, viewer) -> str | None:
    unit = request.args.get("unit") or None
    return require_unit(session, viewer, unit) if unit else None


# Room for the multipart envelope around the file (boundaries, the other fields).
ENVELOPE = 64 * 1024


def _received(limit: int):
    """The uploaded file's bytes, or the Outcome refusing the request. The length is checked
    before the body is read; a body without one is read only up to the cap."""
    length = request.content_length
    if length is not None and length > limit + ENVELOPE:
        return importing.too_large(length, limit)
    # Never above the app's own cap, when it has one.
    request.max_content_length = min(
        limit + ENVELOPE, request.max_content_length or limit + ENVELOPE
    )
    try:
        file = request.files.get("file")
        fmt = request.form.get("format", "")
        storm = request.form.get("storm") or None
    except RequestEntityTooLarge:  # a body without a length, cut off at the cap
        text = settings.limit_text(limit)
        return importing.refused(
            413,
            f"the file is larger than the limit of {text}",
            f"文件超过大小上限 {text}，请拆分后分批导入。",
        )
    if file is None or fmt not in importing.FORMATS:
        return importing.refused(
            400,
            "a multipart form with file and format (cma, jma, csv, json or wtpq) is needed",
            "请上传文件并选择格式（cma、jma、csv、json、wtpq）",
        )
    data = file.read(limit + 1)
    return data, fmt, storm


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/storms")
    def storms():
        viewer = core.viewer()
        with core.sessions() as session:
            _unit(session, viewer)
            return jsonify({"storms": service.storm_list(session)})

    @blueprint.get("/storms/<storm_id>/track")
    def track(storm_id):
        viewer = core.viewer()
        with core.sessions() as session:
            _unit(session, viewer)
            found = storage.load(session, storm_id)
            if found is None:
                return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
            return jsonify(service.track_geojson(*found))

    @blueprint.get("/storms/<storm_id>/exposure")
    def exposure(storm_id):
        viewer = core.viewer()
        with core.sessions() as session:
            unit = _unit(session, viewer)
            found = storage.load(session, storm_id)
            if found is None:
                return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
            storm, data = found
            raw = request.args.get("time")
            try:
                time = service.parse_time(raw) if raw else service.first_time(data)
            except ValueError:
                return _error(
                    400,
                    f"bad time {raw!r}",
                    "时间格式无效，请用 ISO 8601（如 2015-09-28T06:00:00Z）",
                )
            targets = service.targets_for(session, viewer, core, unit)
            return jsonify(service.exposure_at(storm, data, targets, time))

    def download(storm_id: str, kind: str):
        viewer = core.viewer()
        mimetype, render = EXPORTS[kind]
        with core.sessions() as session, session.begin():
            unit = _unit(session, viewer)
            found = storage.load(session, storm_id)
            if found is None:
                return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
            storm, data = found
            targets = service.targets_for(session, viewer, core, unit)
            timeline = service.storm_timeline(storm, data, targets)
            body = render(storm, timeline, service.track_text(data))
            record_audit(
                session,
                "export",
                viewer,
                target=f"typhoon.exposure.{kind}",
                address=request.remote_addr,
                detail={"storm": storm.id, "unit": unit},
            )
        return Response(
            body,
            mimetype=mimetype,
            headers={"Content-Disposition": f"attachment; filename=typhoon-{storm_id}.{kind}"},
        )

    blueprint.add_url_rule(
        "/storms/<storm_id>/exposure.csv",
        "exposure_csv",
        lambda storm_id: download(storm_id, "csv"),
    )
    blueprint.add_url_rule(
        "/storms/<storm_id>/exposure.xlsx",
        "exposure_xlsx",
        lambda storm_id: download(storm_id, "xlsx"),
    )

    @blueprint.post("/storms/<storm_id>/publish")
    def publish(storm_id):
        viewer = core.viewer()
        if not viewer.can("consult"):
            return _error(403, "consult permission needed", "只有应急会商人员可以发布风圈影响")
        raw = request.args.get("replay_at")
        try:
            replay_at = service.parse_time(raw) if raw else None
        except ValueError:
            return _error(400, f"bad replay_at {raw!r}", "演练时刻格式无效，请用 ISO 8601")

        def work():
            with core.sessions() as session, session.begin():
                found = storage.load(session, storm_id)
                if found is None:
                    return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
                if not storage.has_radii(found[1]):
                    return _error(
                        409,
                        f"storm {storm_id} has no wind radii: no exposure to publish",
                        "该台风没有风圈资料，无法发布影响范围。",
                    )
                targets = service.targets_for(session, viewer, core)
                payload = publish_exposure(session, core, viewer, *found, targets, replay_at)
            return jsonify(
                {"published": True, "sites": len(payload["sites"]), "units": len(payload["units"])}
            )

        try:
            return retried(work, f"typhoon publish of {storm_id}")
        except Busy:
            return _error(503, Busy.reason, Busy.reason_zh)

    @blueprint.post("/storms/<storm_id>/advisory/radii")
    def correct_radii(storm_id):
        """A coordinator corrects one level's radii of the advisory in force (人工订正):
        JSON {level, radii: {ne, se, sw, nw}, agency?, time?}; audited."""
        viewer = core.viewer()
        if not viewer.can("consult"):
            return _error(403, "consult permission needed", "只有应急会商人员可以订正风圈")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(
                400, "a JSON object is needed", "请以 JSON 提交：level、radii（ne/se/sw/nw）"
            )
        try:
            raw = body.get("time")
            time = service.parse_time(raw) if raw else None
        except ValueError:
            return _error(400, f"bad time {raw!r}", "时间格式无效，请用 ISO 8601")
        agency = body.get("agency") if isinstance(body.get("agency"), str) else None

        def work():
            with core.sessions() as session, session.begin():
                done = corrections.correct(
                    session, viewer, storm_id, body.get("level"), body.get("radii"), agency, time
                )
                record = {
                    "storm": done.storm,
                    "agency": done.agency,
                    "issued_at": service.iso(done.issued_at),
                    "time": service.iso(done.time),
                    "level": done.level,
                    "before": done.before,
                    "radii": done.after,
                    "edited_by": done.edited_by,
                    "edited_at": service.iso(done.edited_at),
                }
            return jsonify(record)

        try:
            return retried(work, f"typhoon radii correction of {storm_id}")
        except Bad as error:
            return _error(400, error.reason, error.reason_zh)
        except NotYours as error:
            return _error(403, error.reason, error.reason_zh)
        except corrections.NoAdvisory as error:
            return _error(409, error.reason, error.reason_zh)
        except LookupError:
            return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
        except Busy:
            return _error(503, Busy.reason, Busy.reason_zh)

    @blueprint.post("/import")
    def upload():
        """An admin adds a storm or a forecast: multipart `file`, `format`, optional `storm`."""
        viewer = core.viewer()
        if not viewer.can("import"):
            return _error(403, "import permission needed", "只有管理员可以导入台风数据")
        received = _received(settings.max_file_bytes())
        if isinstance(received, importing.Outcome):
            return jsonify(received.body()), received.status
        data, fmt, storm = received
        outcome = importing.run(core, viewer, data, fmt, storm, request.remote_addr)
        return jsonify(outcome.body()), outcome.status
