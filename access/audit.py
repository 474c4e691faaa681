"""The audit log: who did what, when and from where. Append-only (the database enforces it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.viewer import Viewer
from layers import codes
from store.models import AuditEntry

ACTION_LABELS = {
    "login.success": "登录成功",
    "login.failure": "登录失败",
    "login.locked": "账号锁定",
    "logout": "退出",
    "password.change": "修改密码",
    "api.read": "接口读取",
    "export": "导出",
    "data.change": "数据变更",
    "user.change": "账号变更",
    "token.change": "令牌变更",
    "access.denied": "越权访问",
}


def record(
    session: Session,
    action: str,
    viewer: Viewer | None = None,
    *,
    login: str | None = None,
    target: str | None = None,
    outcome: str = "ok",
    address: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry to the session (the caller commits, together with what it records);
    `at` when the moment it records is not now (a login attempt judged at a given time)."""
    entry = AuditEntry(
        user_id=viewer.user_id if viewer else None,
        login=(viewer.login if viewer and viewer.login else login),
        scopes=" ".join(viewer.scopes) if viewer else "",
        action=action,
        target=target,
        outcome=outcome,
        address=address,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    return entry


def visible_to(viewer: Viewer, entry: AuditEntry) -> bool:
    """Admins see what actors inside their scope did; anonymous attempts only a city admin."""
    if not viewer.can("admin"):
        return False
    actor_scopes = tuple(entry.scopes.split()) if entry.scopes else ()
    if not actor_scopes:
        return any(codes.level_of(s) == "city" for s in viewer.scopes)
    return viewer.covers_all(actor_scopes)


def entries(
    session: Session, viewer: Viewer, limit: int = 200, action: str | None = None
) -> list[AuditEntry]:
    """The latest entries the viewer may see, newest first."""
    if not viewer.can("admin"):
        return []
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        statement = statement.where(AuditEntry.action == action)
    found: list[AuditEntry] = []
    # Scope is checked per entry (scopes are stored as text); read in pages until enough.
    for entry in session.scalars(statement.execution_options(yield_per=500)):
        if visible_to(viewer, entry):
            found.append(entry)
            if len(found) >= limit:
                break
    return found
