"""The decision log (会商记录): 研判, 决策, 指令 and 反馈 entries.

An author may edit an entry for its first ten minutes (each edit is audited with the old
text); after that the entry is append-only and a correction is a new entry pointing to it.
An instruction (指令) to units may be sent on as SMS: the consultation publishes the
`instruction` signal and the module that sends SMS (alerts) does the rest; the deliveries
and acknowledgements come back through its situation items, by the entry's ref."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.consult.access import INSTRUCTIONS, record_id, require_run
from modules.consult.events import now, title_of
from modules.consult.models import ENTRY_KINDS, ConsultEntry, ConsultEvent
from modules.consult.refusals import Refused
from modules.sdk import (
    INSTRUCTION,
    CoreServices,
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    Signal,
    SignalRefused,
    Viewer,
    record_audit,
    require_unit,
)

KIND_ZH = {"assessment": "研判", "decision": "决策", "instruction": "指令", "feedback": "反馈"}
EDIT_WINDOW = timedelta(minutes=10)
MAX_TEXT = 4000
MAX_UNITS = 200
MAX_ATTACHMENT = 5 * 1024 * 1024


def ref_of(entry: ConsultEntry) -> str:
    return f"consult:entry:{entry.id}"


def entries_of(session: Session, event: ConsultEvent) -> list[ConsultEntry]:
    return list(
        session.scalars(
            select(ConsultEntry)
            .where(ConsultEntry.event_id == event.id)
            .order_by(ConsultEntry.number)
        )
    )


def _units(session: Session, viewer: Viewer, event: ConsultEvent, units: object) -> list[str]:
    if units in (None, ""):
        return []
    listed = units.split() if isinstance(units, str) else units
    if not isinstance(listed, list | tuple) or len(listed) > MAX_UNITS:
        raise Refused(
            "units: a list of division codes", f"涉及单位应为单位代码列表（最多 {MAX_UNITS} 个）"
        )
    found: list[str] = []
    for code in listed:
        try:
            unit = require_unit(session, viewer, str(code))
        except (NotFound, Forbidden, InvalidCode):
            raise Refused(f"unknown unit {code}", f"单位「{code}」不存在或不在您的辖区") from None
        if not DivisionCode.parse(event.scope_code).covers(unit):
            raise Refused(f"{code} lies outside the event", f"单位「{code}」不在本次事件的辖区内")
        if unit not in found:
            found.append(str(unit))
    return found


def _text(text: object) -> str:
    value = str(text or "").strip()
    if not value:
        raise Refused("the entry needs a text", "请填写内容")
    if len(value) > MAX_TEXT:
        raise Refused(
            f"at most {MAX_TEXT} characters ({len(value)} given)",
            f"内容最多 {MAX_TEXT} 字，现有 {len(value)} 字，请精简或作为附件上传",
        )
    return value


def add_entry(
    session: Session,
    viewer: Viewer,
    event: ConsultEvent,
    *,
    kind: object,
    text: object,
    units: object = None,
    corrects: object = None,
    attachment: tuple[str, bytes] | None = None,
) -> ConsultEntry:
    require_run(viewer, event)
    if event.ended_at is not None:
        raise Refused("the event has ended", "事件已结束，不能再记录")
    if kind not in ENTRY_KINDS:
        raise Refused(
            "kind: assessment, decision, instruction or feedback",
            "类型应为 研判、决策、指令 或 反馈",
        )
    codes = _units(session, viewer, event, units)
    if kind == "instruction" and not codes:
        raise Refused("an instruction names its units", "指令须选择接收单位")
    corrected = None
    if corrects not in (None, ""):
        number = record_id(corrects)
        corrected = session.get(ConsultEntry, number) if number is not None else None
        if corrected is None or corrected.event_id != event.id:
            raise Refused("the entry to correct is not in this event", "要更正的记录不存在")
    name, data = attachment or ("", None)
    if data is not None and len(data) > MAX_ATTACHMENT:
        raise Refused("attachment over 5 MB", "附件最大 5 MB，请压缩后再上传")
    number = (
        session.scalar(
            select(func.max(ConsultEntry.number)).where(ConsultEntry.event_id == event.id)
        )
        or 0
    ) + 1
    entry = ConsultEntry(
        event_id=event.id,
        number=number,
        kind=kind,
        text=_text(text),
        units=" ".join(codes),
        author_id=viewer.user_id,
        author=viewer.name or viewer.login,
        at=now(),
        corrects_id=corrected.id if corrected else None,
        attachment_name=str(name)[:200] if data is not None else "",
        attachment=data,
    )
    session.add(entry)
    session.flush()
    record_audit(
        session,
        "consult.entry",
        viewer,
        target=ref_of(entry),
        detail={"kind": kind, "units": codes, "corrects": entry.corrects_id},
    )
    return entry


def edit_entry(
    session: Session, viewer: Viewer, event: ConsultEvent, entry: ConsultEntry, text: object
) -> ConsultEntry:
    """The author's own entry, in its first ten minutes, not yet sent as SMS."""
    require_run(viewer, event)
    if entry.author_id != viewer.user_id:
        raise Refused("only the author edits an entry", "只有记录人可以修改，其他人请新增一条更正")
    if now() - entry.at > EDIT_WINDOW:
        raise Refused(
            "past the 10-minute edit window: add a correction",
            "记录已超过 10 分钟，不能修改，请新增一条更正",
        )
    if entry.sent_at is not None:
        raise Refused(
            "already sent as SMS: add a correction", "该指令已发送短信，不能修改，请新增一条更正"
        )
    old = entry.text
    entry.text = _text(text)
    entry.edited_at = now()
    record_audit(
        session,
        "consult.entry.edit",
        viewer,
        target=ref_of(entry),
        detail={"old": old, "new": entry.text},
    )
    return entry


def entry_for(session: Session, event: ConsultEvent, entry_id: object) -> ConsultEntry:
    number = record_id(entry_id)
    entry = session.get(ConsultEntry, number) if number is not None else None
    if entry is None or entry.event_id != event.id:
        raise NotFound("no such entry")
    return entry


class NeedsConfirmation(Refused):
    """More recipients than may be sent to without saying so: ask again with `recipients`."""

    def __init__(self, reason: str, reason_zh: str, recipients: int) -> None:
        super().__init__(reason, reason_zh)
        self.recipients = recipients


def send_instruction(
    session: Session,
    viewer: Viewer,
    core: CoreServices,
    event: ConsultEvent,
    entry: ConsultEntry,
    confirm: object = None,
) -> int:
    """Send an instruction on as SMS (once): returns how many modules took it. Above the
    SMS module's threshold it refuses with the count (NeedsConfirmation) until `confirm`
    repeats that count."""
    require_run(viewer, event)
    if entry.kind != "instruction":
        raise Refused("only an instruction is sent as SMS", "只有指令可以发送短信")
    if entry.sent_at is not None:
        raise Refused("already sent", "该指令已发送")
    payload = {
        "ref": ref_of(entry),
        "event_id": event.id,
        "units": entry.unit_codes,
        "text": entry.text,
        "event": title_of(event),
        "sender": viewer.login,
        "scopes": [str(s) for s in viewer.scopes],
        "drill": event.drill,
    }
    if isinstance(confirm, int) and not isinstance(confirm, bool):
        payload["confirm"] = confirm
    try:
        taken = core.publish(session, Signal(INSTRUCTION, "consult", payload, key=ref_of(entry)))
    except SignalRefused as refusal:
        recipients = refusal.detail.get("recipients")
        if isinstance(recipients, int):
            raise NeedsConfirmation(refusal.reason, refusal.reason_zh, recipients) from None
        raise Refused(refusal.reason, refusal.reason_zh) from None
    if not taken:
        raise Refused("no module sends SMS here", "短信模块未启用，指令未发送")
    entry.sent_at = now()
    record_audit(
        session,
        "consult.instruction.send",
        viewer,
        target=ref_of(entry),
        detail={"units": entry.unit_codes},
    )
    return taken


def instructions_for_staff(
    session: Session, viewer: Viewer, within: str | None = None, limit: int = 100
) -> list[tuple[ConsultEntry, ConsultEvent, list[str]]]:
    """Instructions naming the viewer's units (or a unit holding theirs), with the codes of
    theirs among them (inside `within`, a unit already checked): what staff see of
    consultations."""
    if not viewer.can(INSTRUCTIONS):
        return []
    rows = session.execute(
        select(ConsultEntry, ConsultEvent)
        .join(ConsultEvent, ConsultEvent.id == ConsultEntry.event_id)
        .where(ConsultEntry.kind == "instruction")
        .order_by(ConsultEntry.at.desc(), ConsultEntry.id.desc())
        .limit(2000)
    ).all()
    inside = DivisionCode.parse(within) if within else None

    def concerns(code: str) -> bool:
        unit = DivisionCode.parse(code)
        mine = viewer.covers(unit) or any(unit.covers(s) for s in viewer.scopes)
        return mine and (inside is None or inside.covers(unit) or unit.covers(inside))

    found = []
    for entry, event in rows:
        mine = [code for code in entry.unit_codes if concerns(code)]
        if mine:
            found.append((entry, event, mine))
        if len(found) >= limit:
            break
    return found
