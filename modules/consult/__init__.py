"""会商 (consultation): events, a situation board gathered from every module through the
`situation` hook, a decision log, numbered snapshots with their diff, and briefings. It
imports no other module: what it shows of them comes through the contract. See
docs/consult.md."""

from pathlib import Path

from modules.sdk import ModuleInfo, Permission, add_tables, hookimpl

MODULE_ID = "consult"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "会商", "事件态势、会商记录、分期快照与对比、简报")


@hookimpl
def register_permissions() -> list[Permission]:
    from modules.consult.access import INSTRUCTIONS, READ, RUN

    return [
        Permission(READ, "查看会商", ("leader", "coordinator", "admin")),
        Permission(RUN, "主持会商", ("coordinator",)),
        Permission(INSTRUCTIONS, "接收会商指令", ("staff",)),
    ]


@hookimpl
def register_tables(metadata) -> None:
    from modules.consult.models import TABLES

    add_tables(metadata, TABLES)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def register_routes(blueprint, core) -> None:
    from modules.consult.routes import add_routes

    add_routes(blueprint, core)


@hookimpl
def register_openapi() -> dict:
    from modules.consult.openapi import paths

    return paths()


@hookimpl
def register_pages(core) -> list:
    from modules.consult.pages import pages

    return pages(core)


@hookimpl
def register_callbacks(app) -> None:
    from modules.consult.callbacks import register

    register(app)


# After the typhoon module's demo storms, which the demo event replays.
@hookimpl(trylast=True)
def seed_demo(session, viewer, core) -> None:
    from modules.consult.demo import seed

    seed(session, viewer, core)
