"""Department accounts: the name and the tag domains a `department` account may request,
set by an admin (`onemap ledger department`) and read when it asks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modules.ledger.catalogue import DOMAIN_ORDER
from modules.ledger.checks import Refused
from modules.ledger.requests.models import LedgerDepartment


def department_of(session: Session, login: str | None) -> LedgerDepartment | None:
    return session.get(LedgerDepartment, login) if login else None


def set_department(
    session: Session, login: str, name: str, domains: list[str], by: str
) -> LedgerDepartment:
    """Set (or change) the department of an account; refused with the reason when the
    name is empty or a domain is not one of the catalogue's."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise Refused("give the department's name (at most 60 characters)", "请填写部门名称")
    unknown = [d for d in domains if d not in DOMAIN_ORDER]
    if unknown:
        raise Refused(
            f"unknown domains: {', '.join(unknown)}",
            f"没有这些领域：{'、'.join(unknown)}（可选：{'、'.join(DOMAIN_ORDER)}）",
        )
    row = department_of(session, login)
    if row is None:
        row = LedgerDepartment(login=login)
        session.add(row)
    row.department = name
    row.domains = "/".join(dict.fromkeys(domains))
    row.changed_by = by
    row.changed_at = datetime.now(UTC)
    session.flush()
    return row
