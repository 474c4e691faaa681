"""The alerts module's commands (`onemap alerts ...`)."""

from __future__ import annotations

import sys
from pathlib import Path


def add_commands(commands, core) -> None:
    """`onemap alerts import-contacts FILE`, run as the system viewer."""

    def import_file(args) -> int:
        from modules.alerts.contacts import import_contacts, record_import

        path = Path(args.file)
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

    alerts = commands.add_parser("alerts", help="SMS alerts (短信提醒)")
    sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="SUBCOMMAND")
    parser = sub.add_parser(
        "import-contacts",
        help="import contacts from CSV or XLSX (all or nothing; a report names bad rows)",
    )
    parser.add_argument("file", help="CSV (UTF-8 or GB18030) or XLSX: 姓名, 手机号, 村居代码, 分组")
    parser.set_defaults(func=import_file)
