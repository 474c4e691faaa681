"""HTTP routes under /api/v1/consult/: events, the live board, the decision log, snapshots
and their briefings. Scoped by the core's viewer (404 for an event outside the scope, 403
for a write without consult.run), audited, 400 with the reason in Chinese."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from modules.consult import briefs
from modules.consult.access import event_for, events_for, require_run
from modules.consult.documents import board, iso
from modules.consult.entries import (
    NeedsConfirmation,
    add_entry,
    edit_entry,
    entry_for,
    instructions_for_staff,
    send_instruction,
)
from modules.consult.events import end_event, move_clock, open_event, set_level, title_of
from modules.consult.refusals import Refused
from modules.consult.snapshots import count, listed, read, take
from modules.sdk import CoreServices, record_audit, require_unit


def _refused(refusal: Refused):
    return jsonify({**refusal.as_json(), "status": 400}), 400


def _body() -> dict:
    if request.mimetype == "multipart/form-data" or request.form:
        return request.form.to_dict()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused("send a JSON object", "请提交 JSON 对象")
    return body


def event_summary(session, event) -> dict:
    return {
        "id": event.id,
        "title": title_of(event),
        "kind": event.kind,
        "ref": event.ref,
        "scope": event.scope_code,
        "drill": event.drill,
        "level": event.level,
        "started_at": iso(event.started_at),
        "ended_at": iso(event.ended_at),
        "snapshots": count(session, event),
    }


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:  # noqa: C901 - a route table
    def guarded(view):
        """Refusals answer 400 with the reason; the transaction was rolled back."""

        def run(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except Refused as refusal:
                return _refused(refusal)

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    def narrowed(session, viewer) -> str | None:
        """`?unit=`: a unit of the viewer's (403 outside, 404 unknown) the answer lies in."""
        asked = request.args.get("unit")
        return str(require_unit(session, viewer, asked)) if asked else None

    @blueprint.get("/events")
    def events():
        """The events the viewer may read (none without consult.read), newest first;
        `?unit=` keeps those inside that unit."""
        viewer = core.viewer()
        with core.sessions() as session:
            found = events_for(session, viewer, narrowed(session, viewer))
            return jsonify({"events": [event_summary(session, e) for e in found]})

    @blueprint.post("/events")
    @guarded
    def create_event():
        """Open an event: {kind, title, scope, ref, drill, start, level}."""
        viewer = core.viewer()
        require_run(viewer)
        body = _body()
        with core.sessions() as session, session.begin():
            event = open_event(
                session,
                viewer,
                core,
                kind=body.get("kind"),
                title=body.get("title"),
                scope=body.get("scope"),
                ref=body.get("ref", ""),
                drill=body.get("drill", False),
                start=body.get("start"),
                level=body.get("level", 0),
            )
            summary = event_summary(session, event)
        return jsonify(summary), 201

    @blueprint.get("/events/<event_id>")
    def event_board(event_id):
        """The live board: every module's items at the event's moment."""
        viewer = core.viewer()
        with core.sessions() as session:
            event = event_for(session, viewer, event_id)
            return jsonify(board(session, viewer, core, event))

    @blueprint.post("/events/<event_id>/level")
    @guarded
    def change_level(event_id):
        viewer = core.viewer()
        body = _body()
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            set_level(session, viewer, event, body.get("level"), body.get("reason"))
            return jsonify(event_summary(session, event))

    @blueprint.post("/events/<event_id>/clock")
    @guarded
    def change_clock(event_id):
        """A drill's replay clock: {to: '2015-09-28 14:00'} (Beijing time) or '+6h'."""
        viewer = core.viewer()
        body = _body()
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            moment = move_clock(session, viewer, event, body.get("to"))
        return jsonify({"moment": iso(moment)})

    @blueprint.post("/events/<event_id>/end")
    @guarded
    def finish(event_id):
        viewer = core.viewer()
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            end_event(session, viewer, event)
            return jsonify(event_summary(session, event))

    @blueprint.post("/events/<event_id>/entries")
    @guarded
    def new_entry(event_id):
        """{kind, text, units, corrects}; multipart with `attachment` for a file."""
        viewer = core.viewer()
        body = _body()
        upload = request.files.get("attachment")
        attachment = (upload.filename or "附件", upload.read()) if upload else None
        units = body.get("units")
        if isinstance(units, str):
            units = units.replace(",", " ").split()
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            entry = add_entry(
                session,
                viewer,
                event,
                kind=body.get("kind"),
                text=body.get("text"),
                units=units,
                corrects=body.get("corrects"),
                attachment=attachment,
            )
            answer = {"id": entry.id, "number": entry.number}
        return jsonify(answer), 201

    @blueprint.patch("/events/<event_id>/entries/<entry_id>")
    @guarded
    def change_entry(event_id, entry_id):
        viewer = core.viewer()
        body = _body()
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            entry = edit_entry(
                session, viewer, event, entry_for(session, event, entry_id), body.get("text")
            )
            answer = {"id": entry.id, "text": entry.text, "edited_at": iso(entry.edited_at)}
        return jsonify(answer)

    @blueprint.post("/events/<event_id>/entries/<entry_id>/send")
    @guarded
    def send(event_id, entry_id):
        """Send an instruction on as SMS to its units' contacts (once). Above the SMS
        module's threshold: 409 with `recipients` until `{"confirm": recipients}` is sent."""
        viewer = core.viewer()
        body = request.get_json(silent=True)
        confirm = body.get("confirm") if isinstance(body, dict) else None
        try:
            with core.sessions() as session, session.begin():
                event = event_for(session, viewer, event_id)
                entry = entry_for(session, event, entry_id)
                send_instruction(session, viewer, core, event, entry, confirm)
                answer = {"id": entry.id, "sent_at": iso(entry.sent_at)}
        except NeedsConfirmation as ask:
            return jsonify({**ask.as_json(), "recipients": ask.recipients, "status": 409}), 409
        return jsonify(answer)

    @blueprint.get("/events/<event_id>/entries/<entry_id>/attachment")
    def attachment(event_id, entry_id):
        viewer = core.viewer()
        with core.sessions() as session:
            event = event_for(session, viewer, event_id)
            entry = entry_for(session, event, entry_id)
            if entry.attachment is None:
                return jsonify({"error": "no attachment", "error_zh": "该记录没有附件"}), 404
            data, name = entry.attachment, entry.attachment_name
        return Response(
            data,
            mimetype="application/octet-stream",
            headers={"Content-Disposition": briefs.disposition(name)},
        )

    @blueprint.get("/events/<event_id>/snapshots")
    def snapshots(event_id):
        viewer = core.viewer()
        with core.sessions() as session:
            event = event_for(session, viewer, event_id)
            return jsonify({"snapshots": listed(session, event)})

    @blueprint.post("/events/<event_id>/snapshots")
    @guarded
    def freeze(event_id):
        """Freeze this round: {view: {center: {lon, lat}, zoom}} optional."""
        viewer = core.viewer()
        body = request.get_json(silent=True) or {}
        view = body.get("view") if isinstance(body, dict) else None
        with core.sessions() as session, session.begin():
            event = event_for(session, viewer, event_id)
            snapshot = take(session, viewer, core, event, view)
            answer = {"id": snapshot.id, "number": snapshot.number}
        return jsonify(answer), 201

    @blueprint.get("/snapshots/<snapshot_id>")
    def snapshot(snapshot_id):
        """A snapshot's frozen document, with its `diff` to the previous round."""
        viewer = core.viewer()
        with core.sessions() as session:
            return jsonify(read(session, viewer, snapshot_id))

    @blueprint.get("/snapshots/<snapshot_id>/briefing.<kind>")
    def briefing(snapshot_id, kind):
        """The briefing of a snapshot: html (an offline map), xlsx, pdf, or print.html (the
        printable A4 page)."""
        viewer = core.viewer()
        if kind not in briefs.KINDS:
            return jsonify(
                {"error": "html, xlsx or pdf", "error_zh": "简报格式应为 html、xlsx 或 pdf"}
            ), 404
        with core.sessions() as session, session.begin():
            document = read(session, viewer, snapshot_id)
            record_audit(
                session,
                "export",
                viewer,
                target=f"consult.briefing.{kind}",
                address=request.remote_addr,
                detail={"snapshot": document["id"]},
            )
        return briefs.response(document, kind)

    @blueprint.get("/instructions")
    def my_instructions():
        """Instructions naming the viewer's units (what staff see of consultations)."""
        viewer = core.viewer()
        with core.sessions() as session:
            within = narrowed(session, viewer)
            found = instructions_for_staff(session, viewer, within)
            return jsonify(
                {
                    "instructions": [
                        {
                            "id": entry.id,
                            "event": title_of(event),
                            "at": iso(entry.at),
                            "author": entry.author,
                            "text": entry.text,
                            "units": mine,
                            "sent_at": iso(entry.sent_at),
                        }
                        for entry, event, mine in found
                    ]
                }
            )
