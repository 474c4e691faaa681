"""The open requests and tasks that concern a unit, as a viewer may see them: for the unit's
file (一村一档 / 一镇一档). A request concerns a unit when it asks about that unit, one
inside it or one holding it; a task when it waits in a village inside the unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.ledger.duties.models import LedgerTask, LedgerTaskUnit
from modules.ledger.duties.service import declinable
from modules.ledger.requests.models import LedgerRequest
from modules.ledger.requests.service import (
    STATE_ZH,
    _aware,
    may_see,
    now_utc,
    overdue,
    state_of,
)
from modules.sdk import DivisionCode, InvalidCode, Viewer, prefix_range


def open_items(
    session: Session, viewer: Viewer, unit_code: str, now: datetime | None = None
) -> list[dict]:
    """[{kind, number, title, state_zh, since, overdue}], oldest first; [] for a unit
    outside the viewer's scope or a code that is none."""
    now = now or now_utc()
    try:
        unit = DivisionCode.parse(unit_code)
    except InvalidCode:
        return []
    if not viewer.covers(unit):
        return []
    found = _requests(session, viewer, unit, now) + _tasks(session, viewer, unit)
    return sorted(found, key=lambda item: item["since"])


def _requests(session, viewer, unit: DivisionCode, now) -> list[dict]:
    holding = [str(unit)]
    above = unit.parent
    while above is not None:
        holding.append(str(above))
        above = above.parent
    query = select(LedgerRequest).where(
        LedgerRequest.state.in_(("pending", "approved")),
        prefix_range(LedgerRequest.unit_code, unit) | LedgerRequest.unit_code.in_(holding),
    )
    items = []
    for request in session.scalars(query):
        state = state_of(request, now)
        if state == "expired" or not may_see(viewer, request):
            continue
        label = STATE_ZH[state]
        if state == "approved":
            label += f"（有效至 {_aware(request.valid_until):%Y-%m-%d}）"
        items.append(
            {
                "kind": "request",
                "number": request.number,
                "title": f"{request.department}申请调阅：{request.title}",
                "state_zh": label,
                "since": _aware(request.created_at),
                "overdue": overdue(request, now),
            }
        )
    return items


def _tasks(session, viewer, unit: DivisionCode) -> list[dict]:
    waiting = (
        select(LedgerTaskUnit.task_id, func.count())
        .where(
            LedgerTaskUnit.answer == "open",
            prefix_range(LedgerTaskUnit.unit_code, unit),
            viewer.code_filter(LedgerTaskUnit.unit_code),
        )
        .group_by(LedgerTaskUnit.task_id)
    )
    counts = dict(session.execute(waiting).all())
    if not counts:
        return []
    tasks = session.scalars(select(LedgerTask).where(LedgerTask.id.in_(counts)))
    items = []
    for task in tasks:
        many = f"（{counts[task.id]} 个村待办）" if unit.level != "village" else ""
        note = "，清单外且无文件依据，可拒绝" if declinable(task) else ""
        items.append(
            {
                "kind": "task",
                "number": task.number,
                "title": f"{task.department}下派：{task.title}",
                "state_zh": f"待办{many}{note}",
                "since": _aware(task.sent_at),
                "overdue": False,
            }
        )
    return items
