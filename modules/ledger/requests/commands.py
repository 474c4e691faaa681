"""`onemap ledger department LOGIN --name 市民政局 --domain 民政 ...`: give a department
account (role `department`) its name and the tag domains it may request;
`onemap ledger departments` lists them."""

from __future__ import annotations

import sys

import click

from modules.ledger.checks import Refused
from modules.ledger.requests.departments import set_department
from modules.ledger.requests.models import LedgerDepartment
from modules.sdk import record_audit


def _ledger_group(commands: click.Group) -> click.Group:
    """The `onemap ledger` group, shared with any other part of the ledger that adds one."""
    found = commands.commands.get("ledger")
    if isinstance(found, click.Group):
        return found

    @commands.group(name="ledger", help="一张表：部门账号等")
    def ledger() -> None:
        pass

    return ledger


def add_commands(commands: click.Group, core) -> None:
    ledger = _ledger_group(commands)

    @ledger.command(name="department", help="set a department account's name and domains")
    @click.argument("login")
    @click.option("--name", "name", required=True, help="the department, e.g. 市民政局")
    @click.option("--domain", "domains", multiple=True, help="a tag domain it may request")
    def department_command(login: str, name: str, domains: tuple[str, ...]) -> int:
        viewer = core.viewer()
        try:
            with core.sessions() as session, session.begin():
                row = set_department(session, login, name, list(domains), viewer.login or "cli")
                record_audit(
                    session,
                    "user.change",
                    viewer,
                    target=login,
                    detail={"op": "department", "name": row.department, "domains": row.domains},
                )
        except Refused as refused:
            print(f"onemap ledger department: {refused.reason}", file=sys.stderr)
            return 1
        print(f"{login}: {name} ({'/'.join(domains) or '—'})")
        return 0

    @ledger.command(name="departments", help="list department accounts")
    def departments_command() -> int:
        with core.sessions() as session:
            for row in session.query(LedgerDepartment).order_by(LedgerDepartment.login):
                print(f"{row.login}\t{row.department}\t{row.domains}")
        return 0
