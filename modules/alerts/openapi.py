"""The OpenAPI description of /api/v1/alerts/ (routes.py), for `register_openapi`."""

from __future__ import annotations

from modules.sdk import openapi as doc

MESSAGE = {
    "type": "object",
    "description": "The audience (unit, groups, sites or a published exposure) and the text "
    "(or a template).",
    "properties": {
        "unit": {"type": "string", "description": "区划代码：发送对象所在单位"},
        "groups": {"type": "array", "items": {"type": "string"}, "description": "联系人分组"},
        "sites": {"type": "array", "items": {"type": "string"}},
        "exposure": {"type": "object", "description": "台风影响范围（发布的信号）"},
        "text": {"type": "string", "description": "短信内容"},
        "template": {"type": "string", "description": "模板编号（代替 text）"},
        "ask_ack": {"type": "boolean", "description": "请收信人确认"},
        "escalate_after_minutes": {"type": "integer", "description": "未确认时多久后升级"},
        "drill": {"type": "boolean", "description": "演练"},
        "drill_mode": {"type": "string"},
        "confirm": {
            "type": "integer",
            "description": "人数超过确认阈值时须填收信人数（先收到 409 及人数）",
        },
    },
}


def _contacts(kind: str, media_type: str) -> dict:
    return {
        "get": doc.operation(
            f"The contacts of the viewer's jurisdiction (or `unit`) as {kind} (audited)",
            description="Phone numbers as the viewer's role may see them.",
            parameters=[doc.unit_param()],
            answers={200: doc.file_answer(f"Contacts, {kind}.", media_type)},
            errors=(403, 404),
        )
    }


def paths() -> dict:
    return {
        "/messages": {
            "post": doc.operation(
                "Send an SMS to an audience",
                description="Above the confirmation threshold: 409 with `recipients` and "
                "`confirm_over` until the request is sent again with `confirm: recipients`.",
                body=doc.json_body(MESSAGE),
                answers={
                    201: doc.json_answer(
                        "Sent (queued): the message id and recipient count.",
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "recipients": {"type": "integer"},
                                "drill": {},
                            },
                        },
                    )
                },
                errors=(400, 403, 404, 409),
            )
        },
        "/messages/{message_id}": {
            "get": doc.operation(
                "A message's delivery board: counts by state and per unit",
                parameters=[doc.param("message_id", "短信编号", where="path")],
                answers={200: doc.json_answer("The board.")},
                errors=(403, 404),
            )
        },
        "/contacts.csv": _contacts("CSV", "text/csv"),
        "/contacts.xlsx": _contacts("XLSX", doc.XLSX),
        "/ack/{token}": {
            "get": doc.operation(
                "The acknowledgement page an SMS links to (one button; a preview does not "
                "acknowledge)",
                parameters=[doc.param("token", "短信中的确认令牌（ack_…）", where="path")],
                answers={
                    200: doc.file_answer("The page.", "text/html", {"type": "string"}),
                    404: doc.file_answer(
                        "Unknown or expired link: a page saying so.",
                        "text/html",
                        {"type": "string"},
                    ),
                },
                public=True,
            )
        },
        "/ack": {
            "post": doc.operation(
                "Acknowledge a message (`Authorization: Bearer ack_…`: the link's token)",
                answers={
                    200: doc.json_answer(
                        "Acknowledged.",
                        {
                            "type": "object",
                            "properties": {
                                "ok": {"type": "boolean"},
                                "message": {"type": "string"},
                            },
                        },
                    )
                },
                errors=(404,),
                public=True,
            )
        },
        "/reports": {
            "post": doc.operation(
                "Delivery reports from the SMS gateway (`Authorization: Bearer` its report token)",
                body=doc.json_body(
                    {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
                    "A report {id, status} or a list of them (field names as configured).",
                ),
                answers={
                    200: doc.json_answer(
                        "How many deliveries changed.",
                        {"type": "object", "properties": {"changed": {"type": "integer"}}},
                    )
                },
                errors=(401,),
                public=True,
            )
        },
    }
