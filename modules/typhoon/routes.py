"""HTTP routes under /api/v1/typhoon/, scoped by the core's viewer.

Storm tracks are public meteorology; exposure lists only units and sites inside the viewer's
scope (narrowed by `?unit=CODE`: 403 outside, 404 unknown, through access.scoped).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, jsonify, request

from modules.sdk import EXPOSURE, CoreServices, Signal, record_audit, require_unit
from modules.typhoon import export, service, storage
from modules.typhoon.parsers import parse
from modules.typhoon.track import ParseError

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", export.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.to_xlsx),
}


def _error(status: int, message: str, message_zh: str):
    return jsonify({"error": message, "message": message_zh, "status": status}), status


def _unit(session, viewer) -> str | None:
    unit = request.args.get("unit") or None
    return require_unit(session, viewer, unit) if unit else None


def publish_exposure(
    session, core, viewer, storm, data, targets, replay_at: datetime | None = None
) -> dict:
    """The exposure signal of a storm for the publisher's scope (sites and units with level
    and from/until), valid for 24 hours; returns the payload.

    `replay_at` (a drill on a past storm): the storm's times are shifted so that this moment
    of the storm is now, so that readers act on it as on a live storm (payload `drill`)."""
    found = service.storm_timeline(storm, data, targets)
    now = datetime.now(UTC)
    shift = (
        timedelta(seconds=round((now - replay_at).total_seconds())) if replay_at else timedelta(0)
    )
    sites, units = [], []
    for exposure in found.values():
        for level, intervals in exposure.intervals.items():
            for start, end in intervals:
                entry = {
                    "level": level,
                    "from": service.iso(start + shift),
                    "until": service.iso(end + shift),
                }
                if exposure.kind == "site":
                    sites.append({"site": exposure.key, **entry})
                else:
                    units.append({"code": exposure.key, **entry})
    drill = replay_at is not None or (
        bool(data.fixes) and data.fixes[-1].time < now - timedelta(days=1)
    )
    payload = {
        "hazard": "台风",
        "event": service.label(storm) + ("（演练）" if replay_at else ""),
        "drill": drill,
        "replayed_from": service.iso(replay_at),
        "scope": list(viewer.scopes),
        "sites": sites,
        "units": units,
    }
    core.publish(
        session,
        Signal(
            name=EXPOSURE,
            source="typhoon",
            key=f"storm:{storm.id}",
            payload=payload,
            at=now,
            valid_from=now,
            valid_until=now + timedelta(hours=24),
        ),
    )
    record_audit(
        session,
        "data.change",
        viewer,
        target=f"typhoon.exposure.publish.{storm.id}",
        detail={"sites": len(sites), "units": len(units)},
    )
    return payload


def import_text(session, text: str, fmt: str, storm_id: str | None) -> list[str]:
    """Parse and save (the caller's transaction: all or nothing). ParseError on bad lines."""
    storms = parse(text, fmt, storm_id)
    for data in storms:
        storage.save(session, data)
    return [s.id for s in storms]


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
                time = service.parse_time(raw) if raw else data.fixes[0].time
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
            body = render(storm, timeline)
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
        with core.sessions() as session, session.begin():
            found = storage.load(session, storm_id)
            if found is None:
                return _error(404, f"no storm {storm_id}", f"未找到台风：{storm_id}")
            targets = service.targets_for(session, viewer, core)
            payload = publish_exposure(session, core, viewer, *found, targets, replay_at)
        return jsonify(
            {"published": True, "sites": len(payload["sites"]), "units": len(payload["units"])}
        )

    @blueprint.post("/import")
    def upload():
        """An admin adds a storm or a forecast: multipart `file`, `format`, optional `storm`."""
        viewer = core.viewer()
        if not viewer.can("import"):
            return _error(403, "import permission needed", "只有管理员可以导入台风数据")
        file = request.files.get("file")
        fmt = request.form.get("format", "")
        if file is None or fmt not in ("cma", "jma", "csv", "json"):
            return _error(400, "file and format needed", "请上传文件并选择格式（cma/jma/csv/json）")
        text = file.read().decode("utf-8", "replace")
        try:
            with core.sessions() as session, session.begin():
                ids = import_text(session, text, fmt, request.form.get("storm") or None)
                record_audit(
                    session, "data.change", viewer, target="typhoon.import", detail={"storms": ids}
                )
        except ParseError as error:
            return jsonify(
                {"error": "bad lines", "message": str(error), "lines": error.errors}
            ), 400
        return jsonify({"imported": ids})
