"""The alerts module (短信提醒): one-click SMS to key groups through an outbox and a worker.

It registers on the module SDK like any outside package: contacts and groups, templates,
audiences resolved inside the sender's scope, a transactional outbox drained by the worker
`alerts-outbox` through a provider (file or HTTP gateway), acknowledgement links and
escalation to the next level up. See docs/alerts.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from modules.sdk import ModuleInfo, Permission, WorkerSpec, add_tables, hookimpl

MODULE_ID = "alerts"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "短信提醒", "重点群体一键短信、送达跟踪与逐级升级")


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("alert", "向重点人群发送短信", ("staff", "coordinator"))]


@hookimpl
def register_tables(metadata) -> None:
    from modules.alerts.models import TABLES

    add_tables(metadata, TABLES)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def register_routes(blueprint, core) -> None:
    from modules.alerts.routes import add_routes

    add_routes(blueprint, core)


@hookimpl
def register_pages(core) -> list:
    from modules.alerts.page import page

    return [page(core)]


@hookimpl
def register_callbacks(app, core) -> None:
    from modules.alerts.page import register

    register(app, core)


@hookimpl
def register_workers(core) -> list:
    from modules.alerts.worker import worker_run

    return [WorkerSpec("alerts-outbox", worker_run(core))]


@hookimpl
def register_commands(commands, core) -> None:
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


@hookimpl
def seed_demo(session, viewer) -> None:
    from modules.alerts.demo import seed

    seed(session, viewer)
