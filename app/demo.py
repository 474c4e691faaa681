"""Demo accounts for `make run` on an empty database (never with ONEMAP_DEMO=0)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import accounts
from store.models import User

DEMO_ACCOUNTS = (
    # login, name, role, jurisdiction
    ("city.leader", "市领导（演示）", "leader", "350300"),
    ("licheng.leader", "荔城区领导（演示）", "leader", "350304"),
    ("xitianwei.staff", "西天尾镇干部（演示）", "staff", "350304100"),
    ("xiuyu.staff", "秀屿区干部（演示）", "staff", "350305"),
    ("city.coordinator", "市应急指挥（演示）", "coordinator", "350300"),
    ("city.admin", "市管理员（演示）", "admin", "350300"),
    # Approves 荔城区's data requests; the department asks (its name and domains are the
    # ledger module's demo rows).
    ("licheng.admin", "荔城区管理员（演示）", "admin", "350304"),
    ("city.minzheng", "市民政局（演示）", "department", "350300"),
)


def create_demo_accounts(session: Session) -> list[tuple[str, str, str, str, str]]:
    """On a database without users, create the demo accounts with random passwords.

    Returns (login, password, role, jurisdiction, name) to print once; nothing otherwise.
    """
    if session.scalar(select(func.count()).select_from(User)):
        return []
    created = []
    for login, name, role, scope in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        accounts.add_user(session, login, role, [scope], name=name, password=password)
        created.append((login, password, role, scope, name))
    return created
