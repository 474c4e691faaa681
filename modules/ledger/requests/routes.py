"""HTTP routes of data requests under /api/v1/ledger/requests: list, submit, decide, and
the requesting department's download. Scope from the viewer only: a request the viewer may
not see answers 404, a unit outside its scope 403, bad input 400 with the reason."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from modules.ledger import periods
from modules.ledger.checks import Refused
from modules.ledger.requests.download import download
from modules.ledger.requests.models import LedgerRequest
from modules.ledger.requests.service import (
    ACTION_ZH,
    STATE_ZH,
    Ask,
    _aware,
    decide,
    history,
    may_decide,
    now_utc,
    overdue,
    state_of,
    submit,
    visible,
)
from modules.sdk import CoreServices, record_audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bad(reason: str, reason_zh: str, status: int = 400):
    body = {"error": reason, "error_zh": reason_zh, "message": reason_zh, "status": status}
    return jsonify(body), status


def _iso(moment) -> str | None:
    return _aware(moment).isoformat() if moment is not None else None


def request_json(session, viewer, item: LedgerRequest, now, with_history=True) -> dict:
    state = state_of(item, now)
    found = {
        "number": item.number,
        "department": item.department,
        "requester": item.requester_login,
        "requester_name": item.requester_name,
        "template": item.template_key or None,
        "title": item.title,
        "tags": item.tag_list,
        "granted_tags": item.granted_list if state in ("approved", "pending") else [],
        "unit": item.unit_code,
        "approver_unit": item.approver_unit,
        "period_from": periods.label(item.period_from),
        "period_to": periods.label(item.period_to),
        "purpose": item.purpose,
        "state": state,
        "state_zh": STATE_ZH[state],
        "overdue": overdue(item, now),
        "created_at": _iso(item.created_at),
        "decided_at": _iso(item.decided_at),
        "decided_by": item.decided_by or None,
        "reason": item.reason or None,
        "valid_until": _iso(item.valid_until),
        "may_decide": may_decide(viewer, item),
    }
    if with_history:
        found["history"] = [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "actor_name": e.actor_name,
                "action": e.action,
                "action_zh": ACTION_ZH[e.action],
                "note": e.note,
            }
            for e in history(session, item)
        ]
    return found


def _ask(body: dict) -> Ask:
    tags = body.get("tags") or ()
    if isinstance(tags, str):
        tags = tags.replace("，", ",").split(",")
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise Refused("tags must be a list of codes", "tags 应为标签编码列表")
    texts = {}
    for field in ("unit", "period_from", "period_to", "purpose", "template"):
        value = body.get(field, "")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise Refused(f"{field} must be text", f"{field} 应为文本")
        texts[field] = str(value)
    if not texts["period_from"] and isinstance(body.get("period"), str):
        texts["period_from"] = texts["period_to"] = body["period"]
    return Ask(tags=tuple(tags), **texts)


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.get("/requests")
    def list_requests():
        """The requests the viewer may see: a department its own, an admin (or anyone
        reading the table) those about units inside their scope; overdue ones marked.
        `?unit=`: those about units inside it (403 outside the scope, 404 unknown)."""
        viewer = core.viewer()
        now = now_utc()
        with core.sessions() as session:
            asked = visible(session, viewer, request.args.get("unit"))
            found = [request_json(session, viewer, r, now) for r in asked]
        return jsonify({"requests": found})

    @blueprint.post("/requests")
    def create_request():
        """{template | tags, unit, period_from, period_to (or period), purpose}."""
        viewer = core.viewer()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return bad("send a JSON object", "请提交 JSON 对象")
        now = now_utc()
        try:
            with core.sessions() as session, session.begin():
                made = submit(session, viewer, _ask(body), now)
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target=f"ledger.request.{made.number}",
                    address=request.remote_addr,
                    detail={"op": "submit", "unit": made.unit_code, "tags": len(made.tag_list)},
                )
                answer = request_json(session, viewer, made, now)
        except (Refused, periods.BadPeriod) as refused:
            return _refusal(refused)
        return jsonify({"request": answer}), 201

    @blueprint.post("/requests/<number>/decision")
    def decide_request(number: str):
        """{decision: approve | refuse, days (approve), reason (refuse)}."""
        viewer = core.viewer()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("decision") not in ("approve", "refuse"):
            return bad("decision must be approve or refuse", "decision 只能是 approve 或 refuse")
        days = body.get("days", 30)
        reason = body.get("reason") or ""
        if not isinstance(reason, str):
            return bad("reason must be text", "理由应为文本")
        now = now_utc()
        approve = body["decision"] == "approve"
        try:
            with core.sessions() as session, session.begin():
                made = decide(session, viewer, number, approve, now, days, reason)
                record_audit(
                    session,
                    "data.change",
                    viewer,
                    target=f"ledger.request.{made.number}",
                    address=request.remote_addr,
                    detail={"op": body["decision"], "days": days if approve else None},
                )
                answer = request_json(session, viewer, made, now)
        except Refused as refused:
            return _refusal(refused)
        return jsonify({"request": answer})

    @blueprint.get("/requests/<number>/download")
    def download_request(number: str):
        """The approved report (`?format=xlsx|csv`, optional `unit=` inside the granted one,
        `period=` one granted month), stamped and audited."""
        viewer = core.viewer()
        fmt = request.args.get("format") or "xlsx"
        now = now_utc()
        unit, period = request.args.get("unit"), request.args.get("period")
        try:
            with core.sessions() as session, session.begin():
                body, name = download(session, viewer, number, fmt, now, unit, period)
        except Refused as refused:
            return _refusal(refused)
        return Response(
            body,
            mimetype=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )


def _refusal(refused):
    reason_zh = getattr(refused, "reason_zh", str(refused))
    return bad(getattr(refused, "reason", str(refused)), reason_zh)
