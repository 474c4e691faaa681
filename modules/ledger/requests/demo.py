"""Demo department accounts' names and domains (演示): 市民政局 asks for 民政 and 人口
figures. The accounts themselves are the core's (`onemap users add --role department`);
a row for a login nobody holds grants nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.ledger.requests.departments import department_of, set_department

DEMO_DEPARTMENTS = (("city.minzheng", "市民政局（演示）", ("民政", "人口")),)


def seed_departments(session: Session) -> int:
    for login, name, domains in DEMO_DEPARTMENTS:
        if department_of(session, login) is None:
            set_department(session, login, name, list(domains), "system")
    return len(DEMO_DEPARTMENTS)
