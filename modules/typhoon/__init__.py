"""The typhoon module (台风): tracks, wind circles, forecasts, and who is exposed and when.

Built on the module SDK only: division polygons through access.scoped (the viewer's
units), key points through core.sites, exposure published as `exposure` signals.
"""

from pathlib import Path

from modules.sdk import ModuleInfo, Permission, add_tables, hookimpl

MODULE_ID = "typhoon"


@hookimpl
def module_info() -> ModuleInfo:
    return ModuleInfo(MODULE_ID, "台风", "路径、风圈、预报与影响范围")


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("consult", "台风会商与发布影响信号", ("coordinator",))]


@hookimpl
def register_tables(metadata) -> None:
    from modules.typhoon.models import TyphoonPoint, TyphoonStorm

    add_tables(metadata, (TyphoonStorm, TyphoonPoint))


@hookimpl
def register_migrations() -> str:
    return str(Path(__file__).resolve().parent / "migrations")


@hookimpl
def register_routes(blueprint, core) -> None:
    from modules.typhoon.routes import add_routes

    add_routes(blueprint, core)


@hookimpl
def register_openapi() -> dict:
    from modules.typhoon.openapi import paths

    return paths()


@hookimpl
def register_collections(viewer, core) -> list:
    from modules.typhoon.collections import collections

    return collections(viewer, core)


@hookimpl
def seed_demo(session, viewer) -> None:
    from modules.typhoon.demo import seed

    seed(session, viewer)


@hookimpl
def register_commands(commands, core) -> None:
    from modules.typhoon.commands import add_commands

    add_commands(commands, core)


@hookimpl
def register_pages(core) -> list:
    from modules.typhoon.pages import page

    return [page(core)]


@hookimpl
def register_callbacks(app) -> None:
    from modules.typhoon.callbacks import register

    register(app)


@hookimpl
def register_layers(viewer, moment, session, core) -> list:
    from modules.typhoon.layers import published_storms_layer

    return published_storms_layer(viewer, moment, session, core)


# Named apart from the hook: importing modules.typhoon.situation makes `situation` the
# submodule on this package, and a hook implementation of that name would be lost.
@hookimpl(specname="situation")
def situation_items(viewer, session, event, moment, core) -> list:
    from modules.typhoon.situation import items

    return items(viewer, session, event, moment, core)
