"""The duties list and the tasks sent down under it: admins keep the list; a department or
admin sends a task to the villages inside a unit naming a listed matter or a written basis;
a village declines a task that has neither (减事不减责), and the sender sees who did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import Refused
from modules.ledger.duties.models import LedgerDuty, LedgerTask, LedgerTaskUnit
from modules.ledger.requests.departments import department_of
from modules.ledger.requests.rights import DECLINE, DUTIES, SEND
from modules.sdk import (
    Forbidden,
    NotFound,
    Viewer,
    prefix_range,
    require_unit,
    unit_names,
    units,
)

MAX_BASIS_BYTES = 10 * 1024 * 1024
BASIS_TYPES = (".pdf", ".ofd", ".doc", ".docx", ".jpg", ".jpeg", ".png")
KIND_ZH = {"task": "工作任务", "report": "报表任务"}
ANSWER_ZH = {"open": "待办", "declined": "已拒绝"}


@dataclass(frozen=True)
class Send:
    """A task as the sender gives it (checked by `send`)."""

    title: str
    unit: str
    kind: str = "task"
    duty_id: int | None = None
    basis_name: str = ""
    basis_number: str = ""
    basis_issuer: str = ""
    file_name: str = ""
    file: bytes | None = None


def duties(session: Session, retired: bool = False) -> list[LedgerDuty]:
    query = select(LedgerDuty).order_by(LedgerDuty.position, LedgerDuty.id)
    if not retired:
        query = query.where(LedgerDuty.retired_at.is_(None))
    return list(session.scalars(query))


def keeps_list(viewer: Viewer) -> bool:
    """The list is the city's (Putian's guidance): an admin over the whole city keeps it, not
    a town's or a county's."""
    return viewer.can(DUTIES) and viewer.top_level == "city"


def _check_keeper(viewer: Viewer) -> None:
    if not keeps_list(viewer):
        raise Forbidden("the duties list is kept by an admin of the whole city")


def add_duty(session: Session, viewer: Viewer, title: str, domain: str = "") -> LedgerDuty:
    _check_keeper(viewer)
    title = (title or "").strip()
    if not 2 <= len(title) <= 200:
        raise Refused("give the matter's name", "请填写事项名称（2-200字）")
    last = session.scalar(select(func.max(LedgerDuty.position))) or 0
    duty = LedgerDuty(
        position=last + 1, title=title, domain=(domain or "")[:20], changed_by=viewer.login or ""
    )
    session.add(duty)
    session.flush()
    return duty


def retire_duty(session: Session, viewer: Viewer, duty_id: int, now: datetime) -> LedgerDuty:
    _check_keeper(viewer)
    duty = session.get(LedgerDuty, duty_id) if isinstance(duty_id, int) else None
    if duty is None:
        raise NotFound(f"no duty {duty_id}")
    duty.retired_at, duty.changed_by, duty.changed_at = now, viewer.login or "", now
    session.flush()
    return duty


def _number(session: Session, year: int) -> str:
    prefix = f"RW-{year}-"
    taken = session.scalar(select(func.count()).where(LedgerTask.number.startswith(prefix)))
    return f"{prefix}{(taken or 0) + 1:04d}"


def _basis(ask: Send) -> tuple[str, str, str]:
    given = [(ask.basis_name or "").strip(), (ask.basis_number or "").strip()]
    given.append((ask.basis_issuer or "").strip())
    if any(given) or ask.file:
        if not all(given):
            raise Refused(
                "a written basis needs the document's name, number and issuing body",
                "文件依据须写明文件名称、文号和发文机关",
            )
        if ask.file is not None:
            if len(ask.file) > MAX_BASIS_BYTES:
                raise Refused("the basis file is over 10 MB", "依据文件不能超过 10 MB")
            if not (ask.file_name or "").lower().endswith(BASIS_TYPES):
                raise Refused(
                    "the basis file must be PDF, OFD, Word or an image",
                    "依据文件须为 PDF、OFD、Word 或图片",
                )
    return given[0][:200], given[1][:100], given[2][:100]


def send(session: Session, viewer: Viewer, ask: Send, now: datetime) -> LedgerTask:
    """Send a task to every village inside `ask.unit` (inside the sender's scope)."""
    if not viewer.can(SEND):
        raise Forbidden("sending tasks to villages needs ledger.send")
    unit = require_unit(session, viewer, ask.unit)
    title = (ask.title or "").strip()
    if not 2 <= len(title) <= 200:
        raise Refused("give the task's title", "请填写任务名称（2-200字）")
    if ask.kind not in KIND_ZH:
        raise Refused("kind must be task or report", "任务类型只能是工作任务或报表任务")
    duty = None
    if ask.duty_id not in (None, ""):
        duty = session.get(LedgerDuty, ask.duty_id) if isinstance(ask.duty_id, int) else None
        if duty is None or duty.retired_at is not None:
            raise Refused("no such matter on the list", "清单中没有该事项")
    name, number, issuer = _basis(ask)
    villages = (
        [str(unit)]
        if unit.level == "village"
        else [v.code for v in units(session, viewer, "village", within=str(unit))]
    )
    if not villages:
        raise Refused("no villages inside that unit", "该单位下没有村（社区）")
    department = department_of(session, viewer.login)
    task = LedgerTask(
        number=_number(session, now.year),
        title=title,
        kind=ask.kind,
        sender_login=viewer.login or "",
        sender_name=viewer.name,
        department=department.department if department else viewer.name,
        unit_code=str(unit),
        duty_id=duty.id if duty else None,
        basis_name=name,
        basis_number=number,
        basis_issuer=issuer,
        basis_file_name=(ask.file_name or "")[:200] if ask.file else "",
        basis_file=ask.file,
        sent_at=now,
        month=periods.of_date(now.date()),
    )
    session.add(task)
    session.flush()
    session.add_all(LedgerTaskUnit(task_id=task.id, unit_code=code) for code in villages)
    session.flush()
    return task


def declinable(task: LedgerTask) -> bool:
    """Neither a listed matter nor a written basis: each village may decline it."""
    return task.duty_id is None and not task.has_basis


def _visible(viewer: Viewer):
    """The tasks the viewer sent, and those sent to villages inside the viewer's scope."""
    inside = exists().where(
        LedgerTaskUnit.task_id == LedgerTask.id, viewer.code_filter(LedgerTaskUnit.unit_code)
    )
    return select(LedgerTask).where((LedgerTask.sender_login == (viewer.login or "")) | inside)


def visible_tasks(
    session: Session, viewer: Viewer, month: int | None = None, within: str | None = None
):
    """The tasks the viewer may see; with `within` (checked against the scope), those sent
    to villages inside it."""
    query = _visible(viewer)
    if within:
        inside = require_unit(session, viewer, within)
        query = query.where(
            exists().where(
                LedgerTaskUnit.task_id == LedgerTask.id,
                prefix_range(LedgerTaskUnit.unit_code, inside),
            )
        )
    if month is not None:
        query = query.where(LedgerTask.month == month)
    return list(session.scalars(query.order_by(LedgerTask.sent_at.desc(), LedgerTask.id.desc())))


def find_task(session: Session, viewer: Viewer, number: str) -> LedgerTask:
    task = session.scalar(_visible(viewer).where(LedgerTask.number == str(number)))
    if task is None:
        raise NotFound(f"no task {number}")
    return task


def answers(session: Session, viewer: Viewer, task: LedgerTask) -> list[dict]:
    """Each village's answer: all of them for the sender, those in scope for anyone else."""
    query = select(LedgerTaskUnit).where(LedgerTaskUnit.task_id == task.id)
    if task.sender_login != viewer.login:
        query = query.where(viewer.code_filter(LedgerTaskUnit.unit_code))
    rows = list(session.scalars(query.order_by(LedgerTaskUnit.unit_code)))
    names = _names(session, viewer, task, [r.unit_code for r in rows])
    return [
        {
            "unit": r.unit_code,
            "unit_name": names.get(r.unit_code, r.unit_code),
            "answer": r.answer,
            "answer_zh": ANSWER_ZH[r.answer],
            "answered_at": r.answered_at.isoformat() if r.answered_at else None,
            "answered_by": r.answered_by,
        }
        for r in rows
    ]


def _names(session, viewer, task, codes) -> dict:
    # The sender names the villages it sent to (inside its own scope when it sent them).
    return unit_names(session, viewer, codes) if codes else {}


def decline(session: Session, viewer: Viewer, number: str, unit: str, now: datetime):
    """A village declines a task outside the list and without a basis (one click)."""
    if not viewer.can(DECLINE):
        raise Forbidden("declining tasks needs ledger.decline")
    code = require_unit(session, viewer, unit)
    task = find_task(session, viewer, number)
    row = session.get(LedgerTaskUnit, (task.id, str(code)))
    if row is None:
        raise NotFound(f"task {number} was not sent to {code}")
    if not declinable(task):
        raise Refused(
            "the task is on the list or has a written basis",
            "该任务属于村级事务准入清单或附有文件依据，不能拒绝",
        )
    if row.answer == "declined":
        raise Refused("already declined", "已拒绝过该任务")
    row.answer, row.answered_at, row.answered_by = "declined", now, viewer.login or ""
    session.flush()
    return row


def task_json(session: Session, viewer: Viewer, task: LedgerTask, duty_titles: dict) -> dict:
    found = answers(session, viewer, task)
    return {
        "number": task.number,
        "title": task.title,
        "kind": task.kind,
        "kind_zh": KIND_ZH[task.kind],
        "department": task.department,
        "sender": task.sender_login,
        "unit": task.unit_code,
        "duty": duty_titles.get(task.duty_id) if task.duty_id else None,
        "basis": (
            {
                "name": task.basis_name,
                "number": task.basis_number,
                "issuer": task.basis_issuer,
                "file": task.basis_file_name or None,
            }
            if task.has_basis
            else None
        ),
        "declinable": declinable(task),
        "sent_at": task.sent_at.isoformat(),
        "villages": len(found),
        "declined": [a for a in found if a["answer"] == "declined"],
        "answers": found,
    }


def monthly(session: Session, viewer: Viewer) -> list[dict]:
    """Per department and month: tasks sent down, within the list, with a basis, and
    declined (tasks declined by at least one village, and the villages that declined)."""
    tasks = visible_tasks(session, viewer)
    if not tasks:
        return []
    declines = dict(
        session.execute(
            select(LedgerTaskUnit.task_id, func.count())
            .where(
                LedgerTaskUnit.task_id.in_([t.id for t in tasks]),
                LedgerTaskUnit.answer == "declined",
            )
            .group_by(LedgerTaskUnit.task_id)
        ).all()
    )
    table: dict[tuple[str, int], dict] = {}
    for task in tasks:
        row = table.setdefault(
            (task.department, task.month),
            {
                "department": task.department,
                "month": periods.label(task.month),
                "sent": 0,
                "listed": 0,
                "with_basis": 0,
                "neither": 0,
                "declined_tasks": 0,
                "declined_villages": 0,
            },
        )
        row["sent"] += 1
        row["listed"] += task.duty_id is not None
        row["with_basis"] += task.has_basis
        row["neither"] += declinable(task)
        row["declined_tasks"] += bool(declines.get(task.id))
        row["declined_villages"] += declines.get(task.id, 0)
    return sorted(table.values(), key=lambda r: (r["month"], r["department"]), reverse=True)


def today() -> datetime:
    return datetime.now(UTC)
