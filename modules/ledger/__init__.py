"""The ledger (一张表): shared tags (共享标签) that a township clerk keeps once a month for
every village and town, read by everyone above her without asking. DHIS2's model named for
Putian: tags × units × periods, values stored long and carried forward, history, rules
across tags, roll-ups by the code prefix. See docs/ledger.md.
"""

from pathlib import Path

from modules.sdk import ModuleInfo, Permission, add_tables, hookimpl

MODULE_ID = "ledger"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "一张表", "共享标签、月度大表、历史、校验、汇总")


@hookimpl
def register_permissions() -> list[Permission]:
    from modules.ledger.requests.rights import request_permissions
    from modules.ledger.tags import APPROVE, CATALOGUE, READ, SENSITIVE, WRITE

    return [
        Permission(READ, "查看一张表", ("staff", "leader", "coordinator", "admin")),
        Permission(WRITE, "填报一张表", ("staff",)),
        Permission(APPROVE, "审核一张表", ("admin",)),
        Permission(SENSITIVE, "查看个人敏感标签", ("staff", "admin")),
        Permission(CATALOGUE, "管理共享标签", ("admin",)),
        *request_permissions(),
    ]


@hookimpl
def register_tables(metadata) -> None:
    from modules.ledger.models import TABLES

    add_tables(metadata, TABLES)


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def register_measures(viewer) -> list:
    from modules.ledger.completeness import completeness_measure
    from modules.ledger.demo_label import labelled
    from modules.ledger.measures import ledger_measures

    return [labelled(completeness_measure()), *ledger_measures(viewer)]


@hookimpl
def register_panels(viewer, session, core, unit) -> list:
    from modules.ledger.profile.panel import profile_panel

    panel = profile_panel(session, viewer, core, unit)
    return [panel] if panel is not None else []


@hookimpl
def register_routes(blueprint, core) -> None:
    from modules.ledger.routes import add_routes

    add_routes(blueprint, core)


@hookimpl
def register_openapi() -> dict:
    from modules.ledger.openapi import paths

    return paths()


@hookimpl
def register_commands(commands, core) -> None:
    from modules.ledger.commands import add_commands

    add_commands(commands, core)


@hookimpl
def register_pages(core) -> list:
    from modules.ledger.pages import pages

    return pages(core)


@hookimpl
def register_callbacks(app) -> None:
    from modules.ledger.callbacks import register
    from modules.ledger.profile.callbacks import register as register_profile

    register(app)
    register_profile(app)


# Last, so that the other modules' demo data (the flood module's key points) is in place
# when the ledger counts them through the sites contract.
@hookimpl(trylast=True)
def seed_demo(session, viewer) -> None:
    from modules.ledger.demo import seed

    seed(session, viewer)


# The hook's module is `exposed`, not `situation`: importing modules.ledger.situation would
# put the submodule in this function's place on the package, and the hook would be lost.
@hookimpl
def situation(viewer, session, event, moment, core) -> list:
    from modules.ledger.exposed import exposed_people

    return exposed_people(session, viewer, event, moment, core)
