"""Failed logins of names that have no account, counted as an account's are (no enumeration).

An account's failures are counted on its row. A name without one has no row, and answering
it differently (401 where an account gets 429) would tell who exists. Its failures are read
back from the audit log instead, which every server process shares: each failed check is an
entry `login.failure` / `bad-credentials`, the one that locks is `login.locked` / `locked`
(attempts refused while locked are `still-locked`, while waiting `wait`, and count for
nothing, as on an account). Two indexed queries of a few rows: the last lock, and the
failures since it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AuditEntry

FAILURE = ("login.failure", "bad-credentials")
LOCK = ("login.locked", "locked")
STILL_LOCKED = "still-locked"
LOGIN_CHARS = 64  # what the audit log keeps of a typed login


def audit_outcome(outcome: str, counted: bool) -> tuple[str, str]:
    """(action, outcome) of the audit entry for a refused login attempt."""
    if outcome == "locked":
        return LOCK if counted else (LOCK[0], STILL_LOCKED)
    return FAILURE[0], outcome


def unknown_login_state(
    session: Session, login: str
) -> tuple[int, datetime | None, datetime | None]:
    """(failures since the last lock, the last failure's time, the lock's end) of a name
    that has no account, from the audit log."""
    from app.accounts import LOCK_AFTER, LOCK_FOR

    name = login[:LOGIN_CHARS]
    mine = (AuditEntry.login == name, AuditEntry.user_id.is_(None))
    last_lock = session.execute(
        select(AuditEntry.id, AuditEntry.at)
        .where(*mine, AuditEntry.action == LOCK[0], AuditEntry.outcome == LOCK[1])
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    failures = select(AuditEntry.at).where(
        *mine, AuditEntry.action == FAILURE[0], AuditEntry.outcome == FAILURE[1]
    )
    if last_lock is not None:
        failures = failures.where(AuditEntry.id > last_lock.id)
    times = list(session.scalars(failures.order_by(AuditEntry.id.desc()).limit(LOCK_AFTER)))
    locked_until = last_lock.at + LOCK_FOR if last_lock is not None else None
    return len(times), (times[0] if times else None), locked_until
