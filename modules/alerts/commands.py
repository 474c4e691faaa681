"""The alerts module's commands (`onemap alerts ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def add_commands(commands: click.Group, core) -> None:
    """`onemap alerts import-contacts FILE`, run as the system viewer."""

    @commands.group(help="SMS alerts (短信提醒)")
    def alerts() -> None:
        pass

    @alerts.command(
        name="import-contacts",
        help="import contacts from CSV (UTF-8 or GB18030) or XLSX: 姓名, 手机号, 村居代码, 分组 "
        "(all or nothing; a report names bad rows)",
    )
    @click.argument("file")
    def import_contacts_command(file: str) -> int:
        return import_file(core, Path(file))


def import_file(core, path: Path) -> int:
    from modules.alerts.contacts import import_contacts, record_import

    if not path.is_file():
        print(f"onemap: no such file: {path}", file=sys.stderr)
        return 2
    viewer = core.viewer()
    with core.sessions() as session:
        session.begin()
        report = import_contacts(session, viewer, path.read_bytes(), path.name)
        if report.ok:
            record_import(session, viewer, report, path.name)
            session.commit()
        else:
            session.rollback()
    print(report.text())
    return 0 if report.ok else 1
