"""HTTP routes of the duties list under /api/v1/ledger/duties: the list with the tasks the
viewer may see, sending a task down, and a village declining one."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, jsonify, request

from modules.ledger.checks import Refused
from modules.ledger.duties.service import (
    MAX_BASIS_BYTES,
    Send,
    decline,
    duties,
    monthly,
    send,
    task_json,
    today,
    visible_tasks,
)
from modules.ledger.requests.routes import bad
from modules.sdk import CoreServices, Forbidden, record_audit


def duty_json(duty) -> dict:
    return {"id": duty.id, "title": duty.title, "domain": duty.domain, "example": duty.example}


def _send_of(body: dict) -> Send:
    texts = {}
    for field in ("title", "unit", "kind", "basis_name", "basis_number", "basis_issuer"):
        value = body.get(field, "task" if field == "kind" else "")
        if not isinstance(value, str):
            raise Refused(f"{field} must be text", f"{field} 应为文本")
        texts[field] = value
    duty = body.get("duty")
    if duty not in (None, "") and (not isinstance(duty, int) or isinstance(duty, bool)):
        raise Refused("duty must be the id of a listed matter", "duty 应为清单事项的编号")
    data = None
    encoded = body.get("file")
    if encoded not in (None, ""):
        if not isinstance(encoded, str) or len(encoded) > MAX_BASIS_BYTES * 4 // 3 + 4:
            raise Refused("file must be base64 under 10 MB", "依据文件应为 base64，且不超过 10 MB")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("file is not base64", "依据文件不是 base64 编码") from None
    name = body.get("file_name") or ""
    return Send(duty_id=duty or None, file=data, file_name=str(name), **texts)


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/duties")
    def list_duties():
        """The duties list, the tasks the viewer sent or that reached villages inside its
        scope (with each village's answer), and the monthly figures per department.
        `?unit=`: the tasks sent to villages inside it (403 outside the scope, 404 unknown)."""
        viewer = core.viewer()
        if not viewer.can("read"):
            raise Forbidden("reading the duties list needs read")
        with core.sessions() as session:
            listed = duties(session)
            titles = {d.id: d.title for d in duties(session, retired=True)}
            sent = visible_tasks(session, viewer, within=request.args.get("unit"))
            tasks = [task_json(session, viewer, t, titles) for t in sent]
            figures = monthly(session, viewer)
        return jsonify(
            {"duties": [duty_json(d) for d in listed], "tasks": tasks, "monthly": figures}
        )

    @blueprint.post("/duties/tasks")
    def send_task():
        """{title, unit, kind, duty | basis_name + basis_number + basis_issuer [+ file
        (base64) + file_name]}: sent to every village inside `unit`."""
        viewer = core.viewer()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return bad("send a JSON object", "请提交 JSON 对象")
        try:
            with core.sessions() as session, session.begin():
                task = send(session, viewer, _send_of(body), today())
                titles = {d.id: d.title for d in duties(session, retired=True)}
                answer = task_json(session, viewer, task, titles)
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target=f"ledger.task.{task.number}",
                    address=request.remote_addr,
                    detail={"op": "send", "unit": task.unit_code, "villages": answer["villages"]},
                )
        except Refused as refused:
            return bad(refused.reason, refused.reason_zh)
        return jsonify({"task": answer}), 201

    @blueprint.post("/duties/tasks/<number>/decline")
    def decline_task(number: str):
        """{unit}: the village declines a task outside the list and without a basis."""
        viewer = core.viewer()
        body = request.get_json(silent=True)
        unit = body.get("unit") if isinstance(body, dict) else None
        if not isinstance(unit, str) or not unit:
            return bad("give the village as unit", "请给出村（社区）代码 unit")
        try:
            with core.sessions() as session, session.begin():
                row = decline(session, viewer, number, unit, today())
                answered = {"task": number, "unit": row.unit_code, "answer": row.answer}
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target=f"ledger.task.{number}",
                    address=request.remote_addr,
                    detail={"op": "decline", "unit": row.unit_code},
                )
        except Refused as refused:
            return bad(refused.reason, refused.reason_zh)
        return jsonify(answered)
