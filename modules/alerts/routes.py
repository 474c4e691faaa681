"""HTTP routes under /api/v1/alerts/: send a message, read its board, export contacts as
CSV or XLSX (audited), and the public acknowledgement link."""

from __future__ import annotations

import hmac
import html

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from modules.alerts import board
from modules.alerts.audience import Audience, AudienceRefused
from modules.alerts.contacts import READ_CONTACTS, contacts_in
from modules.alerts.contacts_export import FORMATS, contacts_file
from modules.alerts.draft import ConfirmNeeded
from modules.alerts.escalation import acknowledge
from modules.alerts.models import DELIVERED, FAILED, Delivery
from modules.alerts.outbox import report, send
from modules.alerts.settings import AlertsSettingsError, ack_base_url, load
from modules.alerts.templates import template_text
from modules.sdk import CoreServices, Forbidden, NotFound, public, record_audit, require_unit


def _error(status: int, message: str, message_zh: str):
    return jsonify({"error": message, "message": message_zh, "status": status}), status


ACK_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>短信确认</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 2em auto; padding: 0 1em">
<h1>短信确认</h1><p id="ack-text">{text}</p>{button}<p id="ack-result">{result}</p>
<script>
const b = document.getElementById("ack-button");
if (b) b.addEventListener("click", async () => {{
  const r = await fetch(location.pathname.replace(/\\/ack\\/.*$/, "/ack"), {{method: "POST",
    headers: {{"Authorization": "Bearer " + b.dataset.token}}}});
  const body = await r.json();
  document.getElementById("ack-result").textContent = body.message;
  if (r.ok) b.remove();
}});
</script></body></html>"""


def add_routes(blueprint: Blueprint, core: CoreServices) -> None:
    @blueprint.post("/messages")
    def send_message():
        """Send to an audience: JSON {unit, groups, sites, exposure, text | template,
        ask_ack, escalate_after_minutes, drill, drill_mode, confirm}; answers the message id
        and recipient count, or 409 with the count when it needs confirming."""
        viewer = core.viewer()
        if not viewer.can("alert"):
            return _error(403, "the viewer may not send alerts", "您的角色无权发送短信。")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, "expected a JSON object", "请求须为 JSON 对象。")
        try:
            with core.sessions() as session, session.begin():
                text = template_text(session, viewer, body.get("template"), body.get("text"))
                message = send(
                    session,
                    viewer,
                    core,
                    Audience.from_request(body),
                    text,
                    ask_ack=body.get("ask_ack") is True,
                    escalate_after=body.get("escalate_after_minutes"),
                    ack_base_url=ack_base_url() or request.host_url,
                    address=request.remote_addr,
                    drill=body.get("drill") is True,
                    drill_mode=body.get("drill_mode"),
                    confirm=body.get("confirm"),
                )
                answer = {"id": message.id, "recipients": message.recipients}
                if message.drill:
                    answer["drill"] = message.drill
        except ConfirmNeeded as asked:
            answer = {
                "error": f"{asked.count} recipients: send again with confirm: {asked.count}",
                "message": str(asked),
                "status": 409,
                "recipients": asked.count,
                "confirm_over": asked.threshold,
            }
            return jsonify(answer), 409
        except AudienceRefused as refused:
            return _error(400, "refused", str(refused))
        return jsonify(answer), 201

    @blueprint.get("/messages/<message_id>")
    def message_board(message_id: str):
        """Delivery counts by state and per unit (403 another scope's message, 404 none)."""
        viewer = core.viewer()
        with core.sessions() as session:
            try:
                return jsonify(board.summary(session, viewer, message_id))
            except NotFound:
                return _error(404, f"no message {message_id}", "未找到该短信。")
            except Forbidden:
                return _error(403, "outside the viewer's scope", "该短信不在您的辖区内，无权查看。")

    def export_contacts(kind: str) -> Response:
        """The contacts of `?unit=` (default: the whole scope), phones as the viewer may see
        them; audited."""
        viewer = core.viewer()
        if not viewer.can(READ_CONTACTS):
            return _error(403, "this role may not read the contacts", "本账号无权查看联系人。")
        with core.sessions() as session, session.begin():
            unit = request.args.get("unit") or None
            if unit is not None:
                unit = require_unit(session, viewer, unit)
            contacts = contacts_in(session, viewer, unit)
            body = contacts_file(viewer, contacts, kind)
            record_audit(
                session,
                "export",
                viewer,
                target=f"alerts.contacts.{kind}",
                address=request.remote_addr,
                detail={"unit": unit, "rows": len(contacts)},
            )
        return Response(
            body,
            mimetype=FORMATS[kind],
            headers={"Content-Disposition": f"attachment; filename=contacts.{kind}"},
        )

    @blueprint.get("/contacts.csv")
    def export_contacts_csv():
        """The scope's contacts as CSV (UTF-8 with a BOM)."""
        return export_contacts("csv")

    @blueprint.get("/contacts.xlsx")
    def export_contacts_xlsx():
        """The scope's contacts as an XLSX workbook."""
        return export_contacts("xlsx")

    @blueprint.get("/ack/<token>")
    @public
    def ack_page(token: str):
        """The link in the SMS: a page with one button (a link preview must not acknowledge)."""
        with core.sessions() as session:
            delivery = (
                session.scalars(select(Delivery).where(Delivery.ack_token == token)).first()
                if token.startswith("ack_")
                else None
            )
        if delivery is None:
            page = ACK_PAGE.format(text="链接无效或已过期。", button="", result="")
            return Response(page, status=404, mimetype="text/html")
        button = (
            ""
            if delivery.acked_at
            else f'<button id="ack-button" data-token="{html.escape(token)}">确认收到</button>'
        )
        result = "已确认，谢谢。" if delivery.acked_at else ""
        text = html.escape(delivery.body.split(" 收到请点击确认")[0])
        return Response(
            ACK_PAGE.format(text=text, button=button, result=result), mimetype="text/html"
        )

    @blueprint.post("/ack")
    @public
    def ack():
        """Acknowledge: the token is the credential (`Authorization: Bearer ack_...`)."""
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        with core.sessions() as session, session.begin():
            delivery = acknowledge(session, token)
            if delivery is None:
                return _error(404, "unknown token", "链接无效或已过期。")
        return jsonify({"ok": True, "message": "已确认，谢谢。"})

    @blueprint.post("/reports")
    @public
    def delivery_reports():
        """Delivery reports from the gateway (`Authorization: Bearer ONEMAP_ALERTS_REPORT_TOKEN`):
        a JSON object or list of {id, status}; answers how many deliveries changed."""
        try:
            settings = load()
        except AlertsSettingsError as error:
            return _error(503, str(error), "短信服务配置有误，请联系管理员。")
        header = request.headers.get("Authorization", "")
        given = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        if not settings.report_token or not hmac.compare_digest(given, settings.report_token):
            return _error(401, "wrong or missing report token", "回执令牌错误。")
        body = request.get_json(silent=True)
        items = body if isinstance(body, list) else [body]
        changed = 0
        with core.sessions() as session, session.begin():
            for item in items[:1000]:
                if not isinstance(item, dict):
                    continue
                status = str(item.get(settings.http_status_field, ""))
                state = (
                    DELIVERED
                    if status in settings.http_delivered
                    else FAILED
                    if status in settings.report_failed
                    else None
                )
                if state:
                    provider_id = str(item.get(settings.http_id_field, ""))
                    changed += report(session, provider_id, state, f"report: {status}")
        return jsonify({"changed": changed})
