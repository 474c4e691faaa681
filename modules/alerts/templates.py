"""Message templates: shared ones ("" scope) and those of a unit inside the viewer's scope."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from modules.alerts.audience import AudienceRefused, check_text
from modules.alerts.models import Template
from modules.sdk import Forbidden, Viewer, require_unit

DEFAULT_TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "台风防御提醒",
        "【莆田防指】{时间}：{单位}可能进入台风{风圈等级}风圈，请立即检查{重点部位}，"
        "落实人员转移和值班值守。",
    ),
    (
        "强降雨巡查提醒",
        "【莆田防指】{时间}起{单位}将有强降雨，请包保责任人立即到{重点部位}巡查，发现险情及时报告。",
    ),
    ("人员转移通知", "【莆田防指】{单位}：请于{时间}前组织危险区域人员转移到安置点，并回复确认。"),
)


def templates_for(session: Session, viewer: Viewer) -> list[Template]:
    statement = (
        select(Template)
        .where(or_(Template.scope_code == "", viewer.code_filter(Template.scope_code)))
        .order_by(Template.id)
    )
    return list(session.scalars(statement))


def template_text(session: Session, viewer: Viewer, template_id: object, text: object) -> str:
    """The text to send: `text` when given, else the template's (one the viewer may use)."""
    if isinstance(text, str) and text.strip():
        return check_text(text)
    if template_id in (None, ""):
        raise AudienceRefused("请填写短信内容或选择模板")
    try:
        number = int(str(template_id))
    except ValueError as exc:
        raise AudienceRefused("模板不存在") from exc
    found = {t.id: t for t in templates_for(session, viewer)}
    if number not in found:
        raise AudienceRefused("模板不存在")
    return check_text(found[number].body)


def save_template(session: Session, viewer: Viewer, unit: object, name: object, text: object):
    """A new template owned by `unit` (inside the viewer's scope: Forbidden/NotFound else)."""
    if not viewer.can("alert"):
        raise Forbidden("the viewer may not write templates")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise AudienceRefused("请填写模板名称（不超过 100 字）")
    body = check_text(text)
    code = require_unit(session, viewer, str(unit or viewer.home or ""))
    template = Template(name=name.strip(), body=body, scope_code=code)
    session.add(template)
    session.flush()
    return template


def seed_templates(session: Session) -> None:
    if session.scalars(select(Template).limit(1)).first() is None:
        session.add_all(Template(name=n, body=b, scope_code="") for n, b in DEFAULT_TEMPLATES)
