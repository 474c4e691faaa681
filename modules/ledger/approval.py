"""Month-end close and approval, as in DHIS2: a unit's month is submitted (提交) by the staff
who keep it, approved (审核通过) or sent back with a reason (退回) by an admin whose scope
holds it; an approved month is read-only until reopened (重新打开). A submitted or approved
month also locks the months before it for that unit, since a change there would be read
forward into it. Every step is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import Refused
from modules.ledger.models import LedgerPeriod
from modules.ledger.tags import APPROVE, WRITE
from modules.sdk import DivisionCode, InvalidCode, Viewer, record_audit, unit_names

STATE_ZH = {"open": "未提交", "submitted": "已提交", "approved": "已审核", "returned": "已退回"}
LOCKED = ("submitted", "approved")
# action -> (permission, states it starts from, state it leads to, needs a reason)
ACTIONS = {
    "submit": (WRITE, ("open", "returned"), "submitted", False),
    "approve": (APPROVE, ("submitted",), "approved", False),
    "return": (APPROVE, ("submitted", "approved"), "returned", True),
    "reopen": (APPROVE, ("approved",), "open", True),
}
ACTION_ZH = {"submit": "提交", "approve": "审核通过", "return": "退回", "reopen": "重新打开"}


@dataclass(frozen=True)
class Step:
    unit: str
    status: str  # "done" or "refused"
    state: str
    reason_zh: str = ""


def states(session: Session, unit_codes: list[str], month: int) -> dict[str, LedgerPeriod]:
    if not unit_codes:
        return {}
    rows = session.scalars(
        select(LedgerPeriod).where(
            LedgerPeriod.period == month, LedgerPeriod.unit_code.in_(unit_codes)
        )
    )
    return {row.unit_code: row for row in rows}


def locked_until(session: Session, unit_codes: set[str]) -> dict[str, int]:
    """Unit → its latest submitted or approved month: nothing at or before it may change."""
    if not unit_codes:
        return {}
    query = (
        select(LedgerPeriod.unit_code, func.max(LedgerPeriod.period))
        .where(LedgerPeriod.unit_code.in_(sorted(unit_codes)), LedgerPeriod.state.in_(LOCKED))
        .group_by(LedgerPeriod.unit_code)
    )
    return {unit: month for unit, month in session.execute(query)}


def lock_refusal(tag_name: str, start: int, locked: int) -> Refused:
    return Refused(
        f"{periods.label(locked)} is submitted or approved: values from "
        f"{periods.label(start)} cannot change",
        f"{periods.label_zh(locked)}已提交或已审核（只读），「{tag_name}」"
        f"{periods.label_zh(start)}的数不能再改；如需修改，请镇街管理员退回或重新打开",
    )


def act(
    session: Session,
    viewer: Viewer,
    action: str,
    unit_codes: list[object],
    month: int,
    reason: str = "",
    now: datetime | None = None,
) -> list[Step]:
    """Apply `action` to each unit's month; each answered done or refused with why."""
    if action not in ACTIONS:
        raise ValueError(action)
    permission, sources, target, needs_reason = ACTIONS[action]
    reason = (reason or "").strip()[:500]
    now = now or datetime.now(UTC)
    valid: list[str] = []
    steps: list[Step] = []
    for raw in unit_codes[:2000]:
        try:
            valid.append(str(DivisionCode.parse(str(raw))))
        except InvalidCode:
            steps.append(Step(str(raw), "refused", "", f"「{raw}」不是单位编码"))
    names = unit_names(session, viewer, valid)
    current = states(session, valid, month)
    for code in valid:
        row = current.get(code)
        state = row.state if row else "open"
        refusal = _refusal(viewer, action, permission, code, names, state, sources)
        if refusal is None and needs_reason and not reason:
            refusal = f"{ACTION_ZH[action]}需要写明原因"
        if refusal is not None:
            steps.append(Step(code, "refused", state, refusal))
            continue
        if row is None:
            row = LedgerPeriod(unit_code=code, period=month, reason="", submitted_by="")
            session.add(row)
        row.state, row.changed_by, row.changed_at = target, viewer.login or "system", now
        row.reason = reason if target == "returned" or action == "reopen" else row.reason
        if action == "submit":
            row.submitted_at, row.submitted_by = now, viewer.login or "system"
        record_audit(
            session,
            "data.change",
            viewer,
            target=f"ledger.period:{code}:{periods.label(month)}",
            detail={"action": action, "from": state, "to": target, "reason": reason},
        )
        steps.append(Step(code, "done", target))
    session.flush()
    return steps


def _refusal(viewer, action, permission, code, names, state, sources) -> str | None:
    if code not in names:
        return f"单位 {code} 不在您的辖区内"
    if DivisionCode.parse(code).level not in ("village", "town"):
        return f"{names[code]}不填报一张表，请选择镇街或村（社区）"
    if not viewer.can(permission):
        who = "本辖区的工作人员" if permission == WRITE else "镇街管理员"
        return f"{ACTION_ZH[action]}需由{who}办理"
    if state not in sources:
        return f"{names[code]}本月{STATE_ZH[state]}，不能{ACTION_ZH[action]}"
    return None
