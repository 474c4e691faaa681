"""The alerts module (短信提醒): one-click SMS to key groups through an outbox and a worker.

It registers on the module SDK like any outside package: contacts and groups, templates,
audiences resolved inside the sender's scope, a transactional outbox drained by the worker
`alerts-outbox` through a provider (file or HTTP gateway), acknowledgement links and
escalation to the next level up. See docs/alerts.md.
"""

from __future__ import annotations

from pathlib import Path

from modules.sdk import INSTRUCTION, ModuleInfo, Permission, WorkerSpec, add_tables, hookimpl

MODULE_ID = "alerts"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "短信提醒", "重点群体一键短信、送达跟踪与逐级升级")


@hookimpl
def register_permissions() -> list[Permission]:
    from modules.alerts.contacts import READ_CONTACTS

    return [
        Permission("alert", "向重点人群发送短信", ("staff", "coordinator")),
        Permission(
            READ_CONTACTS, "查看重点人群联系人", ("leader", "staff", "coordinator", "admin")
        ),
    ]


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
def register_openapi() -> dict:
    from modules.alerts.openapi import paths

    return paths()


@hookimpl
def register_pages(core) -> list:
    from modules.alerts.pages import page

    return [page(core)]


@hookimpl
def register_callbacks(app) -> None:
    from modules.alerts.callbacks import register
    from modules.alerts.panel import register as register_panel

    register(app)
    register_panel(app)


@hookimpl
def register_panels(viewer, session, unit) -> list:
    from modules.alerts.panel import contacts_panel

    panel = contacts_panel(session, viewer, unit)
    return [panel] if panel is not None else []


@hookimpl
def register_workers(core) -> list:
    from modules.alerts.worker import worker_run

    return [WorkerSpec("alerts-outbox", worker_run(core))]


@hookimpl
def register_commands(commands, core) -> None:
    from modules.alerts.commands import add_commands

    add_commands(commands, core)


@hookimpl
def register_signals(bus) -> None:
    from modules.alerts.instructions import on_instruction

    bus.subscribe(INSTRUCTION, on_instruction, module=MODULE_ID)


# Named apart from the hook: importing modules.alerts.situation makes `situation` the
# submodule on this package, and a hook implementation of that name would be lost.
@hookimpl(specname="situation")
def situation_items(viewer, session, event, moment) -> list:
    from modules.alerts.situation import items

    return items(viewer, session, event, moment)


@hookimpl
def seed_demo(session, viewer) -> None:
    from modules.alerts.demo import seed

    seed(session, viewer)
