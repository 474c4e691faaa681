"""The OpenAPI description of /api/v1/consult/ (routes.py), for `register_openapi`."""

from __future__ import annotations

from modules.sdk import openapi as doc

EVENT_ID = doc.param("event_id", "会商事件编号", where="path")
ENTRY_ID = doc.param("entry_id", "记录编号", where="path")
SNAPSHOT_ID = doc.param("snapshot_id", "快照编号", where="path")
OUTSIDE = "An event outside the viewer's jurisdiction is answered 404."

EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "kind": {"type": "string"},
        "ref": {"type": "string", "nullable": True},
        "scope": {"type": "string"},
        "drill": {"type": "boolean"},
        "level": {"type": "integer", "nullable": True},
        "started_at": {"type": "string", "nullable": True},
        "ended_at": {"type": "string", "nullable": True},
        "snapshots": {"type": "integer"},
    },
}
EVENT_ANSWER = doc.json_answer("The event.", EVENT)
CREATED = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "number": {"type": "integer"}},
}


def _object(properties: dict, description: str = "") -> dict:
    return doc.json_body({"type": "object", "properties": properties}, description)


def _change(summary: str, body: dict | None, answer: dict, description: str = "") -> dict:
    return {
        "post": doc.operation(
            summary,
            description=f"{description} {OUTSIDE}".strip(),
            parameters=[EVENT_ID],
            body=body,
            answers={200: answer},
            errors=(400, 403, 404),
        )
    }


def paths() -> dict:
    return {
        "/events": {
            "get": doc.operation(
                "The consultation events the viewer may read, newest first",
                parameters=[doc.unit_param()],
                answers={
                    200: doc.json_answer(
                        "The events.",
                        {
                            "type": "object",
                            "properties": {"events": {"type": "array", "items": EVENT}},
                        },
                    )
                },
                errors=(403, 404),
            ),
            "post": doc.operation(
                "Open an event (consult.run)",
                body=_object(
                    {
                        "kind": {"type": "string", "description": "flood、typhoon …"},
                        "title": {"type": "string"},
                        "scope": {"type": "string", "description": "区划代码"},
                        "ref": {"type": "string", "description": "关联（如台风编号）"},
                        "drill": {"type": "boolean"},
                        "start": {"type": "string", "description": "演练开始时刻（北京时间）"},
                        "level": {"type": "integer", "description": "响应级别 0–4"},
                    }
                ),
                answers={201: doc.json_answer("The event opened.", EVENT)},
                errors=(400, 403, 404),
            ),
        },
        "/events/{event_id}": {
            "get": doc.operation(
                "The live board: every module's items at the event's moment",
                description=OUTSIDE,
                parameters=[EVENT_ID],
                answers={
                    200: doc.json_answer(
                        "The board: items, decisions, levels, the jurisdiction's `bbox` and "
                        "`outlines_url` (the layer API's lines of its towns; a snapshot embeds "
                        "the outlines instead)."
                    )
                },
                errors=(403, 404),
            )
        },
        "/events/{event_id}/level": _change(
            "Change the response level",
            _object({"level": {"type": "integer"}, "reason": {"type": "string"}}),
            EVENT_ANSWER,
        ),
        "/events/{event_id}/clock": _change(
            "Move a drill's replay clock",
            _object(
                {"to": {"type": "string", "description": "'2015-09-28 14:00'（北京时间）或 '+6h'"}}
            ),
            doc.json_answer(
                "The clock's new moment.",
                {"type": "object", "properties": {"moment": {"type": "string", "nullable": True}}},
            ),
        ),
        "/events/{event_id}/end": _change("End the event", None, EVENT_ANSWER),
        "/events/{event_id}/entries": {
            "post": doc.operation(
                "Add an entry to the decision log (JSON, or multipart with `attachment`)",
                description=OUTSIDE,
                parameters=[EVENT_ID],
                body={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "kind": {"type": "string"},
                                    "text": {"type": "string"},
                                    "units": {"type": "array", "items": {"type": "string"}},
                                    "corrects": {"type": "string"},
                                },
                            }
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "kind": {"type": "string"},
                                    "text": {"type": "string"},
                                    "units": {"type": "string"},
                                    "attachment": {"type": "string", "format": "binary"},
                                },
                            }
                        },
                    },
                },
                answers={201: doc.json_answer("The entry.", CREATED)},
                errors=(400, 403, 404),
            )
        },
        "/events/{event_id}/entries/{entry_id}": {
            "patch": doc.operation(
                "Correct an entry's text",
                description=OUTSIDE,
                parameters=[EVENT_ID, ENTRY_ID],
                body=_object({"text": {"type": "string"}}),
                answers={200: doc.json_answer("The entry as changed.")},
                errors=(400, 403, 404),
            )
        },
        "/events/{event_id}/entries/{entry_id}/send": {
            "post": doc.operation(
                "Send an instruction on as SMS to its units' contacts (once)",
                description="Above the SMS module's threshold: 409 with `recipients` until "
                '`{"confirm": recipients}` is sent. ' + OUTSIDE,
                parameters=[EVENT_ID, ENTRY_ID],
                body=_object({"confirm": {"type": "integer"}}),
                answers={200: doc.json_answer("Sent.")},
                errors=(400, 403, 404, 409),
            )
        },
        "/events/{event_id}/entries/{entry_id}/attachment": {
            "get": doc.operation(
                "An entry's attachment",
                description=OUTSIDE,
                parameters=[EVENT_ID, ENTRY_ID],
                answers={200: doc.file_answer("The file.", "application/octet-stream")},
                errors=(403, 404),
            )
        },
        "/events/{event_id}/snapshots": {
            "get": doc.operation(
                "The event's snapshots (frozen rounds)",
                description=OUTSIDE,
                parameters=[EVENT_ID],
                answers={200: doc.json_answer("The snapshots.")},
                errors=(403, 404),
            ),
            "post": doc.operation(
                "Freeze this round as a snapshot",
                description=OUTSIDE,
                parameters=[EVENT_ID],
                body=doc.json_body(
                    {
                        "type": "object",
                        "properties": {
                            "view": {"type": "object", "description": "{center: {lon, lat}, zoom}"}
                        },
                    },
                    required=False,
                ),
                answers={201: doc.json_answer("The snapshot.", CREATED)},
                errors=(400, 403, 404),
            ),
        },
        "/snapshots/{snapshot_id}": {
            "get": doc.operation(
                "A snapshot's frozen document, with its diff to the previous round",
                parameters=[SNAPSHOT_ID],
                answers={200: doc.json_answer("The snapshot.")},
                errors=(403, 404),
            )
        },
        "/snapshots/{snapshot_id}/briefing.{kind}": {
            "get": doc.operation(
                "The snapshot's briefing: html (an offline map), print.html, xlsx or pdf (audited)",
                parameters=[
                    SNAPSHOT_ID,
                    doc.param(
                        "kind",
                        "格式",
                        where="path",
                        schema={"type": "string", "enum": ["html", "print.html", "xlsx", "pdf"]},
                    ),
                ],
                answers={
                    200: {
                        "description": "The briefing.",
                        "content": {
                            "text/html": {"schema": {"type": "string"}},
                            doc.XLSX: {"schema": {"type": "string", "format": "binary"}},
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        },
                    }
                },
                errors=(403, 404),
            )
        },
        "/instructions": {
            "get": doc.operation(
                "Instructions naming the viewer's units",
                parameters=[doc.unit_param()],
                answers={200: doc.json_answer("The instructions.")},
                errors=(403, 404),
            )
        },
    }
